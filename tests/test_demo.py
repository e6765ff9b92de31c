"""``manage.py demo``: refuses without DEBUG, loads the demo data once, serves."""

import ast
from datetime import time, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.test import RequestFactory, override_settings
from django.utils import timezone

from clients.models import Client, ClientStatusChange, Pet
from petcare import roles
from petcare.management import demo_data
from petcare.management.commands import demo as demo_command
from petcare.models import User
from scheduling.models import EventPet, EventStatus, ScheduledEvent, Template
from scheduling.services.templates import apply_template

pytestmark = pytest.mark.django_db

SIGN_INS = {
    "admin@example.com": roles.ADMIN,
    "manager@example.com": roles.OFFICE_MANAGER,
    "sitter@example.com": roles.SITTER,
    "client@example.com": roles.CLIENT,
    "former@example.com": roles.CLIENT,
}


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def debug_on(settings):
    # The test runner turns DEBUG off; the demo is for DEBUG on.
    settings.DEBUG = True


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker) -> str:
    """One load of the demo (a couple of seconds: it goes through the real
    services) for the whole module, rolled back after it. Each test runs in
    its own savepoint inside this transaction, as with Django's
    ``TestCase.setUpTestData``, so what a test changes is undone after it."""
    # The function-scoped settings of conftest.py don't reach a module fixture.
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=fast_hashing),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield run_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(loaded_demo, db, debug_on) -> str:
    """What the first ``manage.py demo --no-serve`` printed."""
    return loaded_demo


def test_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError, match="local use with DEBUG on"):
        run_demo()

    assert row_counts() == before


def test_demo_prints_the_url_and_every_sign_in_with_its_role_and_password(demo):
    assert "http://127.0.0.1:8000/" in demo
    for email, role in SIGN_INS.items():
        line = next(line for line in demo.splitlines() if email in line)
        assert role in line
        assert demo_data.DEMO_PASSWORD in line


def test_demo_sign_ins_have_their_group_and_the_demo_password(demo):
    request = RequestFactory().post("/signin/")
    for email, role in SIGN_INS.items():
        user = User.objects.get(email=email)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.first_name and user.last_name
        assert user.check_password(demo_data.DEMO_PASSWORD)
        assert user.is_client_login == (role == roles.CLIENT)
        assert user.is_staff == (role == roles.ADMIN)  # only the admin enters the Django admin
        signed_in = authenticate(request, username=email, password=demo_data.DEMO_PASSWORD)
        # The inactive client's login is locked out, whatever its password.
        assert signed_in == (None if email == "former@example.com" else user)


def test_demo_former_client_is_inactive_with_its_history(demo):
    former = Client.objects.get(logins__email="former@example.com")

    assert not former.is_active
    change = former.status_changes.get()
    assert change.action == ClientStatusChange.Action.DEACTIVATED
    assert change.actor.email == "admin@example.com"
    assert change.changed_at == former.deactivated_at
    assert "former@example.com" in demo
    assert "Client (inactive)" in demo


def test_demo_client_login_belongs_to_an_active_client_with_visits_pets_and_a_template(demo):
    client = Client.objects.get(logins__email="client@example.com")

    assert client.is_active
    assert client.pets.exists()
    assert client.templates.exists()
    upcoming = ScheduledEvent.objects.upcoming(now=timezone.now()).for_client(client)
    assert upcoming.filter(status=EventStatus.SCHEDULED).exists()
    assert upcoming.filter(status=EventStatus.REQUESTED).exists()


def test_demo_schedule_has_every_status_in_the_past_and_the_future(demo):
    now = timezone.now()
    past = set(ScheduledEvent.objects.filter(starts_at__lt=now).values_list("status", flat=True))
    future = set(ScheduledEvent.objects.filter(starts_at__gte=now).values_list("status", flat=True))

    assert {EventStatus.COMPLETED, EventStatus.CANCELED} <= past
    assert {EventStatus.SCHEDULED, EventStatus.REQUESTED, EventStatus.CANCELED} <= future
    assert past | future == set(EventStatus.values)
    assert 300 <= ScheduledEvent.objects.count() <= 1500


def test_demo_visits_are_on_the_quarter_hour_in_business_hours_with_their_clients_pets(demo):
    events = ScheduledEvent.objects.select_related("service_type")
    for event in events:
        local = timezone.localtime(event.starts_at)
        assert time(7, 0) <= local.time() <= time(19, 0)
        assert local.minute % 15 == 0 and local.second == 0
        assert event.ends_at == event.starts_at + event.service_type.duration
        if event.template_id is not None:
            assert event.occurrence_date == local.date()
    assert not EventPet.objects.exclude(pet__client=F("event__client")).exists()
    assert EventPet.objects.values("event").distinct().count() == events.count()


def test_demo_has_active_clients_with_and_without_templates_each_with_upcoming_visits(demo):
    upcoming = ScheduledEvent.objects.upcoming(now=timezone.now())
    active_booked = Client.objects.active().filter(pk__in=upcoming.values("client"))

    assert active_booked.filter(templates__isnull=False).distinct().count() >= 3
    assert active_booked.filter(templates__isnull=True).count() >= 10


def test_demo_inactive_clients_were_made_inactive_through_the_service(demo):
    inactive = Client.objects.inactive()

    assert 5 <= inactive.count() <= 8
    for client in inactive:
        latest = client.status_changes.first()
        assert latest.action == ClientStatusChange.Action.DEACTIVATED
        assert latest.changed_at == client.deactivated_at
        assert client.deactivated_by.email == "admin@example.com"
    # One kept its booked visits ("Delete all future scheduled services" unchecked).
    kept = ScheduledEvent.objects.upcoming(now=timezone.now()).filter(client__is_active=False)
    assert kept.exists()
    assert ClientStatusChange.objects.filter(delete_future_events=False).exists()
    # One came back: its history has both.
    back = Client.objects.active().filter(status_changes__isnull=False).distinct().get()
    assert [c.action for c in back.status_changes.all()] == [
        ClientStatusChange.Action.REACTIVATED,
        ClientStatusChange.Action.DEACTIVATED,
    ]


def _start_of_today():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def test_demo_office_checked_off_the_past(demo):
    """Before today every visit is completed or canceled; today's may still be open."""
    before_today = ScheduledEvent.objects.filter(starts_at__lt=_start_of_today())

    assert before_today.exists()
    assert set(before_today.values_list("status", flat=True)) == {
        EventStatus.COMPLETED,
        EventStatus.CANCELED,
    }


def test_demo_templates_were_applied_through_the_coming_weeks(demo):
    """The template visits are apply_template's: applying the active clients'
    templates again over the next four weeks creates nothing."""
    today = timezone.localdate()
    templates = Template.objects.filter(client__is_active=True)
    admin = User.objects.get(email=demo_data.MARKER_EMAIL)

    created = [
        apply_template(
            template, start_date=today, end_date=today + timedelta(days=27), actor=admin
        ).created
        for template in templates
    ]

    assert len(created) >= 10
    assert set(created) == {0}


def test_demo_office_moved_a_template_visit_of_the_portal_client(demo):
    moved = ScheduledEvent.objects.get(
        client__logins__email="client@example.com",
        template__isnull=False,
        notes__startswith="Moved an hour later",
    )

    local = timezone.localtime(moved.starts_at)
    assert (local.time(), local.date()) == (time(10, 0), moved.occurrence_date)
    assert moved.template.time_of_day == time(9, 0)


def test_demo_make_inactive_removed_what_was_still_to_come_unless_told_to_keep_it(demo):
    for client in Client.objects.inactive():
        change = client.status_changes.get()
        left_open = ScheduledEvent.objects.upcoming(now=change.changed_at).for_client(client)
        assert left_open.exists() == (not change.delete_future_events), client


def test_demo_sitters_are_rarely_booked_twice_at_once(demo):
    """The office books the first free sitter; only when everyone is busy
    does a visit overlap another of the same sitter."""
    visits = ScheduledEvent.objects.exclude(status=EventStatus.CANCELED).exclude(sitter=None)
    by_sitter: dict[int, list] = {}
    for visit in visits.order_by("starts_at"):
        by_sitter.setdefault(visit.sitter_id, []).append(visit)
    overlaps = sum(
        later.starts_at < earlier.ends_at
        for schedule in by_sitter.values()
        for earlier, later in pairwise(schedule)
    )

    assert len(by_sitter) == 3
    assert overlaps <= visits.count() * 0.03


def test_demo_coming_week_is_a_small_business_at_work(demo):
    """Every weekday of the coming week has visits on the schedule, a few
    dozen in all: three sitters' worth, not a crowd."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    week = [tomorrow + timedelta(days=n) for n in range(7)]
    on_schedule = ScheduledEvent.objects.filter(
        status__in=[EventStatus.REQUESTED, EventStatus.SCHEDULED]
    )
    per_day = {day: 0 for day in week}
    for event in on_schedule:
        day = timezone.localdate(event.starts_at)
        if day in per_day:
            per_day[day] += 1

    assert all(per_day[day] >= 3 for day in week if day.weekday() < 5), per_day
    assert 40 <= sum(per_day.values()) <= 200, per_day


def test_demo_twice_creates_nothing_new(demo):
    before = row_counts()

    second = run_demo()

    assert row_counts() == before
    assert "already loaded" in second
    assert "petcare-demo" in second


def test_demo_again_repairs_the_sign_ins(demo):
    manager = User.objects.get(email="manager@example.com")
    manager.set_password("something else")
    manager.save()
    manager.groups.clear()

    run_demo()

    manager.refresh_from_db()
    assert manager.check_password(demo_data.DEMO_PASSWORD)
    assert list(manager.groups.values_list("name", flat=True)) == [roles.OFFICE_MANAGER]


def test_demo_again_recreates_a_deleted_admin_without_loading_twice(demo):
    User.objects.get(email=demo_data.MARKER_EMAIL).delete()
    clients = Client.objects.count()

    output = run_demo()

    assert "already loaded" in output
    assert Client.objects.count() == clients
    admin = User.objects.get(email=demo_data.MARKER_EMAIL)
    assert admin.is_staff
    assert admin.check_password(demo_data.DEMO_PASSWORD)


def test_demo_keeps_a_right_password_so_open_sessions_survive_a_restart(demo):
    hashes = dict(User.objects.values_list("email", "password"))

    run_demo()

    assert dict(User.objects.values_list("email", "password")) == hashes


def test_demo_serves_on_127_0_0_1_8000_unless_told_otherwise(demo, monkeypatch):
    served = []
    monkeypatch.setattr(demo_command, "call_command", lambda *args, **kw: served.append(args))

    call_command("demo", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--addrport", "8123", stdout=out)

    assert served == [("runserver", "127.0.0.1:8000"), ("runserver", "8123")]
    assert "http://127.0.0.1:8123/" in out.getvalue()


def test_demo_no_serve_does_not_start_the_server(demo, monkeypatch):
    served = []
    monkeypatch.setattr(demo_command, "call_command", lambda *args, **kw: served.append(args))

    run_demo()

    assert served == []


@pytest.mark.parametrize(
    "path", ["petcare/management/demo_data.py", "petcare/management/commands/demo.py"]
)
def test_demo_needs_no_dev_dependency(path):
    """factory-boy and Faker are dev-only: a production install must run the demo."""
    source = Path(__file__).resolve().parent.parent / path
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])

    assert not imported & {"faker", "factory", "tests", "pytest"}


def test_demo_pets_have_care_notes_and_one_is_archived_without_visits_to_come(demo):
    assert Pet.objects.exclude(feeding="").exists()
    assert Pet.objects.filter(date_of_birth__isnull=False).exists()
    archived = Pet.objects.archived().get()
    assert archived.archive_reason == Pet.ArchiveReason.PASSED_AWAY
    assert not EventPet.objects.filter(
        pet=archived,
        event__starts_at__gte=timezone.now(),
        event__status__in=["requested", "scheduled"],
    ).exists()
    assert EventPet.objects.filter(pet=archived).exists()  # the past still names it
