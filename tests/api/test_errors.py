"""The app API's errors (api.errors): an unknown address, an unexpected error and
a body too large all answer in JSON, never with an HTML page or a trace
(docs/design.md, "The app API")."""

import pytest
from django.test import Client as HttpClient

from tests.api.helpers import (
    API,
    UPCOMING_URL,
    bearer,
    sign_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["", "nothing-here", "events/999", "me/"])
def test_unknown_addresses_are_json_404s(method, path):
    # With CSRF checks on, as a browser would be: still a 404, not a CSRF page.
    http = HttpClient(enforce_csrf_checks=True)
    response = getattr(http, method)(API + path)

    assert response.status_code == 404
    assert response.json()["detail"] == "not_found"


def test_an_unexpected_error_is_a_json_500(login, token, monkeypatch):
    from api import api

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "client_visits_for_portal", broken)
    http = HttpClient(raise_request_exception=False)

    response = http.get(UPCOMING_URL, headers=bearer(token))

    assert response.status_code == 500
    assert response.json()["detail"] == "server_error"
    assert "boom" not in response.content.decode()


def test_a_body_too_large_to_read_is_a_json_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = sign_in(client, "pat@example.com", "x" * 200)
    assert (response.status_code, response.json()["detail"]) == (400, "bad_request")
