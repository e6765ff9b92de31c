"""axe-core on the everyday screens, at 1280 and 375 px, in Chromium: no
violations, colour contrast included (docs/design.md, "The staff screens").
The week, the day and the phone menus have their own runs next to their
browser tests."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from scheduling.models import ScheduledEvent
from tests import factories
from tests.e2e.test_lockout import portal_sign_in
from tests.helpers import client_with_a_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "laptop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True},
}


@pytest.mark.parametrize("size", SIZES)
def test_the_staff_screens_and_dialogs_pass_axe(new_page, live_server, sign_in, axe, size):
    jane = client_with_a_schedule(upcoming=2)
    login = factories.ClientLoginFactory(client=jane, email="jane.login@example.com")
    visit = ScheduledEvent.objects.filter(client=jane).order_by("-starts_at").first()
    template = jane.templates.get()
    page = new_page(**SIZES[size])
    found = {}

    def check(label: str) -> None:
        found[label] = axe(page)

    page.goto(f"{live_server.url}/signin/")
    check("sign-in")
    sign_in(page)
    for label, url in [
        ("client list", reverse("clients:list")),
        ("inactive clients", reverse("clients:list") + "?status=inactive"),
        ("add client", reverse("clients:add")),
        ("add visit picker", reverse("scheduling:visit_add")),
        ("visit", reverse("scheduling:visit", args=[visit.pk])),
        ("edit visit", reverse("scheduling:visit_edit", args=[visit.pk])),
        ("edit template", reverse("scheduling:template_edit", args=[template.pk])),
        ("service types", reverse("scheduling:service_types")),
        ("add pet", reverse("clients:pet_add", args=[jane.pk])),
    ]:
        page.goto(f"{live_server.url}{url}")
        check(label)
    page.goto(f"{live_server.url}{jane.get_absolute_url()}")
    check("profile")
    page.get_by_role("button", name="Quick Actions").click()
    check("Quick Actions open")
    page.get_by_role("menuitem", name="Make Inactive").click()
    expect(page.get_by_role("dialog", name="Make Inactive")).to_be_visible()
    check("Make Inactive dialog")

    portal = new_page(**SIZES[size])
    portal.goto(f"{live_server.url}/portal/signin/")
    found["portal sign-in"] = axe(portal)
    portal_sign_in(portal, live_server, login.email)
    for label, url in [
        ("portal dashboard", reverse("portal:dashboard")),
        ("request a service", reverse("portal:request_service")),
        ("my details", reverse("portal:profile")),
    ]:
        portal.goto(f"{live_server.url}{url}")
        found[label] = axe(portal)

    assert {label: problems for label, problems in found.items() if problems} == {}


@pytest.mark.parametrize("size", SIZES)
def test_the_django_admin_passes_axe(new_page, live_server, axe, size):
    factories.AdminFactory(email="boss@example.com", is_staff=True)
    jane = factories.ClientFactory(name="Jane Cooper")
    page = new_page(**SIZES[size])
    found = {}
    page.goto(f"{live_server.url}/admin/login/")
    found["admin sign-in"] = axe(page)
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for url in ("/admin/", "/admin/clients/client/", f"/admin/clients/client/{jane.pk}/change/"):
        page.goto(f"{live_server.url}{url}")
        found[url] = axe(page)

    assert {label: problems for label, problems in found.items() if problems} == {}
