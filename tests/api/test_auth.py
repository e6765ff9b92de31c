"""The app API's doors (api.api, api.tokens): sign-in, bearer tokens, sign-out
and throttling, through Django's test client. An inactive client gets no
token and keeps none (docs/design.md, "The app API" and "Locked out")."""

import hashlib
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone

from api.models import ApiToken
from api.tokens import ClientNotActive, issue_token, verify_token
from clients.backends import account_inactive_message as inactive_message
from clients.services import Deactivation, deactivate_client, reactivate_client
from petcare.throttling import TOO_MANY_ATTEMPTS
from scheduling.models import ScheduledEvent
from tests import factories
from tests.api.helpers import (
    LOGOUT_URL,
    ME_URL,
    REQUESTS_URL,
    TOKEN_URL,
    UPCOMING_URL,
    bearer,
    post_json,
    sign_in,
    visit_request,
)
from tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.helpers import run_while_held

pytestmark = pytest.mark.django_db


INVALID_CREDENTIALS = {
    "detail": "invalid_credentials",
    "message": "That email and password don't match an account. "
    "Check them and try again, or reset your password.",
}


# --- Signing in --------------------------------------------------------------------


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


# --- Tokens ------------------------------------------------------------------------


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

    deactivated, issued, waited = run_while_held(
        lambda: deactivate_client(login.client, actor=actor),
        lambda: issue_token(login),
    )

    assert waited, "issue_token did not wait for the client's row lock"
    assert isinstance(deactivated, Deactivation), deactivated
    assert isinstance(issued, ClientNotActive), issued
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


# --- Signing out -------------------------------------------------------------------


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


# --- Throttling --------------------------------------------------------------------


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


def test_failures_at_other_accounts_from_one_address_do_not_lock_an_account_there(
    throttling, login
):
    """A carrier's shared address: other people's failures are not this
    client's. A hundred would lock the address (tests/test_throttling.py)."""
    http = HttpClient(REMOTE_ADDR="10.9.9.9")
    for n in range(10):
        assert sign_in(http, f"guess{n}@example.com", "x").status_code == 401

    assert sign_in(http, "pat@example.com").status_code == 200


def test_a_successful_sign_in_forgets_earlier_failures(client, throttling, login):
    for _ in range(4):
        sign_in(client, "pat@example.com", "wrong")
    assert sign_in(client, "pat@example.com").status_code == 200

    for _ in range(4):
        assert sign_in(client, "pat@example.com", "wrong").status_code == 401
    assert sign_in(client, "pat@example.com").status_code == 200
