"""The staff screens of the schedule, through Django's test client: the day and
week views, visits and their actions, templates on the profile, service types."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from scheduling.models import EventPet, EventStatus, ScheduledEvent, ServiceType, Template
from tests import factories

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
HTMX = {"HX-Request": "true"}
# A fixed week far enough ahead never to be "past", Monday to Sunday.
MONDAY = date(2030, 6, 3)
INACTIVE = "is inactive. Re-Activate the client to schedule services."


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def week_url(day=MONDAY):
    return reverse("scheduling:week", args=[day])


def day_url(day=MONDAY):
    return reverse("scheduling:day", args=[day])


def html_of(response) -> str:
    return response.content.decode()


def visit(client, starts_at, *, pets=(), minutes=30, **kwargs):
    event = factories.ScheduledEventFactory(
        client=client,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        **kwargs,
    )
    if pets:
        event.pets.add(*pets)
    return event


def nothing_written():
    """What a refused form could have written, to compare before and after."""
    return (
        ScheduledEvent.objects.count(),
        EventPet.objects.count(),
        Template.objects.count(),
        ServiceType.objects.count(),
    )


@pytest.fixture(autouse=True)
def business_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def jane():
    return factories.ClientFactory(name="Jane Cooper")


@pytest.fixture
def biscuit(jane):
    return factories.PetFactory(client=jane, name="Biscuit")


@pytest.fixture
def luna(jane):
    return factories.PetFactory(client=jane, name="Luna")


@pytest.fixture
def walk():
    return factories.ServiceTypeFactory(name="30 min dog walk", duration=timedelta(minutes=30))


@pytest.fixture
def sam(sitter):
    sitter.first_name, sitter.last_name = "Sam", "Patel"
    sitter.save()
    return sitter


@pytest.fixture
def riley(roles):
    return factories.SitterFactory(email="riley@example.com", first_name="Riley", last_name="Kim")


@pytest.fixture
def sitter_client(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def gone():
    """An inactive client who kept a visit and a request (Make Inactive with
    "Delete all future scheduled services" unchecked)."""
    return factories.InactiveClientFactory(name="Old Timer")


# --- Who may see what ------------------------------------------------------------------


def staff_pages(event, template, service_type):
    return [
        reverse("scheduling:index"),
        reverse("scheduling:schedule"),
        week_url(),
        reverse("scheduling:today"),
        day_url(),
        reverse("scheduling:visit", args=[event.pk]),
        reverse("scheduling:visit_add"),
        reverse("scheduling:visit_edit", args=[event.pk]),
        reverse("scheduling:visit_cancel", args=[event.pk]),
        reverse("scheduling:visit_complete", args=[event.pk]),
        reverse("scheduling:visit_confirm", args=[event.pk]),
        reverse("scheduling:visit_decline", args=[event.pk]),
        reverse("scheduling:template_add", args=[template.client_id]),
        reverse("scheduling:template_edit", args=[template.pk]),
        reverse("scheduling:template_remove", args=[template.pk]),
        reverse("scheduling:template_apply", args=[template.pk]),
        reverse("scheduling:service_types"),
        reverse("scheduling:service_type_add"),
        reverse("scheduling:service_type_edit", args=[service_type.pk]),
    ]


def test_anonymous_visitors_of_every_schedule_page_go_to_the_sign_in(client, jane, walk):
    event = visit(jane, at(MONDAY, 9))
    template = factories.TemplateFactory(client=jane, service_type=walk)
    for url in staff_pages(event, template, walk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/?next="), url


def test_a_client_login_gets_a_403_on_every_schedule_page(client, roles, jane, walk):
    event = visit(jane, at(MONDAY, 9))
    template = factories.TemplateFactory(client=jane, service_type=walk)
    client.force_login(factories.ClientLoginFactory(client=jane))
    for url in staff_pages(event, template, walk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'href="/portal/signin/"' in html_of(response), url


def test_a_sitter_may_not_add_edit_cancel_confirm_or_decline_visits(
    sitter_client, jane, biscuit, walk, sam
):
    scheduled = visit(jane, at(MONDAY, 9), pets=[biscuit], sitter=sam)
    requested = visit(jane, at(MONDAY, 11), pets=[biscuit], status=EventStatus.REQUESTED)
    before = nothing_written()
    refused = [
        reverse("scheduling:visit_add") + f"?client={jane.pk}",
        reverse("scheduling:visit_edit", args=[scheduled.pk]),
        reverse("scheduling:visit_cancel", args=[scheduled.pk]),
        reverse("scheduling:visit_confirm", args=[requested.pk]),
        reverse("scheduling:visit_decline", args=[requested.pk]),
    ]
    data = {
        "service_type": walk.pk,
        "pets": [biscuit.pk],
        "date": "2030-06-04",
        "start_time": "10:00",
    }
    for url in refused:
        assert sitter_client.get(url).status_code == 403, url
        assert sitter_client.post(url, data).status_code == 403, url
    assert nothing_written() == before
    scheduled.refresh_from_db()
    requested.refresh_from_db()
    assert (scheduled.status, requested.status) == (EventStatus.SCHEDULED, EventStatus.REQUESTED)


def test_a_sitter_may_not_manage_templates_or_service_types(sitter_client, jane, biscuit, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    before = nothing_written()
    for url in [
        reverse("scheduling:template_add", args=[jane.pk]),
        reverse("scheduling:template_edit", args=[template.pk]),
        reverse("scheduling:template_remove", args=[template.pk]),
        reverse("scheduling:template_apply", args=[template.pk]),
        reverse("scheduling:service_type_add"),
        reverse("scheduling:service_type_edit", args=[walk.pk]),
    ]:
        assert sitter_client.get(url).status_code == 403, url
        assert sitter_client.post(url, {"name": "X"}).status_code == 403, url
    assert sitter_client.get(reverse("scheduling:service_types")).status_code == 403
    for url in [
        reverse("scheduling:service_type_archive", args=[walk.pk]),
        reverse("scheduling:service_type_unarchive", args=[walk.pk]),
    ]:
        assert sitter_client.post(url).status_code == 403, url
    assert nothing_written() == before
    walk.refresh_from_db()
    assert walk.is_active
    assert Template.objects.filter(pk=template.pk).exists()


def test_the_sidebar_offers_service_types_only_to_those_who_manage_them(
    manager_client, client, sam
):
    link = f'href="{reverse("scheduling:service_types")}"'
    assert link in html_of(manager_client.get(reverse("scheduling:schedule")))
    client.force_login(sam)
    assert link not in html_of(client.get(reverse("scheduling:schedule")))


# --- The week and the day ---------------------------------------------------------------


def test_schedule_goes_to_this_weeks_view(manager_client):
    response = manager_client.get(reverse("scheduling:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:schedule")
    this_week = manager_client.get(reverse("scheduling:schedule"))
    assert this_week.status_code == 200
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert this_week.context["period"].first_day == monday


def test_week_view_shows_every_visit_of_the_week_in_any_status(
    manager_client, jane, biscuit, luna, walk, sam
):
    shown = [
        visit(jane, at(MONDAY, 8, 15), pets=[biscuit, luna], sitter=sam),
        visit(jane, at(MONDAY + timedelta(days=2), 10), status=EventStatus.REQUESTED),
        visit(jane, at(MONDAY + timedelta(days=4), 14), status=EventStatus.COMPLETED),
        visit(jane, at(MONDAY + timedelta(days=6), 23, 30), status=EventStatus.CANCELED),
    ]
    # Sunday 23:59 in New York is Monday in UTC; Monday 00:00 is the next week.
    before = visit(jane, at(MONDAY - timedelta(days=1), 23, 59))
    after = visit(jane, at(MONDAY + timedelta(days=7), 0, 0))

    response = manager_client.get(week_url())

    assert response.status_code == 200
    assert "scheduling/week.html" in [t.name for t in response.templates]
    html = html_of(response)
    assert "Week of Jun 3 \N{EN DASH} 9, 2030" in html
    for event in shown:
        assert f'href="{reverse("scheduling:visit", args=[event.pk])}"' in html
    for event in (before, after):
        assert f'href="{reverse("scheduling:visit", args=[event.pk])}"' not in html
    assert html.count('<section class="week-day') == 7
    assert "8:15 AM" in html and "Biscuit, Luna" in html and "30 min dog walk" in html
    assert '<span class="visit-card-sitter">Sam</span>' in html
    assert "Patel" not in html.split('class="week-grid"')[1]  # the first name only
    for label in ("Scheduled", "Requested", "Completed", "Canceled"):
        assert f">{label}</span>" in html
    assert "4 visits · " in html and "1 request to confirm" in html


def test_week_view_of_a_day_that_is_not_a_monday_goes_to_that_weeks_monday(manager_client):
    response = manager_client.get(week_url(MONDAY + timedelta(days=3)) + "?status=requested")
    assert response.status_code == 302
    assert response["Location"] == week_url(MONDAY) + "?status=requested"


def test_day_view_shows_that_days_visits_in_the_business_time_zone(
    manager_client, jane, biscuit, walk
):
    late = visit(jane, at(MONDAY, 23, 30), pets=[biscuit])  # Tuesday in UTC
    next_day = visit(jane, at(MONDAY + timedelta(days=1), 0, 30))

    response = manager_client.get(day_url())

    assert response.status_code == 200
    assert "scheduling/day.html" in [t.name for t in response.templates]
    html = html_of(response)
    assert "Monday, June 3, 2030" in html
    assert f'href="{reverse("scheduling:visit", args=[late.pk])}"' in html
    assert f'href="{reverse("scheduling:visit", args=[next_day.pk])}"' not in html
    assert "11:30 PM" in html and "to 12:00 AM" in html


def test_day_view_without_a_date_is_today(manager_client):
    response = manager_client.get(reverse("scheduling:today"))
    assert response.status_code == 200
    assert response.context["period"].first_day == timezone.localdate()
    assert 'aria-current="date"' in html_of(response)


def test_previous_next_and_today_links_keep_the_filters(manager_client, sam):
    response = manager_client.get(day_url() + f"?sitter={sam.pk}&status=scheduled")
    html = html_of(response)
    query = f"sitter={sam.pk}&amp;status=scheduled"
    assert f'href="{day_url(MONDAY - timedelta(days=1))}?{query}" rel="prev"' in html
    assert f'href="{day_url(MONDAY + timedelta(days=1))}?{query}" rel="next"' in html
    assert f'href="{day_url(timezone.localdate())}?{query}"' in html
    week = html_of(manager_client.get(week_url() + "?status=requested"))
    assert f'href="{week_url(MONDAY - timedelta(weeks=1))}?sitter=all&amp;status=requested"' in (
        week
    )
    assert f'href="{week_url(MONDAY + timedelta(weeks=1))}?sitter=all&amp;status=requested"' in (
        week
    )


def test_filters_by_sitter_unassigned_and_status(manager_client, jane, sam, riley):
    sams = visit(jane, at(MONDAY, 9), sitter=sam)
    rileys = visit(jane, at(MONDAY, 10), sitter=riley, status=EventStatus.COMPLETED)
    nobodys = visit(jane, at(MONDAY, 11), status=EventStatus.REQUESTED)

    def shown(query):
        html = html_of(manager_client.get(day_url() + query))
        return {
            event
            for event in (sams, rileys, nobodys)
            if f'href="{reverse("scheduling:visit", args=[event.pk])}"' in html
        }

    assert shown("") == {sams, rileys, nobodys}
    assert shown("?sitter=all") == {sams, rileys, nobodys}
    assert shown(f"?sitter={sam.pk}") == {sams}
    assert shown("?sitter=none") == {nobodys}
    assert shown("?status=completed") == {rileys}
    assert shown(f"?sitter={riley.pk}&status=scheduled") == set()


def test_a_sitter_sees_their_own_schedule_first_and_can_switch_to_all(
    sitter_client, jane, sam, riley
):
    mine = visit(jane, at(MONDAY, 9), sitter=sam)
    theirs = visit(jane, at(MONDAY, 10), sitter=riley)

    html = html_of(sitter_client.get(day_url()))
    assert f'href="{reverse("scheduling:visit", args=[mine.pk])}"' in html
    assert f'href="{reverse("scheduling:visit", args=[theirs.pk])}"' not in html
    assert re.search(rf'<option value="{sam.pk}" selected>Sam Patel</option>', html)
    assert "Add visit" not in html

    html = html_of(sitter_client.get(day_url() + "?sitter=all"))
    assert f'href="{reverse("scheduling:visit", args=[theirs.pk])}"' in html


def test_go_to_date_opens_that_day_or_its_week(manager_client):
    response = manager_client.get(day_url() + "?date=2030-07-04&status=scheduled")
    assert response.status_code == 302
    assert response["Location"] == day_url(date(2030, 7, 4)) + "?sitter=all&status=scheduled"
    response = manager_client.get(week_url() + "?date=2030-07-04")
    assert response["Location"] == week_url(date(2030, 7, 1)) + "?sitter=all"


@pytest.mark.parametrize(
    "url", ["/schedule/day/2030-02-30/", "/schedule/week/2030-13-01/", "/schedule/day/0001-01-01/"]
)
def test_a_date_that_does_not_exist_is_a_404(manager_client, url):
    assert manager_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query,message",
    [
        ("?sitter=999999", "Choose a sitter from the list."),
        ("?sitter=abc", "Choose a sitter from the list."),
        ("?status=lost", "Choose a status from the list."),
        ("?date=2030-02-30", "Enter a date like 2030-06-21."),
        ("?date=tomorrow", "Enter a date like 2030-06-21."),
    ],
)
def test_bad_filters_are_refused_with_a_clear_error_and_the_defaults(
    manager_client, jane, query, message
):
    event = visit(jane, at(MONDAY, 9))
    response = manager_client.get(day_url() + query)
    assert response.status_code == 400
    html = html_of(response)
    assert message in html
    assert f'href="{reverse("scheduling:visit", args=[event.pk])}"' in html


def test_schedule_pages_answer_only_get(manager_client):
    for url in (reverse("scheduling:index"), week_url(), day_url()):
        assert manager_client.post(url).status_code == 405, url


def test_the_inactive_client_badge_shows_on_the_day_week_profile_and_visit(
    manager_client, jane, gone
):
    kept = visit(gone, timezone.now() + timedelta(days=1))
    mine = visit(jane, timezone.now() + timedelta(days=1, hours=1))
    local = timezone.localdate(kept.starts_at)
    badge = '<span class="badge badge-inactive">Inactive client</span>'
    for url in (
        day_url(local),
        week_url(local - timedelta(days=local.weekday())),
        reverse("scheduling:visit", args=[kept.pk]),
        reverse("clients:upcoming", args=[gone.pk]),
    ):
        assert html_of(manager_client.get(url)).count(badge) == 1, url
    assert badge in html_of(manager_client.get(gone.get_absolute_url()))
    assert badge not in html_of(manager_client.get(jane.get_absolute_url()))
    assert badge not in html_of(manager_client.get(reverse("scheduling:visit", args=[mine.pk])))


@pytest.mark.parametrize("visits", [1, 40])
def test_the_week_view_costs_the_same_number_of_queries_however_many_visits(
    manager_client, django_assert_num_queries, visits, sam, riley
):
    _many_visits(visits, sam, riley)
    # session, user, permissions (2), sitters for the filter, visits, their pets.
    with django_assert_num_queries(7):
        assert manager_client.get(week_url()).status_code == 200


@pytest.mark.parametrize("visits", [1, 40])
def test_the_day_view_costs_the_same_number_of_queries_however_many_visits(
    manager_client, django_assert_num_queries, visits, sam, riley
):
    _many_visits(visits, sam, riley, days=1)
    with django_assert_num_queries(7):
        assert manager_client.get(day_url()).status_code == 200


def _many_visits(count, *sitters, days=7):
    """``count`` visits spread over the week, each with two pets, some of them
    of inactive clients, so every relation the page shows is there."""
    walk = factories.ServiceTypeFactory()
    clients = [factories.ClientFactory(), factories.InactiveClientFactory()]
    pets = {c.pk: factories.PetFactory.create_batch(2, client=c) for c in clients}
    for n in range(count):
        owner = clients[n % 2]
        visit(
            owner,
            at(MONDAY + timedelta(days=n % days), 8 + n % 10, 0),
            pets=pets[owner.pk],
            service_type=walk,
            sitter=sitters[n % len(sitters)],
            status=EventStatus.values[n % 4],
        )


# --- A visit -----------------------------------------------------------------------------


def test_visit_page_shows_the_visit_and_what_office_staff_may_do(
    manager_client, jane, biscuit, sam
):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], sitter=sam, notes="Gate code 1234")
    response = manager_client.get(reverse("scheduling:visit", args=[event.pk]))
    assert response.status_code == 200
    assert "scheduling/visit_detail.html" in [t.name for t in response.templates]
    html = html_of(response)
    when = "9:00 AM\N{EN DASH}9:30 AM"
    for text in ("Jane Cooper", "Biscuit", "Sam Patel", "Gate code 1234", when):
        assert text in html
    for button in (">Edit visit</a>", ">Cancel visit</a>", ">Mark completed</a>"):
        assert button in html
    assert ">Confirm</a>" not in html and ">Decline</a>" not in html
    cancel = reverse("scheduling:visit_cancel", args=[event.pk])
    assert re.search(rf'<a class="[^"]*" href="{cancel}\?next=[^"]+" hx-get="{cancel}', html)


def test_visit_page_of_an_unknown_visit_is_a_404(manager_client):
    assert manager_client.get(reverse("scheduling:visit", args=[999999])).status_code == 404


def test_a_sitter_sees_a_visit_but_no_office_actions(sitter_client, jane, sam):
    future = visit(jane, timezone.now() + timedelta(days=1), sitter=sam)
    html = html_of(sitter_client.get(reverse("scheduling:visit", args=[future.pk])))
    assert ">Edit visit</a>" not in html and ">Cancel visit</a>" not in html
    assert ">Mark completed</a>" not in html  # not started yet
    started = visit(jane, timezone.now() - timedelta(minutes=10), sitter=sam)
    html = html_of(sitter_client.get(reverse("scheduling:visit", args=[started.pk])))
    assert ">Mark completed</a>" in html


# --- Add visit ---------------------------------------------------------------------------


def add_url(client=None, **params):
    url = reverse("scheduling:visit_add")
    query = {**({"client": client.pk} if client else {}), **params}
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def visit_data(pet_list, service, **changes):
    return {
        "service_type": service.pk,
        "pets": [pet.pk for pet in pet_list],
        "sitter": "",
        "date": "2030-06-04",
        "start_time": "10:00",
        "end_time": "",
        "notes": "",
        **changes,
    }


def test_add_visit_first_asks_for_an_active_client(manager_client, jane, gone):
    response = manager_client.get(reverse("scheduling:visit_add"))
    assert response.status_code == 200
    assert "scheduling/visit_form.html" in [t.name for t in response.templates]
    html = html_of(response)
    assert f'<option value="{jane.pk}">Jane Cooper</option>' in html
    assert "Old Timer" not in html
    assert '<form method="get"' in html and ">Continue</button>" in html


def test_add_visit_from_a_day_carries_that_day_through_the_client_picker(manager_client, jane):
    html = html_of(manager_client.get(add_url(date="2030-06-04")))
    assert '<input type="hidden" name="date" value="2030-06-04">' in html
    html = html_of(manager_client.get(add_url(jane, date="2030-06-04")))
    assert 'name="date" value="2030-06-04"' in html
    response = manager_client.get(add_url(jane, date="2030-02-30"))
    assert response.status_code == 400
    assert "Date: Enter a date like 2030-06-21." in html_of(response)


def test_add_visit_for_a_client_offers_that_clients_pets_and_active_services(
    manager_client, jane, biscuit, luna, walk, sam
):
    other = factories.PetFactory(name="Stranger")
    archived = factories.ServiceTypeFactory(name="Old service", is_active=False)
    response = manager_client.get(add_url(jane, date="2030-06-04"))
    assert response.status_code == 200
    html = html_of(response)
    assert "Jane Cooper" in html
    assert "Biscuit" in html and "Luna" in html and "Stranger" not in html
    assert "30 min dog walk · 30 min" in html and archived.name not in html
    assert f'<option value="{sam.pk}">Sam Patel</option>' in html
    assert 'value="2030-06-04"' in html
    assert ">Add visit</button>" in html
    assert other.client.name not in html


def test_add_visit_schedules_it_and_ends_after_the_services_length(
    manager_client, jane, biscuit, luna, walk, sam, office_manager
):
    data = visit_data([biscuit, luna], walk, sitter=sam.pk, notes="Side gate\r\nThanks")
    response = manager_client.post(add_url(jane), data)

    assert response.status_code == 302
    assert response["Location"] == day_url(date(2030, 6, 4))
    event = ScheduledEvent.objects.get()
    assert (event.client, event.service_type, event.sitter) == (jane, walk, sam)
    assert event.status == EventStatus.SCHEDULED
    assert event.starts_at == at(date(2030, 6, 4), 10)
    assert event.ends_at == at(date(2030, 6, 4), 10, 30)
    assert set(event.pets.all()) == {biscuit, luna}
    assert event.notes == "Side gate\nThanks"
    page = html_of(manager_client.get(response["Location"]))
    assert "Scheduled 30 min dog walk for Jane Cooper on Tue, Jun 4 at 10:00 AM." in page


def test_add_visit_with_an_end_time_and_back_to_where_it_started(
    manager_client, jane, biscuit, walk
):
    data = visit_data([biscuit], walk, end_time="11:15", next=jane.get_absolute_url())
    response = manager_client.post(add_url(jane), data)
    assert response["Location"] == jane.get_absolute_url()
    assert ScheduledEvent.objects.get().ends_at == at(date(2030, 6, 4), 11, 15)


def test_add_visit_never_redirects_to_another_site(manager_client, jane, biscuit, walk):
    data = visit_data([biscuit], walk, next="https://evil.example/")
    response = manager_client.post(add_url(jane), data)
    assert response["Location"] == day_url(date(2030, 6, 4))


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"end_time": "09:30"}, "end_time", "The visit must end after it starts."),
        ({"end_time": "10:00"}, "end_time", "The visit must end after it starts."),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"pets": ["999999"]}, "pets", "Choose pets of this client only."),
        ({"pets": ["abc"]}, "pets", "Choose pets of this client only."),
        ({"service_type": "999999"}, "service_type", "Choose one of the services offered."),
        ({"service_type": ""}, "service_type", "Choose a service."),
        ({"sitter": "999999"}, "sitter", "Choose a sitter from the list."),
        ({"date": "2030-02-30"}, "date", "Enter a date like 2030-06-21."),
        ({"date": "June 4th"}, "date", "Enter a date like 2030-06-21."),
        ({"start_time": "25:00"}, "start_time", "Enter a time like 09:30."),
        ({"start_time": ""}, "start_time", "Choose a time."),
    ],
)
def test_add_visit_refuses_bad_input_with_a_clear_error_and_writes_nothing(
    manager_client, jane, biscuit, walk, changes, field, message
):
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit], walk, **changes))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in html_of(response)
    assert "nothing was saved" in html_of(response)
    assert nothing_written() == before


def test_add_visit_refuses_pets_of_another_client(manager_client, jane, biscuit, walk):
    stranger = factories.PetFactory(name="Stranger")
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit, stranger], walk))
    assert response.status_code == 400
    assert "Choose pets of this client only." in html_of(response)
    assert nothing_written() == before


def test_add_visit_refuses_a_sitter_who_is_not_staff_in_a_scheduling_role(
    manager_client, jane, biscuit, walk
):
    login = factories.ClientLoginFactory()
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit], walk, sitter=login.pk))
    assert response.status_code == 400
    assert "Choose a sitter from the list." in html_of(response)
    assert nothing_written() == before


@pytest.mark.parametrize("client_id", ["999999", "abc", ""])
def test_add_visit_for_an_unknown_client_is_refused(manager_client, walk, client_id):
    before = nothing_written()
    url = reverse("scheduling:visit_add") + f"?client={client_id}"
    for response in (manager_client.get(url), manager_client.post(url, {"service_type": walk.pk})):
        assert response.status_code == 400
        assert response.context["form"] is None
        assert re.search(r"Choose a client( from the list)?\.", html_of(response))
    assert nothing_written() == before


def test_add_visit_post_without_a_client_is_refused(manager_client, jane, biscuit, walk):
    before = nothing_written()
    response = manager_client.post(reverse("scheduling:visit_add"), visit_data([biscuit], walk))
    assert response.status_code == 400
    assert "Choose a client." in html_of(response)
    assert nothing_written() == before


def test_add_visit_for_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    pet = factories.PetFactory(client=gone)
    before = nothing_written()
    for response in (
        manager_client.get(add_url(gone)),
        manager_client.post(add_url(gone), visit_data([pet], walk)),
    ):
        assert response.status_code == 400
        assert f"Old Timer {INACTIVE}" in html_of(response)
        assert response.context["form"] is None
    assert nothing_written() == before


def test_an_overlap_is_warned_about_and_scheduled_anyway_when_ticked(
    manager_client, jane, biscuit, walk, sam
):
    other = factories.ClientFactory(name="Henry Walsh")
    busy = visit(other, at(date(2030, 6, 4), 9, 45), sitter=sam, service_type=walk)
    data = visit_data([biscuit], walk, sitter=sam.pk)

    response = manager_client.post(add_url(jane), data)

    assert response.status_code == 200
    html = html_of(response)
    assert "Sam Patel already has 1 visit at that time:" in html
    assert f'href="{reverse("scheduling:visit", args=[busy.pk])}"' in html
    assert "Henry Walsh" in html
    assert '<label for="id_allow_overlap">Schedule anyway</label>' in html
    assert ScheduledEvent.objects.count() == 1

    response = manager_client.post(add_url(jane), {**data, "allow_overlap": "on"})
    assert response.status_code == 302
    assert ScheduledEvent.objects.filter(client=jane, sitter=sam).count() == 1


def test_add_visit_needs_a_csrf_token(jane, biscuit, walk, office_manager):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    response = browser.post(add_url(jane), visit_data([biscuit], walk))
    assert response.status_code == 403
    assert "This form has expired" in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_add_visit_answers_only_get_and_post(manager_client):
    assert manager_client.put(reverse("scheduling:visit_add")).status_code == 405


# --- Edit visit --------------------------------------------------------------------------


def test_edit_visit_shows_the_client_without_a_way_to_change_it(
    manager_client, jane, biscuit, walk, sam
):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], sitter=sam, service_type=walk)
    response = manager_client.get(reverse("scheduling:visit_edit", args=[event.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert "Jane Cooper" in html and 'name="client"' not in html
    assert 'value="2030-06-03"' in html and 'value="09:00"' in html
    assert re.search(rf'value="{biscuit.pk}"[^>]*checked', html)
    assert ">Save changes</button>" in html


def test_edit_visit_moves_it_and_keeps_its_length_and_client(
    manager_client, jane, biscuit, luna, walk, sam
):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], sitter=sam, service_type=walk, minutes=45)
    other = factories.ClientFactory()
    data = visit_data([luna], walk, sitter=sam.pk, date="2030-06-05", start_time="14:00")
    data["client"] = other.pk  # ignored: a visit never moves to another client

    response = manager_client.post(reverse("scheduling:visit_edit", args=[event.pk]), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.client == jane
    assert event.starts_at == at(date(2030, 6, 5), 14)
    assert event.ends_at == at(date(2030, 6, 5), 14, 45)
    assert list(event.pets.all()) == [luna]


def test_edit_visit_refuses_end_before_start_and_changes_nothing(
    manager_client, jane, biscuit, walk
):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], service_type=walk)
    data = visit_data([biscuit], walk, date="2030-06-03", start_time="11:00", end_time="10:00")
    response = manager_client.post(reverse("scheduling:visit_edit", args=[event.pk]), data)
    assert response.status_code == 400
    assert "The visit must end after it starts." in html_of(response)
    event.refresh_from_db()
    assert event.starts_at == at(MONDAY, 9)


def test_edit_visit_of_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    pet = factories.PetFactory(client=gone)
    event = visit(gone, at(MONDAY, 9), pets=[pet], service_type=walk)
    assert ">Edit visit</a>" not in html_of(
        manager_client.get(reverse("scheduling:visit", args=[event.pk]))
    )
    response = manager_client.post(
        reverse("scheduling:visit_edit", args=[event.pk]),
        visit_data([pet], walk, start_time="15:00"),
    )
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    event.refresh_from_db()
    assert event.starts_at == at(MONDAY, 9)


def test_edit_of_a_canceled_visit_is_refused(manager_client, jane, biscuit, walk):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], status=EventStatus.CANCELED)
    response = manager_client.post(
        reverse("scheduling:visit_edit", args=[event.pk]), visit_data([biscuit], walk)
    )
    assert response.status_code == 400
    assert "This visit is already canceled; nothing was changed." in html_of(response)


# --- Cancel, complete, confirm, decline -------------------------------------------------


def action_url(name, event, next_url=None):
    url = reverse(f"scheduling:visit_{name}", args=[event.pk])
    return f"{url}?next={next_url}" if next_url else url


def test_cancel_asks_first_as_a_dialog_or_a_page(manager_client, jane, biscuit):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit])
    dialog = manager_client.get(action_url("cancel", event), headers=HTMX)
    assert dialog.status_code == 200
    assert html_of(dialog).lstrip().startswith("<dialog")
    assert dialog.headers["HX-Retarget"] == "#dialog-slot"
    assert "HX-Request" in dialog.headers["Vary"]
    assert f'hx-post="{action_url("cancel", event)}"' in html_of(dialog)
    page = manager_client.get(action_url("cancel", event))
    assert "<html" in html_of(page) and "<dialog" not in html_of(page)
    assert ">Cancel visit</button>" in html_of(page) and ">Keep visit</a>" in html_of(page)
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_cancel_cancels_and_says_so(manager_client, jane, biscuit):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit])
    response = manager_client.post(action_url("cancel", event), {"next": day_url()})
    assert response.status_code == 302
    assert response["Location"] == day_url()
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELED
    assert "Canceled 30 min dog walk for Jane Cooper on Mon, Jun 3 at 9:00 AM." in html_of(
        manager_client.get(day_url())
    )


def test_cancel_through_htmx_reloads_the_page_it_came_from(manager_client, jane):
    event = visit(jane, at(MONDAY, 9))
    response = manager_client.post(action_url("cancel", event), {"next": day_url()}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == day_url()


def test_cancel_of_a_visit_already_canceled_says_so_and_changes_nothing(manager_client, jane):
    event = visit(jane, at(MONDAY, 9), status=EventStatus.COMPLETED)
    response = manager_client.post(action_url("cancel", event), follow=True)
    assert "This visit is already completed; nothing was changed." in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED


def test_cancel_needs_a_csrf_token_and_a_post(jane, office_manager, manager_client):
    event = visit(jane, at(MONDAY, 9))
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    assert browser.post(action_url("cancel", event)).status_code == 403
    assert manager_client.put(action_url("cancel", event)).status_code == 405
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_office_staff_and_the_inactive_clients_kept_visits_can_be_canceled_and_completed(
    manager_client, gone
):
    kept = visit(gone, at(MONDAY, 9))
    other = visit(gone, at(MONDAY, 11))
    manager_client.post(action_url("cancel", kept))
    manager_client.post(action_url("complete", other))
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.status, other.status) == (EventStatus.CANCELED, EventStatus.COMPLETED)


def test_a_sitter_marks_their_own_started_visit_completed(sitter_client, jane, sam):
    event = visit(jane, timezone.now() - timedelta(minutes=20), sitter=sam)
    assert sitter_client.get(action_url("complete", event)).status_code == 200
    response = sitter_client.post(action_url("complete", event), follow=True)
    assert "Marked completed: 30 min dog walk for Jane Cooper" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED


def test_a_sitter_may_not_complete_a_visit_not_theirs_or_not_started(
    sitter_client, jane, sam, riley
):
    not_started = visit(jane, timezone.now() + timedelta(hours=2), sitter=sam)
    not_theirs = visit(jane, timezone.now() - timedelta(hours=1), sitter=riley)
    unassigned = visit(jane, timezone.now() - timedelta(hours=1))
    for event in (not_started, not_theirs, unassigned):
        assert sitter_client.post(action_url("complete", event)).status_code == 403
        event.refresh_from_db()
        assert event.status == EventStatus.SCHEDULED


def test_confirm_a_request_with_a_sitter(manager_client, jane, biscuit, sam):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit], status=EventStatus.REQUESTED)
    detail = html_of(manager_client.get(reverse("scheduling:visit", args=[event.pk])))
    assert ">Confirm</a>" in detail and ">Decline</a>" in detail
    assert ">Cancel visit</a>" not in detail and ">Mark completed</a>" not in detail
    page = html_of(manager_client.get(action_url("confirm", event)))
    assert f'<option value="{sam.pk}">Sam Patel</option>' in page

    response = manager_client.post(action_url("confirm", event), {"sitter": sam.pk}, follow=True)

    event.refresh_from_db()
    assert (event.status, event.sitter) == (EventStatus.SCHEDULED, sam)
    assert "Confirmed 30 min dog walk for Jane Cooper" in html_of(response)


def test_confirm_warns_about_an_overlap_and_confirms_anyway_when_ticked(manager_client, jane, sam):
    visit(factories.ClientFactory(), at(MONDAY, 9, 15), sitter=sam)
    event = visit(jane, at(MONDAY, 9), status=EventStatus.REQUESTED)

    response = manager_client.post(action_url("confirm", event), {"sitter": sam.pk}, headers=HTMX)

    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith("<dialog")
    assert "Sam Patel already has 1 visit at that time:" in html
    assert ">Schedule anyway</label>" in html
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED

    manager_client.post(action_url("confirm", event), {"sitter": sam.pk, "allow_overlap": "on"})
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_confirm_refuses_an_unknown_sitter(manager_client, jane):
    event = visit(jane, at(MONDAY, 9), status=EventStatus.REQUESTED)
    response = manager_client.post(action_url("confirm", event), {"sitter": "999999"})
    assert response.status_code == 400
    assert "Choose a sitter from the list." in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED


def test_an_inactive_clients_request_can_be_declined_but_not_confirmed(manager_client, gone):
    event = visit(gone, at(MONDAY, 9), status=EventStatus.REQUESTED)
    detail = html_of(manager_client.get(reverse("scheduling:visit", args=[event.pk])))
    assert ">Confirm</a>" not in detail and ">Decline</a>" in detail
    assert f"Old Timer {INACTIVE}" in detail
    assert f"Old Timer {INACTIVE}" in html_of(manager_client.get(action_url("confirm", event)))

    response = manager_client.post(action_url("confirm", event), follow=True)
    assert f"Old Timer {INACTIVE}" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED

    response = manager_client.post(action_url("decline", event), follow=True)
    assert "Declined 30 min dog walk for Old Timer" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELED


def test_decline_of_a_scheduled_visit_is_refused_with_a_message(manager_client, jane):
    event = visit(jane, at(MONDAY, 9))
    response = manager_client.post(action_url("decline", event), follow=True)
    assert "This visit is already confirmed: cancel it instead." in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


# --- Templates on the profile -----------------------------------------------------------


def template_data(pet_list, service, **changes):
    return {
        "service_type": service.pk,
        "sitter": "",
        "pets": [pet.pk for pet in pet_list],
        "weekdays": ["0", "2", "4"],
        "time_of_day": "09:30",
        "first_date": "2030-06-03",
        "last_date": "",
        **changes,
    }


def test_the_profile_offers_add_apply_edit_and_remove_for_an_active_client(
    manager_client, jane, walk
):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    html = html_of(manager_client.get(jane.get_absolute_url()))
    assert f'href="{reverse("scheduling:template_add", args=[jane.pk])}">Add template</a>' in html
    for name in ("template_apply", "template_edit", "template_remove"):
        assert f'href="{reverse(f"scheduling:{name}", args=[template.pk])}"' in html
    assert f'hx-get="{reverse("scheduling:template_apply", args=[template.pk])}"' in html
    add_visit = f'href="{reverse("scheduling:visit_add")}?client={jane.pk}'
    assert html.count(add_visit) == 2  # Quick Actions and Upcoming services


def test_the_profile_of_an_inactive_client_offers_no_add_template_apply_or_add_visit(
    manager_client, gone, walk
):
    template = factories.TemplateFactory(client=gone, service_type=walk)
    html = html_of(manager_client.get(gone.get_absolute_url()))
    assert ">Add template</a>" not in html
    assert reverse("scheduling:template_apply", args=[template.pk]) not in html
    assert reverse("scheduling:visit_add") not in html
    assert f'href="{reverse("scheduling:template_remove", args=[template.pk])}"' in html


def test_a_sitter_sees_templates_without_their_actions(sitter_client, jane, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    html = html_of(sitter_client.get(jane.get_absolute_url()))
    assert ">Add template</a>" not in html
    assert reverse("scheduling:template_remove", args=[template.pk]) not in html


def test_add_template_form_offers_the_clients_pets_and_seven_days(
    manager_client, jane, biscuit, walk
):
    factories.PetFactory(name="Stranger")
    response = manager_client.get(reverse("scheduling:template_add", args=[jane.pk]))
    assert response.status_code == 200
    assert "scheduling/template_form.html" in [t.name for t in response.templates]
    html = html_of(response)
    assert "Biscuit" in html and "Stranger" not in html
    for n, day in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]):
        assert re.search(
            rf'<input type="checkbox" name="weekdays" value="{n}"[^>]*><span>{day}', html
        )
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert ">Add template</button>" in html


def test_add_template_creates_it_and_says_so(manager_client, jane, biscuit, walk, sam):
    data = template_data([biscuit], walk, sitter=sam.pk, last_date="2030-12-31")
    response = manager_client.post(reverse("scheduling:template_add", args=[jane.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == jane.get_absolute_url()
    template = Template.objects.get()
    assert (template.client, template.service_type, template.sitter) == (jane, walk, sam)
    assert template.weekdays == [0, 2, 4]
    assert template.time_of_day == time(9, 30)
    assert (template.first_date, template.last_date) == (date(2030, 6, 3), date(2030, 12, 31))
    assert list(template.pets.all()) == [biscuit]
    assert not ScheduledEvent.objects.exists()  # applying makes visits
    page = html_of(manager_client.get(jane.get_absolute_url()))
    assert "Added the template" in page and "Mon, Wed, Fri at 9:30 AM" in page


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"weekdays": []}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": ["7"]}, "weekdays", "Choose days from Mon to Sun."),
        ({"weekdays": ["mon"]}, "weekdays", "Choose days from Mon to Sun."),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"pets": ["999999"]}, "pets", "Choose pets of this client only."),
        ({"service_type": "999999"}, "service_type", "Choose one of the services offered."),
        ({"sitter": "999999"}, "sitter", "Choose a sitter from the list."),
        ({"time_of_day": "9 in the morning"}, "time_of_day", "Enter a time like 09:30."),
        ({"first_date": "2030-02-30"}, "first_date", "Enter a date like 2030-06-21."),
        (
            {"last_date": "2030-06-02"},
            "last_date",
            "The last date cannot be before the first date.",
        ),
    ],
)
def test_add_template_refuses_bad_input_and_writes_nothing(
    manager_client, jane, biscuit, walk, changes, field, message
):
    before = nothing_written()
    response = manager_client.post(
        reverse("scheduling:template_add", args=[jane.pk]),
        template_data([biscuit], walk, **changes),
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert nothing_written() == before


def test_add_template_refuses_pets_of_another_client(manager_client, jane, biscuit, walk):
    stranger = factories.PetFactory()
    before = nothing_written()
    response = manager_client.post(
        reverse("scheduling:template_add", args=[jane.pk]),
        template_data([biscuit, stranger], walk),
    )
    assert response.status_code == 400
    assert "Choose pets of this client only." in html_of(response)
    assert nothing_written() == before


def test_add_template_for_an_inactive_client_is_refused_with_the_message(
    manager_client, gone, walk
):
    pet = factories.PetFactory(client=gone)
    url = reverse("scheduling:template_add", args=[gone.pk])
    page = manager_client.get(url)
    assert f"Old Timer {INACTIVE}" in html_of(page)
    assert '<form method="post"' not in html_of(page).split('id="main"')[1]
    before = nothing_written()
    response = manager_client.post(url, template_data([pet], walk))
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    assert nothing_written() == before


def test_add_template_for_an_unknown_client_is_a_404(manager_client):
    assert manager_client.get(reverse("scheduling:template_add", args=[999999])).status_code == 404


def test_edit_template_changes_it(manager_client, jane, biscuit, luna, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk, weekdays=[0])
    template.pets.add(biscuit)
    url = reverse("scheduling:template_edit", args=[template.pk])
    html = html_of(manager_client.get(url))
    assert re.search(r'name="weekdays" value="0"[^>]*checked', html)
    assert ">Save template</button>" in html

    data = template_data([luna], walk, weekdays=["5", "6"], time_of_day="16:00")
    response = manager_client.post(url, data)

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.weekdays == [5, 6]
    assert template.time_of_day == time(16, 0)
    assert list(template.pets.all()) == [luna]


def test_edit_template_of_an_inactive_client_is_refused_with_the_message(
    manager_client, gone, walk
):
    pet = factories.PetFactory(client=gone)
    template = factories.TemplateFactory(client=gone, service_type=walk, weekdays=[0])
    response = manager_client.post(
        reverse("scheduling:template_edit", args=[template.pk]),
        template_data([pet], walk, weekdays=["3"]),
    )
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    template.refresh_from_db()
    assert template.weekdays == [0]


def test_remove_template_asks_then_removes_it_and_keeps_its_visits(
    manager_client, jane, biscuit, walk
):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    made = visit(jane, at(MONDAY, 9), template=template, occurrence_date=MONDAY)
    url = reverse("scheduling:template_remove", args=[template.pk])

    dialog = manager_client.get(url, headers=HTMX)
    assert html_of(dialog).lstrip().startswith("<dialog")
    assert ">Remove template</button>" in html_of(dialog)
    assert "<html" in html_of(manager_client.get(url))

    response = manager_client.post(url, headers=HTMX)

    assert response.headers["HX-Redirect"] == jane.get_absolute_url()
    assert not Template.objects.exists()
    made.refresh_from_db()
    assert made.template is None
    assert "Visits it already made stay on the schedule." in html_of(
        manager_client.get(jane.get_absolute_url())
    )


def test_remove_template_needs_a_post_with_a_csrf_token(jane, walk, office_manager, manager_client):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    url = reverse("scheduling:template_remove", args=[template.pk])
    assert browser.post(url).status_code == 403
    assert manager_client.delete(url).status_code == 405
    assert Template.objects.exists()


def test_apply_offers_today_to_four_weeks_on(manager_client, jane, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    response = manager_client.get(
        reverse("scheduling:template_apply", args=[template.pk]), headers=HTMX
    )
    html = html_of(response)
    assert html.lstrip().startswith("<dialog")
    today = timezone.localdate()
    assert f'name="start_date" value="{today.isoformat()}"' in html
    assert f'name="end_date" value="{(today + timedelta(weeks=4)).isoformat()}"' in html
    assert ">Apply</button>" in html


def test_apply_creates_the_visits_once_and_says_how_many(manager_client, jane, biscuit, walk):
    template = factories.TemplateFactory(
        client=jane, service_type=walk, weekdays=[0, 2, 4], first_date=MONDAY
    )
    template.pets.add(biscuit)
    url = reverse("scheduling:template_apply", args=[template.pk])
    dates = {"start_date": "2030-06-03", "end_date": "2030-06-16"}

    response = manager_client.post(url, dates, follow=True)

    assert "Created 6 visits; 0 already existed." in html_of(response)
    assert ScheduledEvent.objects.filter(template=template).count() == 6
    response = manager_client.post(url, dates, follow=True)
    assert "Created 0 visits; 6 already existed." in html_of(response)
    assert ScheduledEvent.objects.filter(template=template).count() == 6


def test_apply_warns_when_new_visits_overlap_the_sitters_other_visits(
    manager_client, jane, biscuit, walk, sam
):
    template = factories.TemplateFactory(
        client=jane, service_type=walk, sitter=sam, weekdays=[0], time_of_day=time(9, 0)
    )
    template.pets.add(biscuit)
    visit(factories.ClientFactory(), at(MONDAY, 9, 15), sitter=sam)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]),
        {"start_date": "2030-06-03", "end_date": "2030-06-10"},
        follow=True,
    )
    assert (
        '<p class="message message-warning">Created 2 visits; 0 already existed. '
        "1 of them overlaps another visit of Sam Patel: check the schedule.</p>"
    ) in html_of(response)


@pytest.mark.parametrize(
    "dates,message",
    [
        ({"start_date": "2030-06-10", "end_date": "2030-06-03"}, "cannot be before the start"),
        ({"start_date": "2030-06-03", "end_date": "2031-06-30"}, "at most a year at a time"),
        ({"start_date": "soon", "end_date": "2030-06-03"}, "Enter a date like 2030-06-21."),
        ({"start_date": "2030-06-03"}, "Choose a date."),
    ],
)
def test_apply_refuses_a_bad_range_and_creates_nothing(
    manager_client, jane, biscuit, walk, dates, message
):
    template = factories.TemplateFactory(client=jane, service_type=walk, first_date=MONDAY)
    template.pets.add(biscuit)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]), dates, headers=HTMX
    )
    assert response.status_code == 400
    assert html_of(response).lstrip().startswith("<dialog")
    assert message in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_apply_for_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    template = factories.TemplateFactory(client=gone, service_type=walk, first_date=MONDAY)
    template.pets.add(factories.PetFactory(client=gone))
    url = reverse("scheduling:template_apply", args=[template.pk])
    page = html_of(manager_client.get(url))
    assert f"Old Timer {INACTIVE}" in page and ">Apply</button>" not in page

    response = manager_client.post(
        url, {"start_date": "2030-06-03", "end_date": "2030-06-30"}, follow=True
    )

    assert f"Old Timer {INACTIVE}" in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_apply_of_a_template_with_an_archived_service_says_why(manager_client, jane, biscuit):
    archived = factories.ServiceTypeFactory(name="Old walk", is_active=False)
    template = factories.TemplateFactory(client=jane, service_type=archived, first_date=MONDAY)
    template.pets.add(biscuit)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]),
        {"start_date": "2030-06-03", "end_date": "2030-06-30"},
    )
    assert response.status_code == 400
    assert "Old walk is archived" in html_of(response)
    assert not ScheduledEvent.objects.exists()


# --- Service types ------------------------------------------------------------------------


def test_service_types_lists_offered_then_archived(manager_client, walk):
    factories.ServiceTypeFactory(name="Cat sitting", is_active=False)
    response = manager_client.get(reverse("scheduling:service_types"))
    assert response.status_code == 200
    assert "scheduling/service_types.html" in [t.name for t in response.templates]
    html = html_of(response)
    assert html.index("30 min dog walk") < html.index("Cat sitting")
    assert ">Offered</span>" in html and ">Archived</span>" in html
    assert "$25.00" in html and "30 min" in html
    assert ">Add service type</a>" in html


def test_add_service_type(manager_client):
    response = manager_client.post(
        reverse("scheduling:service_type_add"),
        {"name": "  Overnight   stay ", "duration_minutes": "720", "price": "95.50"},
    )
    assert response.status_code == 302
    service = ServiceType.objects.get()
    assert (service.name, service.duration, service.price) == (
        "Overnight stay",
        timedelta(hours=12),
        Decimal("95.50"),
    )
    assert service.is_active


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "30 min dog walk"}, "name", "A service type with this name already exists."),
        ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 5"),
        ({"duration_minutes": "abc"}, "duration_minutes", "Enter a whole number."),
        ({"price": "-1"}, "price", "The price can't be negative."),
        ({"price": "cheap"}, "price", "Enter a number."),
    ],
)
def test_add_service_type_refuses_bad_input(manager_client, walk, data, field, message):
    before = nothing_written()
    payload = {"name": "Cat visit", "duration_minutes": "30", "price": "20", **data}
    response = manager_client.post(reverse("scheduling:service_type_add"), payload)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert nothing_written() == before


def test_edit_service_type(manager_client, walk):
    url = reverse("scheduling:service_type_edit", args=[walk.pk])
    assert 'value="30"' in html_of(manager_client.get(url))
    response = manager_client.post(
        url, {"name": "45 min dog walk", "duration_minutes": "45", "price": "30"}
    )
    assert response.status_code == 302
    walk.refresh_from_db()
    assert (walk.name, walk.duration, walk.price) == ("45 min dog walk", timedelta(minutes=45), 30)


def test_archive_and_unarchive_a_service_type_never_delete_it(manager_client, jane, walk):
    booked = visit(jane, at(MONDAY, 9), service_type=walk)
    archive = reverse("scheduling:service_type_archive", args=[walk.pk])
    assert manager_client.get(archive).status_code == 405

    response = manager_client.post(archive, follow=True)

    assert "Archived “30 min dog walk”" in html_of(response)
    walk.refresh_from_db()
    assert not walk.is_active
    booked.refresh_from_db()
    assert booked.service_type == walk
    assert "30 min dog walk" not in html_of(manager_client.get(add_url(jane)))

    manager_client.post(reverse("scheduling:service_type_unarchive", args=[walk.pk]))
    walk.refresh_from_db()
    assert walk.is_active


def test_archive_needs_a_csrf_token(walk, office_manager):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    assert (
        browser.post(reverse("scheduling:service_type_archive", args=[walk.pk])).status_code == 403
    )
    walk.refresh_from_db()
    assert walk.is_active


def test_schedule_pages_carry_no_inline_script_or_style(manager_client, jane, biscuit, walk):
    event = visit(jane, at(MONDAY, 9), pets=[biscuit])
    template = factories.TemplateFactory(client=jane, service_type=walk)
    for url in staff_pages(event, template, walk):
        response = manager_client.get(url, follow=True)
        html = html_of(response)
        assert " style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "hx-on" not in html, url
        assert not re.search(r"<script[^>]*>[^<]+</script>", html), url


def test_the_visit_form_of_a_client_without_pets_says_so(manager_client, walk):
    petless = factories.ClientFactory(name="No Pets Yet")
    response = manager_client.get(f"/schedule/visits/add/?client={petless.pk}")
    assert response.status_code == 200
    assert (
        "No Pets Yet has no pets on file. Add them to the client&#x27;s details first."
        in response.content.decode()
    )
