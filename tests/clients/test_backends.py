"""The lock-out rule in the authentication backend (clients.backends.
ClientAwareBackend): an inactive client's login does not authenticate and has
no session, at no extra query; staff are not affected (docs/design.md,
"Locked out"). The portal's doors are in tests/portal/test_auth.py, the app
API's in tests/api/test_auth.py."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse

from clients.backends import INACTIVE_CLIENT_FLAG, ClientAwareBackend
from clients.services import deactivate_client
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.helpers import PORTAL_LOGIN

pytestmark = pytest.mark.django_db


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


# --- The staff's side --------------------------------------------------------------


def test_the_staff_sign_in_gives_an_inactive_client_only_the_generic_answer(client, inactive_login):
    response = client.post(reverse("login"), {"username": "gone@example.com", "password": PASSWORD})
    html = response.content.decode()
    assert "don&#x27;t match a staff account" in html
    assert "no longer active" not in html


def test_a_staff_session_survives_a_clients_deactivation(manager_client, active_login, admin_user):
    deactivate_client(active_login.client, actor=admin_user)
    assert manager_client.get(reverse("clients:list")).status_code == 200
