"""``manage.py bench``: the performance budget of docs/design.md, measured.

For growing data sizes it prints the query count and median time of Make
Inactive (the real service, against the same statements written as raw SQL on
the same rows), of the client profile page and of the client list, and fails
when a query count changes with the size, so that it doubles as a check.

Everything happens in one transaction that is rolled back, and every measured
run in a savepoint that is rolled back, so each run sees identical data and the
configured database is left as it was found (PostgreSQL's sequences aside:
``nextval`` is never rolled back, so later ids skip a few numbers).

``bench --pages`` measures what users wait for instead: every page of
docs/benchmarks.md's table at 100 clients and at ``--clients`` (100,000 by
default), their queries, median time, size and the ratio of the two
(petcare/management/bench_pages.py, with its data in bench_data.py); it
fails when a query count differs between the sizes or, on PostgreSQL, a page
takes more than 3x; ``--write`` writes the table and the hot queries' plans.
"""

import logging
import shlex
import statistics
import sys
from argparse import ArgumentTypeError
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientStatusChange, Pet, StatusAction, phone_digits
from clients.services import deactivate_client
from petcare import roles
from petcare.management import bench_data, bench_pages
from petcare.management.bench_pages import in_savepoint
from petcare.management.demo_data import migrate_if_needed
from petcare.models import User
from scheduling.models import (
    EventPet,
    EventStatus,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)

DEFAULT_SIZES = "10,100,1000,5000"
# docs/design.md: from 1,000 upcoming events on, Make Inactive takes at most 1.5x
# the raw SQL.
RATIO_BUDGET = 1.5
RATIO_FROM_SIZE = 1000
EMAIL_DOMAIN = "bench.example"


@dataclass(frozen=True)
class Measure:
    queries: int
    median_ms: float


@dataclass(frozen=True)
class MakeInactiveRow:
    size: int
    templates: int
    service: Measure
    raw: Measure

    @property
    def ratio(self) -> float:
        return self.service.median_ms / self.raw.median_ms


@dataclass(frozen=True)
class PageRow:
    size: int
    clients: int
    page: Measure


@dataclass(frozen=True)
class BenchData:
    client: Client
    upcoming: int
    templates: int
    now: datetime


class Command(BaseCommand):
    help = (
        "Measure Make Inactive (against raw SQL), the client profile and the client list "
        "at growing data sizes; fails if a query count grows with the size. With --pages: "
        "every page users wait for at 100 clients and at --clients, failing when a query "
        "count differs or (PostgreSQL) a page takes more than 3x. Leaves the database as "
        "it was: the data is built in a transaction that is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default=DEFAULT_SIZES,
            type=_sizes,
            help=f"Comma-separated numbers of upcoming events (default {DEFAULT_SIZES}).",
        )
        parser.add_argument(
            "--repeat",
            default=5,
            type=_positive,
            help="Timed runs per measure; the median is shown (default 5).",
        )
        parser.add_argument(
            "--pages",
            action="store_true",
            help="Measure every page at a small and a large business (docs/benchmarks.md).",
        )
        parser.add_argument(
            "--clients",
            default=100_000,
            type=_positive,
            help="With --pages: the large business's clients (default 100000; the small "
            f"one has {bench_pages.SMALL_CLIENTS}).",
        )
        parser.add_argument(
            "--ratio-budget",
            default=bench_pages.RATIO_BUDGET,
            type=float,
            help="With --pages: fail on PostgreSQL when a page takes more than this many "
            f"times the small size's time (default {bench_pages.RATIO_BUDGET:g}; 0: don't "
            "check timings, only query counts).",
        )
        parser.add_argument(
            "--write",
            metavar="PATH",
            help="With --pages: write the table and the hot queries' plans there "
            "(docs/benchmarks.md).",
        )

    def handle(self, *args, sizes: list[int], repeat: int, verbosity: int, **options):
        migrate_if_needed(verbosity=0)
        if options["pages"]:
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                self._pages(
                    clients=options["clients"],
                    repeat=repeat,
                    write=options["write"],
                    ratio_budget=options["ratio_budget"],
                )
            return
        # The test client's host must be allowed whatever ALLOWED_HOSTS says;
        # Django's setup_test_environment would do more (and refuses to run
        # twice, as under pytest).
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            make_inactive, profiles, lists = self._run(
                sizes=sizes, repeat=repeat, verbose=verbosity >= 2
            )
        self._print(make_inactive, profiles, lists, repeat=repeat)
        self._check(make_inactive, profiles, lists)

    def _run(self, *, sizes: list[int], repeat: int, verbose: bool):
        make_inactive, profiles, lists = [], [], []
        with transaction.atomic():
            manager, service_type = _staff_and_service_type()
            http = TestClient()
            http.force_login(manager)
            for size in sizes:
                if verbose:
                    self.stdout.write(f"Size {size}: building…")
                with transaction.atomic():
                    data = _build(size=size, service_type=service_type, sitter=manager)
                    if verbose:
                        self.stdout.write(f"Size {size}: measuring…")
                    make_inactive.append(
                        _measure_make_inactive(data=data, actor=manager, repeat=repeat, size=size)
                    )
                    url = reverse("clients:detail", args=[data.client.pk])
                    profiles.append(
                        PageRow(size, 1, _measure_page(http=http, url=url, repeat=repeat))
                    )
                    clients = Client.objects.active().count()
                    url = reverse("clients:list")
                    lists.append(
                        PageRow(size, clients, _measure_page(http=http, url=url, repeat=repeat))
                    )
                    transaction.set_rollback(True)
            transaction.set_rollback(True)
        return make_inactive, profiles, lists

    def _pages(self, *, clients: int, repeat: int, write: str | None, ratio_budget: float) -> None:
        # Timings are checked on PostgreSQL only: SQLite is the demo's database.
        budget = ratio_budget if connection.vendor == "postgresql" else 0

        def progress(text: str) -> None:
            sys.stderr.write(text)
            sys.stderr.flush()

        explain = write is not None
        results = []
        # One request line per GET would bury the progress and the table.
        logging.getLogger("petcare.requests").setLevel(logging.WARNING)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # A rolled-back run leaves its million rows dead in the tables
            # and their indexes until autovacuum comes by; the next run would
            # read through them. A production database is vacuumed. (Not
            # possible in a transaction: under the tests, say.)
            progress("VACUUM…\n")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE " + ", ".join(bench_data.TABLES))
        with transaction.atomic():
            manager, service_type = _staff_and_service_type()
            http = TestClient()
            http.force_login(manager)

            def make_inactive(business) -> MakeInactiveRow:
                heavy = business.api_large
                data = BenchData(
                    client=Client.objects.get(pk=heavy.client_id),
                    upcoming=heavy.upcoming,
                    templates=heavy.templates,
                    now=business.now,
                )
                return _measure_make_inactive(
                    data=data, actor=manager, repeat=repeat, size=heavy.upcoming
                )

            for size in [bench_pages.SMALL_CLIENTS, clients]:
                progress(f"Building a business of {size:,} clients…\n")
                results.append(
                    bench_pages.run_size(
                        clients=size,
                        http=http,
                        service_type=service_type,
                        repeat=repeat,
                        explain=explain and size == clients,
                        progress=progress,
                        measure_mi=make_inactive,
                    )
                )
            transaction.set_rollback(True)
        small, large = results
        self.stdout.write(
            f"Petcare pages on {connection.vendor} ({connection.settings_dict['NAME']}): "
            f"median of {repeat} timed run(s), DEBUG off, all rolled back."
        )
        self.stdout.write(f"  small: {bench_pages.describe(small)}")
        self.stdout.write(f"  large: {bench_pages.describe(large)}")
        self.stdout.write("")
        self._table(
            "Pages: GET by URL as an office manager (the API: as the client's app)",
            bench_pages.TABLE_HEADERS,
            bench_pages.table_rows(small, large),
        )
        mi_rows = [
            [
                str(r.size),
                str(r.templates),
                str(r.service.queries),
                f"{r.service.median_ms:.1f}",
                f"{r.raw.median_ms:.1f}",
                f"{r.ratio:.2f}",
            ]
            for r in (small.make_inactive, large.make_inactive)
        ]
        self._table(
            "Make Inactive of the client with the most visits to come, vs raw SQL",
            ["upcoming", "templates", "queries", "median ms", "raw ms", "ratio"],
            mi_rows,
        )
        if write:
            command = shlex.join(
                ["manage.py", "bench", "--pages", "--clients", str(clients), "--repeat",
                 str(repeat), "--ratio-budget", f"{ratio_budget:g}", "--write", write]
            )  # fmt: skip
            with open(write, "w", encoding="utf-8") as file:
                file.write(
                    bench_pages.markdown(
                        small=small,
                        large=large,
                        command=command,
                        repeat=repeat,
                        budget=budget,
                        mi_rows=mi_rows,
                    )
                )
            self.stdout.write(f"Wrote {write}.")
        found = bench_pages.problems(small, large, budget=budget)
        if large.make_inactive.service.queries != small.make_inactive.service.queries:
            found.append("Make Inactive ran a number of queries that changes with size.")
        if found:
            raise CommandError("\n".join(found))
        within = f" and takes at most {budget:g}x the small size's time" if budget else ""
        self.stdout.write(
            self.style.SUCCESS(f"Every page runs the same queries at both sizes{within}.")
        )

    # output

    def _print(self, make_inactive, profiles, lists, *, repeat: int) -> None:
        db = connection.settings_dict
        self.stdout.write(
            f"Petcare bench on {connection.vendor} ({db['NAME']}): median of {repeat} "
            "timed run(s) per measure, each on the same data, all rolled back."
        )
        self.stdout.write("")
        self._table(
            "Make Inactive: clients.services.deactivate_client vs the same statements as raw SQL",
            ["size", "templates", "queries", "raw queries", "median ms", "raw ms", "ratio"],
            [
                [
                    r.size,
                    r.templates,
                    r.service.queries,
                    r.raw.queries,
                    f"{r.service.median_ms:.2f}",
                    f"{r.raw.median_ms:.2f}",
                    f"{r.ratio:.2f}",
                ]
                for r in make_inactive
            ],
        )
        self._table(
            "Profile page: GET /clients/<pk>/ as an office manager (view and template)",
            ["size", "queries", "median ms"],
            [[r.size, r.page.queries, f"{r.page.median_ms:.2f}"] for r in profiles],
        )
        self._table(
            "Client list: GET /clients/ as an office manager (size active clients and more)",
            ["size", "clients", "queries", "median ms"],
            [[r.size, r.clients, r.page.queries, f"{r.page.median_ms:.2f}"] for r in lists],
        )
        for row in make_inactive:
            if row.size >= RATIO_FROM_SIZE and row.ratio > RATIO_BUDGET:
                self.stdout.write(
                    self.style.WARNING(
                        f"WARNING: at size {row.size} Make Inactive took {row.ratio:.2f}x the "
                        f"raw SQL (budget: {RATIO_BUDGET}x from {RATIO_FROM_SIZE} upcoming "
                        "events on). Timing is noisy: rerun with a higher --repeat."
                    )
                )

    def _table(self, title: str, headers: list[str], rows: list[list]) -> None:
        cells = [headers, *[[str(cell) for cell in row] for row in rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        self.stdout.write(title)
        for row in cells:
            line = "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(f"  {line}")
        self.stdout.write("")

    def _check(self, make_inactive, profiles, lists) -> None:
        problems = []
        for name, counts in [
            ("Make Inactive", [(r.size, r.service.queries) for r in make_inactive]),
            ("The profile page", [(r.size, r.page.queries) for r in profiles]),
            ("The client list", [(r.size, r.page.queries) for r in lists]),
        ]:
            if len({queries for _, queries in counts}) > 1:
                seen = ", ".join(f"{queries} at size {size}" for size, queries in counts)
                problems.append(f"{name} ran a number of queries that changes with size: {seen}.")
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                "Query counts do not grow with the size: "
                f"Make Inactive {make_inactive[0].service.queries}, "
                f"profile page {profiles[0].page.queries}, client list {lists[0].page.queries}."
            )
        )


# --- measuring ----------------------------------------------------------------------


def _count_queries(fn: Callable[[], object]) -> tuple[int, object]:
    savepoint = transaction.savepoint_create()
    try:
        with CaptureQueriesContext(connection) as captured:
            result = fn()
        return len(captured), result
    finally:
        transaction.savepoint_rollback(savepoint)


def _median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def _measure_make_inactive(*, data: BenchData, actor: User, repeat: int, size: int):
    def service():
        done = deactivate_client(data.client, actor=actor, now=data.now)
        return done.events_removed, done.templates_removed

    def raw():
        return _raw_deactivate(client_id=data.client.pk, actor_id=actor.pk, now=data.now)

    expected = (data.upcoming, data.templates)
    for name, fn in [("the service", service), ("the raw SQL", raw)]:
        in_savepoint(fn)  # warm-up: caches, prepared connections
        _, removed = in_savepoint(fn)
        if removed != expected:
            raise CommandError(
                f"At size {size}, {name} removed {removed} (events, templates), "
                f"not {expected}: the bench no longer compares like with like."
            )
    service_queries, _ = _count_queries(service)
    raw_queries, _ = _count_queries(raw)
    service_times, raw_times = [], []
    # Production's cursor: DEBUG's query log would add a cost per query.
    with override_settings(DEBUG=False):
        for _ in range(repeat):  # interleaved, so drift hits both alike
            service_times.append(in_savepoint(service)[0])
            raw_times.append(in_savepoint(raw)[0])
    return MakeInactiveRow(
        size=size,
        templates=data.templates,
        service=Measure(service_queries, _median_ms(service_times)),
        raw=Measure(raw_queries, _median_ms(raw_times)),
    )


def _raw_deactivate(*, client_id: int, actor_id: int, now: datetime) -> tuple[int, int]:
    """Make Inactive's statements by hand: lock the client row, delete the
    upcoming visits and the templates (the database cascades to their pets and
    empties the visits' template link), mark the client inactive, raise the
    logins' auth epoch (which ends their sessions, links and app tokens),
    record the change. In a transaction, like the service."""
    qn = connection.ops.quote_name
    client_table = qn(Client._meta.db_table)
    when = connection.ops.adapt_datetimefield_value(now)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT is_active FROM {client_table} WHERE id = %s{lock}", [client_id])
        (is_active,) = cursor.fetchone()
        if not is_active:
            raise CommandError("The bench's client is already inactive.")
        cursor.execute(
            f"DELETE FROM {qn(ScheduledEvent._meta.db_table)} "
            "WHERE client_id = %s AND starts_at >= %s AND status IN (%s, %s)",
            [client_id, when, EventStatus.REQUESTED.value, EventStatus.SCHEDULED.value],
        )
        events_removed = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {qn(Template._meta.db_table)} WHERE client_id = %s", [client_id]
        )
        templates_removed = cursor.rowcount
        cursor.execute(
            f"UPDATE {client_table} SET is_active = %s, deactivated_at = %s, "
            "deactivated_by_id = %s, updated_at = %s WHERE id = %s",
            [False, when, actor_id, when, client_id],
        )
        cursor.execute(
            f"UPDATE {qn(User._meta.db_table)} SET auth_epoch = auth_epoch + 1 "
            "WHERE client_id = %s",
            [client_id],
        )
        cursor.execute(
            f"INSERT INTO {qn(ClientStatusChange._meta.db_table)} (client_id, action, actor_id, "
            "changed_at, delete_future_events, delete_templates, events_removed, "
            "templates_removed, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                client_id,
                StatusAction.DEACTIVATED.value,
                actor_id,
                when,
                True,
                True,
                events_removed,
                templates_removed,
                "",
            ],
        )
    return events_removed, templates_removed


def _measure_page(*, http: TestClient, url: str, repeat: int) -> Measure:
    def get():
        response = http.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}, not 200.")
        return response

    in_savepoint(get)  # warm-up: templates compiled, caches filled
    queries, _ = _count_queries(get)
    with override_settings(DEBUG=False):
        times = [in_savepoint(get)[0] for _ in range(repeat)]
    return Measure(queries, _median_ms(times))


# --- the data -----------------------------------------------------------------------


def _staff_and_service_type() -> tuple[User, ServiceType]:
    group = Group.objects.filter(name=roles.OFFICE_MANAGER).first()
    if group is None:  # a flushed database: the data migration's groups are gone
        from django.apps import apps

        roles.ensure_roles(apps, using=connection.alias)
        group = Group.objects.get(name=roles.OFFICE_MANAGER)
    manager = User.objects.create_user(
        f"manager@{EMAIL_DOMAIN}", first_name="Bench", last_name="Manager"
    )
    manager.groups.add(group)
    service_type, _ = ServiceType.objects.get_or_create(
        name="Bench 30 min walk",
        defaults={"duration": timedelta(minutes=30), "price": Decimal("25.00")},
    )
    return manager, service_type


def _build(*, size: int, service_type: ServiceType, sitter: User) -> BenchData:
    """One client with ``size`` upcoming visits, ``size // 50 + 1`` templates,
    past, canceled and completed visits, two logins and some history; and
    ``size`` other clients with a pet, a visit and a few templates as noise."""
    now = timezone.now()
    tz = timezone.get_default_timezone()
    today = timezone.localdate(now, tz)
    duration = service_type.duration
    client = Client(name="Bench target client", email=f"target@{EMAIL_DOMAIN}", phone="555 0100")
    client.save()
    pets = Pet.objects.bulk_create(
        [
            Pet(client=client, name="Rex", species=Pet.Species.DOG, breed="Boxer"),
            Pet(client=client, name="Tibbles", species=Pet.Species.CAT),
        ]
    )
    User.objects.bulk_create(
        [User(email=f"login{n}@{EMAIL_DOMAIN}", client=client, password="!") for n in (1, 2)]
    )
    n_templates = size // 50 + 1
    templates = Template.objects.bulk_create(
        [
            Template(
                client=client,
                service_type=service_type,
                sitter=sitter,
                weekdays=[0, 2, 4],
                time_of_day=time_of_day(9, 0),
                first_date=today - timedelta(days=size),
            )
            for _ in range(n_templates)
        ]
    )
    TemplatePet.objects.bulk_create([TemplatePet(template=t, pet=pets[0]) for t in templates])

    def visit(starts_at, status, *, template_slot=None, owner=client):
        # Every other visit comes from a template, one per (template, date).
        template = occurrence = None
        if template_slot is not None:
            template = templates[template_slot % n_templates]
            offset = timedelta(days=template_slot // n_templates + 1)
            occurrence = today + offset if starts_at > now else today - offset
            # In UTC, so that adding the duration is not wall-clock arithmetic.
            starts_at = datetime.combine(occurrence, time_of_day(9, 0), tzinfo=tz).astimezone(UTC)
        return ScheduledEvent(
            client=owner,
            service_type=service_type,
            sitter=sitter,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            status=status,
            template=template,
            occurrence_date=occurrence,
        )

    upcoming = [
        visit(
            now + timedelta(hours=1, minutes=15 * i),
            EventStatus.REQUESTED if i % 5 == 0 else EventStatus.SCHEDULED,
            template_slot=i // 2 if i % 2 == 0 else None,
        )
        for i in range(size)
    ]
    past = [
        visit(
            now - timedelta(hours=1, minutes=15 * i),
            EventStatus.CANCELED if i % 4 == 0 else EventStatus.COMPLETED,
            template_slot=i // 2 if i % 2 == 0 else None,
        )
        for i in range(size // 2)
    ]
    kept_future = [
        visit(now + timedelta(hours=2, minutes=15 * i), EventStatus.CANCELED)
        for i in range(size // 10 + 1)
    ]
    events = ScheduledEvent.objects.bulk_create([*upcoming, *past, *kept_future])
    EventPet.objects.bulk_create(
        [
            EventPet(event=event, pet=pet)
            for i, event in enumerate(events)
            for pet in (pets if i % 3 == 0 else pets[:1])
        ]
    )
    ClientStatusChange.objects.bulk_create(
        [
            ClientStatusChange(
                client=client,
                action=StatusAction.DEACTIVATED if i % 2 else StatusAction.REACTIVATED,
                actor=sitter,
                changed_at=now - timedelta(days=i + 1),
            )
            for i in range(size // 10 + 2)
        ]
    )
    _noise(size=size, service_type=service_type, sitter=sitter, now=now, today=today)
    return BenchData(client=client, upcoming=size, templates=n_templates, now=now)


def _noise(*, size: int, service_type: ServiceType, sitter: User, now, today) -> None:
    """Other clients' rows, which Make Inactive must leave alone and the list
    must page through."""
    others = []
    for i in range(size):
        phone = f"(555) 01{i % 10}-{i % 10000:04d}"
        others.append(
            Client(
                name=f"Bench client {i:05d}",
                email=f"client{i}@{EMAIL_DOMAIN}",
                phone=phone,
                phone_digits=phone_digits(phone),
            )
        )
    others = Client.objects.bulk_create(others)
    pets = Pet.objects.bulk_create([Pet(client=c, name=f"Pet {c.name[-5:]}") for c in others])
    events = ScheduledEvent.objects.bulk_create(
        [
            ScheduledEvent(
                client=c,
                service_type=service_type,
                sitter=sitter,
                starts_at=now + timedelta(hours=3),
                ends_at=now + timedelta(hours=3) + service_type.duration,
            )
            for c in others
        ]
    )
    EventPet.objects.bulk_create(
        [EventPet(event=event, pet=pet) for event, pet in zip(events, pets, strict=True)]
    )
    Template.objects.bulk_create(
        [
            Template(
                client=c,
                service_type=service_type,
                weekdays=[1],
                time_of_day=time_of_day(10, 0),
                first_date=today,
            )
            for c in others[: size // 50 + 1]
        ]
    )


# --- options ------------------------------------------------------------------------


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ArgumentTypeError(f"comma-separated whole numbers, not {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise ArgumentTypeError(f"positive numbers such as 10,100,1000, not {value!r}")
    return sizes


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentTypeError(f"a positive whole number, not {value!r}")
    return number
