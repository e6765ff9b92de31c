"""The dates the schedule takes (docs/design.md, "Scheduling"): a year back
to five years ahead; outside it a clear refusal, never an overflow."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from scheduling.local_time import DAYS_AHEAD, DAYS_BACK, usable_dates
from scheduling.models import ScheduledEvent, Template
from scheduling.services.templates import apply_template, create_template
from scheduling.services.visits import request_visit, schedule_event
from tests import factories
from tests.helpers import NEW_YORK, refusal_codes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

# The far edges of the calendar, and just outside the schedule's range.
FAR = {
    "year 9999": date(9999, 12, 31),
    "year 1": date(1, 1, 1),
    "six years ahead": date.today() + timedelta(days=6 * 366),
    "two years back": date.today() - timedelta(days=2 * 366),
}


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(23, 0), tzinfo=NEW_YORK)


def test_the_range_is_a_year_back_to_five_years_ahead():
    today = date(2030, 6, 1)

    assert usable_dates(today) == (
        today - timedelta(days=DAYS_BACK),
        today + timedelta(days=DAYS_AHEAD),
    )


@pytest.mark.parametrize("day", list(FAR.values()), ids=list(FAR))
def test_staff_cannot_schedule_a_visit_outside_the_range(jordan, pets, walk, staff, day):
    with pytest.raises(ValidationError) as refused:
        schedule_event(
            client=jordan, service_type=walk, pets=pets, starts_at=_moment(day), actor=staff
        )

    assert refusal_codes(refused.value)["starts_at"] == ["out_of_range"]
    assert "Choose a date between" in refused.value.message_dict["starts_at"][0]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("day", list(FAR.values()), ids=list(FAR))
def test_a_client_cannot_request_a_visit_outside_the_range(jordan, pets, walk, day):
    login = factories.ClientLoginFactory(client=jordan)

    with pytest.raises(ValidationError) as refused:
        request_visit(jordan, actor=login, service_type=walk, pets=pets, starts_at=_moment(day))

    assert refusal_codes(refused.value)["starts_at"] == ["out_of_range"]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("field", ["first_date", "last_date"])
@pytest.mark.parametrize("day", [date(9999, 12, 31), date.today() + timedelta(days=6 * 366)])
def test_a_template_cannot_reach_outside_the_range(jordan, pets, walk, staff, field, day):
    dates = {"first_date": date.today(), "last_date": None, field: day}

    with pytest.raises(ValidationError) as refused:
        create_template(
            client=jordan,
            service_type=walk,
            pets=pets,
            weekdays=[0],
            time_of_day=time(9),
            actor=staff,
            **dates,
        )

    assert "out_of_range" in refusal_codes(refused.value)[field]
    assert not Template.objects.exists()


def test_a_template_that_began_long_ago_can_still_be_edited(jordan, pets, walk, staff):
    from scheduling.services.templates import update_template

    long_ago = date.today() - timedelta(days=3 * 366)
    template = factories.TemplateFactory(client=jordan, service_type=walk, first_date=long_ago)

    update_template(
        template,
        service_type=walk,
        pets=pets,
        weekdays=[1],
        time_of_day=time(10),
        first_date=long_ago,
        actor=staff,
    )

    assert Template.objects.get(pk=template.pk).time_of_day == time(10)


@pytest.mark.parametrize("end", [date(9999, 12, 31), date.today() + timedelta(days=6 * 366)])
def test_a_template_cannot_be_applied_outside_the_range(jordan, pets, walk, staff, end):
    template = factories.TemplateFactory(client=jordan, service_type=walk)
    template.pets.add(*pets)

    with pytest.raises(ValidationError) as refused:
        apply_template(template, start_date=end - timedelta(days=3), end_date=end, actor=staff)

    assert set(refusal_codes(refused.value)) == {"start_date", "end_date"}
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_visit_form_refuses_a_date_outside_the_range_with_a_message(
    manager_client, jordan, pets, walk, day
):
    url = f"{reverse('scheduling:visit_add')}?client={jordan.pk}"

    response = manager_client.post(
        url,
        {
            "service_type": walk.pk,
            "pets": [p.pk for p in pets],
            "date": day,
            "start_time": "23:30",
        },
    )

    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_portal_request_form_refuses_a_date_outside_the_range(client, jordan, pets, walk, day):
    login = factories.ClientLoginFactory(client=jordan)
    client.force_login(login)

    response = client.post(
        reverse("portal:request_service"),
        {"service_type": walk.pk, "pets": [p.pk for p in pets], "date": day, "time": "10:00"},
    )

    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()
    assert not ScheduledEvent.objects.exists()


def test_a_visit_a_year_back_can_still_be_recorded(jordan, pets, walk, staff):
    day = timezone.localdate() - timedelta(days=300)

    event = schedule_event(
        client=jordan, service_type=walk, pets=pets, starts_at=_moment(day), actor=staff
    )

    assert event.pk
