"""The app API under /api/app/v1/: tokens, the client's own data, and every door
of an inactive client, through Django's test client."""

import hashlib
import json
import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.staticfiles import finders
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from api.models import ApiToken
from api.tokens import ClientNotActive, issue_token, verify_token
from clients.backends import account_inactive_message as inactive_message
from clients.services import deactivate_client, reactivate_client
from petcare.throttling import TOO_MANY_ATTEMPTS
from scheduling.models import EventStatus, ScheduledEvent
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
API = "/api/app/v1/"
TOKEN_URL = API + "auth/token"
LOGOUT_URL = API + "auth/logout"
ME_URL = API + "me"
UPCOMING_URL = API + "events/upcoming"
REQUESTS_URL = API + "events/requests"
INVALID_CREDENTIALS = {
    "detail": "invalid_credentials",
    "message": "That email and password don't match an account. "
    "Check them and try again, or reset your password.",
}


@pytest.fixture
def login(roles):
    return factories.ClientLoginFactory(
        email="pat@example.com",
        first_name="Pat",
        last_name="Walker",
        client__name="Pat Walker",
        client__email="pat@example.com",
        client__phone="(555) 010-4444",
        client__address="1 Elm Street",
    )


@pytest.fixture
def inactive_login(roles, office_manager):
    login = factories.ClientLoginFactory(email="gone@example.com", client__name="Gone Client")
    deactivate_client(login.client, actor=office_manager)
    login.refresh_from_db()
    return login


@pytest.fixture
def token(login):
    return issue_token(login).token


@pytest.fixture
def walk():
    return factories.ServiceTypeFactory(name="30 min dog walk", duration=timedelta(minutes=30))


@pytest.fixture
def password_hashes(monkeypatch):
    """Counts the password hashes computed (MD5 is the tests' hasher): Django's
    hasher, wrapped, not our code."""
    calls = []
    original = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)
    return calls


def post_json(http, url, data, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return http.post(url, body, content_type="application/json", **extra)


def sign_in(http, email, password=PASSWORD, **extra):
    return post_json(http, TOKEN_URL, {"email": email, "password": password}, **extra)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def next_local(hour: int, *, days: int = 2) -> datetime:
    """A time within the opening hours, some days ahead, in the business's zone."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def visit_request(login, walk, **changes):
    pet = factories.PetFactory(client=login.client, name="Biscuit")
    data = {
        "service_type_id": walk.pk,
        "pet_ids": [pet.pk],
        "starts_at": next_local(10).isoformat(),
        "note": "The key is under the mat.",
    }
    data.update(changes)
    return data


# Signing in ---------------------------------------------------------------------


def test_sign_in_returns_a_token_shown_once_and_stored_hashed(client, login):
    before = timezone.now()
    response = sign_in(client, " PAT@Example.com ")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"] == {
        "id": login.pk,
        "email": "pat@example.com",
        "first_name": "Pat",
        "last_name": "Walker",
    }
    stored = ApiToken.objects.get(user=login)
    assert stored.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in str(ApiToken.objects.values_list().get())
    assert len(body["token"]) >= 43  # 32 random bytes
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() is not None
    assert expires_at == stored.expires_at
    assert before + settings.API_TOKEN_LIFETIME <= expires_at
    assert expires_at <= timezone.now() + settings.API_TOKEN_LIFETIME
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers

    me = client.get(ME_URL, headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["user"]["id"] == login.pk


def test_each_sign_in_issues_its_own_token(client, login):
    first = sign_in(client, "pat@example.com").json()["token"]
    second = sign_in(client, "pat@example.com").json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=login).count() == 2


def test_inactive_client_with_the_right_password_is_told_so_and_gets_no_token(
    client, inactive_login, password_hashes
):
    response = sign_in(client, "gone@example.com")

    assert response.status_code == 403
    assert response.json() == {"detail": "account_inactive", "message": inactive_message()}
    assert "no longer active" in inactive_message()
    assert len(password_hashes) == 1
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "inactive + wrong password"])
def test_every_other_failed_sign_in_reads_the_same_and_costs_one_hash(
    client, login, inactive_login, password_hashes, case
):
    email, password = {
        "unknown email": ("nobody@example.com", PASSWORD),
        "wrong password": ("pat@example.com", "not the password"),
        "inactive + wrong password": ("gone@example.com", "not the password"),
    }[case]

    response = sign_in(client, email, password)

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS
    assert len(password_hashes) == 1
    assert not ApiToken.objects.exists()


def test_failed_sign_ins_are_identical_in_status_body_and_headers(client, login, inactive_login):
    responses = [
        sign_in(client, "nobody@example.com"),
        sign_in(client, "pat@example.com", "not the password"),
        sign_in(client, "gone@example.com", "not the password"),
    ]
    first = responses[0]
    for response in responses:
        assert response.status_code == 401
        assert response.content == first.content
        assert dict(response.headers) == dict(first.headers)
    # Only the right password tells an inactive client why.
    right = sign_in(client, "gone@example.com")
    assert (right.status_code, right.json()["detail"]) == (403, "account_inactive")


def test_a_disabled_login_gets_the_generic_refusal(client, login):
    login.is_active = False
    login.save()
    response = sign_in(client, "pat@example.com")
    assert (response.status_code, response.json()) == (401, INVALID_CREDENTIALS)


def test_staff_cannot_sign_in_to_the_app(client, office_manager):
    response = sign_in(client, "manager@example.com")

    assert response.status_code == 403
    assert response.json()["detail"] == "not_a_client"
    assert not ApiToken.objects.exists()


def test_staff_logins_never_get_a_token():
    staff = factories.UserFactory()
    with pytest.raises(ValueError):
        issue_token(staff)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ("{not json", 400, "malformed_json"),
        ("email=pat@example.com&password=x", 400, "malformed_json"),
        ("", 422, "validation_error"),
        ("[]", 422, "validation_error"),
        ('{"email": "pat@example.com"}', 422, "validation_error"),
        ('{"email": 7, "password": "x"}', 422, "validation_error"),
    ],
)
def test_a_malformed_sign_in_is_a_json_refusal(client, login, body, status, detail):
    response = client.post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == detail
    assert response.json()["message"]
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named(client):
    response = post_json(client, TOKEN_URL, {})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "password"}


def test_sign_in_takes_only_post(client, login):
    response = client.get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json()["detail"] == "method_not_allowed"
    assert response["Allow"] == "POST"


# Tokens ---------------------------------------------------------------------------

PROTECTED = [
    ("post", LOGOUT_URL),
    ("get", ME_URL),
    ("get", UPCOMING_URL),
    ("post", REQUESTS_URL),
]


def call(http, method, url, **extra):
    if method == "post":
        return post_json(http, url, {}, **extra)
    return http.get(url, **extra)


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_every_endpoint_but_sign_in_needs_a_token(client, method, url):
    response = call(client, method, url)

    assert response.status_code == 401
    assert response.json()["detail"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def _unknown(login, token):
    # Another first character (a random token may itself start with "x").
    return ("y" if token.startswith("x") else "x") + token[1:]


def _expired(login, token):
    now = timezone.now()
    ApiToken.objects.filter(user=login).update(
        created_at=now - settings.API_TOKEN_LIFETIME, expires_at=now - timedelta(seconds=1)
    )
    return token


def _revoked(login, token):
    ApiToken.objects.filter(user=login).update(revoked_at=timezone.now())
    return token


def _client_inactive_without_revoking(login, token):
    # Even a token that was somehow missed by Make Inactive does not work.
    type(login.client).objects.filter(pk=login.client_id).update(
        is_active=False, deactivated_at=timezone.now()
    )
    return token


def _login_disabled(login, token):
    type(login).objects.filter(pk=login.pk).update(is_active=False)
    return token


@pytest.mark.parametrize(
    "spoil", [_unknown, _expired, _revoked, _client_inactive_without_revoking, _login_disabled]
)
@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_an_unusable_token_is_refused_everywhere(client, login, token, method, url, spoil):
    response = call(client, method, url, headers=bearer(spoil(login, token)))

    assert response.status_code == 401
    assert response.json()["detail"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("header", ["Token {}", "Basic {}", "{}", "Bearer"])
def test_only_a_bearer_token_counts(client, token, header):
    response = client.get(ME_URL, headers={"Authorization": header.format(token)})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_a_session_cookie_alone_authenticates_nothing(client, login, method, url):
    client.force_login(login)

    response = call(client, method, url)

    assert response.status_code == 401
    assert response.json()["detail"] == "not_authenticated"


def test_the_token_decides_whose_data_not_the_session(client, login, token, roles):
    other = factories.ClientLoginFactory(client__name="Someone Else")
    client.force_login(other)

    response = client.get(ME_URL, headers=bearer(token))

    assert response.json()["client"]["name"] == "Pat Walker"


def test_a_staff_token_is_refused_even_if_one_existed(client, office_manager):
    # Sign-in never issues one; should a row exist anyway, it opens nothing.
    ApiToken.objects.create(
        user=office_manager,
        key_hash=hashlib.sha256(b"staff-token").hexdigest(),
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    response = client.get(ME_URL, headers=bearer("staff-token"))
    assert (response.status_code, response.json()["detail"]) == (401, "invalid_token")


def test_a_token_from_before_make_inactive_stops_working_and_stays_dead_after_reactivate(
    client, login, office_manager
):
    old = sign_in(client, "pat@example.com").json()["token"]
    assert client.get(ME_URL, headers=bearer(old)).status_code == 200

    deactivate_client(login.client, actor=office_manager)

    refused = client.get(ME_URL, headers=bearer(old))
    assert (refused.status_code, refused.json()["detail"]) == (401, "invalid_token")
    # Ended by the auth epoch that Make Inactive raised, in its transaction.
    assert verify_token(old) is None
    inactive = sign_in(client, "pat@example.com")
    assert (inactive.status_code, inactive.json()["detail"]) == (403, "account_inactive")

    reactivate_client(login.client, actor=office_manager)

    assert client.get(ME_URL, headers=bearer(old)).status_code == 401
    new = sign_in(client, "pat@example.com")
    assert new.status_code == 200
    assert client.get(ME_URL, headers=bearer(new.json()["token"])).status_code == 200
    assert client.get(ME_URL, headers=bearer(old)).status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_token_outlives_a_make_inactive_running_at_the_same_moment(roles):
    """Make Inactive has revoked the client's tokens but not yet committed when
    the password check passes: issuing waits for the client's row lock and
    then sees the client inactive, so no live token is left for Re-Activate."""
    actor = factories.OfficeManagerFactory()
    login = factories.ClientLoginFactory()
    revoked_not_committed = threading.Event()

    def make_inactive_slowly():
        try:
            with transaction.atomic():
                deactivate_client(login.client, actor=actor)
                revoked_not_committed.set()
                time.sleep(0.5)
        finally:
            connection.close()

    other = threading.Thread(target=make_inactive_slowly)
    other.start()
    try:
        assert revoked_not_committed.wait(timeout=10)
        with pytest.raises(ClientNotActive):
            issue_token(login)
    finally:
        other.join(timeout=30)

    assert not ApiToken.objects.exists()


def test_last_use_is_recorded_at_most_once_a_minute(client, login, token):
    stored = ApiToken.objects.get(user=login)
    assert stored.last_used_at is None

    client.get(ME_URL, headers=bearer(token))
    stored.refresh_from_db()
    first_use = stored.last_used_at
    assert first_use is not None

    # Within the minute: no write.
    assert verify_token(token, now=first_use + timedelta(seconds=59)) is not None
    stored.refresh_from_db()
    assert stored.last_used_at == first_use

    later = first_use + timedelta(minutes=1)
    assert verify_token(token, now=later) is not None
    stored.refresh_from_db()
    assert stored.last_used_at == later


def test_a_fresh_token_costs_one_query_per_request(client, login, token, django_assert_num_queries):
    client.get(ME_URL, headers=bearer(token))  # records the first use
    with django_assert_num_queries(1):
        assert verify_token(token) is not None


# Signing out ----------------------------------------------------------------------


def test_sign_out_revokes_the_token_used_and_only_it(client, login):
    token = sign_in(client, "pat@example.com").json()["token"]
    other_device = sign_in(client, "pat@example.com").json()["token"]

    response = client.post(LOGOUT_URL, headers=bearer(token))

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(ME_URL, headers=bearer(token)).status_code == 401
    assert client.post(LOGOUT_URL, headers=bearer(token)).status_code == 401
    assert client.get(ME_URL, headers=bearer(other_device)).status_code == 200


def test_sign_out_takes_only_post(client, token):
    response = client.get(LOGOUT_URL, headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (405, "method_not_allowed")
    assert client.get(ME_URL, headers=bearer(token)).status_code == 200


def test_the_api_needs_no_csrf_token_because_no_cookie_signs_in(login, token, walk):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(login)

    created = post_json(http, REQUESTS_URL, visit_request(login, walk), headers=bearer(token))
    signed_out = http.post(LOGOUT_URL, headers=bearer(token))

    assert created.status_code == 201
    assert signed_out.status_code == 204


# Me -------------------------------------------------------------------------------


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
    assert response["Allow"] == "GET"


# Upcoming events ------------------------------------------------------------------


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
    events = response.json()
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
    assert response.json() == []


@pytest.mark.parametrize("visits", [3, 50])
def test_upcoming_events_cost_the_same_queries_for_3_or_50_visits(
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

    assert len(response.json()) == visits


# Requesting a visit ---------------------------------------------------------------


def test_a_client_requests_a_visit(client, login, token, walk):
    data = visit_request(login, walk)

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 201
    event = ScheduledEvent.objects.get()
    assert (event.client, event.status, event.sitter) == (login.client, "requested", None)
    assert event.starts_at == next_local(10)
    assert event.ends_at == next_local(10) + timedelta(minutes=30)
    assert list(event.pets.values_list("pk", flat=True)) == data["pet_ids"]
    assert event.notes == "The key is under the mat."
    assert response.json() == {
        "id": event.pk,
        "starts_at": next_local(10).isoformat(),
        "ends_at": (next_local(10) + timedelta(minutes=30)).isoformat(),
        "status": "requested",
        "service": {"id": walk.pk, "name": "30 min dog walk"},
        "pets": [{"id": data["pet_ids"][0], "name": "Biscuit"}],
        "sitter": None,
    }
    upcoming = client.get(UPCOMING_URL, headers=bearer(token)).json()
    assert [e["id"] for e in upcoming] == [event.pk]


def test_a_time_in_another_offset_is_the_same_instant(client, login, token, walk):
    starts_at = next_local(10).astimezone(timezone.UTC)
    data = visit_request(login, walk, starts_at=starts_at.isoformat().replace("+00:00", "Z"))

    response = post_json(client, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 201
    assert ScheduledEvent.objects.get().starts_at == next_local(10)


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
    data["starts_at"] = next_local(23).isoformat()
    return "starts_at"


def _unknown_service_type(login, walk, data):
    data["service_type_id"] = walk.pk + 1000
    return "service_type_id"


def _archived_service_type(login, walk, data):
    walk.is_active = False
    walk.save()
    return "service_type_id"


def _long_note(login, walk, data):
    data["note"] = "x" * 5000
    return "note"


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
        _long_note,
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


# Throttling -----------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(
    client, throttling, login, password_hashes
):
    for _ in range(4):
        assert sign_in(client, "pat@example.com", "wrong").status_code == 401
    # The fifth failure locks the account out...
    fifth = sign_in(client, "pat@example.com", "wrong")
    assert fifth.status_code == 429
    assert fifth.json() == {"detail": "too_many_attempts", "message": TOO_MANY_ATTEMPTS}
    password_hashes.clear()

    # ...the sixth attempt too, with the right password, without hashing it.
    sixth = sign_in(client, "PAT@example.com")

    assert sixth.status_code == 429
    assert sixth["Content-Type"].startswith("application/json")
    assert sixth.json() == {"detail": "too_many_attempts", "message": TOO_MANY_ATTEMPTS}
    assert password_hashes == []
    assert not ApiToken.objects.exists()


def test_an_account_is_locked_whatever_address_the_attempts_come_from(
    throttling, login, inactive_login
):
    """Per account: five failures from five addresses lock it for a sixth one.
    A locked-out inactive client sees exactly what a locked-out unknown email sees."""
    responses = []
    for n, email in enumerate(["gone@example.com", "nobody@example.com"]):
        for attempt in range(5):
            http = HttpClient(REMOTE_ADDR=f"10.0.{n}.{attempt + 1}")
            sign_in(http, email, "wrong")
        fresh = HttpClient(REMOTE_ADDR=f"10.1.{n}.1")
        responses.append(sign_in(fresh, email))

    inactive, unknown = responses
    assert inactive.status_code == unknown.status_code == 429
    assert inactive.content == unknown.content
    assert dict(inactive.headers) == dict(unknown.headers)
    assert "no longer active" not in inactive.content.decode()


def test_five_failures_from_one_address_lock_that_address(throttling, login):
    http = HttpClient(REMOTE_ADDR="10.9.9.9")
    for n in range(5):
        sign_in(http, f"guess{n}@example.com", "x")

    assert sign_in(http, "pat@example.com").status_code == 429
    assert sign_in(HttpClient(REMOTE_ADDR="10.9.9.10"), "pat@example.com").status_code == 200


def test_a_successful_sign_in_forgets_earlier_failures(client, throttling, login):
    for _ in range(4):
        sign_in(client, "pat@example.com", "wrong")
    assert sign_in(client, "pat@example.com").status_code == 200

    for _ in range(4):
        assert sign_in(client, "pat@example.com", "wrong").status_code == 401
    assert sign_in(client, "pat@example.com").status_code == 200


# Errors, schema and docs ----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["", "nothing-here", "events/999", "me/"])
def test_unknown_addresses_are_json_404s(method, path):
    # With CSRF checks on, as a browser would be: still a 404, not a CSRF page.
    http = HttpClient(enforce_csrf_checks=True)
    response = getattr(http, method)(API + path)

    assert response.status_code == 404
    assert response.json()["detail"] == "not_found"


def test_an_unexpected_error_is_a_json_500(login, token, monkeypatch):
    from api import api

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "client_visits_for_portal", broken)
    http = HttpClient(raise_request_exception=False)

    response = http.get(UPCOMING_URL, headers=bearer(token))

    assert response.status_code == 500
    assert response.json()["detail"] == "server_error"
    assert "boom" not in response.content.decode()


def test_a_body_too_large_to_read_is_a_json_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = sign_in(client, "pat@example.com", "x" * 200)
    assert (response.status_code, response.json()["detail"]) == (400, "bad_request")


def test_the_openapi_schema_describes_the_five_endpoints(client):
    response = client.get(API + "openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        TOKEN_URL,
        LOGOUT_URL,
        ME_URL,
        UPCOMING_URL,
        REQUESTS_URL,
    }
    assert schema["components"]["securitySchemes"]["AppToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert "security" not in schema["paths"][TOKEN_URL]["post"]
    assert schema["paths"][ME_URL]["get"]["security"] == [{"AppToken": []}]


def test_the_docs_page_works_under_our_csp_without_a_cdn(client):
    """Swagger UI from ninja's own static files; no inline script or style
    (the one <script> without src is JSON data, which CSP does not run).
    Checked in Chromium too: it renders and runs with no CSP violation."""
    response = client.get(API + "docs")

    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), asset
