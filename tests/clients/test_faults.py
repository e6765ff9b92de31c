"""Make Inactive and Re-Activate do everything or nothing (docs/design.md,
"Make Inactive" 3, "Re-Activate"): an error forced at each statement they run
(the lock, each delete, the status update, the auth epoch, the activity log,
the history) leaves every row of the database exactly as it was, and the
person sees the 500 page, which says that nothing was changed.

The error is forced with ``connection.execute_wrapper``, armed only while the
service runs, in two ways: the statement never reaches the database (its
connection broke), or it ran and its answer was lost, so the rollback has to
undo it. The savepoints that Django's test transaction adds around the
service's ``atomic()`` are not faulted: in production the service's
transaction is the outermost one and has none. The transactional tests at
the end run the service as the outermost transaction, as in production."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from api.tokens import issue_token
from clients import services
from clients.models import Client, ClientStatusChange
from petcare import policy
from petcare.views import ERRORS
from scheduling.models import EventStatus, ScheduledEvent, Template
from tests import factories
from tests.helpers import HTMX, visit

pytestmark = pytest.mark.django_db

# Each statement of the services, in the order they run, with what the
# statement starts with (placeholders, not values: the SQL the wrapper gets).
MAKE_INACTIVE = {
    "lock": r'SELECT .* FROM "clients_client"',
    "delete-upcoming-visits": r'DELETE FROM "scheduling_scheduledevent"',
    "delete-templates": r'DELETE FROM "scheduling_template"',
    "update-client": r'UPDATE "clients_client"',
    "raise-auth-epoch": r'UPDATE "petcare_user"',
    "record-activity": r'INSERT INTO "petcare_activityentry"',
    "record-history": r'INSERT INTO "clients_clientstatuschange"',
}
RE_ACTIVATE = {
    "lock": MAKE_INACTIVE["lock"],
    "update-client": MAKE_INACTIVE["update-client"],
    "raise-auth-epoch": MAKE_INACTIVE["raise-auth-epoch"],
    "record-activity": MAKE_INACTIVE["record-activity"],
    "record-history": MAKE_INACTIVE["record-history"],
}
SERVICES = {"deactivate_client": MAKE_INACTIVE, "reactivate_client": RE_ACTIVATE}
# Before: the statement never reaches the database. After: it ran, and the
# error came back instead of its answer.
WHEN = ("before", "after")
TEST_SAVEPOINTS = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) ")

BOTH = {"delete_future_events": "on", "delete_templates": "on"}
NOTHING_CHANGED = "nothing was changed"


def faults(service: str) -> list:
    return [
        pytest.param(statement, when, id=f"{statement}-{when}")
        for statement in SERVICES[service]
        for when in WHEN
    ]


# --- The fault ---------------------------------------------------------------------------


@dataclass
class Fault:
    """An execute wrapper that fails every statement matching ``pattern``,
    ``before`` it reaches the database or ``after`` it ran; counts them."""

    pattern: str
    when: str
    fired: int = 0

    def __call__(self, execute, sql, params, many, context):
        if not re.match(self.pattern, sql):
            return execute(sql, params, many, context)
        self.fired += 1
        if self.when == "after":
            execute(sql, params, many, context)
        raise OperationalError(f"forced fault {self.when}: {sql[:60]}")


@dataclass
class Recorder:
    """An execute wrapper that keeps the statements the service runs."""

    statements: list

    def __call__(self, execute, sql, params, many, context):
        if not TEST_SAVEPOINTS.match(sql):
            self.statements.append(sql)
        return execute(sql, params, many, context)


@contextmanager
def armed_in(monkeypatch, service: str, wrapper) -> Iterator[None]:
    """Arms ``wrapper`` while ``clients.services.<service>`` runs, whoever calls it
    (the view calls it through the module)."""
    original = getattr(services, service)

    def armed(*args, **kwargs):
        with connection.execute_wrapper(wrapper):
            return original(*args, **kwargs)

    monkeypatch.setattr(services, service, armed)
    try:
        yield
    finally:
        monkeypatch.setattr(services, service, original)


def every_row() -> dict[str, list[dict]]:
    """Every row of every table, by table."""
    return {
        model._meta.db_table: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


# --- The household: a row for every statement to touch, and rows not to ----------------


def a_household(*, name: str, actor) -> Client:
    """A client with two pets, two logins (one signed in to the app), two templates
    and visits of every kind: to come (from a template and not), running, past,
    canceled, completed; and a history of an earlier Make Inactive and Re-Activate."""
    client = factories.ClientFactory(name=name)
    pets = factories.PetFactory.create_batch(2, client=client)
    app_login = factories.ClientLoginFactory(client=client)
    factories.ClientLoginFactory(client=client)
    issue_token(app_login)
    now = timezone.now()
    for weekday in (0, 3):
        template = factories.TemplateFactory(client=client, weekdays=[weekday])
        template.pets.add(*pets)
        visit(
            client,
            now + timedelta(days=2 + weekday),
            pets=pets,
            template=template,
            occurrence_date=(now + timedelta(days=2 + weekday)).date(),
        )
        visit(client, now - timedelta(days=7), pets=pets[:1], template=template)
    visit(client, now + timedelta(days=1), pets=pets, status=EventStatus.REQUESTED, notes="gate")
    visit(client, now + timedelta(days=5), pets=pets[1:], status=EventStatus.CANCELED)
    visit(client, now - timedelta(minutes=5), pets=pets)
    visit(client, now - timedelta(days=1), pets=pets, status=EventStatus.COMPLETED)
    services.deactivate_client(
        client,
        actor=actor,
        delete_future_events=False,
        delete_templates=False,
        now=now - timedelta(days=30),
    )
    services.reactivate_client(client, actor=actor, now=now - timedelta(days=20))
    return Client.objects.get(pk=client.pk)


@pytest.fixture
def jane(office_manager) -> Client:
    """Jane Cooper, active, beside a neighbour's household that nothing should touch."""
    a_household(name="Neighbour", actor=office_manager)
    return a_household(name="Jane Cooper", actor=office_manager)


@pytest.fixture
def inactive_jane(jane, office_manager) -> Client:
    """Jane made inactive with both options off: her visits and templates stay."""
    services.deactivate_client(
        jane, actor=office_manager, delete_future_events=False, delete_templates=False
    )
    return Client.objects.get(pk=jane.pk)


@pytest.fixture
def staff(office_manager):
    """The office manager, its permissions read once (as the view's check does),
    so the service runs only its own statements."""
    policy.require(policy.may_change_client_status, office_manager)
    return office_manager


def call(service: str, client: Client, actor):
    if service == "deactivate_client":
        return services.deactivate_client(client, actor=actor, reason="Moved away")
    return services.reactivate_client(client, actor=actor, reason="Back in town")


def subject(request, service: str) -> Client:
    return request.getfixturevalue("jane" if service == "deactivate_client" else "inactive_jane")


# --- The statements are the ones faulted ------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_the_faults_cover_every_statement_of_the_service(request, monkeypatch, staff, service):
    client = subject(request, service)
    recorder = Recorder([])

    with armed_in(monkeypatch, service, recorder):
        call(service, client, staff)

    patterns = list(SERVICES[service].values())
    assert len(recorder.statements) == len(patterns), recorder.statements
    for sql, pattern in zip(recorder.statements, patterns, strict=True):
        assert re.match(pattern, sql), (pattern, sql)
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in recorder.statements[0]


@pytest.mark.parametrize("service", SERVICES)
def test_without_a_fault_every_statement_changes_rows(request, staff, service):
    """So a fault that left a statement's rows unchanged proves something."""
    client = subject(request, service)
    before = every_row()

    call(service, client, staff)

    after = every_row()
    changed = {table for table in before if before[table] != after[table]}
    expected = {"clients_client", "petcare_user", "petcare_activityentry"}
    expected |= {"clients_clientstatuschange"}
    if service == "deactivate_client":
        expected |= {
            "scheduling_scheduledevent",
            "scheduling_eventpet",
            "scheduling_template",
            "scheduling_templatepet",
        }
    assert changed == expected


# --- Through the service ------------------------------------------------------------------


@pytest.mark.parametrize("statement,when", faults("deactivate_client"))
def test_make_inactive_with_a_fault_at_any_statement_changes_nothing(
    monkeypatch, jane, staff, statement, when
):
    fault = Fault(MAKE_INACTIVE[statement], when)
    before = every_row()

    with armed_in(monkeypatch, "deactivate_client", fault), pytest.raises(OperationalError):
        services.deactivate_client(jane, actor=staff, reason="Moved away")

    assert fault.fired == 1
    assert every_row() == before


@pytest.mark.parametrize("statement,when", faults("reactivate_client"))
def test_re_activate_with_a_fault_at_any_statement_changes_nothing(
    monkeypatch, inactive_jane, staff, statement, when
):
    fault = Fault(RE_ACTIVATE[statement], when)
    before = every_row()

    with armed_in(monkeypatch, "reactivate_client", fault), pytest.raises(OperationalError):
        services.reactivate_client(inactive_jane, actor=staff, reason="Back in town")

    assert fault.fired == 1
    assert every_row() == before


@pytest.mark.parametrize("service", SERVICES)
def test_after_a_fault_the_service_succeeds_when_tried_again(request, monkeypatch, staff, service):
    """The rollback leaves the connection usable and the client as it was, so
    trying again (what the 500 page says) works."""
    client = subject(request, service)
    changes = client.status_changes.count()
    fault = Fault(SERVICES[service]["record-history"], "after")
    with armed_in(monkeypatch, service, fault), pytest.raises(OperationalError):
        call(service, client, staff)

    call(service, client, staff)

    client.refresh_from_db()
    assert client.is_active is (service == "reactivate_client")
    assert client.status_changes.count() == changes + 1


# --- Through the view: the 500 page -------------------------------------------------------


@pytest.fixture
def manager_http(office_manager) -> HttpClient:
    """The office manager in a browser that gets the 500 page rather than the error."""
    http = HttpClient(raise_request_exception=False)
    http.force_login(office_manager)
    return http


VIEWS = {"deactivate_client": "clients:deactivate", "reactivate_client": "clients:reactivate"}


def post_with_fault(http, monkeypatch, service, client, fault, *, htmx):
    with armed_in(monkeypatch, service, fault):
        return http.post(
            reverse(VIEWS[service], args=[client.pk]),
            {**BOTH, "reason": "Moved away"},
            headers=HTMX if htmx else {},
        )


def assert_the_500_page(response, *, htmx: bool) -> None:
    """The 500 page (a dialog of its own for htmx), telling the person that
    nothing was changed and what to do."""
    assert response.status_code == 500
    html = response.content.decode()
    title, message = ERRORS[500]
    assert title in html
    assert message in html
    assert NOTHING_CHANGED in message.lower()
    assert "Try again" in message
    templates = [t.name for t in response.templates]
    if htmx:
        assert templates[0] == "partials/dialog.html"
        assert 'role="alertdialog"' in html
        assert response.headers["HX-Retarget"] == "#dialog-slot"
    else:
        assert templates[0] == "error.html"
        assert f'<h1 id="dialog-title">{title}</h1>' in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("statement,when", faults("deactivate_client"))
def test_make_inactive_page_with_a_fault_shows_the_500_page_and_changes_nothing(
    monkeypatch, manager_http, jane, statement, when, htmx
):
    fault = Fault(MAKE_INACTIVE[statement], when)
    before = every_row()

    response = post_with_fault(
        manager_http, monkeypatch, "deactivate_client", jane, fault, htmx=htmx
    )

    assert fault.fired == 1
    assert_the_500_page(response, htmx=htmx)
    assert every_row() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("statement,when", faults("reactivate_client"))
def test_re_activate_page_with_a_fault_shows_the_500_page_and_changes_nothing(
    monkeypatch, manager_http, inactive_jane, statement, when, htmx
):
    fault = Fault(RE_ACTIVATE[statement], when)
    before = every_row()

    response = post_with_fault(
        manager_http, monkeypatch, "reactivate_client", inactive_jane, fault, htmx=htmx
    )

    assert fault.fired == 1
    assert_the_500_page(response, htmx=htmx)
    assert every_row() == before


def test_an_error_after_make_inactive_in_the_same_request_rolls_it_back_too(
    monkeypatch, manager_http, jane
):
    """A write request is one transaction (petcare.middleware.AtomicWritesMiddleware):
    an error after the service committed its part (here while the htmx answer
    reads the profile) rolls Make Inactive back too, so the 500 page's
    "nothing was changed" is true."""
    # The first statement after the service's: the htmx answer reads the profile.
    original = services.deactivate_client
    fault = Fault(r"SELECT", "before")

    def then_a_fault(*args, **kwargs):
        result = original(*args, **kwargs)
        connection.execute_wrappers.append(fault)
        return result

    monkeypatch.setattr(services, "deactivate_client", then_a_fault)
    history = ClientStatusChange.objects.filter(client=jane).count()
    try:
        response = manager_http.post(
            reverse("clients:deactivate", args=[jane.pk]), BOTH, headers=HTMX
        )
    finally:
        connection.execute_wrappers.remove(fault)

    assert fault.fired >= 1
    assert response.status_code == 500
    jane.refresh_from_db()
    assert NOTHING_CHANGED in response.content.decode().lower()
    assert jane.is_active
    assert ClientStatusChange.objects.filter(client=jane).count() == history


# --- As in production: the service's transaction is the outermost one ----------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("roles")
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("when", WHEN)
def test_a_fault_rolls_back_the_outermost_transaction(request, monkeypatch, service, when):
    """The savepoints of the tests above are gone: the fault meets the
    service's own transaction, which the database rolls back (every statement
    in turn, in one test, so the tables are flushed once)."""
    actor = factories.OfficeManagerFactory()
    policy.require(policy.may_change_client_status, actor)
    a_household(name="Neighbour", actor=actor)
    client = a_household(name="Jane Cooper", actor=actor)
    if service == "reactivate_client":
        services.deactivate_client(client, actor=actor)
    assert not connection.in_atomic_block

    for statement, pattern in SERVICES[service].items():
        before = every_row()
        fault = Fault(pattern, when)
        with armed_in(monkeypatch, service, fault), pytest.raises(OperationalError):
            call(service, client, actor)
        assert fault.fired == 1, statement
        assert every_row() == before, statement
        assert not connection.in_atomic_block

    # And then it works.
    call(service, client, actor)
    assert Client.objects.get(pk=client.pk).is_active is (service == "reactivate_client")
    if service == "deactivate_client":
        assert not Template.objects.filter(client=client).exists()
        assert (
            not ScheduledEvent.objects.filter(client=client).upcoming(now=timezone.now()).exists()
        )
