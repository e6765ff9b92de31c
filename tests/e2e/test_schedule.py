"""The schedule as staff use it, in Chromium: a template on the profile,
applied for four weeks, seen on the week view and the profile, and what Make
Inactive then removes."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scheduling.models import EventStatus, ScheduledEvent, Template
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jane():
    """An active client with a pet, a past completed visit, a past visit still
    marked scheduled and a canceled one still to come: none of which Make
    Inactive may touch."""
    client = factories.ClientFactory(name="Jane Cooper", email="jane@example.com")
    pet = factories.PetFactory(client=client, name="Biscuit")
    now = timezone.now()
    kept = [
        factories.ScheduledEventFactory(
            client=client, starts_at=now - timedelta(days=20), status=EventStatus.COMPLETED
        ),
        factories.ScheduledEventFactory(client=client, starts_at=now - timedelta(days=15)),
        factories.ScheduledEventFactory(
            client=client, starts_at=now + timedelta(days=30), status=EventStatus.CANCELED
        ),
    ]
    for event in kept:
        event.pets.add(pet)
    client.kept_event_ids = {event.pk for event in kept}
    return client


@pytest.fixture
def sam(roles):
    return factories.SitterFactory(email="sam@example.com", first_name="Sam", last_name="Patel")


def expected_visits(weekdays, at, *, weeks=4):
    """The template's dates from today to four weeks on whose time is still to come."""
    tz = timezone.get_default_timezone()
    now = timezone.now()
    today = timezone.localdate()
    days = (today + timedelta(days=n) for n in range(weeks * 7 + 1))
    return [
        day
        for day in days
        if day.weekday() in weekdays and timezone.make_aware(datetime.combine(day, at), tz) >= now
    ]


def test_staff_add_a_template_apply_it_see_its_visits_then_make_inactive_removes_them(
    page, live_server, sign_in, jane, sam
):
    factories.ServiceTypeFactory(name="30 min dog walk")
    sign_in(page)
    page.get_by_role("link", name="Jane Cooper").click()
    expect(page.get_by_role("heading", name="Jane Cooper", level=1)).to_be_visible()

    # Add a template: Mon, Wed, Fri at 9:30 with Sam.
    page.get_by_role("link", name="Add template").click()
    expect(page.get_by_role("heading", name="Add template")).to_be_visible()
    page.get_by_label("Service").select_option(label="30 min dog walk · 30 min")
    page.get_by_role("checkbox", name=re.compile("Biscuit")).check()
    for day in ("Mon", "Wed", "Fri"):
        page.get_by_role("checkbox", name=day, exact=True).check()
    page.get_by_label("Time").fill("09:30")
    page.locator("#id_sitter").select_option(label="Sam Patel")
    page.get_by_role("button", name="Add template").click()

    expect(page.get_by_role("status")).to_contain_text("Added the template")
    templates = page.locator("#templates")
    expect(templates).to_contain_text("Mon, Wed, Fri at 9:30 AM")
    template = Template.objects.get(client=jane)
    assert template.weekdays == [0, 2, 4]

    # Apply it for the next four weeks (the dialog's defaults).
    templates.get_by_role("link", name=re.compile("^Apply")).click()
    dialog = page.get_by_role("dialog", name="Apply template")
    expect(dialog).to_be_visible()
    today = timezone.localdate()
    expect(dialog.get_by_label("From")).to_have_value(today.isoformat())
    expect(dialog.get_by_label("To")).to_have_value((today + timedelta(weeks=4)).isoformat())
    dialog.get_by_role("button", name="Apply").click()

    dates = expected_visits({0, 2, 4}, time(9, 30))
    expect(page.get_by_role("status")).to_contain_text(
        f"Created {len(dates)} visits; 0 already existed."
    )
    made = ScheduledEvent.objects.filter(template=template)
    assert sorted(made.values_list("occurrence_date", flat=True)) == dates
    assert set(made.values_list("sitter", flat=True)) == {sam.pk}

    # On the profile: the next ten of them, with the total.
    upcoming = page.locator("#upcoming")
    expect(upcoming.get_by_role("heading")).to_have_text(f"Upcoming services {len(dates)}")
    expect(upcoming.locator("tbody tr")).to_have_count(min(len(dates), 10))
    expect(upcoming.locator("tbody tr").first).to_contain_text("9:30 AM")

    # On the week view: next week holds three of them, Monday, Wednesday and
    # Friday, in Sam's row.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week of")
    page.get_by_role("link", name="Next week").click()
    sams = page.get_by_role("row", name=re.compile("^Sam Patel"))
    janes = sams.get_by_role("link", name="9:30am Jane Cooper")
    expect(janes).to_have_count(3)
    cells = sams.get_by_role("cell")
    for offset in range(7):
        expected = 1 if offset in (0, 2, 4) else 0
        expect(cells.nth(offset).get_by_role("link", name="9:30am Jane Cooper")).to_have_count(
            expected
        )
    monday = today + timedelta(days=7 - today.weekday())
    expect(page.locator(f"#day-{monday.isoformat()}")).to_contain_text("1 visit")

    # Make Inactive with both options: exactly the visits still to come go.
    page.goto(f"{live_server.url}{jane.get_absolute_url()}")
    page.get_by_role("button", name="Quick Actions").click()
    page.get_by_role("menuitem", name="Make Inactive").click()
    dialog = page.get_by_role("dialog", name="Make Inactive")
    expect(
        dialog.get_by_role("checkbox", name="Delete all future scheduled services")
    ).to_be_checked()
    expect(dialog.get_by_role("checkbox", name="Delete templates")).to_be_checked()
    dialog.get_by_role("button", name="Make Inactive").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Jane Cooper is now inactive. Removed {len(dates)} upcoming services and 1 template."
    )
    expect(page.get_by_text("No upcoming services.")).to_be_visible()
    expect(page.get_by_text("No recurring templates.")).to_be_visible()
    expect(page.get_by_role("link", name="Add template")).to_have_count(0)

    assert set(ScheduledEvent.objects.filter(client=jane).values_list("pk", flat=True)) == (
        jane.kept_event_ids
    )
    assert not Template.objects.filter(client=jane).exists()
    assert page.console_errors == []


def test_add_a_visit_without_javascript(page_without_js, live_server, sign_in, jane, sam):
    page = page_without_js
    factories.ServiceTypeFactory(name="30 min dog walk")
    factories.InactiveClientFactory(name="Old Timer")
    sign_in(page)
    page.goto(f"{live_server.url}/schedule/visits/add/")

    page.get_by_label("Find a client").fill("jane")
    page.get_by_role("button", name="Search").click()
    choices = page.get_by_role("list", name="Clients")
    expect(choices.get_by_role("link", name=re.compile("Jane Cooper"))).to_have_count(1)
    page.get_by_label("Find a client").fill("old timer")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No active client matches “old timer”")).to_be_visible()
    page.get_by_label("Find a client").fill("jane")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Jane Cooper")).click()

    expect(page.get_by_text("Jane Cooper")).to_be_visible()
    day = timezone.localdate() + timedelta(days=2)
    page.get_by_label("Service").select_option(label="30 min dog walk · 30 min")
    page.get_by_role("checkbox", name=re.compile("Biscuit")).check()
    page.locator("#id_sitter").select_option(label="Sam Patel")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Starts at").fill("14:00")
    page.get_by_role("button", name="Add visit").click()

    expect(page).to_have_url(re.compile(rf"/schedule/day/{day.isoformat()}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Scheduled 30 min dog walk for Jane Cooper on"
    )
    expect(page.locator(".day-visit", has_text="Jane Cooper")).to_contain_text("2:00 PM")
    event = ScheduledEvent.objects.get(client=jane, sitter=sam)
    assert event.sitter == sam
    assert event.ends_at - event.starts_at == timedelta(minutes=30)


def test_the_add_visit_picker_searches_as_you_type(page, live_server, sign_in, jane):
    factories.ClientFactory(name="Jack Sprat")
    factories.PetFactory(client=jane, name="Waffles")
    sign_in(page)
    page.goto(f"{live_server.url}/schedule/visits/add/")
    choices = page.get_by_role("list", name="Clients")
    expect(choices.get_by_role("link")).to_have_count(2)

    page.get_by_label("Find a client").press_sequentially("waff")

    expect(choices.get_by_role("link")).to_have_count(1)
    expect(choices.get_by_role("link")).to_contain_text("Jane Cooper")
    expect(page).to_have_url(re.compile(r"/schedule/visits/add/$"))  # no reload
    choices.get_by_role("link", name=re.compile("Jane Cooper")).click()
    expect(page.get_by_role("heading", name="Add visit")).to_be_visible()
    expect(page.get_by_label("Service")).to_be_visible()
    assert page.console_errors == []


def busy_week(sam):
    """This week: Sam has six visits on Monday (more than a cell shows), one
    on Wednesday and a request on Sunday; one request is unassigned; one
    visit was canceled."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    tz = timezone.get_default_timezone()
    owners = [
        factories.ClientFactory(name=name)
        for name in ("Bartholomew Featherstonehaugh", "Jo Li", "Ann Lee")
    ]
    owners.append(factories.InactiveClientFactory(name="Old Timer"))

    def at(day, hour, **fields):
        starts = timezone.make_aware(datetime.combine(monday + timedelta(days=day), time(hour)), tz)
        return factories.ScheduledEventFactory(
            starts_at=starts, ends_at=starts + timedelta(minutes=30), **fields
        )

    for n in range(6):
        at(0, 8 + n, client=owners[n % 4], sitter=sam)
    at(2, 9, client=owners[0], sitter=sam)
    at(3, 10, client=owners[1], status=EventStatus.REQUESTED)
    at(4, 11, client=owners[2], sitter=sam, status=EventStatus.CANCELED)
    # A long name in the last column, with words only a screen reader gets.
    at(6, 12, client=owners[0], sitter=sam, status=EventStatus.REQUESTED)
    return monday


def test_the_week_is_a_sitter_by_day_board_on_a_laptop_and_a_card_per_sitter_on_a_phone(
    new_page, live_server, sign_in, sam, axe
):
    monday = busy_week(sam)
    laptop = new_page()
    sign_in(laptop)
    laptop.goto(f"{live_server.url}/schedule/week/")
    board = laptop.get_by_role("table")
    expect(board.get_by_role("columnheader")).to_have_count(8)  # Sitter, then 7 days
    expect(board.get_by_role("rowheader")).to_have_text(
        [re.compile("^Unassigned"), re.compile("^Sam Patel")]
    )
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scroll
    # One-line cards: every visit is one line high, however long the name.
    cards = board.locator(".wb-visit a")
    # Monday's first four, Wednesday, Sunday, the unassigned request.
    expect(cards).to_have_count(4 + 1 + 1 + 1)
    assert {round(cards.nth(n).bounding_box()["height"]) for n in range(7)} == {24}
    # The canceled visit is folded away, and the summary says how to see it.
    expect(laptop.locator(".schedule-summary")).to_contain_text("9 visits · 2 requests to confirm")
    expect(laptop.get_by_role("link", name="Show 1 completed or canceled")).to_be_visible()
    assert axe(laptop) == []

    # "+2 more" opens Monday for Sam: all six, grouped under Sam.
    more = board.get_by_role("link", name=f"+2 more for Sam on {monday:%A, %B} {monday.day}")
    more.click()
    expect(laptop).to_have_url(re.compile(rf"/schedule/day/{monday.isoformat()}/\?sitter={sam.pk}"))
    expect(laptop.get_by_role("heading", level=3)).to_have_text([re.compile("Sam Patel")])
    expect(laptop.locator(".day-visit")).to_have_count(6)
    assert axe(laptop) == []

    phone = new_page(viewport={"width": 375, "height": 812}, is_mobile=True)
    sign_in(phone, email="phone@example.com")
    phone.goto(f"{live_server.url}/schedule/week/")
    rows = phone.locator(".week-board tbody tr")
    boxes = [rows.nth(n).bounding_box() for n in range(2)]
    assert boxes[0]["x"] == boxes[1]["x"] and boxes[0]["y"] < boxes[1]["y"]  # stacked
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Only the days with visits, each labelled with its date.
    expect(rows.nth(1).locator(".wb-cell:visible")).to_have_count(3)
    assert axe(phone) == []
    phone.goto(f"{live_server.url}/schedule/day/{monday.isoformat()}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe(phone) == []


def test_closing_a_visit_dialog_returns_focus_to_the_button_that_opened_it(
    page, live_server, sign_in, jane
):
    visit = factories.ScheduledEventFactory(client=jane)
    sign_in(page)
    page.goto(f"{live_server.url}/schedule/visits/{visit.pk}/")
    opener = page.get_by_role("link", name="Cancel visit")
    opener.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()

    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    visit.refresh_from_db()
    assert visit.status == EventStatus.SCHEDULED
