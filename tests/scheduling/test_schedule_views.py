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
from scheduling.selectors import DAY_PAGE_SIZE, WEEK_CELL_SIZE, WEEK_ROWS_PER_PAGE
from scheduling.templatetags.schedule import short_time
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


def visit_link(event) -> str:
    return f'href="{reverse("scheduling:visit", args=[event.pk])}"'


def row_of(html: str, name: str) -> str:
    """The week board's row headed ``name``."""
    rows = html.split('<th scope="row" class="wb-sitter">')[1:]
    found = [row.split("</tr>")[0] for row in rows if row.startswith(name)]
    assert len(found) == 1, f"one row for {name}"
    return found[0]


def cells_of(row: str) -> list[str]:
    return row.split('<td class="wb-cell')[1:]


def test_week_view_is_a_row_per_sitter_and_a_column_per_day(
    manager_client, jane, biscuit, walk, sam, riley
):
    sams = visit(jane, at(8, 15), pets=[biscuit], sitter=sam)
    rileys = visit(jane, at(10, day=MONDAY + timedelta(days=2)), sitter=riley)
    nobodys = visit(jane, at(23, 30, day=MONDAY + timedelta(days=6)), status=EventStatus.REQUESTED)
    # Sunday 23:59 in New York is Monday in UTC; Monday 00:00 is the next week.
    before = visit(jane, at(23, 59, day=MONDAY - timedelta(days=1)), sitter=sam)
    after = visit(jane, at(0, 0, day=MONDAY + timedelta(days=7)), sitter=sam)

    response = manager_client.get(week_url())

    html = rendered(response, "scheduling/week.html")
    assert "Week of Jun 3 \N{EN DASH} 9, 2030" in html
    assert "3 visits · " in html and "1 request to confirm" in html
    days = re.findall(r'<th scope="col" class="wb-day[^"]*" id="day-([\d-]+)"', html)
    assert days == [(MONDAY + timedelta(days=n)).isoformat() for n in range(7)]
    # Unassigned visits first, then the sitters by name.
    assert re.findall(r'<th scope="row" class="wb-sitter">(\w+)', html) == [
        "Unassigned",
        "Riley",
        "Sam",
    ]
    sam_cells = cells_of(row_of(html, "Sam Patel"))
    assert visit_link(sams) in sam_cells[0]
    assert "<b>8:15am</b> Jane Cooper</a>" in sam_cells[0]
    assert visit_link(rileys) in cells_of(row_of(html, "Riley Kim"))[2]
    unassigned = cells_of(row_of(html, "Unassigned"))[6]
    assert visit_link(nobodys) in unassigned
    assert '<span class="visually-hidden">, requested</span>' in unassigned
    for event in (before, after):
        assert visit_link(event) not in html


def test_a_sitter_without_visits_that_week_still_has_a_row(manager_client, jane, sam, riley):
    visit(jane, at(9), sitter=sam)
    html = html_of(manager_client.get(week_url()))
    free = row_of(html, "Riley Kim")
    assert 'class="wb-sitter-count">0 visits<' in free
    assert all("is-empty" in cell.split(">")[0] for cell in cells_of(free))


def test_a_sitter_who_left_keeps_a_row_for_the_visits_they_still_have(manager_client, jane, sam):
    leaver = factories.UserFactory(email="left@example.com", first_name="Lee", last_name="Gone")
    kept = visit(jane, at(9), sitter=leaver)
    html = html_of(manager_client.get(week_url()))
    assert visit_link(kept) in row_of(html, "Lee Gone")


def test_week_view_folds_canceled_and_completed_visits_away_until_asked(manager_client, jane, sam):
    to_do = visit(jane, at(9), sitter=sam)
    done = visit(jane, at(10), sitter=sam, status=EventStatus.COMPLETED)
    dropped = visit(jane, at(11), sitter=sam, status=EventStatus.CANCELED)

    html = html_of(manager_client.get(week_url()))
    assert visit_link(to_do) in html
    assert visit_link(done) not in html and visit_link(dropped) not in html
    assert "1 visit · <a href" in html
    assert '<a href="?sitter=all&amp;status=any">Show 2 completed or canceled</a>' in html

    html = html_of(manager_client.get(week_url() + "?status=any"))
    for event in (to_do, done, dropped):
        assert visit_link(event) in html
    assert "3 visits" in html and "completed or canceled</a>" not in html
    assert '<span class="visually-hidden">, canceled</span>' in html


def test_a_week_cell_shows_its_first_visits_then_opens_that_day_for_that_sitter(
    manager_client, jane, sam
):
    made = [visit(jane, at(8 + n), sitter=sam) for n in (5, 0, 4, 1, 3, 2)]
    unassigned = [visit(jane, at(8 + n, day=MONDAY + timedelta(days=1))) for n in range(6)]

    html = html_of(manager_client.get(week_url()))

    first = cells_of(row_of(html, "Sam Patel"))[0]
    by_time = sorted(made, key=lambda event: event.starts_at)
    for event in by_time[:WEEK_CELL_SIZE]:
        assert visit_link(event) in first
    for event in by_time[WEEK_CELL_SIZE:]:
        assert visit_link(event) not in first
    more = 6 - WEEK_CELL_SIZE
    assert (
        f'<a class="wb-more" href="{day_url()}?sitter={sam.pk}">+{more} more'
        '<span class="visually-hidden"> for Sam on Monday, June 3</span></a>'
    ) in first
    tuesday = cells_of(row_of(html, "Unassigned"))[1]
    assert visit_link(unassigned[0]) in tuesday and visit_link(unassigned[-1]) not in tuesday
    assert f'href="{day_url(MONDAY + timedelta(days=1))}?sitter=none">+{more} more' in tuesday

    # The link shows that sitter's day, every visit of it.
    day = html_of(manager_client.get(f"{day_url()}?sitter={sam.pk}"))
    assert all(visit_link(event) in day for event in made)


def test_an_empty_week_says_so(manager_client, sam):
    html = rendered(manager_client.get(week_url()), "scheduling/week.html")
    assert "No visits this week" in html and "The week is free." in html
    assert "week-board" not in html


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


def test_day_view_groups_the_visits_by_sitter_unassigned_first(
    manager_client, jane, walk, sam, riley
):
    sams = [visit(jane, at(h), sitter=sam) for h in (15, 9)]
    rileys = visit(jane, at(8), sitter=riley)
    nobodys = visit(jane, at(12), status=EventStatus.REQUESTED)

    html = rendered(manager_client.get(day_url()), "scheduling/day.html")

    headings = re.findall(r'<h3 class="day-sitter"[^>]*>.*?</span>\s*(.+?)\s*<span', html, re.S)
    assert headings == ["Unassigned", "Riley Kim", "Sam Patel"]
    assert "2 visits</span>" in html and "1 visit</span>" in html
    order = [html.index(visit_link(e)) for e in (nobodys, rileys, sams[1], sams[0])]
    assert order == sorted(order)


def test_day_view_pages_by_position_and_keeps_the_filters(manager_client, jane, sam, riley):
    made = [
        visit(jane, at(7, n), sitter=(sam if n % 2 else riley)) for n in range(DAY_PAGE_SIZE + 3)
    ]
    shown = sorted(made, key=lambda e: (e.sitter.first_name, e.starts_at))

    first = html_of(manager_client.get(day_url()))
    assert all(visit_link(e) in first for e in shown[:DAY_PAGE_SIZE])
    assert not any(visit_link(e) in first for e in shown[DAY_PAGE_SIZE:])
    assert f"{len(made)} in all" in first
    after = re.search(r'href="\?sitter=all&amp;after=([\w-]+)" rel="next"', first).group(1)

    second = html_of(manager_client.get(f"{day_url()}?sitter=all&after={after}"))
    assert all(visit_link(e) in second for e in shown[DAY_PAGE_SIZE:])
    assert not any(visit_link(e) in second for e in shown[:DAY_PAGE_SIZE])
    pages = second.split('<nav class="pagination"')[1].split("</nav>")[0]
    assert "before=" in pages and "after=" not in pages
    # The sitter's heading counts the whole day, not the page.
    assert f"{len([e for e in made if e.sitter == sam])} visits</span>" in second


def test_a_malformed_day_position_shows_the_first_page(manager_client, jane, sam):
    event = visit(jane, at(9), sitter=sam)
    for position in ("after=%00%01", "before=not-a-cursor", "after=" + "x" * 2000):
        response = manager_client.get(f"{day_url()}?{position}")
        assert response.status_code == 200
        assert visit_link(event) in html_of(response)


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

    assert shown("") == {sams, nobodys}  # completed and canceled folded away
    assert shown("?sitter=all") == {sams, nobodys}
    assert shown("?status=any") == {sams, rileys, nobodys}
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
    week = html_of(manager_client.get(week_url(local - timedelta(days=local.weekday()))))
    assert week.count('<li class="wb-visit visit-scheduled visit-inactive">') == 1
    assert week.count('<span class="visually-hidden">, inactive client</span>') == 1
    for url in (
        day_url(local),
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
    # session, user, permissions (2), sitters for the filter and the rows, the
    # visits counted by sitter, day and status, the ids of the first of each
    # cell, those visits.
    with django_assert_num_queries(8):
        assert manager_client.get(week_url() + "?status=any").status_code == 200


@pytest.mark.parametrize("visits", [1, 40])
def test_the_day_view_costs_the_same_number_of_queries_however_many_visits(
    manager_client, django_assert_num_queries, visits, sam, riley
):
    _many_visits(visits, sam, riley, days=1)
    # session, user, permissions (2), sitters for the filter, the visits
    # counted by sitter and status, a page of them, its visits joined, their pets.
    with django_assert_num_queries(9):
        assert manager_client.get(day_url() + "?status=any").status_code == 200


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


@pytest.mark.parametrize(
    "hour,minute,shown",
    [(9, 0, "9am"), (9, 30, "9:30am"), (0, 5, "12:05am"), (12, 0, "12pm"), (23, 45, "11:45pm")],
)
def test_a_week_card_shows_the_start_time_short_in_the_business_time_zone(hour, minute, shown):
    assert short_time(at(hour, minute)) == shown


def test_the_week_shows_sitters_a_page_at_a_time(manager_client, jane, roles):
    crew = [
        factories.SitterFactory(first_name=f"Sitter{n:02d}", last_name="Crew")
        for n in range(WEEK_ROWS_PER_PAGE + 2)
    ]
    nobodys = visit(jane, at(8))
    lasts = visit(jane, at(9), sitter=crew[-1])

    first = html_of(manager_client.get(week_url()))
    names = re.findall(r'<th scope="row" class="wb-sitter">(\w+)', first)
    assert names == ["Unassigned"] + [f"Sitter{n:02d}" for n in range(WEEK_ROWS_PER_PAGE - 1)]
    assert visit_link(nobodys) in first and visit_link(lasts) not in first
    rows = WEEK_ROWS_PER_PAGE + 3
    assert f"Rows 1\N{EN DASH}{WEEK_ROWS_PER_PAGE} of {rows}" in first
    assert '<a href="?sitter=all&amp;page=2">Next sitters' in first
    # The day totals count every sitter, not only the page's.
    assert "2 visits</span>" in first

    second = html_of(manager_client.get(week_url() + "?sitter=all&page=2"))
    names = re.findall(r'<th scope="row" class="wb-sitter">(\w+)', second)
    assert names == [f"Sitter{n:02d}" for n in range(WEEK_ROWS_PER_PAGE - 1, len(crew))]
    assert visit_link(lasts) in second and visit_link(nobodys) not in second
    assert "Previous sitters</a>" in second and "Next sitters" not in second

    for page in ("0", "x", "-1", "99999999999999999999"):
        response = manager_client.get(week_url() + f"?page={page}")
        assert response.status_code == 200, page
