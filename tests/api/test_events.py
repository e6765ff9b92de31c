"""The app API's data of a signed-in client (api.api): who they are, their
visits still to come, and requesting a visit, through Django's test client.
A client sees only their own data (docs/design.md, "The app API")."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from clients.backends import account_inactive_message as inactive_message
from scheduling.models import EventStatus, ScheduledEvent
from tests import factories
from tests.api.helpers import (
    ME_URL,
    REQUESTS_URL,
    UPCOMING_URL,
    bearer,
    post_json,
    visit_request,
)
from tests.helpers import days_ahead

pytestmark = pytest.mark.django_db


# --- Me ----------------------------------------------------------------------------


def test_me_is_the_login_its_client_and_pets(client, login, token, roles):
    factories.PetFactory(client=login.client, name="Biscuit", breed="Beagle")
    factories.PetFactory(client=login.client, name="Luna", species="cat", breed="")
    factories.PetFactory(name="Not Mine")

    response = client.get(ME_URL, headers=bearer(token))

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == "pat@example.com"
    assert body["client"] == {
        "id": login.client_id,
        "name": "Pat Walker",
        "email": "pat@example.com",
        "phone": "(555) 010-4444",
        "address": "1 Elm Street",
    }
    assert [(p["name"], p["species"], p["breed"]) for p in body["pets"]] == [
        ("Biscuit", "dog", "Beagle"),
        ("Luna", "cat", ""),
    ]
    assert "notes" not in body["client"]


def test_me_takes_only_get(client, token):
    response = post_json(client, ME_URL, {}, headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


# --- Upcoming events ---------------------------------------------------------------


def test_upcoming_events_are_the_clients_own_still_to_come_soonest_first(
    client, login, token, roles
):
    now = timezone.now()
    sitter = factories.SitterFactory(first_name="Sam", last_name="Secret")
    pet = factories.PetFactory(client=login.client, name="Biscuit")
    later = factories.ScheduledEventFactory(
        client=login.client, starts_at=now + timedelta(days=3), sitter=sitter
    )
    later.pets.add(pet)
    soon = factories.ScheduledEventFactory(
        client=login.client, starts_at=now + timedelta(days=1), status=EventStatus.REQUESTED
    )
    for status in (EventStatus.CANCELED, EventStatus.COMPLETED):
        factories.ScheduledEventFactory(
            client=login.client, starts_at=now + timedelta(days=2), status=status
        )
    factories.ScheduledEventFactory(client=login.client, starts_at=now - timedelta(days=1))
    someone_elses = factories.ScheduledEventFactory(starts_at=now + timedelta(hours=2))

    response = client.get(UPCOMING_URL, headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["next"] is None  # one page
    events = response.json()["items"]
    assert [e["id"] for e in events] == [soon.pk, later.pk]
    assert someone_elses.pk not in [e["id"] for e in events]
    assert events[0]["status"] == "requested"
    assert events[0]["sitter"] is None
    assert events[0]["pets"] == []
    assert events[1] == {
        "id": later.pk,
        "starts_at": timezone.localtime(later.starts_at).isoformat(),
        "ends_at": timezone.localtime(later.ends_at).isoformat(),
        "status": "scheduled",
        "service": {"id": later.service_type_id, "name": "30 min dog walk"},
        "pets": [{"id": pet.pk, "name": "Biscuit"}],
        "sitter": {"first_name": "Sam"},
    }
    starts_at = datetime.fromisoformat(events[1]["starts_at"])
    assert starts_at == later.starts_at
    assert starts_at.utcoffset() == timezone.localtime(later.starts_at).utcoffset()
    assert "Secret" not in response.content.decode()


def test_another_clients_events_never_appear(client, token, roles):
    for _ in range(3):
        factories.ScheduledEventFactory()
    response = client.get(UPCOMING_URL, headers=bearer(token))
    assert response.json() == {"items": [], "next": None}


@pytest.mark.parametrize("visits", [3, 50])
def test_a_page_of_upcoming_events_costs_the_same_queries_for_3_or_50_visits(
    client, login, token, roles, visits, django_assert_num_queries
):
    sitter = factories.SitterFactory()
    pets = factories.PetFactory.create_batch(2, client=login.client)
    now = timezone.now()
    for n in range(visits):
        event = factories.ScheduledEventFactory(
            client=login.client, starts_at=now + timedelta(hours=n + 1), sitter=sitter
        )
        event.pets.add(*pets)
    client.get(ME_URL, headers=bearer(token))  # records the token's first use

    # The token with its login and client; the visits with service and
    # sitter; their pets.
    with django_assert_num_queries(3):
        response = client.get(UPCOMING_URL, headers=bearer(token))

    assert len(response.json()["items"]) == min(visits, 20)  # a page (test_upcoming_pages.py)


# --- Requesting a visit ------------------------------------------------------------


def test_a_client_requests_a_visit(client, login, token, walk):
    data = visit_request(login, walk)

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 201
    event = ScheduledEvent.objects.get()
    assert (event.client, event.status, event.sitter) == (login.client, "requested", None)
    assert event.starts_at == days_ahead(2, time(10))
    assert event.ends_at == days_ahead(2, time(10)) + timedelta(minutes=30)
    assert list(event.pets.values_list("pk", flat=True)) == data["pet_ids"]
    assert event.notes == "The key is under the mat."
    assert response.json() == {
        "id": event.pk,
        "starts_at": days_ahead(2, time(10)).isoformat(),
        "ends_at": (days_ahead(2, time(10)) + timedelta(minutes=30)).isoformat(),
        "status": "requested",
        "service": {"id": walk.pk, "name": "30 min dog walk"},
        "pets": [{"id": data["pet_ids"][0], "name": "Biscuit"}],
        "sitter": None,
    }
    upcoming = client.get(UPCOMING_URL, headers=bearer(token)).json()["items"]
    assert [e["id"] for e in upcoming] == [event.pk]


def test_a_time_in_another_offset_is_the_same_instant(client, login, token, walk):
    starts_at = days_ahead(2, time(10)).astimezone(timezone.UTC)
    data = visit_request(login, walk, starts_at=starts_at.isoformat().replace("+00:00", "Z"))

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 201
    assert ScheduledEvent.objects.get().starts_at == days_ahead(2, time(10))


def _another_clients_pet(login, walk, data):
    data["pet_ids"].append(factories.PetFactory(name="Not Mine").pk)
    return "pet_ids"


def _no_pets(login, walk, data):
    data["pet_ids"] = []
    return "pet_ids"


def _unknown_pet(login, walk, data):
    data["pet_ids"] = [987654]
    return "pet_ids"


def _past(login, walk, data):
    data["starts_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    return "starts_at"


def _outside_opening_hours(login, walk, data):
    data["starts_at"] = days_ahead(2, time(23)).isoformat()
    return "starts_at"


def _unknown_service_type(login, walk, data):
    data["service_type_id"] = walk.pk + 1000
    return "service_type_id"


def _archived_service_type(login, walk, data):
    walk.is_active = False
    walk.save()
    return "service_type_id"


@pytest.mark.parametrize(
    "spoil",
    [
        _another_clients_pet,
        _no_pets,
        _unknown_pet,
        _past,
        _outside_opening_hours,
        _unknown_service_type,
        _archived_service_type,
    ],
)
def test_a_request_that_breaks_a_rule_is_400_and_writes_nothing(
    client, login, token, walk, settings, spoil
):
    settings.BUSINESS_OPENING_HOURS = "07:00-20:00"
    data = visit_request(login, walk)
    field = spoil(login, walk, data)

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "validation_error"
    assert list(body["errors"]) == [field]
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2030-05-06T10:00:00"}, "starts_at"),  # no offset
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"pet_ids": "1"}, "pet_ids"),
        ({"service_type_id": "walk"}, "service_type_id"),
        ({"note": "x" * 1001}, "note"),  # NOTE_MAX_LENGTH, in the schema
    ],
)
def test_a_request_of_the_wrong_shape_is_422_by_field(client, login, token, walk, change, field):
    data = visit_request(login, walk, **change)

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["detail"] == "validation_error"
    assert field in response.json()["errors"]
    assert not ScheduledEvent.objects.exists()


def test_a_request_with_missing_fields_names_them(client, token):
    response = post_json(client, REQUESTS_URL, {"note": "hi"}, headers=bearer(token))

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"service_type_id", "pet_ids", "starts_at"}
    assert not ScheduledEvent.objects.exists()


def test_a_request_that_is_not_json_is_400(client, token):
    response = client.post(
        REQUESTS_URL,
        "{'service_type_id': 1",
        content_type="application/json",
        headers=bearer(token),
    )

    assert (response.status_code, response.json()["detail"]) == (400, "malformed_json")
    assert not ScheduledEvent.objects.exists()


def test_requests_take_only_post(client, token):
    response = client.get(REQUESTS_URL, headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (405, "method_not_allowed")


def test_a_client_made_inactive_while_requesting_is_refused(
    client, login, token, walk, monkeypatch
):
    from api import api
    from clients.models import ClientInactive

    def made_inactive_meanwhile(client_, **kwargs):
        raise ClientInactive(client_)

    monkeypatch.setattr(api, "request_visit", made_inactive_meanwhile)

    response = post_json(client, REQUESTS_URL, visit_request(login, walk), headers=bearer(token))

    assert response.status_code == 403
    assert response.json() == {"detail": "account_inactive", "message": inactive_message()}
