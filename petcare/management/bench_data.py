"""The data of ``manage.py bench --pages``: a whole business of N clients, written fast.

The shape of a real business, per client: one or two pets, about ten visits
over two years (one back, one ahead), one template for every other client;
one client in ten inactive; about one in a hundred named (or with a pet
named) Smith, so that a search for "smith" finds a realistic share. Around
them, the clients whose pages are measured (``Heavy``): two with many visits
to come (the app API, Make Inactive) and one with many templates (the
profile); each has at least a page's worth, so that both sizes fill their
pages.

On PostgreSQL the rows go in with COPY (psycopg 3), with ids taken from each
table's sequence, and the tables are ANALYZEd; elsewhere with
``bulk_create``. The caller holds the transaction (bench rolls it back).
Progress goes to ``progress`` (stderr) as rows written / rows to write.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone

from clients.models import Client, Pet, phone_digits
from petcare import roles
from petcare.models import User
from scheduling.models import (
    EventPet,
    EventStatus,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)

DAYS_BACK = 365
DAYS = 2 * DAYS_BACK  # one year back, one ahead
SLOTS = 48  # quarter hours from 07:00
FIRST_NAMES = [
    "Alex", "Blake", "Casey", "Dana", "Eli", "Frankie", "Gale", "Harper", "Indy", "Jordan",
    "Kai", "Logan", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese", "Sam", "Taylor",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Khan", "Lopez", "Moreau", "Nguyen", "Okafor", "Patel", "Reyes", "Silva", "Turner", "Weber",
]  # fmt: skip
PET_NAMES = ["Biscuit", "Pepper", "Luna", "Milo", "Nala", "Olive", "Rocky", "Ziggy"]
SPECIES = [Pet.Species.DOG, Pet.Species.DOG, Pet.Species.CAT, Pet.Species.RABBIT]
EMAIL_DOMAIN = "bench.example"
# The tables a business is written to (ANALYZEd after, VACUUMed before a run).
TABLES = [
    model._meta.db_table
    for model in (Client, Pet, Template, TemplatePet, ScheduledEvent, EventPet, User)
]


@dataclass(frozen=True)
class Heavy:
    """A measured client: its id, its first pet, its visits to come, its templates."""

    client_id: int
    upcoming: int
    templates: int


@dataclass(frozen=True)
class Business:
    clients: int
    sitters: int
    pets: int
    visits: int
    templates: int
    # The app API's clients (their first login signs in) and the profile's.
    api_small: Heavy
    api_large: Heavy
    profile: Heavy
    busy_week: date  # a Monday
    busy_day: date
    now: datetime


def shape(clients: int) -> dict[str, int]:
    """How many of each measured thing a business of ``clients`` has: 100,000
    clients give 40 sitters, visits to come of 1,000 and 10,000 for the API's
    two clients, 100 templates for the profile's."""
    return {
        "sitters": max(2, min(40, clients // 2500)),
        "api_small": max(25, clients // 100),
        "api_large": max(100, clients // 10),
        "profile_templates": max(10, clients // 1000),
    }


class _Writer:
    """Rows into tables: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, *, progress: Callable[[str], None], total: int):
        self.progress = progress
        self.total = total
        self.written = 0
        self.copy = connection.vendor == "postgresql"

    def reserve_ids(self, model: type[Model], count: int) -> int:
        """The first of ``count`` ids no row has, for rows written with their id."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.copy:
                # setval is not transactional: after bench's rollback the
                # sequence stays where it went, as nextval's would.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                (sequence,) = cursor.fetchone()
                cursor.execute("SELECT nextval(%s)", [sequence])
                (first,) = cursor.fetchone()
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
                return first
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    def write(self, model: type[Model], fields: list[str], rows: Iterable[tuple]) -> int:
        meta = model._meta
        columns = [meta.get_field(name) for name in fields]
        # Every other column gets the model's default, as an ORM insert would.
        defaults = [
            field
            for field in meta.concrete_fields
            if field not in columns and not field.primary_key and not field.null
        ]
        if defaults:
            columns += defaults
            tail = tuple(field.get_default() for field in defaults)
            rows = (row + tail for row in rows)
        written = 0
        if self.copy:
            qn = connection.ops.quote_name
            names = ", ".join(qn(field.column) for field in columns)
            json_at = [i for i, field in enumerate(columns) if isinstance(field, JSONField)]
            from psycopg.types.json import Jsonb

            with connection.cursor() as cursor:
                sql = f"COPY {qn(meta.db_table)} ({names}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        if json_at:
                            row = list(row)
                            for i in json_at:
                                row[i] = Jsonb(row[i])
                        copy.write_row(row)
                        written += 1
                        if written % 50_000 == 0:
                            self._report(meta.verbose_name_plural, written)
        else:
            attnames = [field.attname for field in columns]
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(attnames, row, strict=True))))
                if len(batch) == 5000:
                    model._default_manager.bulk_create(batch)
                    written += len(batch)
                    batch = []
                    self._report(meta.verbose_name_plural, written)
            model._default_manager.bulk_create(batch)
            written += len(batch)
        self.written += written
        self._report(meta.verbose_name_plural, 0)
        return written

    def _report(self, table: str, in_table: int) -> None:
        self.progress(f"\r  {self.written + in_table:,} / ~{self.total:,} rows ({table})   ")


def build_business(
    *, clients: int, service_type: ServiceType, progress: Callable[[str], None], seed: int = 11
) -> Business:
    """Write a business of ``clients`` clients (see the module's docstring)."""
    rng = random.Random(seed)
    sizes = shape(clients)
    now = timezone.now()
    tz = timezone.get_default_timezone()
    today = timezone.localdate(now, tz)
    first_day = today - timedelta(days=DAYS_BACK)
    starts_cache: dict[tuple[int, int], datetime] = {}

    def starts_at(day: int, slot: int) -> datetime:
        key = (day, slot)
        if key not in starts_cache:
            local = datetime.combine(
                first_day + timedelta(days=day),
                time_of_day(7 + slot // 4, 15 * (slot % 4)),
                tzinfo=tz,
            )
            starts_cache[key] = local.astimezone(UTC)
        return starts_cache[key]

    heavy_visits = sizes["api_small"] + sizes["api_large"]
    total = int(clients * 25.2) + int(heavy_visits * 2.2)
    writer = _Writer(progress=progress, total=total)
    sitter_ids = _sitters(sizes["sitters"])
    duration = service_type.duration
    long_visit = duration * 2

    # Clients: the three measured ones first, then the rest.
    n_clients = clients + 3
    first_client = writer.reserve_ids(Client, n_clients)
    api_small, api_large, profile = first_client, first_client + 1, first_client + 2

    # One client in a hundred is a Smith; a small business has at least 30,
    # so that the search and the picker fill their pages (25 and 20) at both
    # sizes and the ratio compares the same page, not a fuller one.
    smith_every = max(3, min(100, clients // 30))

    def client_rows():
        for i in range(n_clients):
            pk = first_client + i
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = "Smith" if i % smith_every == 1 else LAST_NAMES[(i // 20) % len(LAST_NAMES)]
            name = f"{first} {last}" if i >= 3 else f"Bench heavy {i}"
            email = f"{first}.{last}.{pk}@{EMAIL_DOMAIN}".lower()
            phone = f"(555) {(i // 10000) % 1000:03d}-{i % 10000:04d}"
            inactive = i >= 3 and i % 10 == 5
            yield (
                pk, name, email, phone, phone_digits(phone), "", "",
                not inactive, now - timedelta(days=30) if inactive else None, now, now,
            )  # fmt: skip

    writer.write(
        Client,
        ["id", "name", "email", "phone", "phone_digits", "address", "notes", "is_active",
         "deactivated_at", "created_at", "updated_at"],
        client_rows(),
    )  # fmt: skip

    # Pets: one, or two for every other client.
    pets_of = [1 + (i % 2) for i in range(n_clients)]
    n_pets = sum(pets_of)
    first_pet = writer.reserve_ids(Pet, n_pets)
    first_pet_of = []
    pk = first_pet
    for count in pets_of:
        first_pet_of.append(pk)
        pk += count

    def pet_rows():
        for i, count in enumerate(pets_of):
            for j in range(count):
                name = "Smithy" if i % 200 == 3 and j == 0 else PET_NAMES[(i + j) % len(PET_NAMES)]
                yield (first_pet_of[i] + j, first_client + i, name, SPECIES[(i + j) % 4], "", "")

    writer.write(Pet, ["id", "client_id", "name", "species", "breed", "notes"], pet_rows())

    # Templates: one for every other client, and the profile's many.
    template_of: dict[int, int] = {}
    template_clients = [i for i in range(3, n_clients) if i % 2 == 0]
    n_templates = len(template_clients) + sizes["profile_templates"] + 2
    first_template = writer.reserve_ids(Template, n_templates)
    template_rows = []
    for k, i in enumerate(template_clients):
        template_of[i] = first_template + k
        template_rows.append((first_template + k, i, [i % 5, (i % 5) + 2], 9 + i % 8))
    owners = [2] * sizes["profile_templates"] + [1, 1]  # and two for Make Inactive's client
    for k, i in enumerate(owners, start=len(template_clients)):
        template_rows.append((first_template + k, i, [k % 7], 7 + k % 12))
    writer.write(
        Template,
        ["id", "client_id", "service_type_id", "sitter_id", "weekdays", "time_of_day",
         "first_date", "created_at"],
        (
            (pk, first_client + i, service_type.pk, sitter_ids[pk % len(sitter_ids)], weekdays,
             time_of_day(hour, 0), first_day, now)
            for pk, i, weekdays, hour in template_rows
        ),
    )  # fmt: skip
    writer.write(
        TemplatePet,
        ["template_id", "pet_id"],
        ((pk, first_pet_of[i]) for pk, i, _, _ in template_rows),
    )

    # Visits: about ten a client over the two years, each on its own day, so
    # that a template's occurrences stay one per date; the heavy clients'
    # visits all to come.
    today_index = DAYS_BACK
    visits: list[tuple] = []  # (client index, day, slot, status, template pk)
    for i in range(3, n_clients):
        inactive = i % 10 == 5
        days = rng.sample(range(today_index if inactive else DAYS), 5 + i % 11)
        template = template_of.get(i)
        for day in days:
            roll = rng.random()
            if day < today_index:
                status = EventStatus.CANCELED if roll < 0.1 else EventStatus.COMPLETED
            elif roll < 0.1:
                status = EventStatus.CANCELED
            else:
                status = EventStatus.REQUESTED if roll < 0.15 else EventStatus.SCHEDULED
            linked = template if template is not None and roll < 0.7 else None
            visits.append((i, day, rng.randrange(SLOTS), status, linked))
    for i, count in [(0, sizes["api_small"]), (1, sizes["api_large"]), (2, 20)]:
        for k in range(count):
            day = today_index + 1 + k % (DAYS - DAYS_BACK - 1)
            status = EventStatus.REQUESTED if k % 10 == 0 else EventStatus.SCHEDULED
            visits.append((i, day, (k // (DAYS - DAYS_BACK - 1)) % SLOTS, status, None))
    # In the order a business books them: by date. Visits are created a few
    # weeks ahead (templates applied, requests made), so a week's visits lie
    # together in the table, as they do in production; written client by
    # client, a week's 10,000 would each sit on a page of their own.
    visits.sort(key=lambda visit: (visit[1], visit[2]))
    first_visit = writer.reserve_ids(ScheduledEvent, len(visits))

    def visit_rows():
        for n, (i, day, slot, status, template) in enumerate(visits):
            begins = starts_at(day, slot)
            yield (
                first_visit + n, first_client + i, service_type.pk,
                sitter_ids[n % len(sitter_ids)] if n % 17 else None,
                begins, begins + (long_visit if n % 3 == 0 else duration), status.value,
                template, (first_day + timedelta(days=day)) if template else None, "", now,
            )  # fmt: skip

    writer.write(
        ScheduledEvent,
        ["id", "client_id", "service_type_id", "sitter_id", "starts_at", "ends_at", "status",
         "template_id", "occurrence_date", "notes", "created_at"],
        visit_rows(),
    )  # fmt: skip

    def visit_pet_rows():
        for n, (i, *_) in enumerate(visits):
            yield first_visit + n, first_pet_of[i]
            if pets_of[i] == 2 and n % 3 == 0:
                yield first_visit + n, first_pet_of[i] + 1

    writer.write(EventPet, ["event_id", "pet_id"], visit_pet_rows())
    progress("\n")
    if connection.vendor == "postgresql":
        progress("  ANALYZE…\n")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(TABLES))
        # Write out the build's dirty pages now, not while pages are timed
        # (a million rows outgrow max_wal_size and start a checkpoint). Needs
        # a superuser or pg_checkpoint; without, timings are noisier.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            progress("  (no CHECKPOINT: timings may be noisier)\n")

    # The busiest week ahead is any of them: two weeks on, its Wednesday.
    busy_week = today + timedelta(days=14 - today.weekday())
    return Business(
        clients=clients,
        sitters=len(sitter_ids),
        pets=n_pets,
        visits=len(visits),
        templates=n_templates,
        api_small=Heavy(api_small, sizes["api_small"], 0),
        api_large=Heavy(api_large, sizes["api_large"], 2),
        profile=Heavy(profile, 20, sizes["profile_templates"]),
        busy_week=busy_week,
        busy_day=busy_week + timedelta(days=2),
        now=now,
    )


def _sitters(count: int) -> list[int]:
    group = Group.objects.get(name=roles.SITTER)
    sitters = User.objects.bulk_create(
        [
            User(
                email=f"sitter{n}@{EMAIL_DOMAIN}",
                first_name="Sitter",
                last_name=f"{n:02d}",
                password="!",
            )
            for n in range(count)
        ]
    )
    group.user_set.add(*sitters)
    return [sitter.pk for sitter in sitters]


def client_login(client_id: int) -> User:
    """A portal login of the client, for the app API's token."""
    return User.objects.create(
        email=f"login{client_id}@{EMAIL_DOMAIN}", client_id=client_id, password="!"
    )
