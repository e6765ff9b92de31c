"""update_own_details (portal.services): a client edits their own contact
details; the sign-in email moves only with the login that edits it, and an
email that another client or login uses is refused without naming anyone
(docs/design.md, "The client portal")."""

import pytest

from petcare.models import User
from portal.services import EmailUnavailable, update_own_details
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_email_of_another_login_of_the_same_household_can_become_the_clients(jordan, login):
    partner = factories.ClientLoginFactory(client=jordan, email="alex.reyes@example.com")

    update_own_details(login, email="alex.reyes@example.com")

    jordan.refresh_from_db()
    login.refresh_from_db()
    assert jordan.email == "alex.reyes@example.com"
    assert login.email == "jordan@example.com"  # a login's email stays unique
    assert User.objects.get(pk=partner.pk).email == "alex.reyes@example.com"


def test_a_client_without_email_gives_its_email_to_the_login_that_edits(roles):
    client = factories.ClientFactory(email="")
    login = factories.ClientLoginFactory(client=client, email="old.login@example.com")

    update_own_details(login, email="new@example.com")

    login.refresh_from_db()
    assert login.email == "new@example.com"


def test_update_own_details_refuses_another_clients_email_with_nothing_about_it(jordan, login):
    factories.ClientFactory(name="Taylor Stone", email="taylor@example.com")

    with pytest.raises(EmailUnavailable) as refused:
        update_own_details(login, email="taylor@example.com")

    assert not vars(refused.value)
    assert refused.value.__cause__ is None
