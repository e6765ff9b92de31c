"""The app API's client: Pat Walker's login, and a token of it."""

import pytest

from api.tokens import issue_token
from tests import factories


@pytest.fixture
def login(roles):
    return factories.ClientLoginFactory(
        email="pat@example.com",
        first_name="Pat",
        last_name="Walker",
        client__name="Pat Walker",
        client__email="pat@example.com",
        client__phone="(555) 010-4444",
        client__address="1 Elm Street",
    )


@pytest.fixture
def token(login):
    return issue_token(login).token
