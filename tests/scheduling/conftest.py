"""The people and pets of the schedule's tests.

Jordan Reyes and his pets are the services' client; Jane Cooper, her pets and
the sitters Sam and Riley are the screens'."""

import pytest

from tests import factories


@pytest.fixture
def jordan(db):
    return factories.ClientFactory(name="Jordan Reyes")


@pytest.fixture
def pets(jordan):
    return [
        factories.PetFactory(client=jordan, name="Biscuit"),
        factories.PetFactory(client=jordan, name="Mochi"),
    ]


@pytest.fixture
def staff(office_manager):
    """Who acts: an office manager."""
    return office_manager


@pytest.fixture
def jane(db):
    return factories.ClientFactory(name="Jane Cooper")


@pytest.fixture
def biscuit(jane):
    return factories.PetFactory(client=jane, name="Biscuit")


@pytest.fixture
def luna(jane):
    return factories.PetFactory(client=jane, name="Luna")


@pytest.fixture
def sam(sitter):
    sitter.first_name, sitter.last_name = "Sam", "Patel"
    sitter.save()
    return sitter


@pytest.fixture
def riley(roles):
    return factories.SitterFactory(email="riley@example.com", first_name="Riley", last_name="Kim")


@pytest.fixture
def sitter_client(client, sam):
    """Django's test client signed in as Sam, a sitter."""
    client.force_login(sam)
    return client


@pytest.fixture
def gone(db):
    """An inactive client who kept a visit and a request (Make Inactive with
    "Delete all future scheduled services" unchecked)."""
    return factories.InactiveClientFactory(name="Old Timer")
