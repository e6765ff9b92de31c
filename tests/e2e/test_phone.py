"""On a phone (375 px wide), in Chromium: the navigation of the staff pages
and of the portal sits behind a Menu button, nothing scrolls sideways, and
axe-core finds nothing wrong (docs/design.md, "The staff screens")."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_lockout import portal_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_staff_navigation_is_behind_a_menu_button_on_a_phone(new_page, live_server, sign_in, axe):
    page = new_page(**PHONE)
    sign_in(page)
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Menu")
    schedule = nav.get_by_role("link", name="Schedule")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(schedule).to_be_hidden()
    assert fits(page)
    assert axe(page) == []

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("Clients", "Schedule", "Service types"):
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["height"] >= 24 and box["x"] + box["width"] <= 375, name
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert fits(page)
    assert axe(page) == []

    # Escape closes it back to the button; the button opens it again.
    schedule.focus()
    page.keyboard.press("Escape")
    expect(schedule).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    schedule.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week of")
    expect(nav.get_by_role("link", name="Schedule")).to_be_hidden()  # closed on the new page
    assert fits(page)


def test_on_a_laptop_the_navigation_is_the_sidebar_without_a_menu_button(
    page, live_server, sign_in
):
    sign_in(page)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Schedule")).to_be_visible()


def test_without_javascript_a_phone_lists_the_navigation(new_page, live_server, sign_in):
    page = new_page(java_script_enabled=False, **PHONE)
    sign_in(page)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    for name in ("Clients", "Schedule", "Service types"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert fits(page)


def test_the_portal_navigation_is_behind_a_menu_button_on_a_phone(new_page, live_server, axe):
    login = factories.ClientLoginFactory(email="pat@example.com", first_name="Pat")
    factories.PetFactory(client=login.client, name="Biscuit")
    page = new_page(**PHONE)
    portal_sign_in(page, live_server, "pat@example.com")
    expect(page.get_by_role("heading", name="Hello, Pat")).to_be_visible()
    menu = page.get_by_role("button", name="Menu")
    details = page.get_by_role("navigation", name="Portal").get_by_role("link", name="My details")
    expect(details).to_be_hidden()
    assert fits(page)
    assert axe(page) == []

    menu.click()
    expect(details).to_be_visible()
    assert details.bounding_box()["x"] + details.bounding_box()["width"] <= 375  # not clipped
    assert axe(page) == []
    details.click()
    expect(page).to_have_url(re.compile(r"/portal/profile/$"))
    assert fits(page)
    assert axe(page) == []
