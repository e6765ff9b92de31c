"""The schedule's day and week views (scheduling.views.schedule) through
Django's test client, and what holds for every page of the schedule: who may
open it, and no inline script or style (docs/design.md, "The staff screens")."""

import re
from datetime import date, timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling.models import EventStatus
from tests import factories, helpers
from tests.helpers import html_of, rendered, visit
from tests.scheduling.helpers import MONDAY, day_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=MONDAY)


def week_url(day=MONDAY):
    return reverse("scheduling:week", args=[day])


# --- Every page of the schedule ----------------------------------------------------


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
    event = visit(jane, at(9))
    template = factories.TemplateFactory(client=jane, service_type=walk)
    for url in staff_pages(event, template, walk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/?next="), url


def test_a_client_login_gets_a_403_on_every_schedule_page(client, roles, jane, walk):
    event = visit(jane, at(9))
    template = factories.TemplateFactory(client=jane, service_type=walk)
    client.force_login(factories.ClientLoginFactory(client=jane))
    for url in staff_pages(event, template, walk):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'href="/portal/signin/"' in html_of(response), url


def test_schedule_pages_carry_no_inline_script_or_style(manager_client, jane, biscuit, walk):
    event = visit(jane, at(9), pets=[biscuit])
    template = factories.TemplateFactory(client=jane, service_type=walk)
    for url in staff_pages(event, template, walk):
        response = manager_client.get(url, follow=True)
        html = html_of(response)
        assert " style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "hx-on" not in html, url
        assert not re.search(r"<script[^>]*>[^<]+</script>", html), url


# --- The week and the day ----------------------------------------------------------


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
        visit(jane, at(8, 15), pets=[biscuit, luna], sitter=sam),
        visit(jane, at(10, day=MONDAY + timedelta(days=2)), status=EventStatus.REQUESTED),
        visit(jane, at(14, day=MONDAY + timedelta(days=4)), status=EventStatus.COMPLETED),
        visit(jane, at(23, 30, day=MONDAY + timedelta(days=6)), status=EventStatus.CANCELED),
    ]
    # Sunday 23:59 in New York is Monday in UTC; Monday 00:00 is the next week.
    before = visit(jane, at(23, 59, day=MONDAY - timedelta(days=1)))
    after = visit(jane, at(0, 0, day=MONDAY + timedelta(days=7)))

    response = manager_client.get(week_url())

    html = rendered(response, "scheduling/week.html")
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
    late = visit(jane, at(23, 30), pets=[biscuit])  # Tuesday in UTC
    next_day = visit(jane, at(0, 30, day=MONDAY + timedelta(days=1)))

    response = manager_client.get(day_url())

    html = rendered(response, "scheduling/day.html")
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
    sams = visit(jane, at(9), sitter=sam)
    rileys = visit(jane, at(10), sitter=riley, status=EventStatus.COMPLETED)
    nobodys = visit(jane, at(11), status=EventStatus.REQUESTED)

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
    mine = visit(jane, at(9), sitter=sam)
    theirs = visit(jane, at(10), sitter=riley)

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
    event = visit(jane, at(9))
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
            at(8 + n % 10, 0, day=MONDAY + timedelta(days=n % days)),
            pets=pets[owner.pk],
            service_type=walk,
            sitter=sitters[n % len(sitters)],
            status=EventStatus.values[n % 4],
        )
