"""Make Inactive and Re-Activate as a person does them, in Chromium
(docs/design.md, "Make Inactive", "Re-Activate" and "The staff screens")."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client, ClientStatusChange
from scheduling.models import ScheduledEvent, Template
from tests import factories
from tests.helpers import client_with_a_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jane(db):
    """A client with 3 upcoming services, a past one and a template."""
    return client_with_a_schedule(upcoming=3)


def open_make_inactive(page, live_server, client):
    """The client's profile, Quick Actions, Make Inactive: the dialog."""
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_role("button", name="Quick Actions").click()
    page.get_by_role("menuitem", name="Make Inactive").click()
    return page.get_by_role("dialog", name="Make Inactive")


def test_office_manager_makes_a_client_inactive_and_reactivates_it(
    page, live_server, sign_in, jane
):
    sign_in(page)
    page.get_by_role("link", name="Jane Cooper").click()
    expect(page.get_by_role("heading", name="Jane Cooper", level=1)).to_be_visible()
    expect(page.get_by_text("Upcoming services 3")).to_be_visible()

    quick_actions = page.get_by_role("button", name="Quick Actions")
    expect(quick_actions).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("menuitem", name="Make Inactive")).to_be_hidden()
    quick_actions.click()
    expect(quick_actions).to_have_attribute("aria-expanded", "true")
    page.get_by_role("menuitem", name="Make Inactive").click()

    dialog = page.get_by_role("dialog", name="Make Inactive")
    expect(dialog).to_be_visible()
    services = dialog.get_by_role("checkbox", name="Delete all future scheduled services")
    templates = dialog.get_by_role("checkbox", name="Delete templates")
    expect(services).to_be_checked()
    expect(templates).to_be_checked()
    expect(services).to_be_focused()  # focus moved into the dialog

    url_before = page.url
    dialog.get_by_role("button", name="Make Inactive").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text(
        "Jane Cooper is now inactive. Removed 3 upcoming services and 1 template."
    )
    expect(page.get_by_text(re.compile(r"^Inactive since "))).to_be_visible()
    expect(page.get_by_text("No upcoming services.")).to_be_visible()
    expect(page.get_by_text("No recurring templates.")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Made inactive")
    assert page.url == url_before  # updated in place, no reload
    expect(page.get_by_role("button", name="Quick Actions")).to_be_focused()

    jane.refresh_from_db()
    assert not jane.is_active
    assert ScheduledEvent.objects.filter(client=jane).count() == 1  # the past visit
    assert not Template.objects.filter(client=jane).exists()

    page.get_by_role("button", name="Quick Actions").click()
    page.get_by_role("menuitem", name="Re-Activate").click()
    dialog = page.get_by_role("dialog", name="Re-Activate")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Re-Activate").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text("Jane Cooper is active again.")
    expect(page.locator(".title-row .badge")).to_have_text("Active")
    expect(page.locator("#history")).to_contain_text("Re-activated")

    jane.refresh_from_db()
    assert jane.is_active
    assert ClientStatusChange.objects.filter(client=jane).count() == 2
    assert page.console_errors == []


def test_escape_closes_the_dialog_and_returns_focus_to_quick_actions(
    page, live_server, sign_in, jane
):
    sign_in(page)
    dialog = open_make_inactive(page, live_server, jane)
    expect(dialog).to_be_visible()

    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Quick Actions")).to_be_focused()
    jane.refresh_from_db()
    assert jane.is_active


def test_cancel_changes_nothing(page, live_server, sign_in, jane):
    sign_in(page)
    dialog = open_make_inactive(page, live_server, jane)
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    jane.refresh_from_db()
    assert jane.is_active
    assert ScheduledEvent.objects.upcoming(now=timezone.now()).filter(client=jane).count() == 3


def test_keeping_services_when_the_box_is_unchecked(page, live_server, sign_in, jane):
    sign_in(page)
    dialog = open_make_inactive(page, live_server, jane)
    dialog.get_by_role("checkbox", name="Delete all future scheduled services").uncheck()
    dialog.get_by_role("button", name="Make Inactive").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Jane Cooper is now inactive. Removed 1 template. Kept their upcoming services."
    )
    expect(page.get_by_text("Upcoming services 3")).to_be_visible()


def test_the_same_flow_works_without_javascript(page_without_js, live_server, sign_in, jane):
    page = page_without_js
    sign_in(page)
    page.goto(f"{live_server.url}/clients/{jane.pk}/")
    # Without JavaScript the Quick Actions menu is a plain list of links, and
    # there is no button that would do nothing.
    expect(page.get_by_role("button", name="Quick Actions")).to_have_count(0)
    expect(page.get_by_role("list", name="Quick Actions")).to_be_visible()
    page.get_by_role("link", name="Make Inactive").click()
    expect(page).to_have_url(re.compile(rf"/clients/{jane.pk}/deactivate/$"))
    expect(page.get_by_role("heading", name="Make Inactive")).to_be_visible()
    expect(
        page.get_by_role("checkbox", name="Delete all future scheduled services")
    ).to_be_checked()
    expect(page.get_by_role("checkbox", name="Delete templates")).to_be_checked()
    page.get_by_role("button", name="Make Inactive").click()

    expect(page).to_have_url(re.compile(rf"/clients/{jane.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Jane Cooper is now inactive. Removed 3 upcoming services and 1 template."
    )
    expect(page.get_by_text(re.compile(r"^Inactive since "))).to_be_visible()

    page.get_by_role("link", name="Re-Activate").click()
    expect(page.get_by_role("heading", name="Re-Activate")).to_be_visible()
    page.get_by_role("button", name="Re-Activate").click()
    expect(page).to_have_url(re.compile(rf"/clients/{jane.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Jane Cooper is active again.")
    assert Client.objects.get(pk=jane.pk).is_active


def test_on_a_phone_the_pages_fit_and_the_dialog_is_usable(phone_page, live_server, sign_in):
    page = phone_page
    client = factories.ClientFactory(name="Phone Person")
    factories.TemplateFactory(client=client)
    factories.ScheduledEventFactory(client=client)
    sign_in(page)

    for url in ("/clients/", f"/clients/{client.pk}/"):
        page.goto(f"{live_server.url}{url}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"

    page.get_by_role("button", name="Quick Actions").click()
    page.get_by_role("menuitem", name="Make Inactive").click()
    dialog = page.get_by_role("dialog", name="Make Inactive")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    dialog.get_by_role("button", name="Make Inactive").click()
    expect(page.get_by_role("status")).to_contain_text("Phone Person is now inactive.")


def test_reactivate_dialog_is_keyboard_operable(page, live_server, sign_in):
    client = factories.InactiveClientFactory(name="Away Client")
    sign_in(page)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_role("button", name="Quick Actions").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Edit details")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Re-Activate")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Re-Activate")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Reason (optional, for the history)")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Quick Actions")).to_be_focused()
    client.refresh_from_db()
    assert not client.is_active


def test_quick_actions_is_a_menu_button_the_keyboard_drives(page, live_server, sign_in, jane):
    """WAI-ARIA Authoring Practices, menu button: Enter, Space and ArrowDown
    open it on the first item, ArrowUp on the last; arrows move round it,
    Home and End jump; Escape closes it back to the button; Tab closes it."""
    sign_in(page)
    page.goto(f"{live_server.url}/clients/{jane.pk}/")
    button = page.get_by_role("button", name="Quick Actions")
    expect(button).to_have_attribute("aria-haspopup", "menu")
    menu = page.get_by_role("menu", name="Quick Actions")
    items = menu.get_by_role("menuitem")
    first, last = items.first, items.last

    for key in ("Enter", " ", "ArrowDown"):
        button.focus()
        page.keyboard.press(key)
        expect(menu).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(first).to_be_focused()
        expect(items).to_have_text(
            ["Add visit", "Edit details", "Invite to portal", "Make Inactive"]
        )
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()

    page.keyboard.press("ArrowUp")
    expect(last).to_be_focused()
    page.keyboard.press("ArrowDown")  # round to the first
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(last).to_be_focused()
    page.keyboard.press("Home")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowUp")  # round to the last
    expect(last).to_be_focused()

    # Only the button is a tab stop: Tab leaves the menu and closes it.
    page.keyboard.press("Tab")
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")

    # Space on an item acts, as Enter does.
    button.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press(" ")
    expect(page.get_by_role("dialog", name="Make Inactive")).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_refused_confirmation_shows_why_in_a_dialog(
    page, live_server, sign_in, jane, settings, debug
):
    """A CSRF failure (the form expired) comes back as a dialog that says what
    happened, also in DEBUG, where django-htmx's helper would otherwise replace
    the whole page with the response."""
    settings.DEBUG = debug
    sign_in(page)
    dialog = open_make_inactive(page, live_server, jane)
    expect(dialog).to_be_visible()
    page.context.clear_cookies(name="csrftoken")

    dialog.get_by_role("button", name="Make Inactive").click()

    refusal = page.get_by_role("alertdialog", name="This form has expired")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Nothing was changed")
    expect(page.get_by_role("heading", name="Jane Cooper", level=1)).to_be_visible()
    refusal.get_by_role("link", name="Close").click()
    expect(refusal).to_be_hidden()
    jane.refresh_from_db()
    assert jane.is_active
