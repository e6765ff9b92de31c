"""The app API's OpenAPI schema and its docs page, which works under our
Content Security Policy without a CDN (docs/design.md, "The app API")."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.api.helpers import (
    API,
    LOGOUT_URL,
    ME_URL,
    REQUESTS_URL,
    TOKEN_URL,
    UPCOMING_URL,
    bearer,
)

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_describes_the_five_endpoints(client):
    response = client.get(API + "openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        TOKEN_URL,
        LOGOUT_URL,
        ME_URL,
        UPCOMING_URL,
        REQUESTS_URL,
    }
    assert schema["components"]["securitySchemes"]["AppToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert "security" not in schema["paths"][TOKEN_URL]["post"]
    assert schema["paths"][ME_URL]["get"]["security"] == [{"AppToken": []}]


# Every refusal each operation can answer (405 and 404 are the API's, not an
# operation's: its description says so).
REFUSALS = {
    ("post", TOKEN_URL): {400, 401, 403, 415, 422, 429, 500},
    ("post", LOGOUT_URL): {401, 500},
    ("get", ME_URL): {401, 500},
    ("get", UPCOMING_URL): {400, 401, 422, 500},
    ("post", REQUESTS_URL): {400, 401, 403, 415, 422, 500},
}


def test_every_refusal_is_documented_as_an_error_with_its_detail_codes(client):
    schema = client.get(API + "openapi.json").json()
    assert {"detail", "message"} <= set(schema["components"]["schemas"]["Error"]["required"])

    for (method, path), statuses in REFUSALS.items():
        responses = schema["paths"][path][method]["responses"]
        refusals = {int(status) for status in responses if int(status) >= 400}
        assert refusals == statuses, (method, path)
        for status in refusals:
            answer = responses[str(status)]
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
            assert answer["description"].startswith("`"), (path, status)  # its detail codes


def test_the_schema_states_the_limits_of_what_comes_in(client):
    schemas = client.get(API + "openapi.json").json()["components"]["schemas"]
    credentials = schemas["Credentials"]["properties"]
    visit = schemas["VisitRequestIn"]["properties"]

    assert (credentials["email"]["maxLength"], credentials["password"]["maxLength"]) == (254, 4096)
    assert visit["note"]["maxLength"] == 1000
    for text in (credentials["email"], credentials["password"], visit["note"]):
        assert text["pattern"] == "^[^\\x00]*$"
    assert visit["service_type_id"]["maximum"] == visit["pet_ids"]["items"]["maximum"] == 2**63 - 1
    assert visit["starts_at"]["format"] == "date-time"


def test_the_schema_pages_the_upcoming_visits(client):
    schema = client.get(API + "openapi.json").json()
    operation = schema["paths"][UPCOMING_URL]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert set(parameters) == {"limit", "cursor"}
    assert all(p["in"] == "query" and not p.get("required") for p in parameters.values())
    limit = parameters["limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == (
        "integer",
        1,
        100,
        20,
    )
    assert {"type": "string"} in parameters["cursor"]["schema"]["anyOf"]
    responses = operation["responses"]
    assert "`invalid_cursor`" in responses["400"]["description"]
    assert "`validation_error`" in responses["422"]["description"]
    assert "`limit`" in responses["422"]["description"]

    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventPageOut"
    }
    page = schema["components"]["schemas"]["EventPageOut"]
    assert set(page["required"]) == {"items", "next"}
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/EventOut"}
    assert {"type": "null"} in page["properties"]["next"]["anyOf"]


@pytest.mark.parametrize("path", ["openapi.json", "docs"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_schema_and_its_docs_page_refuse_other_methods_in_json(client, path, method):
    response = getattr(client, method)(API + path)

    assert (response.status_code, response.json()["detail"]) == (405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["openapi.json", "docs", "me", "events/upcoming"])
def test_head_is_answered_wherever_get_is(client, token, path):
    get = client.get(API + path, headers=bearer(token))
    head = client.head(API + path, headers=bearer(token))

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Content-Length"] == str(len(get.content))


def test_the_docs_page_works_under_our_csp_without_a_cdn(client):
    """Swagger UI from ninja's own static files; no inline script or style
    (the one <script> without src is JSON data, which CSP does not run).
    Checked in Chromium too: it renders and runs with no CSP violation."""
    response = client.get(API + "docs")

    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), asset
