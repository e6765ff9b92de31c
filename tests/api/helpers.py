"""The app API's addresses, and how its tests call it."""

import json
from datetime import time

from tests import factories
from tests.helpers import days_ahead

API = "/api/app/v1/"
TOKEN_URL = API + "auth/token"
LOGOUT_URL = API + "auth/logout"
ME_URL = API + "me"
UPCOMING_URL = API + "events/upcoming"
REQUESTS_URL = API + "events/requests"


def post_json(http, url, data, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return http.post(url, body, content_type="application/json", **extra)


def sign_in(http, email, password=factories.DEFAULT_PASSWORD, **extra):
    return post_json(http, TOKEN_URL, {"email": email, "password": password}, **extra)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def visit_request(login, walk, **changes):
    """The body of a request for a visit of the login's Biscuit, two days ahead at 10:00."""
    pet = factories.PetFactory(client=login.client, name="Biscuit")
    data = {
        "service_type_id": walk.pk,
        "pet_ids": [pet.pk],
        "starts_at": days_ahead(2, time(10)).isoformat(),
        "note": "The key is under the mat.",
    }
    data.update(changes)
    return data
