"""Locked out means locked out, as the client and the staff see it, in Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import EventStatus, ScheduledEvent
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INACTIVE_TEXT = re.compile(r"Your account is no longer active\. To use the portal again, contact")


def portal_sign_in(page, live_server, email, password=factories.DEFAULT_PASSWORD):
    page.goto(f"{live_server.url}/portal/signin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_client_made_inactive_is_signed_out_at_the_next_click(new_page, live_server, sign_in):
    login = factories.ClientLoginFactory(
        email="pat@example.com", first_name="Pat", client__name="Pat Doe"
    )
    factories.PetFactory(client=login.client, name="Biscuit")
    factories.ServiceTypeFactory(name="30 min dog walk")

    # The client signs in and requests a service.
    client_page = new_page()
    portal_sign_in(client_page, live_server, "pat@example.com")
    expect(client_page.get_by_role("heading", name="Hello, Pat")).to_be_visible()
    client_page.get_by_role("link", name="Request a service").first.click()
    client_page.get_by_label("30 min dog walk").check()
    client_page.get_by_label("Biscuit").check()
    day = timezone.localdate() + timedelta(days=3)
    client_page.get_by_label("Date").fill(day.isoformat())
    client_page.get_by_label("Time").fill("10:00")
    client_page.get_by_role("button", name="Send request").click()
    expect(client_page.get_by_role("status")).to_contain_text("Thanks! Your request")
    visits = client_page.get_by_role("region", name=re.compile("Upcoming visits"))
    expect(visits).to_contain_text("30 min dog walk")
    expect(visits).to_contain_text("Requested")
    assert ScheduledEvent.objects.get(client=login.client).status == EventStatus.REQUESTED

    # Staff make the client inactive, in another browser context.
    staff_page = new_page()
    sign_in(staff_page)
    staff_page.goto(f"{live_server.url}/clients/{login.client.pk}/")
    staff_page.get_by_role("button", name="Quick Actions").click()
    staff_page.get_by_role("menuitem", name="Make Inactive").click()
    staff_page.get_by_role("dialog", name="Make Inactive").get_by_role(
        "button", name="Make Inactive"
    ).click()
    expect(staff_page.get_by_role("status")).to_contain_text("Removed 1 upcoming service")

    # The client's next click lands on the sign-in page, saying why.
    client_page.get_by_role("link", name="My details").click()
    expect(client_page).to_have_url(re.compile(r"/portal/signin/"))
    expect(client_page.get_by_text(INACTIVE_TEXT)).to_be_visible()

    # Signing in again with the right password says it again; a wrong one doesn't.
    portal_sign_in(client_page, live_server, "pat@example.com", "wrong password")
    expect(client_page.get_by_text("don't match an account")).to_be_visible()
    expect(client_page.get_by_text(INACTIVE_TEXT)).to_have_count(0)
    portal_sign_in(client_page, live_server, "pat@example.com")
    expect(client_page.get_by_text(INACTIVE_TEXT)).to_be_visible()
    expect(client_page).to_have_url(re.compile(r"/portal/signin/"))
    assert client_page.console_errors == []
