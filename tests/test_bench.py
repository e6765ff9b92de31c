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
