"""Who may do what (docs/design.md, "People and roles"): one policy that the
services enforce whoever calls them, and that screens and views ask."""

import importlib
import inspect
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clients.models import Client
from petcare import policy
from scheduling.models import EventStatus, ScheduledEvent, ServiceType, Template
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def jordan(db):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    factories.PetFactory(client=client, name="Biscuit")
    return client


@pytest.fixture
def walk(db):
    return factories.ServiceTypeFactory()


def _tomorrow_at(hour: int):
    return timezone.now().replace(microsecond=0) + timedelta(days=1, hours=hour)


def _visit(client, status=EventStatus.SCHEDULED, **kwargs):
    starts_at = kwargs.pop("starts_at", _tomorrow_at(1))
    return factories.ScheduledEventFactory(
        client=client, status=status, starts_at=starts_at, **kwargs
    )


def _template(client):
    template = factories.TemplateFactory(client=client)
    template.pets.add(*client.pets.all())
    return template


# Every service that takes an actor: given the client and a service type, it
# arranges what the call needs and returns the call, waiting for its actor.
# test_every_service_with_an_actor_is_listed fails when a new one is missing.
def _services():
    from clients import services as clients
    from scheduling.services import service_types, templates, visits

    pets = lambda c: list(c.pets.all())  # noqa: E731
    today = date.today()
    return {
        "clients.services.deactivate_client": lambda c, w: (
            lambda actor: clients.deactivate_client(c, actor=actor)
        ),
        "clients.services.reactivate_client": lambda c, w: (
            lambda client: lambda actor: clients.reactivate_client(client, actor=actor)
        )(_inactive(c)),
        "clients.services.invite_client": lambda c, w: (
            lambda actor: clients.invite_client(
                c, actor=actor, build_url=lambda path: f"https://petcare.example{path}"
            )
        ),
        "scheduling.services.visits.schedule_event": lambda c, w: (
            lambda actor: visits.schedule_event(
                client=c, service_type=w, pets=pets(c), starts_at=_tomorrow_at(2), actor=actor
            )
        ),
        "scheduling.services.visits.update_event": lambda c, w: (
            lambda visit: (
                lambda actor: visits.update_event(
                    visit,
                    service_type=w,
                    pets=pets(c),
                    sitter=None,
                    starts_at=_tomorrow_at(3),
                    actor=actor,
                )
            )
        )(_visit(c)),
        "scheduling.services.visits.cancel_event": lambda c, w: (
            lambda visit: lambda actor: visits.cancel_event(visit, actor=actor)
        )(_visit(c)),
        "scheduling.services.visits.complete_event": lambda c, w: (
            lambda visit: lambda actor: visits.complete_event(visit, actor=actor)
        )(_visit(c)),
        "scheduling.services.visits.decline_request": lambda c, w: (
            lambda visit: lambda actor: visits.decline_request(visit, actor=actor)
        )(_visit(c, EventStatus.REQUESTED)),
        "scheduling.services.visits.confirm_request": lambda c, w: (
            lambda visit: lambda actor: visits.confirm_request(visit, actor=actor)
        )(_visit(c, EventStatus.REQUESTED)),
        "scheduling.services.templates.create_template": lambda c, w: (
            lambda actor: templates.create_template(
                client=c,
                service_type=w,
                pets=pets(c),
                weekdays=[0, 2],
                time_of_day=time(9),
                first_date=today,
                actor=actor,
            )
        ),
        "scheduling.services.templates.update_template": lambda c, w: (
            lambda template: (
                lambda actor: templates.update_template(
                    template,
                    service_type=w,
                    pets=pets(c),
                    weekdays=[1],
                    time_of_day=time(10),
                    first_date=today,
                    actor=actor,
                )
            )
        )(_template(c)),
        "scheduling.services.templates.delete_template": lambda c, w: (
            lambda template: lambda actor: templates.delete_template(template, actor=actor)
        )(_template(c)),
        "scheduling.services.templates.apply_template": lambda c, w: (
            lambda template: (
                lambda actor: templates.apply_template(
                    template,
                    start_date=today + timedelta(days=1),
                    end_date=today + timedelta(days=7),
                    actor=actor,
                )
            )
        )(_template(c)),
        "scheduling.services.service_types.save_service_type": lambda c, w: (
            lambda actor: service_types.save_service_type(
                ServiceType(name="Cat visit", price=20), actor=actor
            )
        ),
        "scheduling.services.service_types.set_service_type_offered": lambda c, w: (
            lambda actor: service_types.set_service_type_offered(w, offered=False, actor=actor)
        ),
    }


SERVICES = list(_services())
# Where services live: every public function of these modules that takes an
# actor must be in _services().
SERVICE_MODULES = [
    "clients.services",
    "scheduling.services.visits",
    "scheduling.services.templates",
    "scheduling.services.service_types",
    "portal.services",
    "api.tokens",
]


def _inactive(client):
    Client.objects.filter(pk=client.pk).update(is_active=False, deactivated_at=timezone.now())
    client.refresh_from_db()
    return client


def _everything(client_pk):
    """What a refused call must leave exactly as it was."""
    client = Client.objects.get(pk=client_pk)
    return {
        "client": Client.objects.filter(pk=client_pk).values().get(),
        "visits": sorted(ScheduledEvent.objects.values_list("pk", "status", "starts_at")),
        "templates": sorted(Template.objects.values_list("pk", "weekdays", "time_of_day")),
        "service types": sorted(ServiceType.objects.values_list("pk", "name", "is_active")),
        "history": client.status_changes.count(),
        "logins": sorted(client.logins.values_list("pk", "email")),
    }


def test_every_service_with_an_actor_is_listed():
    """A new service that takes an actor must be added to _services() (and
    so must enforce the policy), or stop taking one."""
    with_actor = {
        f"{module}.{name}"
        for module in SERVICE_MODULES
        for name, function in inspect.getmembers(importlib.import_module(module))
        if inspect.isfunction(function)
        and function.__module__ == module
        and not name.startswith("_")
        and "actor" in inspect.signature(function).parameters
    }
    assert with_actor == set(SERVICES)


NOT_OFFICE_STAFF = {
    "a sitter": lambda: factories.SitterFactory(),
    "a staff login in no role": lambda: factories.UserFactory(),
    "a client's login": lambda: factories.ClientLoginFactory(),
    "a disabled office manager": lambda: factories.OfficeManagerFactory(is_active=False),
    "nobody": lambda: None,
}


@pytest.mark.parametrize("who", list(NOT_OFFICE_STAFF))
@pytest.mark.parametrize("service", SERVICES)
def test_a_service_refuses_an_actor_the_policy_refuses_and_changes_nothing(
    roles, jordan, walk, service, who
):
    actor = NOT_OFFICE_STAFF[who]()
    act = _services()[service](jordan, walk)
    before = _everything(jordan.pk)

    with pytest.raises(policy.Refused) as refused:
        act(actor)

    assert isinstance(refused.value, PermissionDenied)
    assert "Only" in str(refused.value)  # it says who may
    assert _everything(jordan.pk) == before


@pytest.mark.parametrize("role", [factories.OfficeManagerFactory, factories.AdminFactory])
@pytest.mark.parametrize("service", SERVICES)
def test_office_staff_may_call_every_service(roles, jordan, walk, service, role):
    act = _services()[service](jordan, walk)

    act(role())  # no Refused


def test_a_sitter_completes_their_own_visit_once_it_has_started(roles, jordan):
    from scheduling.services.visits import complete_event

    sitter = factories.SitterFactory()
    started = _visit(jordan, sitter=sitter, starts_at=timezone.now() - timedelta(minutes=5))

    complete_event(started, actor=sitter)

    assert ScheduledEvent.objects.get(pk=started.pk).status == EventStatus.COMPLETED


@pytest.mark.parametrize(
    "whose", ["another sitter's, started", "their own, not started yet", "unassigned, started"]
)
def test_a_sitter_may_not_complete_any_other_visit(roles, jordan, whose):
    from scheduling.services.visits import complete_event

    sitter, other = factories.SitterFactory(), factories.SitterFactory()
    started = timezone.now() - timedelta(minutes=5)
    visit = {
        "another sitter's, started": lambda: _visit(jordan, sitter=other, starts_at=started),
        "their own, not started yet": lambda: _visit(jordan, sitter=sitter),
        "unassigned, started": lambda: _visit(jordan, starts_at=started),
    }[whose]()

    with pytest.raises(PermissionDenied, match="the visit's own sitter once it has started"):
        complete_event(visit, actor=sitter)

    assert ScheduledEvent.objects.get(pk=visit.pk).status == EventStatus.SCHEDULED


ROLE_MATRIX = {
    # rule: (admin, office manager, sitter, client login)
    "view_clients": (True, True, True, False),
    "add_client": (True, True, False, False),
    "edit_client": (True, True, False, False),
    "invite_client": (True, True, False, False),
    "change_client_status": (True, True, False, False),
    "view_schedule": (True, True, True, False),
    "schedule_visits": (True, True, False, False),
    "change_visits": (True, True, False, False),
    "add_template": (True, True, False, False),
    "change_template": (True, True, False, False),
    "remove_template": (True, True, False, False),
    "manage_service_types": (True, True, False, False),
}


def test_every_rule_of_the_policy_has_its_row_in_the_role_matrix():
    user_rules = {name for name in policy.RULES if name != "complete_visit"}
    assert user_rules == set(ROLE_MATRIX)


@pytest.mark.parametrize("rule", list(ROLE_MATRIX))
def test_each_role_gets_exactly_its_rules(roles, rule):
    people = [
        factories.AdminFactory(),
        factories.OfficeManagerFactory(),
        factories.SitterFactory(),
        factories.ClientLoginFactory(),
    ]

    allowed = tuple(getattr(policy.UserPolicy(person), rule) for person in people)

    assert allowed == ROLE_MATRIX[rule]


def test_templates_ask_the_policy_through_may(roles, client):
    sitter = factories.SitterFactory()
    client.force_login(sitter)

    response = client.get("/clients/")

    assert response.status_code == 200
    may = response.context["may"]
    assert (may.view_clients, may.add_client) == (True, False)
    assert "Add client" not in response.content.decode()


def test_a_rule_that_does_not_exist_is_an_error_not_a_silent_no():
    with pytest.raises(AttributeError, match="No rule named"):
        policy.UserPolicy(None).make_coffee  # noqa: B018
