"""The portal's doors for a client (portal.auth): sign-in, sessions, password
reset and change, and invitations. Locked out means locked out: an inactive
client gets in through none of them, and what it is told gives nothing away
(docs/design.md, "Locked out" and "The client portal")."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients.services import deactivate_client, reactivate_client
from petcare.tokens import password_reset_token
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.helpers import INACTIVE_TEXT, PORTAL_LOGIN, comparable, invite, portal_sign_in

pytestmark = pytest.mark.django_db


def link_in(message, path: str) -> str:
    """The link to ``path`` in a mail the site sent."""
    return re.search(rf"http://testserver({path}\S+)", message.body).group(1)


# --- Signing in --------------------------------------------------------------------


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


def test_a_staff_member_signed_in_gets_a_403_on_portal_pages(client, office_manager):
    client.force_login(office_manager)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 403
    assert "signed in as staff" in response.content.decode()


def test_the_portal_sign_in_returns_only_to_portal_pages(client, active_login):
    response = client.post(
        PORTAL_LOGIN, {"username": "pat@example.com", "password": PASSWORD, "next": "/clients/"}
    )
    assert response["Location"] == reverse("portal:dashboard")


# --- Sessions end ------------------------------------------------------------------


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


# --- Password reset and change -----------------------------------------------------


def reset(http, email):
    return http.post(reverse("portal:password_reset"), {"email": email})


def test_password_reset_sends_a_link_to_an_active_client(
    client, active_login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reset(client, "pat@example.com")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    link = link_in(mail.outbox[0], "/portal/reset/")
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


# --- Invitations -------------------------------------------------------------------


@pytest.fixture
def invitation(manager_client, roles, django_capture_on_commit_callbacks):
    """Staff invite a new client with this email: the client, and the link of
    the mail sent."""

    def invitation(email):
        client_ = factories.ClientFactory(email=email)
        with django_capture_on_commit_callbacks(execute=True):
            invite(manager_client, client_)
        return client_, link_in(mail.outbox[-1], "/portal/invitation/")

    return invitation


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
    link = link_in(message, "/portal/invitation/")
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
    invitation, office_manager
):
    client_, link = invitation("soon.gone@example.com")
    deactivate_client(client_, actor=office_manager)

    response = HttpClient().get(link, follow=True)

    assert response.status_code == 403
    assert INACTIVE_TEXT in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


def test_a_made_up_invitation_link_says_nothing_about_an_inactive_client(inactive_login):
    uid = urlsafe_base64_encode(force_bytes(inactive_login.pk))
    url = reverse("portal:accept_invitation", kwargs={"uidb64": uid, "token": "made-up-token"})
    response = HttpClient().get(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert INACTIVE_TEXT not in page
    assert "doesn't work any more" in page


def test_an_invitation_link_from_before_make_inactive_stays_dead_after_reactivate(
    invitation, office_manager
):
    client_, link = invitation("back.again@example.com")
    deactivate_client(client_, actor=office_manager)
    reactivate_client(client_, actor=office_manager)

    page = HttpClient().get(link, follow=True).content.decode()

    assert "doesn't work any more" in page
    assert 'name="new_password1"' not in page


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("portal:accept_invitation", "This invitation link doesn&#x27;t work"),
        ("portal:password_reset_confirm", "This password link doesn&#x27;t work"),
    ],
)
def test_a_link_that_does_not_work_says_which_link_in_its_title(active_login, url_name, title):
    uid = urlsafe_base64_encode(force_bytes(active_login.pk))
    url = reverse(url_name, kwargs={"uidb64": uid, "token": "made-up-token"})

    page = HttpClient().get(url, follow=True).content.decode()

    assert f"<title>{title}" in page
    assert f"<h1>{title}</h1>" in page
    assert "Password reset unsuccessful" not in page
