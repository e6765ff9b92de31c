"""Throttling of every sign-in door (petcare.throttling, django-axes): the
portal's, the staff's, the Django admin's, the portal's password change and
the app API's. Five failures lock the account, whatever the address or the
case of the email, for 15 minutes; a locked-out inactive client sees what
anyone locked out sees (docs/design.md, "Locked out"). The app API's own
answers are in tests/api/test_auth.py."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client as HttpClient
from django.urls import reverse

from tests.api.helpers import sign_in as app_sign_in
from tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.helpers import INACTIVE_TEXT, PORTAL_LOGIN, comparable, portal_sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("door", ["portal", "staff"])
def test_five_failures_lock_the_account_for_15_minutes(
    client, throttling, active_login, office_manager, door
):
    url, email = {
        "portal": (PORTAL_LOGIN, "pat@example.com"),
        "staff": (reverse("login"), "manager@example.com"),
    }[door]
    for _ in range(4):
        response = client.post(url, {"username": email, "password": "wrong"})
        assert response.status_code == 200
    # The fifth failure locks the account out...
    assert client.post(url, {"username": email, "password": "wrong"}).status_code == 429
    # ...even for the right password, whatever the case of the email.
    locked = client.post(url, {"username": email.upper(), "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts, try again in 15 minutes." in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_five_failures_from_one_address_lock_that_address(client, throttling, active_login):
    for n in range(5):
        client.post(PORTAL_LOGIN, {"username": f"guess{n}@example.com", "password": "x"})
    locked = portal_sign_in(client, "pat@example.com")
    assert locked.status_code == 429


def test_a_locked_out_inactive_client_sees_what_anyone_locked_out_sees(
    client, throttling, inactive_login
):
    pages = []
    for email in ("gone@example.com", "nobody@example.com"):
        browser = HttpClient(REMOTE_ADDR=f"10.0.0.{len(pages) + 1}")
        for _ in range(5):
            browser.post(PORTAL_LOGIN, {"username": email, "password": "wrong"})
        pages.append(browser.post(PORTAL_LOGIN, {"username": email, "password": PASSWORD}))
    assert [p.status_code for p in pages] == [429, 429]
    assert comparable(pages[0]) == comparable(pages[1])
    assert INACTIVE_TEXT not in pages[0].content.decode()


def test_signing_in_to_ones_own_account_does_not_clear_guesses_at_another(
    client, throttling, active_login, office_manager
):
    """From one address: 4 wrong guesses at the manager, a good sign-in as a
    client, then one more guess must still lock the manager's account."""
    staff_login = reverse("login")
    for _ in range(4):
        client.post(staff_login, {"username": "manager@example.com", "password": "guess"})
    assert portal_sign_in(client, "pat@example.com").status_code == 302
    client.logout()
    locked = client.post(staff_login, {"username": "manager@example.com", "password": "guess"})
    assert locked.status_code == 429
    right = client.post(staff_login, {"username": "manager@example.com", "password": PASSWORD})
    assert right.status_code == 429


def test_an_account_is_counted_whatever_the_case_of_its_email(throttling, active_login):
    # Each attempt from its own address, so only the account is counted.
    for n, email in enumerate(
        [
            "pat@example.com",
            "PAT@example.com",
            "Pat@Example.com",
            "pAt@example.COM",
            "PAT@EXAMPLE.COM",
        ]
    ):
        HttpClient(REMOTE_ADDR=f"10.1.0.{n}").post(
            PORTAL_LOGIN, {"username": email, "password": "wrong"}
        )
    fresh = HttpClient(REMOTE_ADDR="10.1.0.99")
    assert portal_sign_in(fresh, "pat@example.com").status_code == 429


def test_the_django_admin_sign_in_is_throttled_too(client, throttling, admin_user):
    for _ in range(4):
        response = client.post(
            "/admin/login/", {"username": "admin@example.com", "password": "wrong"}
        )
        assert response.status_code == 200
    assert (
        client.post("/admin/login/", {"username": "admin@example.com", "password": "x"}).status_code
        == 429
    )


def test_wrong_old_passwords_in_password_change_are_throttled(client, throttling, active_login):
    client.force_login(active_login)
    url = reverse("portal:password_change")
    data = {"new_password1": "a long new password 42", "new_password2": "a long new password 42"}
    for _ in range(4):
        response = client.post(url, {**data, "old_password": "guess"})
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    assert client.post(url, {**data, "old_password": "guess"}).status_code == 429
    active_login.refresh_from_db()
    assert active_login.check_password(PASSWORD)


def test_an_app_sign_in_does_not_clear_guesses_at_another_account(
    client, throttling, active_login, office_manager
):
    for _ in range(4):
        assert app_sign_in(client, "manager@example.com", "guess").status_code == 401
    assert app_sign_in(client, "pat@example.com", PASSWORD).status_code == 200
    assert app_sign_in(client, "manager@example.com", "guess").status_code == 429
    assert app_sign_in(client, "manager@example.com", PASSWORD).status_code == 429
