"""The client portal's pages of a signed-in client (portal.views): dashboard,
request a service, own profile, through Django's test client as a client uses
them; what a stale session of a client made inactive may still do (nothing),
and who may open the pages (docs/design.md, "The client portal" and "Locked
out")."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import time_format

from clients.services import deactivate_client
from scheduling.models import EventPet, EventStatus, ScheduledEvent
from tests import factories, helpers
from tests.helpers import NEW_YORK, days_ahead, html_of, rendered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business")]

DASHBOARD = "/portal/"
REQUEST = "/portal/request/"
PROFILE = "/portal/profile/"
PROFILE_EDIT = "/portal/profile/edit/"
PORTAL_PAGES = [DASHBOARD, REQUEST, PROFILE, PROFILE_EDIT]
BUSINESS = "Happy Tails Pet Care"
EN_DASH = "\N{EN DASH}"
UNAVAILABLE = f"This email can&#x27;t be used. Choose another or contact {BUSINESS}."


@pytest.fixture
def business(business_in_new_york, settings):
    """The business the portal's pages name, in New York."""
    settings.BUSINESS_NAME = BUSINESS


@pytest.fixture
def portal(client, login):
    """Django's test client signed in as Jordan, a client."""
    client.force_login(login)
    return client


@pytest.fixture
def someone_else(roles):
    """Another client, whose data Jordan must never see or touch."""
    other = factories.ClientFactory(name="Taylor Stone", email="taylor@example.com")
    pet = factories.PetFactory(client=other, name="Rex")
    factories.ScheduledEventFactory(
        client=other,
        service_type=factories.ServiceTypeFactory(name="Puppy visit"),
        starts_at=days_ahead(2, time(15)),
    ).pets.add(pet)
    return other


def visit(client, *, days=3, at=time(9), **kwargs):
    """A visit of ``client`` ``days`` from today at ``at``."""
    return helpers.visit(client, days_ahead(days, at), **kwargs)


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def pet(client, name):
    return client.pets.get(name=name)


# --- Dashboard ---------------------------------------------------------------------


def test_dashboard_greets_the_client_by_first_name_with_its_pets(portal, jordan):
    response = portal.get(DASHBOARD)

    page = rendered(response, "portal/dashboard.html")
    assert "Hello, Jordan</h1>" in page
    assert "<strong>Biscuit</strong>" in page
    assert "Dog · Beagle" in page
    assert "<strong>Mochi</strong>" in page
    assert f'href="{REQUEST}"' in page


def test_dashboard_shows_each_visit_with_date_time_service_sitter_and_status(portal, jordan):
    sitter = factories.SitterFactory(
        first_name="Alex", last_name="Morgan", email="alex.morgan@example.com"
    )
    walk = factories.ServiceTypeFactory(name="60 min dog walk", duration=timedelta(hours=1))
    starts_at = days_ahead(3, time(9, 15))
    event = factories.ScheduledEventFactory(
        client=jordan,
        service_type=walk,
        sitter=sitter,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    event.pets.add(pet(jordan, "Biscuit"))

    page = html_of(portal.get(DASHBOARD))

    assert "60 min dog walk" in page
    assert f"{starts_at:%A, %B} {starts_at.day}" in page
    assert f"9:15 AM{EN_DASH}10:15 AM" in page
    assert "Biscuit · with Alex" in page
    assert '<span class="badge badge-scheduled">Scheduled</span>' in page
    # The sitter's first name only.
    assert "Morgan" not in page
    assert "alex.morgan@example.com" not in page


def test_dashboard_shows_times_in_the_business_time_zone(settings, portal, jordan):
    settings.TIME_ZONE = "America/Los_Angeles"
    starts_at = datetime.combine(timezone.localdate() + timedelta(days=4), time(17, 0), tzinfo=UTC)
    factories.ScheduledEventFactory(client=jordan, starts_at=starts_at)
    pacific = timezone.localtime(starts_at, ZoneInfo("America/Los_Angeles"))
    new_york = timezone.localtime(starts_at, NEW_YORK)

    page = html_of(portal.get(DASHBOARD))

    assert (
        f"{time_format(pacific, 'g:i A')}{EN_DASH}" in page
    )  # 10:00 AM in summer, 9:00 AM in winter
    assert f"{time_format(new_york, 'g:i A')}{EN_DASH}" not in page
    assert f"5:00 PM{EN_DASH}" not in page


def test_dashboard_marks_the_visits_of_today_and_tomorrow(portal, jordan):
    visit(jordan, days=1, at=time(10), service_type=factories.ServiceTypeFactory(name="Walk B"))
    visit(jordan, days=2, at=time(10), service_type=factories.ServiceTypeFactory(name="Walk C"))

    page = html_of(portal.get(DASHBOARD))

    assert '<span class="visit-soon">Tomorrow</span>' in page
    assert page.count('class="visit-soon"') == 1


def test_dashboard_never_shows_a_sitters_email_for_a_sitter_without_first_name(portal, jordan):
    sitter = factories.SitterFactory(first_name="", last_name="", email="nameless@example.com")
    visit(jordan, sitter=sitter)

    page = html_of(portal.get(DASHBOARD))

    assert "with your sitter" in page
    assert "nameless@example.com" not in page


def test_dashboard_shows_a_requested_visit_as_waiting_for_confirmation(portal, jordan):
    visit(jordan, status=EventStatus.REQUESTED)

    page = html_of(portal.get(DASHBOARD))

    assert '<span class="badge badge-requested">Requested — waiting for confirmation</span>' in page
    assert "Sitter to be confirmed" in page


def test_dashboard_leaves_out_past_canceled_and_completed_visits(portal, jordan):
    for status in (EventStatus.CANCELED, EventStatus.COMPLETED):
        visit(jordan, status=status, service_type=factories.ServiceTypeFactory(name=status.label))
    visit(jordan, days=-2, service_type=factories.ServiceTypeFactory(name="Last week's walk"))

    response = portal.get(DASHBOARD)

    page = html_of(response)
    for name in ("Canceled", "Completed", "Last week&#x27;s walk"):
        assert name not in page
    assert response.context["dashboard"].upcoming_total == 0


def test_dashboard_shows_only_the_clients_own_visits_and_pets(portal, jordan, someone_else):
    visit(jordan, service_type=factories.ServiceTypeFactory(name="Drop-in visit (cat)"))

    response = portal.get(DASHBOARD)

    page = html_of(response)
    assert "Drop-in visit (cat)" in page
    assert "Puppy visit" not in page
    assert "Rex" not in page
    assert "Taylor" not in page
    dashboard = response.context["dashboard"]
    assert {e.client_id for e in dashboard.upcoming} == {jordan.pk}
    assert {p.client_id for p in dashboard.pets} == {jordan.pk}


def test_dashboard_without_visits_says_so_and_offers_to_request_one(portal, someone_else):
    page = html_of(portal.get(DASHBOARD))

    assert "No upcoming visits" in page
    assert page.count(f'href="{REQUEST}"') >= 2  # the header's button and the empty state's
    assert 'class="visit-list"' not in page


def test_dashboard_of_a_client_without_pets_says_how_to_add_them(client, roles):
    login = factories.ClientLoginFactory(first_name="Sam")
    client.force_login(login)

    page = html_of(client.get(DASHBOARD))

    assert "No pets on file yet" in page


@pytest.mark.parametrize("visits", [3, 60])
def test_dashboard_costs_the_same_queries_whatever_the_number_of_visits(
    portal, jordan, django_assert_num_queries, visits
):
    sitter = factories.SitterFactory()
    biscuit, mochi = pet(jordan, "Biscuit"), pet(jordan, "Mochi")
    for n in range(visits):
        visit(jordan, days=1 + n // 4, at=time(8 + n % 4), sitter=sitter).pets.add(biscuit, mochi)

    # Session, user (with its client), visits, their pets, the total, the pets.
    with django_assert_num_queries(6):
        response = portal.get(DASHBOARD)

    dashboard = response.context["dashboard"]
    assert len(dashboard.upcoming) == min(visits, 20)
    assert dashboard.upcoming_total == visits
    if visits > 20:
        assert "Showing your next 20 of 60 upcoming visits." in html_of(response)


def test_dashboard_shows_the_next_20_visits_soonest_first(portal, jordan):
    events = [visit(jordan, days=days) for days in range(25, 0, -1)]

    upcoming = portal.get(DASHBOARD).context["dashboard"].upcoming

    soonest = sorted(events, key=lambda e: e.starts_at)[:20]
    assert [e.pk for e in upcoming] == [e.pk for e in soonest]


# --- Request a service -------------------------------------------------------------


def request_data(jordan, walk, **overrides) -> dict:
    data = {
        "service_type": str(walk.pk),
        "pets": [str(pet(jordan, "Biscuit").pk)],
        "date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "time": "09:30",
        "note": "The key is under the mat.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_request_page_shows_the_offered_services_and_the_clients_own_pets(
    portal, jordan, walk, someone_else
):
    factories.ServiceTypeFactory(name="Pet taxi", is_active=False)
    factories.ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=14))

    response = portal.get(REQUEST)

    page = rendered(response, "portal/request_service.html")
    assert "30 min dog walk" in page
    assert "Puppy visit" in page
    assert "Pet taxi" not in page  # archived
    assert "Overnight stay" in page  # starts within opening hours, ends the next day
    for name in ("Biscuit", "Mochi"):
        pk = pet(jordan, name).pk
        assert re.search(
            rf'<input type="checkbox" name="pets" value="{pk}"[^>]*id="(id_pets_\d)"', page
        )
        assert f"<strong>{name}</strong>" in page
    assert "Rex" not in page
    assert 'type="date"' in page and 'type="time"' in page
    assert "We visit from 7:00 AM to 8:00 PM" in page


def test_request_page_labels_each_pet_checkbox(portal, jordan, walk):
    page = html_of(portal.get(REQUEST))

    for checkbox_id in re.findall(r'<input type="checkbox" name="pets"[^>]*id="([^"]+)"', page):
        assert f'<label class="choice-card" for="{checkbox_id}">' in page


def test_requesting_a_service_creates_a_requested_visit_and_thanks_the_client(portal, jordan, walk):
    day = timezone.localdate() + timedelta(days=2)
    biscuit, mochi = pet(jordan, "Biscuit"), pet(jordan, "Mochi")

    response = portal.post(
        REQUEST, request_data(jordan, walk, pets=[str(biscuit.pk), str(mochi.pk)])
    )

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    event = ScheduledEvent.objects.get()
    assert event.client == jordan
    assert event.status == EventStatus.REQUESTED
    assert event.sitter is None
    assert event.service_type == walk
    assert timezone.localtime(event.starts_at) == days_ahead(2, time(9, 30))
    assert event.ends_at - event.starts_at == timedelta(minutes=30)
    assert event.notes == "The key is under the mat."
    assert set(event.pets.all()) == {biscuit, mochi}

    dashboard = portal.get(DASHBOARD)
    expected = (
        f"Thanks! Your request for 30 min dog walk on {day:%A, %B} {day.day} at 9:30 AM "
        f"was sent to {BUSINESS}. We&#x27;ll confirm it soon."
    )
    assert expected in html_of(dashboard)
    assert "Requested — waiting for confirmation" in html_of(dashboard)


def test_a_request_without_a_note_is_fine(portal, jordan, walk):
    response = portal.post(REQUEST, request_data(jordan, walk, note=None))

    assert response.status_code == 302
    assert ScheduledEvent.objects.get().notes == ""


def past_moment() -> dict:
    an_hour_ago = timezone.localtime() - timedelta(hours=1)
    return {"date": an_hour_ago.date().isoformat(), "time": an_hour_ago.strftime("%H:%M")}


BAD_REQUESTS = {
    "past-date": (
        lambda j, w: {"date": (timezone.localdate() - timedelta(days=1)).isoformat()},
        "date",
        "Choose a date and time in the future.",
    ),
    "past-time": (lambda j, w: past_moment(), "date", "Choose a date and time in the future."),
    "before-opening": (
        lambda j, w: {"time": "06:30"},
        "time",
        "Choose a start time within our opening hours, 7:00 AM to 8:00 PM.",
    ),
    "at-closing": (
        lambda j, w: {"time": "20:00"},
        "time",
        "Choose a start time within our opening hours, 7:00 AM to 8:00 PM.",
    ),
    "someone-elses-pet": (
        lambda j, w: {"pets": [str(factories.PetFactory(name="Rex").pk)]},
        "pets",
        "You can only request visits for your own pets.",
    ),
    "own-and-someone-elses-pet": (
        lambda j, w: {"pets": [str(pet(j, "Biscuit").pk), str(factories.PetFactory().pk)]},
        "pets",
        "You can only request visits for your own pets.",
    ),
    "malformed-pet-id": (
        lambda j, w: {"pets": ["biscuit"]},
        "pets",
        "You can only request visits for your own pets.",
    ),
    "no-pet": (lambda j, w: {"pets": None}, "pets", "Choose at least one pet."),
    "unknown-service-type": (
        lambda j, w: {"service_type": "987654"},
        "service_type",
        "Choose one of the services listed.",
    ),
    "archived-service-type": (
        lambda j, w: {
            "service_type": str(factories.ServiceTypeFactory(name="Taxi", is_active=False).pk)
        },
        "service_type",
        "Choose one of the services listed.",
    ),
    "no-service-type": (lambda j, w: {"service_type": None}, "service_type", "Choose a service."),
    "malformed-date": (lambda j, w: {"date": "next friday"}, "date", "Enter a date like"),
    "impossible-date": (lambda j, w: {"date": "2031-02-30"}, "date", "Enter a date like"),
    "malformed-time": (lambda j, w: {"time": "25:99"}, "time", "Enter a time like 09:30."),
    "no-date": (lambda j, w: {"date": None}, "date", "Choose a date."),
    "note-too-long": (lambda j, w: {"note": "x" * 1001}, "note", "at most 1000 characters"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_a_bad_request_shows_the_form_again_with_the_field_error_and_writes_nothing(
    portal, jordan, walk, case
):
    overrides, field, message = case

    response = portal.post(REQUEST, request_data(jordan, walk, **overrides(jordan, walk)))

    assert response.status_code == 400
    assert "portal/request_service.html" in template_names(response)
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message.replace("'", "&#x27;") in html_of(response)
    assert "Please check the fields marked below; nothing was sent yet." in html_of(response)
    assert not ScheduledEvent.objects.exists()
    assert not EventPet.objects.exists()


def test_a_refused_request_keeps_what_the_client_entered(portal, jordan, walk):
    response = portal.post(REQUEST, request_data(jordan, walk, time="06:30", note="Hello Rex"))

    page = html_of(response)
    assert re.search(rf'value="{walk.pk}"[^>]*checked', page)
    assert re.search(rf'value="{pet(jordan, "Biscuit").pk}"[^>]*checked', page)
    assert 'value="06:30"' in page
    assert "Hello Rex</textarea>" in page


def test_an_empty_post_is_a_400_with_every_required_field_marked(portal, jordan, walk):
    response = portal.post(REQUEST, {})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"service_type", "pets", "date", "time"}
    assert not ScheduledEvent.objects.exists()


def test_the_request_form_of_a_client_without_pets_says_whom_to_contact(client, roles, settings):
    settings.BUSINESS_NAME = "Waggy Walks"
    settings.BUSINESS_PHONE = "(555) 123-0000"
    login = factories.ClientLoginFactory(client__name="Petless")
    client.force_login(login)
    page = client.get(REQUEST).content.decode()
    assert (
        "We don&#x27;t have your pets on file yet. Contact Waggy Walks at (555) 123-0000 "
        "to add them." in page
    )


# --- Profile -----------------------------------------------------------------------


def test_profile_shows_the_clients_contact_details_and_links_to_edit_and_password(portal):
    response = portal.get(PROFILE)

    page = rendered(response, "portal/profile.html")
    assert "Jordan Reyes" in page
    assert "jordan@example.com" in page
    assert "(555) 010-4477" in page
    assert "12 Elm Street<br>Springfield" in page
    assert f'href="{PROFILE_EDIT}"' in page
    assert f'href="{reverse("portal:password_change")}"' in page


def test_profile_edit_shows_the_form_filled_in(portal):
    response = portal.get(PROFILE_EDIT)

    page = rendered(response, "portal/profile_edit.html")
    assert 'value="Jordan Reyes"' in page
    assert 'value="jordan@example.com"' in page
    assert 'value="(555) 010-4477"' in page
    assert "12 Elm Street\nSpringfield</textarea>" in page


def profile_data(**overrides) -> dict:
    data = {
        "name": "Jordan Reyes-Park",
        "email": "jordan@example.com",
        "phone": "(555) 010-9999",
        "address": "99 Oak Avenue\r\nSpringfield",
        "current_password": factories.DEFAULT_PASSWORD,
    }
    data.update(overrides)
    return data


def test_editing_the_profile_saves_the_details(portal, jordan, login):
    response = portal.post(PROFILE_EDIT, profile_data())

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    jordan.refresh_from_db()
    assert (jordan.name, jordan.email, jordan.phone, jordan.phone_digits, jordan.address) == (
        "Jordan Reyes-Park",
        "jordan@example.com",
        "(555) 010-9999",
        "5550109999",
        "99 Oak Avenue\nSpringfield",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your details are saved."]
    assert "Jordan Reyes-Park" in html_of(portal.get(PROFILE))


def test_changing_the_email_needs_the_current_password(portal, jordan, login):
    for password in ("", "not the password"):
        response = portal.post(
            PROFILE_EDIT, profile_data(email="jordan.new@example.com", current_password=password)
        )
        assert response.status_code == 400
        assert "Enter your current password to change your email." in html_of(response)
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert (jordan.email, login.email) == ("jordan@example.com", "jordan@example.com")


def test_changing_the_email_tells_the_old_address_and_ends_the_apps_sign_ins(
    portal, jordan, login, django_capture_on_commit_callbacks
):
    from django.core import mail

    from api.tokens import issue_token, verify_token

    token = issue_token(user=login)
    with django_capture_on_commit_callbacks(execute=True):
        portal.post(PROFILE_EDIT, profile_data(email="jordan.new@example.com"))

    assert [m.to for m in mail.outbox] == [["jordan@example.com"]]
    assert "was changed to jordan.new@example.com" in mail.outbox[0].body
    assert verify_token(token.token) is None


def test_changing_the_email_changes_the_sign_in_email_too(portal, jordan, login):
    response = portal.post(PROFILE_EDIT, profile_data(email="  Jordan.New@Example.COM "))

    assert response.status_code == 302
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert jordan.email == "jordan.new@example.com"
    assert login.email == "jordan.new@example.com"
    # Still signed in: the session survives an email change.
    assert portal.get(PROFILE).status_code == 200


@pytest.mark.parametrize("other_is_active", [True, False], ids=["active", "inactive"])
def test_an_email_of_another_client_is_refused_without_naming_that_client(
    portal, jordan, login, other_is_active
):
    factory = factories.ClientFactory if other_is_active else factories.InactiveClientFactory
    factory(name="Taylor Stone", email="taylor@example.com")

    response = portal.post(PROFILE_EDIT, profile_data(email="Taylor@example.com"))

    assert response.status_code == 400
    page = html_of(response)
    assert UNAVAILABLE in page
    assert "Taylor Stone" not in page
    assert "inactive" not in page.lower()
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert (jordan.name, jordan.email, login.email) == (
        "Jordan Reyes",
        "jordan@example.com",
        "jordan@example.com",
    )


def test_an_email_of_a_staff_login_is_refused_the_same_way(portal, jordan, login):
    factories.SitterFactory(email="sam.sitter@example.com")

    response = portal.post(PROFILE_EDIT, profile_data(email="sam.sitter@example.com"))

    assert response.status_code == 400
    assert UNAVAILABLE in html_of(response)
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert (jordan.email, login.email) == ("jordan@example.com", "jordan@example.com")


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"name": ""}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"phone": "5" * 41}, "phone"),
    ],
    ids=["no-name", "no-email", "malformed-email", "long-name", "long-phone"],
)
def test_bad_profile_input_is_a_400_with_the_field_marked_and_changes_nothing(
    portal, jordan, overrides, field
):
    response = portal.post(PROFILE_EDIT, profile_data(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "nothing was saved yet" in html_of(response)
    jordan.refresh_from_db()
    assert jordan.name == "Jordan Reyes"


def test_a_second_login_of_the_household_changing_the_email_moves_no_ones_sign_in(
    client, jordan, login
):
    """Only the acting login's own sign-in email may move; the partner changes
    the household's contact email, the owner still signs in as before."""
    partner = factories.ClientLoginFactory(client=jordan, email="alex.reyes@example.com")
    client.force_login(partner)

    client.post(PROFILE_EDIT, profile_data(email="reyes.family@example.com"))

    jordan.refresh_from_db()
    login.refresh_from_db()
    partner.refresh_from_db()
    assert jordan.email == "reyes.family@example.com"
    assert login.email == "jordan@example.com"
    assert partner.email == "alex.reyes@example.com"


# --- Stale sessions of a client made inactive --------------------------------------


def test_a_service_request_from_the_session_of_a_client_made_inactive_changes_nothing(
    portal, jordan, walk, office_manager
):
    data = request_data(jordan, walk)
    deactivate_client(jordan, actor=office_manager)

    response = portal.post(REQUEST, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/portal/signin/")
    assert not ScheduledEvent.objects.exists()
    signin = portal.get(response["Location"])
    assert "Your account is no longer active." in html_of(signin)


def test_a_profile_edit_from_the_session_of_a_client_made_inactive_changes_nothing(
    portal, jordan, login, office_manager
):
    deactivate_client(jordan, actor=office_manager)

    response = portal.post(PROFILE_EDIT, profile_data(email="jordan.new@example.com"))

    assert response.status_code == 302
    assert response["Location"].startswith("/portal/signin/")
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert (jordan.name, jordan.email, login.email) == (
        "Jordan Reyes",
        "jordan@example.com",
        "jordan@example.com",
    )


def test_a_request_that_loses_the_race_with_make_inactive_signs_the_client_out(
    portal, jordan, walk, office_manager, monkeypatch
):
    """Made inactive after the session was checked but before the request was
    saved: the service refuses under the lock, and the client is signed out."""
    from portal import views as portal_views

    real_request_visit = portal_views.request_visit

    def made_inactive_meanwhile(client, **kwargs):
        deactivate_client(client, actor=office_manager)
        return real_request_visit(client, **kwargs)

    monkeypatch.setattr(portal_views, "request_visit", made_inactive_meanwhile)

    response = portal.post(REQUEST, request_data(jordan, walk))

    assert response.status_code == 302
    assert response["Location"] == "/portal/signin/"
    assert not ScheduledEvent.objects.exists()
    assert "Your account is no longer active." in html_of(portal.get(response["Location"]))
    assert portal.get(DASHBOARD)["Location"].startswith("/portal/signin/")


def test_a_profile_edit_that_loses_the_race_with_make_inactive_signs_the_client_out(
    portal, jordan, login, office_manager, monkeypatch
):
    from portal import views as portal_views

    real_update_own_details = portal_views.services.update_own_details

    def made_inactive_meanwhile(user, **changes):
        deactivate_client(jordan, actor=office_manager)
        return real_update_own_details(user, **changes)

    monkeypatch.setattr(portal_views.services, "update_own_details", made_inactive_meanwhile)

    response = portal.post(PROFILE_EDIT, profile_data(email="jordan.new@example.com"))

    assert response.status_code == 302
    assert response["Location"] == "/portal/signin/"
    jordan.refresh_from_db()
    login.refresh_from_db()
    assert (jordan.name, jordan.email, login.email) == (
        "Jordan Reyes",
        "jordan@example.com",
        "jordan@example.com",
    )


# --- Who may open the portal's pages -----------------------------------------------


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_the_portal_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/portal/signin/?next={url}"


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_staff_get_a_403_that_points_them_to_the_staff_side(client, office_manager, url):
    client.force_login(office_manager)

    response = client.get(url)

    assert response.status_code == 403
    page = html_of(response)
    assert "You're signed in as staff" in page
    assert 'href="/clients/"' in page


@pytest.mark.parametrize("url", [REQUEST, PROFILE_EDIT])
def test_staff_cannot_post_to_the_portal(client, office_manager, walk, url):
    client.force_login(office_manager)

    response = client.post(url, profile_data())

    assert response.status_code == 403
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "method,url",
    [
        ("post", DASHBOARD),
        ("post", PROFILE),
        ("put", REQUEST),
        ("delete", REQUEST),
        ("patch", PROFILE_EDIT),
        ("delete", DASHBOARD),
    ],
)
def test_other_methods_get_405(portal, method, url):
    response = getattr(portal, method)(url)

    assert response.status_code == 405


@pytest.mark.parametrize("url", [REQUEST, PROFILE_EDIT])
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(jordan, login, walk, url):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(login)
    data = request_data(jordan, walk) if url == REQUEST else profile_data(name="Changed")

    response = browser.post(url, data)

    assert response.status_code == 403
    assert "This form has expired" in html_of(response)
    assert not ScheduledEvent.objects.exists()
    jordan.refresh_from_db()
    assert jordan.name == "Jordan Reyes"


def test_a_post_with_the_csrf_token_of_the_page_works(jordan, login, walk):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(login)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', html_of(browser.get(REQUEST))
    ).group(1)

    response = browser.post(REQUEST, {**request_data(jordan, walk), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ScheduledEvent.objects.filter(client=jordan).count() == 1


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_portal_pages_keep_to_the_strict_content_security_policy(portal, walk, url):
    response = portal.get(url)

    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    page = html_of(response)
    assert "<style" not in page
    assert " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    assert "hx-on" not in page
