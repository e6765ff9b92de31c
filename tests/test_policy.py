"""Who may do what (docs/design.md, "People and roles"): one policy that the
services enforce whoever calls them, and that screens and views ask."""

import importlib
import inspect
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from petcare import policy
from scheduling.models import EventStatus, ScheduledEvent
from tests import factories
from tests.service_calls import (
    SERVICE_MODULES,
    SERVICES,
    everything,
    make_visit,
    service_calls,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jordan(db):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    factories.PetFactory(client=client, name="Biscuit")
    return client


@pytest.fixture
def walk(db):
    return factories.ServiceTypeFactory()


def test_every_service_with_an_actor_is_listed():
    """A new service that takes an actor must be added to service_calls() (and
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
    assert with_actor == {*SERVICES, "scheduling.services.visits.request_visit"}


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
    act = service_calls()[service](jordan, walk)
    before = everything(jordan.pk)

    with pytest.raises(policy.Refused) as refused:
        act(actor)

    assert isinstance(refused.value, PermissionDenied)
    assert "Only" in str(refused.value)  # it says who may
    assert everything(jordan.pk) == before


@pytest.mark.parametrize("role", [factories.OfficeManagerFactory, factories.AdminFactory])
@pytest.mark.parametrize("service", SERVICES)
def test_office_staff_may_call_every_service(roles, jordan, walk, service, role):
    act = service_calls()[service](jordan, walk)

    act(role())  # no Refused


def test_a_sitter_completes_their_own_visit_once_it_has_started(roles, jordan):
    from scheduling.services.visits import complete_event

    sitter = factories.SitterFactory()
    started = make_visit(jordan, sitter=sitter, starts_at=timezone.now() - timedelta(minutes=5))

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
        "another sitter's, started": lambda: make_visit(jordan, sitter=other, starts_at=started),
        "their own, not started yet": lambda: make_visit(jordan, sitter=sitter),
        "unassigned, started": lambda: make_visit(jordan, starts_at=started),
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
    "manage_pets": (True, True, False, False),
    "view_schedule": (True, True, True, False),
    "schedule_visits": (True, True, False, False),
    "change_visits": (True, True, False, False),
    "add_template": (True, True, False, False),
    "change_template": (True, True, False, False),
    "remove_template": (True, True, False, False),
    "manage_service_types": (True, True, False, False),
}


def test_every_rule_of_the_policy_has_its_row_in_the_role_matrix():
    # The rules about one object are tested with their services.
    user_rules = {name for name in policy.RULES if name not in ("complete_visit", "request_visit")}
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


def _request(client, walk, actor):
    from scheduling.services.visits import request_visit

    return request_visit(
        client,
        actor=actor,
        service_type=walk,
        pets=list(client.pets.all()),
        starts_at=timezone.now().replace(hour=14, minute=0) + timedelta(days=2),
    )


@pytest.mark.parametrize(
    "who",
    ["another client's login", "the office manager", "a sitter", "nobody"],
)
def test_only_the_clients_own_login_requests_a_visit_for_it(roles, jordan, walk, who):
    actor = {
        "another client's login": lambda: factories.ClientLoginFactory(),
        "the office manager": lambda: factories.OfficeManagerFactory(),
        "a sitter": lambda: factories.SitterFactory(),
        "nobody": lambda: None,
    }[who]()
    before = everything(jordan.pk)

    with pytest.raises(policy.Refused, match="own login"):
        _request(jordan, walk, actor)

    assert everything(jordan.pk) == before


def test_the_clients_own_login_requests_a_visit(roles, jordan, walk, settings):
    settings.BUSINESS_OPENING_HOURS = ""
    login = factories.ClientLoginFactory(client=jordan)

    event = _request(jordan, walk, login)

    assert (event.client, event.status) == (jordan, EventStatus.REQUESTED)


def test_a_refused_page_says_who_may(client, sitter):
    client.force_login(sitter)

    response = client.post(reverse("clients:add"), {"name": "Sam Lee"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Only an admin or an office manager can add clients." in page
    assert "nothing was changed" in page
