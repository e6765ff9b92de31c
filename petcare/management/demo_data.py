"""The demo's data: staff, clients, pets, a schedule in every state, and the
five sign-ins that ``manage.py demo`` prints.

Deterministic (one seeded ``random.Random``; no Faker, because factory-boy and
Faker are dev-only dependencies and the demo must run without them) and laid
out relative to now, so the schedule always has a past and a future. Clients
are added and made inactive, and the schedule is built, through the real
services (templates applied, visits booked, requested, moved, canceled and
completed), so the history rows, dates, statuses and counts are what the
product itself writes; only the pets go in with ``bulk_create``. A load takes
about two seconds on SQLite.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from clients.models import Client, ClientStatusChange, Pet, Species
from clients.services import archive_pet, create_client, deactivate_client, reactivate_client
from petcare import roles
from petcare.models import User
from scheduling.models import EventStatus, ScheduledEvent, ServiceType, Template
from scheduling.recurrence import local_start
from scheduling.services.templates import apply_template, create_template
from scheduling.services.visits import (
    SitterOverlap,
    cancel_event,
    complete_event,
    decline_request,
    request_visit,
    schedule_event,
    update_event,
)

DEMO_PASSWORD = "petcare-demo"
# The demo admin's presence means "the demo data is in this database".
MARKER_EMAIL = "admin@example.com"
SEED = "petcare-demo"

# How far the schedule reaches around today.
DAYS_BACK = 42
DAYS_AHEAD = 28


def migrate_if_needed(*, verbosity: int = 1, stdout=None) -> bool:
    """Run ``migrate`` only when a migration is unapplied (a fresh database),
    so that the commands stay quick, and quiet, on a migrated one such as the
    test database. Returns whether it migrated."""
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=verbosity, stdout=stdout)
    return True


# --- who signs in -------------------------------------------------------------


@dataclass(frozen=True)
class SignInSpec:
    email: str
    role: str
    first_name: str
    last_name: str
    # Client logins only: the client (by email) the login belongs to.
    client_name: str = ""


SIGN_INS = [
    SignInSpec("admin@example.com", roles.ADMIN, "Dana", "Whitfield"),
    SignInSpec("manager@example.com", roles.OFFICE_MANAGER, "Maria", "Gonzalez"),
    SignInSpec("sitter@example.com", roles.SITTER, "Sam", "Patel"),
    SignInSpec("client@example.com", roles.CLIENT, "Jordan", "Reyes", "Jordan Reyes"),
    SignInSpec("former@example.com", roles.CLIENT, "Casey", "Holloway", "Casey Holloway"),
]

# Sitters to share the schedule with sitter@example.com. They have no usable
# password: only the printed sign-ins are meant to be used.
EXTRA_SITTERS = [
    ("jamie.chen@example.com", "Jamie", "Chen"),
    ("riley.johnson@example.com", "Riley", "Johnson"),
]


@dataclass(frozen=True)
class SignIn:
    email: str
    role: str
    password: str
    # "active" / "inactive" for a client login; empty for staff.
    client_status: str = ""

    @property
    def role_display(self) -> str:
        return f"{self.role} ({self.client_status})" if self.client_status else self.role


@dataclass(frozen=True)
class DemoLoad:
    """What ``load_demo_data`` did: whether it built the data, the sign-ins
    as they now are, and the row counts to report."""

    created: bool
    sign_ins: list[SignIn]
    counts: dict[str, int]


# --- what the business sells ------------------------------------------------------

WALK_30 = "30 min dog walk"
WALK_60 = "60 min dog walk"
DROP_IN = "Drop-in visit (cat)"
OVERNIGHT = "Overnight stay"
PUPPY = "Puppy visit"

SERVICE_TYPES = [
    (WALK_30, timedelta(minutes=30), Decimal("25.00")),
    (WALK_60, timedelta(minutes=60), Decimal("40.00")),
    (DROP_IN, timedelta(minutes=30), Decimal("22.00")),
    (OVERNIGHT, timedelta(hours=12), Decimal("95.00")),
    (PUPPY, timedelta(minutes=20), Decimal("20.00")),
]

# --- the clients ---------------------------------------------------------------------

CLIENT_NAMES = [
    "Jordan Reyes",
    "Casey Holloway",
    "Olivia Bennett",
    "Liam Carter",
    "Sophia Nguyen",
    "Noah Fischer",
    "Ava Robinson",
    "Ethan Brooks",
    "Isabella Moreno",
    "Mason Clarke",
    "Mia Schultz",
    "Lucas Oyelaran",
    "Harper Lindqvist",
    "Benjamin Ortiz",
    "Amelia Kowalski",
    "Elijah Duncan",
    "Charlotte Haines",
    "James O'Connor",
    "Evelyn Park",
    "Henry Walsh",
    "Abigail Romero",
    "Daniel Kim",
    "Emily Sato",
    "Matthew Greene",
    "Grace Delgado",
    "Samuel Adeyemi",
    "Chloe Barnes",
    "David Lindgren",
    "Zoe Hartman",
    "Priya & Arjun Shah",
    "The Castellano family",
    "Nora Whitaker",
    "Owen McAllister",
    "Hannah Berg",
    "Isaac Novak",
    "Lily Tran",
]
# Older clients, added before the business asked for an email.
NO_EMAIL = {"Henry Walsh", "Chloe Barnes", "Isaac Novak", "The Castellano family"}
# New clients with nothing booked yet.
NOTHING_BOOKED = {"Lily Tran", "Isaac Novak"}
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
AREA_CODES = ["212", "347", "646", "718", "917"]
STREETS = [
    "Maple Avenue",
    "Oak Street",
    "Prospect Place",
    "Willow Lane",
    "Cedar Court",
    "Bergen Street",
    "Riverside Drive",
    "Park Terrace",
    "Linden Boulevard",
    "Elm Road",
    "Sterling Place",
    "Harbor View",
]
CITIES = ["Brooklyn, NY 11215", "Brooklyn, NY 11217", "Queens, NY 11375", "New York, NY 10025"]
CLIENT_NOTES = [
    "Key in the lockbox by the side door; code is on file.",
    "Doorman building: sign in at the front desk.",
    "Gate latch sticks: lift and push.",
    "Prefers texts to calls.",
    "Please leave a note on the counter after each visit.",
    "Works from home on Fridays.",
    "Alarm code on file; disarm within 30 seconds.",
    "Second key with the neighbour in 2B.",
    "",
    "",
    "",
]
DOG_NAMES = [
    "Biscuit",
    "Luna",
    "Max",
    "Bella",
    "Charlie",
    "Daisy",
    "Cooper",
    "Rosie",
    "Milo",
    "Bailey",
    "Teddy",
    "Penny",
    "Murphy",
    "Hazel",
    "Winston",
    "Ruby",
    "Tucker",
    "Maple",
    "Finn",
    "Olive",
    "Bear",
    "Ziggy",
    "Nala",
    "Otis",
]
CAT_NAMES = [
    "Mochi",
    "Oliver",
    "Cleo",
    "Simba",
    "Pepper",
    "Tigger",
    "Willow",
    "Jasper",
    "Smokey",
    "Ginger",
    "Salem",
    "Poppy",
    "Felix",
    "Misty",
]
DOG_BREEDS = [
    "Labrador Retriever",
    "Golden Retriever",
    "French Bulldog",
    "Beagle",
    "Border Collie",
    "Dachshund",
    "Boxer",
    "Cavalier King Charles Spaniel",
    "Goldendoodle",
    "German Shepherd",
    "Shiba Inu",
    "Mixed breed",
    "Pug",
    "Australian Shepherd",
]
CAT_BREEDS = [
    "Domestic Shorthair",
    "Maine Coon",
    "Siamese",
    "Ragdoll",
    "Domestic Longhair",
    "British Shorthair",
    "Bengal",
]
DOG_NOTES = [
    "Pulls on the leash at squirrels.",
    "Shy with strangers: give them a minute before the leash.",
    "Loves the tennis ball; bring it back inside.",
    "No treats: food allergy.",
    "Reactive to bikes; avoid the park path on weekends.",
    "",
    "",
    "",
]
CAT_NOTES = [
    "Insulin at 8am and 8pm, dose on the fridge.",
    "Hides under the bed; just check the bowl is empty.",
    "Half a cup of dry food, one pouch of wet.",
    "Scoop the litter every visit.",
    "",
    "",
]
EVENT_NOTES = ["Text a photo after the visit.", "Towel off paws, it's muddy.", "", "", "", ""]


@dataclass(frozen=True)
class InactivePlan:
    """A client that the demo makes inactive through the service."""

    name: str
    days_ago: int
    delete_future_events: bool = True
    delete_templates: bool = True
    reason: str = ""
    # Set for the one that came back: re-activated this many days ago.
    reactivated_days_ago: int | None = None
    reactivation_reason: str = ""


INACTIVE = [
    InactivePlan("Casey Holloway", 12, reason="Moved out of the area."),
    InactivePlan("Mason Clarke", 30, reason="Their dog passed away; we sent a card."),
    InactivePlan(
        "Harper Lindqvist",
        21,
        delete_future_events=False,
        reason="Travelling until spring; keeps the visits already booked for the house-sitter.",
    ),
    InactivePlan(
        "Elijah Duncan",
        8,
        delete_templates=False,
        reason="Trying a neighbour's walker; kept the template in case they come back.",
    ),
    InactivePlan("Abigail Romero", 38, reason="Payment issues, see the notes."),
    InactivePlan("Owen McAllister", 3),
    InactivePlan(
        "Grace Delgado",
        35,
        reason="New job with long hours away.",
        reactivated_days_ago=14,
        reactivation_reason="Back to a normal schedule; wants walks again.",
    ),
]


# --- building ------------------------------------------------------------------------


class _SharedPasswordHash:
    """One hash of the demo password for every sign-in: hashing is slow by
    design, and the demo's password is printed anyway."""

    def __init__(self) -> None:
        self._encoded = ""

    def __call__(self) -> str:
        if not self._encoded:
            self._encoded = make_password(DEMO_PASSWORD)
        return self._encoded


def _ensure_roles() -> dict[str, Group]:
    # The data migration creates them; a flushed database (transactional
    # tests) may not have them.
    names = [roles.ADMIN, roles.OFFICE_MANAGER, roles.SITTER, roles.CLIENT]
    groups = {g.name: g for g in Group.objects.filter(name__in=names)}
    if len(groups) < len(names):
        roles.ensure_roles(apps, using=connection.alias)
        groups = {g.name: g for g in Group.objects.filter(name__in=names)}
    return groups


def _ensure_sign_ins(
    *,
    groups: dict[str, Group],
    password_hash: _SharedPasswordHash,
    specs: list[SignInSpec] = SIGN_INS,
) -> None:
    """Make the sign-ins exist (the five, or ``specs``), in their one group,
    with the demo password; a password that is already right is left alone so
    that open sessions survive a restart of the demo. Staff come first: a
    client's login needs its client, which the admin adds."""
    users = {u.email: u for u in User.objects.filter(email__in=[s.email for s in specs])}
    # Check each distinct hash once: the five normally share one.
    right_hashes = {
        encoded
        for encoded in {u.password for u in users.values()}
        if check_password(DEMO_PASSWORD, encoded)
    }
    for spec in specs:
        user = users.get(spec.email) or User(email=spec.email)
        if user.password not in right_hashes:
            user.password = password_hash()
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.is_active = True
        user.is_staff = spec.role == roles.ADMIN
        if not spec.client_name:
            user.client = None
        elif user.client_id is None:
            # A login keeps the client it has: staff may have edited its email.
            user.client = _client_of(spec)
        user.save()
        user.groups.set([groups[spec.role]])


def _client_of(spec: SignInSpec) -> Client:
    client = Client.objects.filter(email=spec.email).first()
    if client is not None:
        return client
    admin = User.objects.get(email=MARKER_EMAIL)
    return create_client(actor=admin, name=spec.client_name, email=spec.email)


def _sign_in_rows() -> list[SignIn]:
    users = User.objects.filter(email__in=[s.email for s in SIGN_INS]).select_related("client")
    by_email = {u.email: u for u in users}
    rows = []
    for spec in SIGN_INS:
        client = by_email[spec.email].client
        status = "" if client is None else ("active" if client.is_active else "inactive")
        rows.append(SignIn(spec.email, spec.role, DEMO_PASSWORD, status))
    return rows


def _counts() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "inactive clients": Client.objects.inactive().count(),
        "pets": Pet.objects.count(),
        "service types": ServiceType.objects.count(),
        "templates": Template.objects.count(),
        "visits": ScheduledEvent.objects.count(),
        "history rows": ClientStatusChange.objects.count(),
    }


def load_demo_data(*, now: datetime | None = None, seed: str = SEED) -> DemoLoad:
    """Load the demo data once: if the demo admin already exists, only make
    sure the sign-ins, their groups and passwords are right; otherwise build
    everything in one transaction."""
    now = now or timezone.now()
    password_hash = _SharedPasswordHash()
    with transaction.atomic():
        groups = _ensure_roles()
        created = not _already_loaded()
        if created:
            _DemoBuilder(rng=random.Random(seed), now=now, groups=groups).build(
                password_hash=password_hash
            )
        else:
            _ensure_sign_ins(groups=groups, password_hash=password_hash)
    return DemoLoad(created=created, sign_ins=_sign_in_rows(), counts=_counts())


def _already_loaded() -> bool:
    # The demo admin marks a loaded demo; the portal client's record too, in
    # case someone deleted the admin (building again would then collide on
    # the clients' unique emails).
    portal_email = next(s.email for s in SIGN_INS if s.client_name)
    return (
        User.objects.filter(email=MARKER_EMAIL).exists()
        or Client.objects.filter(email=portal_email).exists()
    )


# Care notes for the sitters, by species; a separate generator, so that the
# rest of the demo (drawn from the main one) is the same as before they came.
FEEDING = {
    Species.DOG: [
        "One cup of kibble at 7 a.m. and 6 p.m.; fresh water.",
        "Half a can of wet food mixed with dry, twice a day.",
        "",
    ],
    Species.CAT: ["One pouch of wet food morning and evening.", "Dry food bowl topped up.", ""],
}
MEDICATION = [
    "Heartworm chew on the 1st of the month.",
    "Half a tablet of Apoquel with breakfast.",
    "",
    "",
]
ACCESS = [
    "Key in the lockbox by the side door, code 4821.",
    "Garage keypad 1357; the inner door is unlocked.",
    "",
]
VETS = ["Riverside Animal Hospital, (555) 014-2200", "Dr. Patel, Elm Street Vets, (555) 013-7788"]


def _add_care_notes(pets: list[Pet], *, today: date) -> None:
    care = random.Random(12)
    for pet in pets:
        pet.date_of_birth = today - timedelta(days=care.randint(200, 13 * 365))
        pet.feeding = care.choice(FEEDING.get(pet.species, [""]))
        pet.medication = care.choice(MEDICATION)
        pet.access = care.choice(ACCESS)
        pet.vet = care.choice(VETS)


@dataclass
class _ClientPlan:
    client: Client
    pets: list[Pet]

    @property
    def dogs(self) -> list[Pet]:
        return [p for p in self.pets if p.species == Species.DOG]

    @property
    def cats_and_others(self) -> list[Pet]:
        return [p for p in self.pets if p.species != Species.DOG]


class _DemoBuilder:
    """Builds the whole demo in a fixed order: people, clients and pets; the
    history of the clients that leave (their visits, then the real Make
    Inactive / Re-Activate); then everyone else's templates and visits; last,
    the office checks off the past (completed, or canceled).

    The schedule goes through the scheduling services, as staff would build
    it: create_template and apply_template (with its ``now`` on the first day
    of the demo's past, so that the past visits exist too), schedule_event
    for one-off visits (the first free sitter; two visits at once only when
    every sitter is busy), request_visit for the clients' requests,
    update_event for a visit the office moved, then cancel_event and
    complete_event. The services refuse what the product refuses, so the demo
    holds nothing the product couldn't."""

    def __init__(self, *, rng: random.Random, now: datetime, groups: dict[str, Group]):
        self.rng = rng
        self.now = now
        self.groups = groups
        self.tz = timezone.get_default_timezone()
        self.today = timezone.localdate(now, self.tz)
        self.first_day = self.today - timedelta(days=DAYS_BACK)
        self.last_day = self.today + timedelta(days=DAYS_AHEAD)
        # Each sitter's recurring slots: (weekdays, minute of the day, minutes).
        self._template_slots: dict[int, list[tuple[set[int], int, int]]] = {}

    def _at(self, day: date, at: time) -> datetime:
        # The business's wall clock, daylight saving handled as the templates do.
        return local_start(day, at, self.tz)

    # people and things

    def build(self, *, password_hash: _SharedPasswordHash) -> None:
        self.services = self._service_types()
        staff = [spec for spec in SIGN_INS if not spec.client_name]
        _ensure_sign_ins(groups=self.groups, password_hash=password_hash, specs=staff)
        self.admin = User.objects.get(email=MARKER_EMAIL)
        # The office manager runs the schedule; the admin adds clients and
        # makes them inactive.
        self.office = User.objects.get(email="manager@example.com")
        plans = self._clients()
        _ensure_sign_ins(groups=self.groups, password_hash=password_hash)
        self.sitters = [User.objects.get(email="sitter@example.com"), *self._extra_sitters()]
        leaving = {p.name: p for p in INACTIVE}
        for plan in plans:
            if plan.client.name in leaving:
                self._leave(plan, leaving[plan.client.name])
        for plan in plans:
            if plan.client.name not in leaving and plan.client.name not in NOTHING_BOOKED:
                self._schedule(plan, windows=[(self.first_day, self.last_day)])
        self._check_off_the_past()
        self._archive_a_pet(plans, leaving=leaving)

    def _archive_a_pet(self, plans: list[_ClientPlan], *, leaving) -> None:
        """One pet no longer with its family, archived as staff would (its
        own visits still to come go, shared ones keep the other pets), so
        the profile's "Archived pets" and the visits' history show one."""
        for plan in plans:
            if plan.client.name in leaving or len(plan.pets) < 2:
                continue
            if plan.client.email == "client@example.com":
                continue  # the portal demo keeps both of its pets
            archive_pet(
                plan.pets[-1],
                actor=self.office,
                reason=Pet.ArchiveReason.PASSED_AWAY,
                note="Peacefully, at home.",
                now=self.now,
            )
            return

    def _service_types(self) -> dict[str, ServiceType]:
        services = {}
        for name, duration, price in SERVICE_TYPES:
            services[name], _ = ServiceType.objects.get_or_create(
                name=name, defaults={"duration": duration, "price": price}
            )
        return services

    def _extra_sitters(self) -> list[User]:
        sitters = []
        for email, first_name, last_name in EXTRA_SITTERS:
            sitter, created = User.objects.get_or_create(
                email=email, defaults={"first_name": first_name, "last_name": last_name}
            )
            if created:
                sitter.set_unusable_password()
                sitter.save(update_fields=["password"])
            sitter.groups.set([self.groups[roles.SITTER]])
            sitters.append(sitter)
        return sitters

    def _clients(self) -> list[_ClientPlan]:
        rng = self.rng
        plans, pets = [], []
        for i, name in enumerate(CLIENT_NAMES):
            client = create_client(
                actor=self.admin,
                name=name,
                email=self._email_for(name),
                phone=f"({rng.choice(AREA_CODES)}) 555-01{i:02d}",
                address=(
                    f"{rng.randint(12, 980)} {rng.choice(STREETS)}"
                    f"{rng.choice(['', '', ', Apt 3B', ', Apt 12', ', Unit 4'])}, "
                    f"{rng.choice(CITIES)}"
                ),
                notes=rng.choice(CLIENT_NOTES),
            )
            client_pets = self._pets_for(client)
            pets.extend(client_pets)
            plans.append(_ClientPlan(client=client, pets=client_pets))
        _add_care_notes(pets, today=self.today)
        Pet.objects.bulk_create(pets)
        return plans

    @staticmethod
    def _email_for(name: str) -> str:
        for spec in SIGN_INS:
            if spec.client_name == name:
                return spec.email
        if name in NO_EMAIL:
            return ""
        first, *rest = name.replace("&", "").replace("'", "").lower().split()
        domain = EMAIL_DOMAINS[sum(map(ord, name)) % len(EMAIL_DOMAINS)]
        return f"{first}.{rest[-1]}@{domain}"

    def _pets_for(self, client: Client) -> list[Pet]:
        rng = self.rng
        if client.email == "client@example.com":
            # The portal demo: a dog on a template and a cat for drop-ins.
            return [
                Pet(client=client, name="Biscuit", species=Species.DOG, breed="Beagle"),
                Pet(
                    client=client,
                    name="Mochi",
                    species=Species.CAT,
                    breed="Domestic Shorthair",
                    notes="Half a cup of dry food, one pouch of wet.",
                ),
            ]
        kind = rng.choices(["dogs", "cats", "both"], weights=[6, 3, 2])[0]
        pets = []
        for n in range(rng.choice([1, 1, 1, 2, 2, 3])):
            if kind == "dogs" or (kind == "both" and n % 2 == 0):
                puppy = rng.random() < 0.1
                notes = "Puppy: crate-trained, two short visits a day." if puppy else ""
                species, names, breeds = Species.DOG, DOG_NAMES, DOG_BREEDS
                notes = notes or rng.choice(DOG_NOTES)
            else:
                species, names, breeds = Species.CAT, CAT_NAMES, CAT_BREEDS
                notes = rng.choice(CAT_NOTES)
            taken = {p.name for p in pets}
            pets.append(
                Pet(
                    client=client,
                    name=rng.choice([name for name in names if name not in taken]),
                    species=species,
                    breed=rng.choice(breeds),
                    notes=notes,
                )
            )
        if rng.random() < 0.06:
            pets.append(
                Pet(client=client, name="Clover", species=Species.RABBIT, breed="Holland Lop")
            )
        return pets

    # the schedule

    def _leave(self, plan: _ClientPlan, leaving: InactivePlan) -> None:
        """A client's life up to Make Inactive: visits before it and booked
        after it (what the service then removes or keeps), then the service
        itself, dated back to that day; for one, a later Re-Activate."""
        left_at = self.now - timedelta(days=leaving.days_ago)
        left_on = timezone.localdate(left_at, self.tz)
        self._schedule(
            plan,
            windows=[(self.first_day, left_on - timedelta(days=1)), (self.today, self.last_day)],
            # The one that keeps its templates needs one to keep.
            template_chance=0.6 if leaving.delete_templates else 1.0,
        )
        deactivate_client(
            plan.client,
            actor=self.admin,
            delete_future_events=leaving.delete_future_events,
            delete_templates=leaving.delete_templates,
            reason=leaving.reason,
            now=left_at,
        )
        if leaving.reactivated_days_ago is not None:
            back_at = self.now - timedelta(days=leaving.reactivated_days_ago)
            reactivate_client(
                plan.client, actor=self.admin, reason=leaving.reactivation_reason, now=back_at
            )
            plan.client.refresh_from_db()
            back_on = timezone.localdate(back_at, self.tz)
            # Walks again, on a new template from the day they came back.
            self._schedule(
                plan, windows=[(back_on, self.last_day)], template_chance=1.0, applied_at=back_at
            )

    def _schedule(
        self,
        plan: _ClientPlan,
        *,
        windows: list[tuple[date, date]],
        template_chance: float = 0.5,
        applied_at: datetime | None = None,
    ) -> None:
        """Templates (for some clients), applied from the first day of
        ``windows`` through the last day of the demo, and one-off visits on
        the days of ``windows``."""
        rng = self.rng
        is_portal_client = plan.client.email == "client@example.com"
        since = windows[0][0]
        if is_portal_client or rng.random() < template_chance:
            count = 1 if rng.random() < 0.75 else 2
            for template in self._templates_for(plan, count=count, since=since):
                self._apply(template, since=since, applied_at=applied_at)
        days = _days(windows)
        if not days:
            return
        past = [d for d in days if d < self.today]
        future = [d for d in days if d > self.today]
        one_offs = [*rng.sample(past, min(len(past), rng.randint(2, 6)))]
        one_offs += rng.sample(future, min(len(future), rng.randint(1, 4)))
        for day in one_offs:
            service, pets = self._one_off_service(plan)
            slot = time(19, 0) if service.name == OVERNIGHT else _quarter_hour(rng)
            status = EventStatus.SCHEDULED
            if day > self.today:
                roll = rng.random()
                if roll < 0.2:
                    status = EventStatus.REQUESTED
                elif roll < 0.32:
                    status = EventStatus.CANCELED
            self._one_off(
                plan, service=service, pets=pets, starts_at=self._at(day, slot), status=status
            )
        if is_portal_client:
            self._portal_client_extras(plan)

    def _templates_for(self, plan: _ClientPlan, *, count: int, since: date) -> list[Template]:
        rng = self.rng
        patterns = [[0, 2, 4], [0, 1, 2, 3, 4], [1, 3], [0, 3], [2], [5, 6]]
        templates = []
        for n in range(count):
            weekdays = rng.choice(patterns)
            at = _quarter_hour(rng, first=8, last=17)
            if plan.client.email == "client@example.com" and n == 0:
                weekdays, at, service = [0, 2, 4], time(9, 0), self.services[WALK_30]
            elif plan.dogs:
                service = self.services[rng.choice([WALK_30, WALK_30, WALK_60])]
            else:
                service = self.services[DROP_IN]
            last_date = None
            if rng.random() < 0.2:
                last_date = self.today + timedelta(days=rng.randint(7, DAYS_AHEAD + 20))
            first_date = self.today - timedelta(days=rng.randint(14, DAYS_BACK + 60))
            pets = plan.dogs if service.name != DROP_IN else plan.cats_and_others
            pets = pets if rng.random() < 0.6 else pets[:1]
            sitter, at = self._free_slot(
                weekdays, at, service.duration, movable=plan.client.email != "client@example.com"
            )
            templates.append(
                create_template(
                    client=plan.client,
                    service_type=service,
                    sitter=sitter,
                    pets=pets,
                    weekdays=weekdays,
                    time_of_day=at,
                    first_date=max(first_date, since),
                    last_date=last_date,
                    actor=self.office,
                )
            )
        return templates

    def _free_slot(
        self, weekdays: list[int], at: time, duration: timedelta, *, movable: bool
    ) -> tuple[User, time]:
        """The office plans recurring visits so that no sitter has two at once
        on a shared weekday: the first sitter (from a random one) free at
        ``at``, else half an hour later or earlier, and so on, within 8:00 to
        17:45; when nothing fits, the first sitter at ``at``."""
        first = self.rng.randrange(len(self.sitters))
        order = self.sitters[first:] + self.sitters[:first]
        start = at.hour * 60 + at.minute
        length = int(duration.total_seconds() // 60)
        shifts = [0, 30, -30, 60, -60, 90, -90] if movable else [0]
        for shift in shifts:
            minute = start + shift
            if not 8 * 60 <= minute <= 17 * 60 + 45:
                continue
            for sitter in order:
                booked = self._template_slots.setdefault(sitter.pk, [])
                if not any(
                    set(weekdays) & days
                    and minute < other + other_length
                    and other < minute + length
                    for days, other, other_length in booked
                ):
                    booked.append((set(weekdays), minute, length))
                    return sitter, time(minute // 60, minute % 60)
        return order[0], at

    def _apply(self, template: Template, *, since: date, applied_at: datetime | None) -> None:
        """Apply the template as the office did on ``since`` (or at
        ``applied_at``), through the demo's last day; a few of the visits
        still to come are canceled."""
        applied = apply_template(
            template,
            start_date=since,
            end_date=self.last_day,
            actor=self.office,
            now=applied_at or self._at(since, time(0)),
        )
        overlapping = {event.pk for event in applied.overlapping}
        for event in applied.events:
            # Drawn for every visit, so the draws don't depend on the time of day.
            canceled = self.rng.random() < 0.08
            if canceled and event.starts_at >= self.now:
                cancel_event(event, actor=self.office)
            elif event.pk in overlapping:
                self._give_to_a_free_sitter(event)

    def _give_to_a_free_sitter(self, event: ScheduledEvent) -> None:
        """What the office does with apply_template's overlap warnings: the
        visit goes to another sitter who is free then (if one is)."""
        pets = list(event.pets.all())
        for sitter in self.sitters:
            if sitter.pk == event.sitter_id:
                continue
            try:
                update_event(
                    event,
                    service_type=event.service_type,
                    pets=pets,
                    sitter=sitter,
                    starts_at=event.starts_at,
                    ends_at=event.ends_at,
                    notes=event.notes,
                    actor=self.office,
                )
            except SitterOverlap:
                continue
            return

    def _one_off_service(self, plan: _ClientPlan) -> tuple[ServiceType, list[Pet]]:
        rng = self.rng
        if rng.random() < 0.06:
            return self.services[OVERNIGHT], plan.pets
        if plan.dogs and (not plan.cats_and_others or rng.random() < 0.6):
            puppies = [p for p in plan.dogs if p.notes.startswith("Puppy")]
            if puppies and rng.random() < 0.5:
                return self.services[PUPPY], puppies
            walk = rng.choice([WALK_30, WALK_30, WALK_60])
            return self.services[walk], plan.dogs if rng.random() < 0.7 else plan.dogs[:1]
        return self.services[DROP_IN], plan.cats_and_others

    def _one_off(
        self,
        plan: _ClientPlan,
        *,
        service: ServiceType,
        pets: list[Pet],
        starts_at: datetime,
        status: str,
        sitter: User | None = None,
    ) -> ScheduledEvent:
        """A visit the client asked for (requested, through the portal's
        service) or the office booked (scheduled, then canceled for some)."""
        notes = self.rng.choice(EVENT_NOTES)
        if status == EventStatus.REQUESTED and (login := self._portal_login(plan.client)):
            try:
                return request_visit(
                    plan.client,
                    actor=login,
                    service_type=service,
                    pets=pets,
                    starts_at=starts_at,
                    note=notes,
                    now=self.now,
                )
            except ValidationError:
                # Outside this deployment's opening hours: the office books it.
                pass
        event = self._book(
            plan, service=service, pets=pets, starts_at=starts_at, notes=notes, sitter=sitter
        )
        if status == EventStatus.CANCELED:
            cancel_event(event, actor=self.office)
        return event

    def _book(
        self,
        plan: _ClientPlan,
        *,
        service: ServiceType,
        pets: list[Pet],
        starts_at: datetime,
        notes: str,
        sitter: User | None,
    ) -> ScheduledEvent:
        """schedule_event with the first free sitter, starting from ``sitter``
        (or one drawn at random); when all are busy, the first, knowingly."""
        first = self.sitters.index(sitter) if sitter else self.rng.randrange(len(self.sitters))
        order = self.sitters[first:] + self.sitters[:first]
        booking = {
            "client": plan.client,
            "service_type": service,
            "pets": pets,
            "starts_at": starts_at,
            "notes": notes,
            "actor": self.office,
        }
        for candidate in order:
            try:
                return schedule_event(sitter=candidate, **booking)
            except SitterOverlap:
                continue
        return schedule_event(sitter=order[0], allow_overlap=True, **booking)

    def _portal_login(self, client: Client) -> User | None:
        """The login a client's requests come from: the one it has, else one
        made as an invitation accepted long ago (the demo prints only its five
        sign-ins); none for a client without an email."""
        login = client.logins.first()
        if login is None and client.email:
            login = User(email=client.email, client=client, date_joined=self.now)
            login.set_unusable_password()
            login.save()
            login.groups.set([self.groups[roles.CLIENT]])
        return login

    def _portal_client_extras(self, plan: _ClientPlan) -> None:
        """The portal client sees every kind of visit whatever the seed draws,
        and one template visit that the office moved (applying the template
        again doesn't put it back)."""
        cat = plan.cats_and_others
        extras = [
            (self.today + timedelta(days=3), time(14, 0), DROP_IN, cat, EventStatus.REQUESTED),
            (self.today + timedelta(days=6), time(11, 30), DROP_IN, cat, EventStatus.SCHEDULED),
            (self.today + timedelta(days=9), time(13, 0), WALK_60, plan.dogs, EventStatus.CANCELED),
            (self.today - timedelta(days=5), time(15, 15), DROP_IN, cat, EventStatus.CANCELED),
        ]
        for day, at, service, pets, status in extras:
            self._one_off(
                plan,
                service=self.services[service],
                pets=pets,
                starts_at=self._at(day, at),
                status=status,
                sitter=self.sitters[0],
            )
        to_move = (
            ScheduledEvent.objects.filter(
                client=plan.client,
                template__isnull=False,
                status=EventStatus.SCHEDULED,
                starts_at__gte=self._at(self.today + timedelta(days=2), time(0)),
            )
            .select_related("service_type")
            .first()
        )
        if to_move is not None:
            update_event(
                to_move,
                service_type=to_move.service_type,
                pets=list(to_move.pets.all()),
                sitter=to_move.sitter,
                starts_at=to_move.starts_at + timedelta(hours=1),
                notes="Moved an hour later: Jordan has a call at 9.",
                allow_overlap=True,
                actor=self.office,
            )

    def _check_off_the_past(self) -> None:
        """The office checks off every visit before today: most completed,
        some canceled, the odd request declined. Today's stay scheduled: not
        checked off yet."""
        rng = self.rng
        past = ScheduledEvent.objects.filter(
            starts_at__lt=self._at(self.today, time(0)),
            status__in=[EventStatus.REQUESTED, EventStatus.SCHEDULED],
        ).order_by("starts_at", "pk")
        for event in past:
            if event.status == EventStatus.REQUESTED:
                decline_request(event, actor=self.office)
            elif rng.random() < 0.12:
                cancel_event(event, actor=self.office)
            else:
                complete_event(event, actor=self.office)


def _days(windows: list[tuple[date, date]]) -> list[date]:
    days = []
    for first, last in windows:
        day = first
        while day <= last:
            days.append(day)
            day += timedelta(days=1)
    return days


def _quarter_hour(rng: random.Random, *, first: int = 7, last: int = 18) -> time:
    """A start time on the quarter hour within business hours (7:00-19:00)."""
    return time(rng.randint(first, last), rng.choice([0, 15, 30, 45]))
