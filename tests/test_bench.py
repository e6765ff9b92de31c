"""``manage.py bench``: three tables, query counts that do not grow, nothing left behind."""

import dataclasses
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from clients import services
from petcare.management.commands import bench
from scheduling.models import ScheduledEvent

pytestmark = pytest.mark.django_db

TITLES = {
    "make_inactive": "Make Inactive:",
    "profile": "Profile page:",
    "list": "Client list:",
}


def run_bench(*args: str) -> str:
    out = StringIO()
    call_command("bench", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def tables(output: str) -> dict[str, list[dict[str, str]]]:
    """Each table's rows as {column: cell}; columns are set apart by two spaces."""
    found = {}
    for block in output.split("\n\n"):
        lines = block.strip("\n").splitlines()
        for key, title in TITLES.items():
            if lines and lines[0].startswith(title):
                header = re.split(r"\s{2,}", lines[1].strip())
                found[key] = [
                    dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=True))
                    for line in lines[2:]
                ]
    return found


def test_bench_prints_three_tables_with_the_same_query_counts_at_every_size():
    output = run_bench("--sizes", "5,20", "--repeat", "1")

    found = tables(output)
    assert set(found) == set(TITLES)
    for rows in found.values():
        assert [row["size"] for row in rows] == ["5", "20"]
        assert len({row["queries"] for row in rows}) == 1
        assert all(float(row["median ms"]) > 0 for row in rows)
    make_inactive = found["make_inactive"]
    assert len({row["raw queries"] for row in make_inactive}) == 1
    assert all(float(row["ratio"]) > 0 for row in make_inactive)
    assert "Query counts do not grow with the size" in output


def test_bench_leaves_the_database_as_it_found_it():
    before = row_counts()

    run_bench("--sizes", "5,20", "--repeat", "1")

    assert row_counts() == before


def test_bench_fails_when_make_inactive_loops_over_the_visits(monkeypatch):
    """The check the bench doubles as: a per-row loop makes the count grow."""
    real = services.deactivate_client

    def looping_deactivate(client, *, now, **options):
        removed = 0
        for event in ScheduledEvent.objects.upcoming(now=now).for_client(client):
            event.delete()
            removed += 1
        done = real(client, now=now, **options)
        return dataclasses.replace(done, events_removed=removed)

    monkeypatch.setattr(bench, "deactivate_client", looping_deactivate)

    with pytest.raises(CommandError, match="Make Inactive ran a number of queries that changes"):
        run_bench("--sizes", "2,3", "--repeat", "1")


@pytest.mark.parametrize(
    ("option", "value"), [("--sizes", "10,x"), ("--sizes", "0"), ("--repeat", "0")]
)
def test_bench_refuses_malformed_options(option, value):
    with pytest.raises(CommandError):
        run_bench(option, value)


PAGES = [
    "client list, page 1",
    "client list, last page",
    'search "smith", Active',
    'search "smith", All',
    "week view, busy week",
    "day view, busy day",
    "API events/upcoming, 1k client",
    "API events/upcoming, 10k client",
    "profile, many templates",
    'Add visit picker, "smith"',
]


def pages_table(output: str) -> dict[str, dict[str, str]]:
    """The --pages table's rows by page name."""
    for block in output.split("\n\n"):
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("Pages:"):
            header = re.split(r"\s{2,}", lines[1].strip())
            rows = [
                dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=True))
                for line in lines[2:]
            ]
            return {row["page"]: row for row in rows}
    raise AssertionError(f"No pages table in:\n{output}")


def test_bench_pages_measures_every_page_with_the_same_queries_at_both_sizes(tmp_path):
    """The page benchmark at a tiny size: every row, the same query counts,
    the document, nothing left behind. Timings of a tiny size are noise, so
    only the counts are checked (--ratio-budget 0)."""
    before = row_counts()
    written = tmp_path / "benchmarks.md"

    output = run_bench(
        "--pages",
        "--clients",
        "150",
        "--repeat",
        "1",
        "--ratio-budget",
        "0",
        "--write",
        str(written),
    )

    rows = pages_table(output)
    assert list(rows) == PAGES
    for row in rows.values():
        assert row["small queries"] == row["large queries"]
        assert float(row["small ms"]) > 0 and float(row["large ms"]) > 0
        assert float(row["large KB"]) > 0
    assert "Make Inactive of the client with the most visits to come" in output
    assert "Every page runs the same queries at both sizes" in output
    document = written.read_text()
    assert all(f"| {page} |" in document for page in PAGES)
    assert "## The hot queries" in document
    assert row_counts() == before
