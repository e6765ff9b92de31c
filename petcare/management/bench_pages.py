"""``manage.py bench --pages``: what users wait for, at a small and a large size.

Both businesses (``bench_data``) are built in turn inside the command's
transaction, measured, and rolled back. Every page is asked for by its URL
through Django's test client, as staff (the app API: as a client's app, with
a token from its own sign-in), so the bench doesn't care how a page is made.
"""

import dataclasses
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.urls import reverse

from clients.models import Client
from petcare.paging import encode_cursor

from .bench_data import Business, build_business, client_login

SMALL_CLIENTS = 100
RATIO_BUDGET = 3.0  # docs/design.md: no page takes more than 3x at 1,000x the clients
SEARCH = "smith"
API_PASSWORD = "bench-app-password"


@dataclass(frozen=True)
class Query:
    sql: str
    params: tuple
    ms: float


@dataclass
class PageMeasure:
    queries: int
    median_ms: float
    size_kb: float
    slowest: Query | None = None
    explain: str = ""


@dataclass
class SizeResult:
    business: Business
    build_seconds: float
    pages: dict[str, PageMeasure] = field(default_factory=dict)
    make_inactive: object = None  # bench.MakeInactiveRow


def page_urls(business: Business, *, api_tokens: dict[str, str]) -> dict[str, tuple[str, dict]]:
    """The pages of the table, by name: their URL and request headers."""
    clients_url = reverse("clients:list")
    last = Client.objects.filter(is_active=True).order_by("-name", "-pk").first()
    # Before the position just past the last row: the list's last page.
    past_the_end = encode_cursor((last.name, last.pk + 1))

    def app(name: str) -> dict:
        return {"Authorization": f"Bearer {api_tokens[name]}"}

    api_url = reverse("app_api:upcoming_events")
    return {
        "client list, page 1": (clients_url, {}),
        "client list, last page": (f"{clients_url}?status=active&before={past_the_end}", {}),
        f'search "{SEARCH}", Active': (f"{clients_url}?status=active&q={SEARCH}", {}),
        f'search "{SEARCH}", All': (f"{clients_url}?status=all&q={SEARCH}", {}),
        "week view, busy week": (reverse("scheduling:week", args=[business.busy_week]), {}),
        "day view, busy day": (reverse("scheduling:day", args=[business.busy_day]), {}),
        "API events/upcoming, 1k client": (api_url, app("api_small")),
        "API events/upcoming, 10k client": (api_url, app("api_large")),
        "profile, many templates": (
            reverse("clients:detail", args=[business.profile.client_id]),
            {},
        ),
        f'Add visit picker, "{SEARCH}"': (f"{reverse('scheduling:visit_add')}?q={SEARCH}", {}),
    }


def sign_in_app(http: TestClient, client_id: int) -> str:
    """A token for the client's app, from POST auth/token as the app gets it."""
    login = client_login(client_id)
    login.set_password(API_PASSWORD)
    login.save(update_fields=["password"])
    response = http.post(
        reverse("app_api:sign_in"),
        data=json.dumps({"email": login.email, "password": API_PASSWORD}),
        content_type="application/json",
    )
    if response.status_code != 200:
        raise RuntimeError(f"The app's sign-in answered {response.status_code}.")
    return response.json()["token"]


def measure_page(
    http: TestClient, url: str, headers: dict, *, repeat: int, explain: bool
) -> PageMeasure:
    """Queries (and the slowest of them), median time and size of GET ``url``;
    each run in a savepoint rolled back (the API records a token's use)."""

    def get():
        response = http.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
        return response

    for _ in range(2):  # warm-up: templates compiled, caches filled, plans known
        in_savepoint(get)
    queries: list[Query] = []

    def record(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(Query(sql, tuple(params or ()), (time.perf_counter() - start) * 1000))

    def get_recorded():
        with connection.execute_wrapper(record):
            return get()

    _, response = in_savepoint(get_recorded)
    with override_settings(DEBUG=False):  # production's cursor, no query log
        # As timeit does: no garbage collection pause lands in one run and
        # not another (a 15 ms page varied by a third with it).
        gc.collect()
        gc.disable()
        try:
            times = [in_savepoint(get)[0] for _ in range(repeat)]
        finally:
            gc.enable()
    reads = [q for q in queries if q.sql.lstrip().upper().startswith(("SELECT", "WITH", "("))]
    if explain:
        # One timing is at the mercy of the machine: the best of three of each.
        reads = [dataclasses.replace(q, ms=min(q.ms, *retime(q, times=2))) for q in reads]
    slowest = max(reads, key=lambda q: q.ms, default=None)
    measure = PageMeasure(
        queries=len(queries),
        median_ms=statistics.median(times) * 1000,
        size_kb=len(response.content) / 1024,
        slowest=slowest,
    )
    if explain and slowest is not None:
        measure.explain = explain_query(slowest)
    return measure


def in_savepoint(fn: Callable[[], object]) -> tuple[float, object]:
    """Run ``fn`` and roll back what it wrote; returns its time (the savepoint
    itself untimed) and result."""
    savepoint = transaction.savepoint_create()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        transaction.savepoint_rollback(savepoint)


def retime(query: Query, *, times: int) -> list[float]:
    """Milliseconds of running ``query`` again, ``times`` times."""
    spent = []
    with connection.cursor() as cursor:
        for _ in range(times):
            start = time.perf_counter()
            cursor.execute(query.sql, query.params)
            cursor.fetchall()
            spent.append((time.perf_counter() - start) * 1000)
    return spent


def explain_query(query: Query) -> str:
    if connection.vendor == "postgresql":
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
    elif connection.vendor == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN "
    savepoint = transaction.savepoint_create()
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + query.sql, query.params)
            return "\n".join(" | ".join(str(cell) for cell in row) for row in cursor.fetchall())
    finally:
        transaction.savepoint_rollback(savepoint)


def readable_sql(query: Query) -> str:
    """The statement with its parameters in place where the driver can say
    (psycopg's client-side binding), else followed by them."""
    mogrify = getattr(connection.connection.cursor(), "mogrify", None)
    if mogrify is not None:
        return mogrify(query.sql, query.params)
    return f"{query.sql}\n-- parameters: {list(query.params)!r}"


def run_size(
    *,
    clients: int,
    http: TestClient,
    service_type,
    repeat: int,
    explain: bool,
    progress,
    measure_mi,
) -> SizeResult:
    """Build a business of ``clients`` clients in a savepoint, measure every
    page, roll it back."""
    with transaction.atomic():
        start = time.perf_counter()
        business = build_business(clients=clients, service_type=service_type, progress=progress)
        build_seconds = time.perf_counter() - start
        progress(f"  built in {build_seconds:.1f} s; measuring…\n")
        tokens = {
            "api_small": sign_in_app(http, business.api_small.client_id),
            "api_large": sign_in_app(http, business.api_large.client_id),
        }
        result = SizeResult(business=business, build_seconds=build_seconds)
        for name, (url, headers) in page_urls(business, api_tokens=tokens).items():
            result.pages[name] = measure_page(http, url, headers, repeat=repeat, explain=explain)
        result.make_inactive = measure_mi(business)
        transaction.set_rollback(True)
    return result


def ratios(small: SizeResult, large: SizeResult) -> dict[str, float]:
    return {name: large.pages[name].median_ms / small.pages[name].median_ms for name in small.pages}


def problems(small: SizeResult, large: SizeResult, *, budget: float) -> list[str]:
    """What fails the bench: a query count that differs between the sizes, a
    page over ``budget`` times the small size's time (0: timings unchecked)."""
    found = []
    for name, page in small.pages.items():
        other = large.pages[name]
        if page.queries != other.queries:
            found.append(
                f"{name}: {page.queries} queries at {small.business.clients:,} clients, "
                f"{other.queries} at {large.business.clients:,}."
            )
    if budget:
        for name, ratio in ratios(small, large).items():
            if ratio > budget:
                found.append(f"{name}: {ratio:.1f}x the small size's time (budget {budget:g}x).")
    return found


def table_rows(small: SizeResult, large: SizeResult) -> list[list[str]]:
    by_name = ratios(small, large)
    rows = []
    for name, page in small.pages.items():
        other = large.pages[name]
        rows.append(
            [
                name,
                str(page.queries),
                str(other.queries),
                f"{page.median_ms:.1f}",
                f"{other.median_ms:.1f}",
                f"{by_name[name]:.2f}",
                f"{page.size_kb:.1f}",
                f"{other.size_kb:.1f}",
            ]
        )
    return rows


TABLE_HEADERS = [
    "page",
    "small queries",
    "large queries",
    "small ms",
    "large ms",
    "ratio",
    "small KB",
    "large KB",
]


def describe(result: SizeResult) -> str:
    b = result.business
    return (
        f"{b.clients:,} clients, {b.pets:,} pets, {b.visits:,} visits, {b.templates:,} "
        f"templates, {b.sitters} sitters (built in {result.build_seconds:.1f} s)"
    )


def machine() -> str:
    db = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        db = connection.vendor
    # Other work on the machine shows in every timing: say how busy it was.
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({platform.machine()}), {platform.system()}, "
        f"Python {platform.python_version()}, {db}; load average {load} when written"
    )


def markdown(
    *,
    small: SizeResult,
    large: SizeResult,
    command: str,
    repeat: int,
    budget: float,
    mi_rows: list[list[str]],
) -> str:
    """docs/benchmarks.md: the table, Make Inactive, and the hot queries' plans."""
    now = datetime.now(UTC)
    lines = [
        "# Benchmarks",
        "",
        "Written by `manage.py bench --pages --write docs/benchmarks.md`; run it",
        "again rather than edit this file. What users wait for, at a small business",
        "and a large one: each page asked for by URL through Django's test client",
        "(staff signed in; the app API with a client's token), with `DEBUG` off,",
        f"the median of {repeat} runs on the same data. The data is built inside a",
        "transaction that is rolled back: the database is left as it was found",
        "(its sequences aside). A page passes when its query count is the same at",
        "both sizes and, on PostgreSQL, it takes at most 3x the small size's time",
        f"(this run's budget: {f'{budget:g}x' if budget else 'timings unchecked'}).",
        "",
        f"- Command: `uv run {command}`",
        f"- Date: {now:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Small: {describe(small)}",
        f"- Large: {describe(large)}",
        "",
        "| " + " | ".join(TABLE_HEADERS) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(TABLE_HEADERS) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(small, large)]
    lines += [
        "",
        "Make Inactive of the client with the most visits to come, against the same",
        "statements as raw SQL on the same rows (the budget: 1.5x from 1,000 visits):",
        "",
        "| upcoming visits | templates | queries | median ms | raw SQL ms | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in mi_rows]
    lines += [
        "",
        "## The hot queries",
        "",
        "The slowest statement of each page at the large size, with its plan",
        "(`EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL).",
    ]
    for name, page in large.pages.items():
        if page.slowest is None:
            continue
        lines += [
            "",
            f"### {name}: {page.slowest.ms:.1f} ms of {page.median_ms:.1f} ms",
            "",
            "```sql",
            readable_sql(page.slowest),
            "```",
            "",
            "```",
            page.explain,
            "```",
        ]
    return "\n".join(lines) + "\n"
