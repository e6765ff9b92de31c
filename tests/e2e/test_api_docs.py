"""The app API's docs page works offline and under our Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_without_csp_violations_or_outside_requests(page, live_server):
    outside = []
    page.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith(live_server.url) else None,
    )

    page.goto(f"{live_server.url}/api/app/v1/docs")

    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 5
    assert page.console_errors == []
    assert [url for url in outside if not url.startswith("data:")] == []
