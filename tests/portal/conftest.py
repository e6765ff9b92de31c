"""The portal's client: Jordan Reyes, his pets and his login."""

import pytest

from tests import factories


@pytest.fixture
def jordan(roles):
    client = factories.ClientFactory(
        name="Jordan Reyes",
        email="jordan@example.com",
        phone="(555) 010-4477",
        address="12 Elm Street\nSpringfield",
    )
    factories.PetFactory(client=client, name="Biscuit", species="dog", breed="Beagle")
    factories.PetFactory(client=client, name="Mochi", species="cat", breed="Domestic Shorthair")
    return client


@pytest.fixture
def login(jordan):
    return factories.ClientLoginFactory(
        client=jordan, email="jordan@example.com", first_name="Jordan", last_name="Reyes"
    )
