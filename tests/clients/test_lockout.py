"""Locked out means locked out: every door of the portal for an inactive client.

(The app API's doors are in test_api.py.)
"""

import re

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients.backends import INACTIVE_CLIENT_FLAG, ClientAwareBackend
from clients.services import deactivate_client, reactivate_client
from petcare.tokens import password_reset_token
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
PORTAL_LOGIN = "/portal/signin/"
INACTIVE_TEXT = "Your account is no longer active. To use the portal again, contact"


@pytest.fixture
def active_login(roles):
    return factories.ClientLoginFactory(
        email="pat@example.com", client__name="Pat Active", first_name="Pat"
    )


@pytest.fixture
def inactive_login(roles, office_manager):
    login = factories.ClientLoginFactory(email="gone@example.com", client__name="Gone Client")
    deactivate_client(login.client, actor=office_manager)
    login.refresh_from_db()
    return login


def portal_sign_in(http, email, password=PASSWORD):
    return http.post(PORTAL_LOGIN, {"username": email, "password": password})


def comparable(response) -> str:
    """The page without what differs on every render (CSRF token, CSP nonce)."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'"x-csrftoken": "[^"]+"', "", html)


@pytest.fixture
def password_hashes(monkeypatch):
    """Counts the password hashes computed (MD5 is the tests' hasher)."""
    calls = []
    original = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)
    return calls


# The backend ------------------------------------------------------------------------


def request():
    return RequestFactory().post(PORTAL_LOGIN)


def test_an_active_clients_login_authenticates(active_login):
    assert authenticate(request(), username="PAT@example.com", password=PASSWORD) == active_login


def test_an_inactive_clients_login_does_not_authenticate_even_with_the_right_password(
    inactive_login,
):
    req = request()
    assert authenticate(req, username="gone@example.com", password=PASSWORD) is None
    assert getattr(req, INACTIVE_CLIENT_FLAG) is True


def test_a_wrong_password_of_an_inactive_client_is_just_a_wrong_password(inactive_login):
    req = request()
    assert authenticate(req, username="gone@example.com", password="wrong") is None
    assert not hasattr(req, INACTIVE_CLIENT_FLAG)


def test_staff_logins_are_not_affected(office_manager):
    assert (
        authenticate(request(), username="manager@example.com", password=PASSWORD) == office_manager
    )


def test_a_deactivated_django_user_does_not_authenticate(roles):
    login = factories.ClientLoginFactory(is_active=False)
    req = request()
    assert authenticate(req, username=login.email, password=PASSWORD) is None
    assert not hasattr(req, INACTIVE_CLIENT_FLAG)


def test_the_lock_out_check_costs_no_query_per_request(
    active_login, office_manager, django_assert_num_queries
):
    backend = ClientAwareBackend()
    # One query each, the client joined in: no extra query for clients or staff.
    with django_assert_num_queries(1):
        assert backend.get_user(active_login.pk) == active_login
    with django_assert_num_queries(1):
        assert backend.get_user(office_manager.pk) == office_manager


def test_get_user_refuses_an_inactive_clients_login(inactive_login):
    assert ClientAwareBackend().get_user(inactive_login.pk) is None


def test_a_client_request_costs_no_more_queries_than_a_staff_request(
    client, active_login, office_manager, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def auth_queries(login, url):
        client.force_login(login)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        client.logout()
        return [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith('SELECT "petcare_user"."id"')
        ]

    staff = auth_queries(office_manager, reverse("clients:list"))
    client_ = auth_queries(active_login, reverse("portal:profile"))
    # The user (and its client, joined) comes in one query either way.
    assert len(staff) == len(client_) == 1
    assert "clients_client" in client_[0]


# The portal sign-in -----------------------------------------------------------------


def test_an_active_client_signs_in_to_the_portal(client, active_login):
    response = portal_sign_in(client, "Pat@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session[SESSION_KEY] == str(active_login.pk)


def test_an_inactive_client_with_the_right_password_is_told_the_account_is_inactive(
    client, inactive_login, settings
):
    settings.BUSINESS_NAME = "Waggy Walks"
    settings.BUSINESS_PHONE = "(555) 123-0000"
    response = portal_sign_in(client, "gone@example.com")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Your account is no longer active. To use the portal again, contact Waggy Walks "
        "at (555) 123-0000" in html
    )
    assert SESSION_KEY not in client.session


def test_wrong_password_unknown_email_and_inactive_wrong_password_look_and_cost_the_same(
    client, active_login, inactive_login, password_hashes
):
    attempts = {
        "unknown email": ("nobody@example.com", PASSWORD),
        "wrong password": ("pat@example.com", "not the password"),
        "inactive + wrong password": ("gone@example.com", "not the password"),
    }
    responses = {}
    for name, (email, password) in attempts.items():
        password_hashes.clear()
        responses[name] = portal_sign_in(client, email, password)
        assert len(password_hashes) == 1, f"{name}: {len(password_hashes)} hashes"

    first = responses["unknown email"]
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert "don&#x27;t match an account" in response.content.decode(), name
        assert INACTIVE_TEXT not in response.content.decode(), name
        assert response.headers.get("Content-Type") == first.headers.get("Content-Type")
        assert set(response.cookies) == set(first.cookies), name
    # The same page but for the email typed back into the form.
    bodies = {
        name: comparable(r).replace(attempts[name][0], "EMAIL") for name, r in responses.items()
    }
    assert len(set(bodies.values())) == 1

    password_hashes.clear()
    inactive_right = portal_sign_in(client, "gone@example.com", PASSWORD)
    assert len(password_hashes) == 1
    assert inactive_right.status_code == 200
    assert INACTIVE_TEXT in inactive_right.content.decode()


def test_the_portal_refuses_a_staff_login_with_a_link_to_the_staff_sign_in(client, office_manager):
    response = portal_sign_in(client, "manager@example.com")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This sign-in is for clients." in html
    assert '<a href="/signin/">Go to the staff sign-in</a>' in html
    assert SESSION_KEY not in client.session


def test_the_staff_sign_in_gives_an_inactive_client_only_the_generic_answer(client, inactive_login):
    response = client.post(reverse("login"), {"username": "gone@example.com", "password": PASSWORD})
    html = response.content.decode()
    assert "don&#x27;t match a staff account" in html
    assert "no longer active" not in html


def test_a_staff_member_signed_in_gets_a_403_on_portal_pages(client, office_manager):
    client.force_login(office_manager)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 403
    assert "signed in as staff" in response.content.decode()


# Sessions end -----------------------------------------------------------------------


def test_a_session_opened_before_make_inactive_ends_at_the_next_request(
    client, active_login, office_manager
):
    client.force_login(active_login)
    assert client.get(reverse("portal:dashboard")).status_code == 200

    deactivate_client(active_login.client, actor=office_manager)

    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{PORTAL_LOGIN}?next=/portal/"
    page = client.get(response["Location"]).content.decode()
    assert INACTIVE_TEXT in page
    # Said once: a reload shows the plain sign-in page.
    assert INACTIVE_TEXT not in client.get(PORTAL_LOGIN).content.decode()
    assert SESSION_KEY not in client.session


def test_a_post_from_a_session_that_ended_changes_nothing(client, active_login, office_manager):
    client.force_login(active_login)
    deactivate_client(active_login.client, actor=office_manager)

    response = client.post(
        reverse("portal:profile_edit"),
        {"name": "Changed", "email": "pat@example.com", "phone": "", "address": ""},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(PORTAL_LOGIN)
    active_login.client.refresh_from_db()
    assert active_login.client.name == "Pat Active"


def test_an_htmx_request_from_a_session_that_ended_is_sent_to_the_portal_sign_in(
    client, active_login, office_manager
):
    client.force_login(active_login)
    deactivate_client(active_login.client, actor=office_manager)
    response = client.get(
        reverse("portal:dashboard"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/portal/profile/"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{PORTAL_LOGIN}?next=/portal/profile/"


def test_sessions_from_before_stay_dead_after_reactivate_and_new_ones_work(
    client, active_login, office_manager
):
    old_session = HttpClient()
    old_session.force_login(active_login)
    deactivate_client(active_login.client, actor=office_manager)
    reactivate_client(active_login.client, actor=office_manager)

    response = old_session.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    page = old_session.get(response["Location"]).content.decode()
    assert INACTIVE_TEXT not in page  # the client is active again: nothing to say

    assert portal_sign_in(client, "pat@example.com").status_code == 302
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_a_staff_session_survives_a_clients_deactivation(manager_client, active_login, admin_user):
    deactivate_client(active_login.client, actor=admin_user)
    assert manager_client.get(reverse("clients:list")).status_code == 200


# Password reset ---------------------------------------------------------------------


def reset(http, email):
    return http.post(reverse("portal:password_reset"), {"email": email})


def test_password_reset_sends_a_link_to_an_active_client(client, active_login):
    response = reset(client, "pat@example.com")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    link = re.search(r"http://testserver(/portal/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    assert 'name="new_password1"' in form.content.decode()


@pytest.mark.parametrize("email", ["gone@example.com", "nobody@example.com", "manager@example.com"])
def test_password_reset_sends_nothing_to_inactive_clients_unknown_emails_or_staff(
    client, inactive_login, office_manager, email
):
    response = reset(client, email)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_done")
    assert mail.outbox == []


def test_the_reset_page_answers_the_same_for_an_inactive_client_and_an_unknown_email(
    client, inactive_login
):
    inactive = reset(client, "gone@example.com")
    unknown = reset(client, "nobody@example.com")
    assert (inactive.status_code, inactive["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )


def reset_link(login) -> str:
    uid = urlsafe_base64_encode(force_bytes(login.pk))
    return reverse(
        "portal:password_reset_confirm",
        kwargs={"uidb64": uid, "token": password_reset_token.make_token(login)},
    )


def test_a_reset_link_issued_before_make_inactive_no_longer_works_nor_after_reactivate(
    client, active_login, office_manager
):
    link = reset_link(active_login)
    deactivate_client(active_login.client, actor=office_manager)
    page = client.get(link, follow=True).content.decode()
    assert "This link doesn't work any more" in page

    reactivate_client(active_login.client, actor=office_manager)
    page = client.get(link, follow=True).content.decode()
    assert "This link doesn't work any more" in page

    active_login.refresh_from_db()
    fresh = client.get(reset_link(active_login), follow=True).content.decode()
    assert 'name="new_password1"' in fresh


# Invitations ------------------------------------------------------------------------


def invite(http, client_):
    return http.post(reverse("clients:invite", args=[client_.pk]))


def test_staff_invite_an_active_client_and_the_link_sets_a_password(
    manager_client, roles, django_capture_on_commit_callbacks
):
    client_ = factories.ClientFactory(name="New Person", email="new@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        with_mail = invite(manager_client, client_)

    assert with_mail.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    link = re.search(r"http://testserver(/portal/invitation/\S+)", message.body).group(1)
    visitor = HttpClient()
    form_page = visitor.get(link, follow=True)
    assert "Welcome! Choose a password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    response = visitor.post(
        set_url,
        {"new_password1": "a long new password 42", "new_password2": "a long new password 42"},
    )
    assert response.status_code == 302
    assert portal_sign_in(visitor, "new@example.com", "a long new password 42").status_code == 302
    # One time: the link is dead once used.
    assert "doesn't work any more" in HttpClient().get(link, follow=True).content.decode()


def test_an_invitation_link_of_a_client_made_inactive_does_nothing_but_say_so(
    manager_client, office_manager, roles, django_capture_on_commit_callbacks
):
    client_ = factories.ClientFactory(email="soon.gone@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager_client, client_)
    link = re.search(r"http://testserver(/portal/invitation/\S+)", mail.outbox[0].body).group(1)
    deactivate_client(client_, actor=office_manager)

    response = HttpClient().get(link, follow=True)

    assert response.status_code == 403
    assert INACTIVE_TEXT in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


def test_an_inactive_client_cannot_be_invited_and_nothing_is_sent(
    manager_client, django_capture_on_commit_callbacks
):
    client_ = factories.InactiveClientFactory(email="inactive@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = invite(manager_client, client_)
    assert callbacks == []
    assert response.status_code == 302
    assert mail.outbox == []
    page = manager_client.get(client_.get_absolute_url()).content.decode()
    assert "is inactive: re-activate them before inviting them." in page
    assert not client_.logins.exists()


def test_a_client_without_email_cannot_be_invited(manager_client):
    client_ = factories.ClientFactory(email="")
    invite(manager_client, client_)
    assert mail.outbox == []
    page = manager_client.get(client_.get_absolute_url()).content.decode()
    assert "has no email address. Add one with Edit details, then invite." in page


def test_a_sitter_cannot_invite(client, sitter):
    client_ = factories.ClientFactory()
    client.force_login(sitter)
    assert invite(client, client_).status_code == 403
    assert mail.outbox == []


def test_invite_to_portal_is_offered_only_to_active_clients_without_a_login(manager_client, roles):
    without = factories.ClientFactory()
    with_login = factories.ClientLoginFactory().client
    inactive = factories.InactiveClientFactory()
    assert "Invite to portal" in manager_client.get(without.get_absolute_url()).content.decode()
    for client_ in (with_login, inactive):
        assert (
            "Invite to portal"
            not in manager_client.get(client_.get_absolute_url()).content.decode()
        )


# Throttling -------------------------------------------------------------------------


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


def test_changing_the_password_ends_the_apps_sign_ins(client, active_login):
    from api.tokens import issue_token, verify_token

    token = issue_token(user=active_login)
    client.force_login(active_login)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a long new password 42",
            "new_password2": "a long new password 42",
        },
    )
    assert response.status_code == 302
    assert verify_token(token.token) is None


def test_a_made_up_invitation_link_says_nothing_about_an_inactive_client(inactive_login):
    uid = urlsafe_base64_encode(force_bytes(inactive_login.pk))
    url = reverse("portal:accept_invitation", kwargs={"uidb64": uid, "token": "made-up-token"})
    response = HttpClient().get(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert INACTIVE_TEXT not in page
    assert "doesn't work any more" in page


def test_an_invitation_link_from_before_make_inactive_stays_dead_after_reactivate(
    manager_client, office_manager, roles, django_capture_on_commit_callbacks
):
    client_ = factories.ClientFactory(email="back.again@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite(manager_client, client_)
    link = re.search(r"http://testserver(/portal/invitation/\S+)", mail.outbox[0].body).group(1)
    deactivate_client(client_, actor=office_manager)
    reactivate_client(client_, actor=office_manager)

    page = HttpClient().get(link, follow=True).content.decode()

    assert "doesn't work any more" in page
    assert 'name="new_password1"' not in page


def test_the_portal_sign_in_returns_only_to_portal_pages(client, active_login):
    response = client.post(
        PORTAL_LOGIN, {"username": "pat@example.com", "password": PASSWORD, "next": "/clients/"}
    )
    assert response["Location"] == reverse("portal:dashboard")


def test_an_app_sign_in_does_not_clear_guesses_at_another_account(
    client, throttling, active_login, office_manager
):
    url = "/api/app/v1/auth/token"

    def token(email, password):
        return client.post(
            url, {"email": email, "password": password}, content_type="application/json"
        )

    for _ in range(4):
        assert token("manager@example.com", "guess").status_code == 401
    assert token("pat@example.com", PASSWORD).status_code == 200
    assert token("manager@example.com", "guess").status_code == 429
    assert token("manager@example.com", PASSWORD).status_code == 429
