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
