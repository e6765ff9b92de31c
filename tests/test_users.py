"""The user model: sign-in by email in any letter case, two exclusive kinds of account,
and the auth epoch that ends older sessions."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from clients.services import deactivate_client, reactivate_client
from petcare.models import User
from tests.factories import DEFAULT_PASSWORD, ClientLoginFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(email, password):
    return authenticate(RequestFactory().post("/"), email=email, password=password)


@pytest.mark.parametrize("email", ["admin@example.com", "ADMIN@Example.com", " Admin@EXAMPLE.com "])
def test_sign_in_by_email_in_any_letter_case(admin_user, email):
    assert sign_in(email, DEFAULT_PASSWORD) == admin_user


def test_sign_in_refuses_a_wrong_password_or_an_unknown_email(admin_user):
    assert sign_in("admin@example.com", "wrong password") is None
    assert sign_in("nobody@example.com", DEFAULT_PASSWORD) is None


def test_create_user_stores_the_email_lower_cased():
    user = User.objects.create_user("Jo.Park@Example.COM", "a long passphrase")
    superuser = User.objects.create_superuser(" Boss@Example.COM", "a long passphrase")

    assert User.objects.filter(pk=user.pk).values_list("email", flat=True).get() == (
        "jo.park@example.com"
    )
    assert User.objects.get(pk=superuser.pk).email == "boss@example.com"
    assert user.check_password("a long passphrase")


def test_create_user_refuses_an_email_taken_in_another_letter_case():
    User.objects.create_user("jo@example.com", "a long passphrase")

    with pytest.raises(ValidationError):
        User.objects.create_user("JO@Example.com", "a long passphrase")

    assert User.objects.count() == 1


def test_create_user_needs_an_email():
    with pytest.raises(ValueError):
        User.objects.create_user("", "a long passphrase")


def test_user_email_not_in_lower_case_is_refused_by_the_database():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email="Admin@Example.com")


def test_a_client_login_cannot_be_staff():
    login = ClientLoginFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=login.pk).update(is_staff=True)


def test_a_staff_login_belongs_to_no_client_and_a_client_login_to_one():
    staff = UserFactory(is_staff=True)
    login = ClientLoginFactory()

    assert (staff.is_staff_member, staff.is_client_login) == (True, False)
    assert (login.is_staff_member, login.is_client_login) == (False, True)


def test_the_session_hash_changes_when_the_auth_epoch_changes():
    user = UserFactory()
    before = user.get_session_auth_hash()

    assert user.get_session_auth_hash() == before
    user.auth_epoch += 1
    assert user.get_session_auth_hash() != before


def test_make_inactive_and_re_activate_each_end_the_logins_sessions(office_manager):
    login = ClientLoginFactory()
    hashes = [login.get_session_auth_hash()]

    deactivate_client(login.client, actor=office_manager)
    login.refresh_from_db()
    hashes.append(login.get_session_auth_hash())
    reactivate_client(login.client, actor=office_manager)
    login.refresh_from_db()
    hashes.append(login.get_session_auth_hash())

    assert len(set(hashes)) == 3
    office_manager_hash = office_manager.get_session_auth_hash()
    office_manager.refresh_from_db()
    assert office_manager.get_session_auth_hash() == office_manager_hash
