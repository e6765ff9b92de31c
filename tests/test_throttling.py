"""Throttling of every sign-in door (petcare.throttling, django-axes): the
portal's, the staff's, the Django admin's, the portal's password change and
the app API's. Five failures lock the account, whatever the address, the door
or the case of the email, for 15 minutes; a hundred from one address lock
that address; fewer, spread over several accounts, lock no one else there. An
inactive client's right password counts for nothing, and a locked-out
inactive client sees what anyone locked out sees (docs/design.md, "Locked
out"). The app API's own answers are in tests/api/test_auth.py."""

from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.admin import helpers as admin_helpers
from django.contrib.auth import SESSION_KEY
from django.test import Client as HttpClient
from django.urls import reverse

from api.models import ApiToken
from tests import factories
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


def staff_sign_in(http, email, password=PASSWORD):
    return http.post(reverse("login"), {"username": email, "password": password})


def test_failures_at_three_accounts_from_one_address_leave_a_fourth_open(
    throttling, active_login, office_manager
):
    """An office behind one router: six typos over three accounts lock none of
    the others who sign in from there."""
    for email in ("ana@example.com", "ben@example.com", "cy@example.com"):
        factories.ClientLoginFactory(email=email)
    office = "10.4.0.1"
    for email in ("ana@example.com", "ben@example.com", "cy@example.com"):
        assert portal_sign_in(HttpClient(REMOTE_ADDR=office), email, "typo").status_code == 200
        assert app_sign_in(HttpClient(REMOTE_ADDR=office), email, "typo").status_code == 401

    assert portal_sign_in(HttpClient(REMOTE_ADDR=office), "pat@example.com").status_code == 302
    assert app_sign_in(HttpClient(REMOTE_ADDR=office), "pat@example.com").status_code == 200
    staff = staff_sign_in(HttpClient(REMOTE_ADDR=office), "manager@example.com")
    assert staff.status_code == 302


def test_five_failures_lock_the_account_at_every_door_and_from_every_address(
    throttling, active_login
):
    home = HttpClient(REMOTE_ADDR="10.2.0.1")
    for _ in range(2):
        assert portal_sign_in(home, "pat@example.com", "wrong").status_code == 200
        assert app_sign_in(home, "pat@example.com", "wrong").status_code == 401
    assert staff_sign_in(home, "pat@example.com", "wrong").status_code == 429

    # The right password, from another address, at each door.
    elsewhere = HttpClient(REMOTE_ADDR="10.3.0.1")
    assert portal_sign_in(elsewhere, "pat@example.com").status_code == 429
    assert staff_sign_in(elsewhere, "pat@example.com").status_code == 429
    app = app_sign_in(elsewhere, "Pat@Example.com")
    assert app.status_code == 429
    assert app.json()["detail"] == "too_many_attempts"
    assert SESSION_KEY not in elsewhere.session
    assert not ApiToken.objects.exists()


def test_a_hundred_failures_from_one_address_lock_that_address(throttling, active_login):
    """A guesser trying one password at many accounts, from one address,
    through the portal and the app alike."""
    shared = "10.5.0.1"
    for n in range(99):
        guess = portal_sign_in if n % 2 else app_sign_in
        guess(HttpClient(REMOTE_ADDR=shared), f"guess{n}@example.com", "123456")
    # 99 failures lock no one at that address...
    assert portal_sign_in(HttpClient(REMOTE_ADDR=shared), "pat@example.com").status_code == 302

    # ...the hundredth locks every account there, for the right password too.
    hundredth = portal_sign_in(HttpClient(REMOTE_ADDR=shared), "guess99@example.com", "123456")
    assert hundredth.status_code == 429
    assert portal_sign_in(HttpClient(REMOTE_ADDR=shared), "pat@example.com").status_code == 429
    assert app_sign_in(HttpClient(REMOTE_ADDR=shared), "pat@example.com").status_code == 429
    # Not from another address.
    assert app_sign_in(HttpClient(REMOTE_ADDR="10.5.0.2"), "pat@example.com").status_code == 200


def test_an_inactive_clients_right_password_locks_neither_account_nor_address(
    throttling, inactive_login
):
    """Refused anyway, and told why: trying again is no guess."""
    http = HttpClient(REMOTE_ADDR="10.6.0.1")
    for _ in range(5):
        portal = portal_sign_in(http, "gone@example.com")
        assert portal.status_code == 200
        assert INACTIVE_TEXT in portal.content.decode()
        app = app_sign_in(http, "gone@example.com")
        assert (app.status_code, app.json()["detail"]) == (403, "account_inactive")

    assert not AccessAttempt.objects.exists()
    assert INACTIVE_TEXT in portal_sign_in(http, "gone@example.com").content.decode()


def test_a_right_password_while_locked_does_not_extend_the_lock(
    throttling, active_login, time_machine
):
    time_machine.move_to(datetime(2030, 5, 6, 13, 0, tzinfo=UTC), tick=False)
    http = HttpClient(REMOTE_ADDR="10.7.0.1")
    for _ in range(5):
        portal_sign_in(http, "pat@example.com", "wrong")

    time_machine.shift(timedelta(minutes=10))
    assert portal_sign_in(http, "pat@example.com").status_code == 429

    # 15 minutes after the fifth failure, not after the try 10 minutes in.
    time_machine.shift(timedelta(minutes=5))
    assert portal_sign_in(http, "pat@example.com").status_code == 429
    time_machine.shift(timedelta(seconds=1))
    assert portal_sign_in(http, "pat@example.com").status_code == 302


def test_a_lock_lasts_15_minutes_from_the_failure_that_reached_the_limit(
    throttling, active_login, time_machine
):
    """One failure a minute from five addresses: locked for 15 minutes after
    the fifth, not only until the first has aged out."""
    time_machine.move_to(datetime(2030, 5, 6, 13, 0, tzinfo=UTC), tick=False)
    for n in range(5):
        if n:
            time_machine.shift(timedelta(minutes=1))
        app_sign_in(HttpClient(REMOTE_ADDR=f"10.8.0.{n}"), "pat@example.com", "wrong")

    time_machine.shift(timedelta(minutes=14))
    assert app_sign_in(HttpClient(REMOTE_ADDR="10.8.1.1"), "pat@example.com").status_code == 429
    time_machine.shift(timedelta(minutes=1, seconds=1))
    assert app_sign_in(HttpClient(REMOTE_ADDR="10.8.1.1"), "pat@example.com").status_code == 200


def test_an_admin_sees_a_lock_out_and_clears_it_in_the_django_admin(throttling, active_login):
    for n in range(5):
        app_sign_in(HttpClient(REMOTE_ADDR=f"10.9.0.{n}"), "pat@example.com", "wrong")
    assert app_sign_in(HttpClient(REMOTE_ADDR="10.9.1.1"), "pat@example.com").status_code == 429
    admin = HttpClient()
    admin.force_login(factories.AdminFactory(is_staff=True, email="boss@example.com"))
    changelist = reverse("admin:axes_accessattempt_changelist")

    listed = admin.get(changelist, {"q": "pat@example.com"})
    assert listed.status_code == 200
    assert listed.content.decode().count("pat@example.com") >= 5
    attempts = AccessAttempt.objects.filter(username="pat@example.com")
    selected = list(attempts.values_list("pk", flat=True))
    cleared = admin.post(
        changelist,
        {
            "action": "delete_selected",
            admin_helpers.ACTION_CHECKBOX_NAME: selected,
            "post": "yes",
        },
    )

    assert cleared.status_code == 302
    assert not attempts.exists()
    assert app_sign_in(HttpClient(REMOTE_ADDR="10.9.1.1"), "pat@example.com").status_code == 200
