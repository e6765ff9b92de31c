"""Error pages sit in the layout of whoever sees them and say what to do
next; the Django admin tells a signed-in non-admin why it won't open
(docs/design.md, "The staff screens")."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from petcare.admin import ADMIN_ONLY
from petcare.views import ERRORS, server_error
from tests import factories
from tests.helpers import html_of

pytestmark = pytest.mark.django_db

STAFF_NAV = '<nav class="sidebar" aria-label="Main">'
PORTAL_NAV = '<nav class="portal-nav" id="portal-nav" aria-label="Portal">'


@pytest.fixture
def sitter_client(client, sitter):
    client.force_login(sitter)
    return client


def test_staff_get_a_404_in_their_layout_with_where_to_go_next(manager_client):
    response = manager_client.get("/clients/999999/")
    assert response.status_code == 404
    html = html_of(response)
    assert STAFF_NAV in html
    assert '<h1 id="dialog-title">We couldn&#x27;t find that page</h1>' in html
    assert f'<a class="button button-primary" href="{reverse("clients:list")}">' in html
    assert f'href="{reverse("scheduling:schedule")}">Open the schedule</a>' in html


def test_a_client_gets_a_404_in_the_portal_layout(client, roles):
    client.force_login(factories.ClientLoginFactory())
    html = html_of(client.get("/portal/no-such-page/"))
    assert PORTAL_NAV in html and STAFF_NAV not in html
    assert f'href="{reverse("portal:dashboard")}">Go to My visits</a>' in html


def test_a_visitor_who_is_not_signed_in_gets_the_404_as_a_card_with_the_sign_in(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = html_of(response)
    assert STAFF_NAV not in html and PORTAL_NAV not in html
    assert '<main class="auth-card card" id="main">' in html
    assert f'href="{reverse("login")}">Staff sign-in</a>' in html


def test_a_refused_page_view_does_not_claim_that_nothing_was_changed(sitter_client):
    response = sitter_client.get(reverse("clients:add"))
    assert response.status_code == 403
    html = html_of(response)
    assert STAFF_NAV in html
    assert "You don&#x27;t have access to this page" in html
    assert "nothing was changed" not in html
    assert "Only an admin or an office manager can add clients." in html


def test_a_refused_write_says_nothing_was_changed(sitter_client):
    response = sitter_client.post(reverse("clients:add"), {"name": "Sam Lee"})
    assert response.status_code == 403
    assert "so nothing was changed" in html_of(response)


def test_the_500_page_still_shows_when_the_layout_cannot_know_who_is_signed_in():
    """What broke (the database, say) may be what the layout needs; the
    page then falls back to a card of its own."""

    def broken_user():
        raise RuntimeError("the database is down")

    request = RequestFactory().get("/clients/")
    request.user = SimpleLazyObject(broken_user)
    response = server_error(request)
    assert response.status_code == 500
    html = html_of(response)
    title, message = ERRORS[500]
    assert title in html and message in html
    assert '<main class="auth-card card" id="main">' in html


def test_the_500_page_of_a_signed_in_person_is_in_their_layout(office_manager):
    request = RequestFactory().get("/clients/")
    request.user = office_manager
    html = html_of(server_error(request))
    assert STAFF_NAV in html and "Go to the client list" in html


@pytest.mark.parametrize("factory", [factories.OfficeManagerFactory, factories.SitterFactory])
def test_staff_without_the_admin_role_are_told_why_the_django_admin_wont_open(
    client, roles, factory
):
    client.force_login(factory(is_staff=True))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    html = html_of(response)
    assert STAFF_NAV in html
    assert ADMIN_ONLY.replace("'", "&#x27;") in html
    assert "not authorized" not in html


def test_a_client_login_at_the_django_admin_is_sent_to_the_portal(client, roles):
    client.force_login(factories.ClientLoginFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert 'href="/portal/signin/">Go to the client portal</a>' in html_of(response)


def test_anonymous_visitors_still_get_the_admins_own_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/login/"
    assert isinstance(response.wsgi_request.user, AnonymousUser)
