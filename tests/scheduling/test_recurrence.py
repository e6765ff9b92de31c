"""When a template's visits fall (docs/design.md, "Scheduling"): its weekdays
and dates, idempotent application, and daylight saving in the business's time
zone (a time that doesn't exist moves forward, one that exists twice takes the
first, durations are real)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import EventStatus, ScheduledEvent
from scheduling.recurrence import end_after, local_start, occurrence_dates
from scheduling.services.templates import apply_template, create_template
from scheduling.services.visits import cancel_event, update_event
from tests.factories import PetFactory, ServiceTypeFactory
from tests.helpers import NEW_YORK
from tests.scheduling.helpers import FRI, MON, SAT, THU, TUE, WED

LONDON = ZoneInfo("Europe/London")

# 2027's daylight-saving changes.
NY_SPRING_FORWARD = date(2027, 3, 14)  # 02:00 EST -> 03:00 EDT
NY_FALL_BACK = date(2027, 11, 7)  # 02:00 EDT -> 01:00 EST
LONDON_SPRING_FORWARD = date(2027, 3, 28)  # 01:00 GMT -> 02:00 BST
LONDON_FALL_BACK = date(2027, 10, 31)  # 02:00 BST -> 01:00 GMT


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- occurrence_dates: pure --------------------------------------------------------


def test_occurrence_dates_are_the_days_of_the_range_on_the_templates_weekdays():
    dates = occurrence_dates(
        weekdays=[MON, WED, FRI],
        first_date=date(2027, 1, 1),
        last_date=None,
        start_date=date(2027, 6, 7),  # a Monday
        end_date=date(2027, 6, 20),  # a Sunday
    )

    assert dates == [date(2027, 6, d) for d in (7, 9, 11, 14, 16, 18)]
    assert {d.weekday() for d in dates} == {MON, WED, FRI}


def test_occurrence_dates_start_no_earlier_than_the_templates_first_date():
    dates = occurrence_dates(
        weekdays=range(7),
        first_date=date(2027, 6, 10),
        last_date=None,
        start_date=date(2027, 6, 7),
        end_date=date(2027, 6, 12),
    )

    assert dates == [date(2027, 6, d) for d in (10, 11, 12)]


def test_occurrence_dates_end_no_later_than_the_templates_last_date():
    dates = occurrence_dates(
        weekdays=range(7),
        first_date=date(2027, 6, 1),
        last_date=date(2027, 6, 9),
        start_date=date(2027, 6, 7),
        end_date=date(2027, 6, 30),
    )

    assert dates == [date(2027, 6, d) for d in (7, 8, 9)]


def test_occurrence_dates_include_the_first_and_last_day_of_the_range():
    dates = occurrence_dates(
        weekdays=[MON],
        first_date=date(2027, 6, 7),
        last_date=date(2027, 6, 14),
        start_date=date(2027, 6, 7),
        end_date=date(2027, 6, 14),
    )

    assert dates == [date(2027, 6, 7), date(2027, 6, 14)]


@pytest.mark.parametrize(
    "start,end",
    [
        (date(2027, 5, 1), date(2027, 5, 31)),  # before the first date
        (date(2027, 7, 1), date(2027, 7, 31)),  # after the last date
        (date(2027, 6, 9), date(2027, 6, 8)),  # an empty range
    ],
    ids=["before-first-date", "after-last-date", "empty-range"],
)
def test_occurrence_dates_are_none_outside_the_templates_dates(start, end):
    assert (
        occurrence_dates(
            weekdays=range(7),
            first_date=date(2027, 6, 1),
            last_date=date(2027, 6, 30),
            start_date=start,
            end_date=end,
        )
        == []
    )


# --- local_start and end_after: pure ----------------------------------------------


def test_local_start_is_the_time_of_day_on_that_date_in_the_time_zone():
    start = local_start(date(2027, 6, 9), time(9, 30), NEW_YORK)

    assert start == utc(2027, 6, 9, 13, 30)
    assert start.tzinfo == UTC


def test_new_york_spring_forward_a_time_in_the_gap_moves_forward_by_the_gap():
    start = local_start(NY_SPRING_FORWARD, time(2, 30), NEW_YORK).astimezone(NEW_YORK)

    # 02:30 doesn't exist that night: the clocks jump from 02:00 EST to 03:00 EDT.
    assert start == utc(2027, 3, 14, 7, 30)
    assert (start.hour, start.minute, start.tzname()) == (3, 30, "EDT")


def test_new_york_spring_forward_the_start_of_the_gap_is_the_end_of_it():
    assert local_start(NY_SPRING_FORWARD, time(2, 0), NEW_YORK) == utc(2027, 3, 14, 7, 0)


def test_new_york_spring_forward_other_times_stay_on_the_wall_clock():
    before = local_start(NY_SPRING_FORWARD - timedelta(days=1), time(9), NEW_YORK)
    on = local_start(NY_SPRING_FORWARD, time(9), NEW_YORK)
    early = local_start(NY_SPRING_FORWARD, time(1, 30), NEW_YORK)
    before, on, early = (moment.astimezone(NEW_YORK) for moment in (before, on, early))

    assert (before, before.tzname()) == (utc(2027, 3, 13, 14, 0), "EST")
    assert (on, on.hour, on.tzname()) == (utc(2027, 3, 14, 13, 0), 9, "EDT")
    assert (early, early.tzname()) == (utc(2027, 3, 14, 6, 30), "EST")


def test_new_york_fall_back_a_time_that_happens_twice_is_the_first():
    start = local_start(NY_FALL_BACK, time(1, 30), NEW_YORK)

    # 01:30 happens at 05:30 UTC (EDT, UTC-4) and again at 06:30 UTC (EST).
    assert start == utc(2027, 11, 7, 5, 30)
    wall = start.astimezone(NEW_YORK)
    assert (wall.hour, wall.minute, wall.utcoffset()) == (1, 30, timedelta(hours=-4))


def test_local_start_is_in_utc_because_an_ambiguous_local_time_never_equals_another_zones():
    """PEP 495: a datetime in the fall-back overlap compares unequal to every
    datetime of another zone, even the same instant; in UTC it doesn't."""
    start = local_start(NY_FALL_BACK, time(1, 30), NEW_YORK)
    wall = start.astimezone(NEW_YORK)

    assert start.tzinfo == UTC
    assert start == utc(2027, 11, 7, 5, 30)
    assert wall != utc(2027, 11, 7, 5, 30)  # the trap local_start avoids


def test_new_york_fall_back_other_times_stay_on_the_wall_clock():
    on = local_start(NY_FALL_BACK, time(9), NEW_YORK).astimezone(NEW_YORK)

    assert (on, on.tzname()) == (utc(2027, 11, 7, 14, 0), "EST")


def test_london_spring_forward_a_time_in_the_gap_moves_forward_by_the_gap():
    start = local_start(LONDON_SPRING_FORWARD, time(1, 30), LONDON)

    assert start == utc(2027, 3, 28, 1, 30)
    start = start.astimezone(LONDON)
    assert (start.hour, start.minute, start.tzname()) == (2, 30, "BST")


def test_london_fall_back_a_time_that_happens_twice_is_the_first():
    start = local_start(LONDON_FALL_BACK, time(1, 30), LONDON)

    assert start == utc(2027, 10, 31, 0, 30)
    start = start.astimezone(LONDON)
    assert (start.hour, start.minute, start.tzname()) == (1, 30, "BST")


def test_end_after_adds_real_time_across_the_fall_back():
    """An overnight stay from 19:00 the evening before fall-back lasts 12 real
    hours: it ends at 06:00 EST, though the wall clock moved only 11."""
    starts_at = local_start(NY_FALL_BACK - timedelta(days=1), time(19), NEW_YORK)

    ends_at = end_after(starts_at, timedelta(hours=12))

    assert (starts_at, ends_at) == (utc(2027, 11, 6, 23, 0), utc(2027, 11, 7, 11, 0))
    assert ends_at - starts_at == timedelta(hours=12)
    assert ends_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 11, 7, 6, 0)


def test_end_after_adds_real_time_across_the_spring_forward():
    starts_at = local_start(NY_SPRING_FORWARD - timedelta(days=1), time(19), NEW_YORK)

    ends_at = end_after(starts_at, timedelta(hours=12))

    assert ends_at == utc(2027, 3, 14, 12, 0)
    assert ends_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2027, 3, 14, 8, 0)


def test_end_after_needs_an_aware_start():
    with pytest.raises(ValueError, match="aware"):
        end_after(datetime(2027, 6, 9, 9), timedelta(minutes=30))


# --- apply_template: the dates and times of the visits it creates ------------------


@pytest.fixture
def biscuit(jordan):
    return PetFactory(client=jordan, name="Biscuit")


def make_template(client, pet, service, *, actor, **fields):
    values = {
        "weekdays": list(range(7)),
        "time_of_day": time(9),
        "first_date": date(2027, 1, 1),
    } | fields
    return create_template(client=client, service_type=service, pets=[pet], actor=actor, **values)


def apply(template, first: date, last: date, *, actor, now: datetime | None = None):
    """Apply as of a moment well before the dates, so none of them is past."""
    now = now or datetime.combine(first - timedelta(days=7), time(12), tzinfo=UTC)
    return apply_template(template, start_date=first, end_date=last, actor=actor, now=now)


def visits_of(template) -> list[ScheduledEvent]:
    return list(ScheduledEvent.objects.filter(template=template).order_by("occurrence_date"))


def local_wall(event: ScheduledEvent, tz=NEW_YORK) -> tuple[date, time, str]:
    local = event.starts_at.astimezone(tz)
    return local.date(), local.time(), local.tzname()


@pytest.mark.usefixtures("business_in_new_york")
def test_apply_template_creates_one_visit_on_each_of_its_weekdays_at_its_time(
    jordan, biscuit, walk, office_manager
):
    template = make_template(
        jordan, biscuit, walk, actor=office_manager, weekdays=[TUE, THU], time_of_day=time(8, 15)
    )

    result = apply(template, date(2027, 6, 7), date(2027, 6, 20), actor=office_manager)

    visits = visits_of(template)
    assert (result.created, result.skipped) == (4, 0)
    assert [local_wall(v) for v in visits] == [
        (date(2027, 6, d), time(8, 15), "EDT") for d in (8, 10, 15, 17)
    ]
    assert [v.occurrence_date for v in visits] == [date(2027, 6, d) for d in (8, 10, 15, 17)]
    for visit in visits:
        assert visit.status == EventStatus.SCHEDULED
        assert visit.client == jordan
        assert list(visit.pets.all()) == [biscuit]
        assert visit.ends_at - visit.starts_at == timedelta(minutes=30)


@pytest.mark.usefixtures("business_in_new_york")
def test_apply_template_keeps_within_the_templates_first_and_last_date(
    jordan, biscuit, walk, office_manager
):
    template = make_template(
        jordan,
        biscuit,
        walk,
        actor=office_manager,
        first_date=date(2027, 6, 9),
        last_date=date(2027, 6, 12),
    )

    result = apply(template, date(2027, 6, 1), date(2027, 6, 30), actor=office_manager)

    assert result.created == 4
    assert [v.occurrence_date for v in visits_of(template)] == [
        date(2027, 6, d) for d in (9, 10, 11, 12)
    ]


@pytest.mark.usefixtures("business_in_new_york")
def test_applying_a_template_twice_creates_nothing_new(jordan, biscuit, walk, office_manager):
    template = make_template(jordan, biscuit, walk, actor=office_manager, weekdays=[MON, WED, FRI])
    first = apply(template, date(2027, 6, 7), date(2027, 7, 4), actor=office_manager)
    before = visits_of(template)

    again = apply(template, date(2027, 6, 7), date(2027, 7, 4), actor=office_manager)

    assert (first.created, first.skipped) == (12, 0)
    assert (again.created, again.skipped, again.events) == (0, 12, [])
    assert visits_of(template) == before


@pytest.mark.usefixtures("business_in_new_york")
def test_applying_over_a_longer_range_adds_only_the_new_dates(
    jordan, biscuit, walk, office_manager
):
    template = make_template(jordan, biscuit, walk, actor=office_manager, weekdays=[MON])
    apply(template, date(2027, 6, 7), date(2027, 6, 20), actor=office_manager)

    result = apply(template, date(2027, 6, 7), date(2027, 7, 4), actor=office_manager)

    assert (result.created, result.skipped) == (2, 2)
    assert [e.occurrence_date for e in result.events] == [date(2027, 6, 21), date(2027, 6, 28)]


@pytest.mark.usefixtures("business_in_new_york")
def test_a_visit_staff_moved_is_not_re_created(jordan, biscuit, walk, office_manager):
    template = make_template(jordan, biscuit, walk, actor=office_manager, weekdays=[WED])
    apply(template, date(2027, 6, 7), date(2027, 6, 13), actor=office_manager)
    moved = visits_of(template)[0]
    # To the next day, in the afternoon.
    update_event(
        moved,
        service_type=walk,
        pets=[biscuit],
        sitter=None,
        starts_at=datetime(2027, 6, 10, 15, tzinfo=NEW_YORK),
        actor=office_manager,
    )

    result = apply(template, date(2027, 6, 7), date(2027, 6, 13), actor=office_manager)

    assert (result.created, result.skipped) == (0, 1)
    [visit] = visits_of(template)
    assert visit.occurrence_date == date(2027, 6, 9)
    assert visit.starts_at == datetime(2027, 6, 10, 15, tzinfo=NEW_YORK)


@pytest.mark.usefixtures("business_in_new_york")
def test_a_visit_staff_canceled_is_not_re_created(jordan, biscuit, walk, office_manager):
    template = make_template(jordan, biscuit, walk, actor=office_manager, weekdays=[WED])
    apply(template, date(2027, 6, 7), date(2027, 6, 20), actor=office_manager)
    cancel_event(visits_of(template)[0], actor=office_manager)

    result = apply(template, date(2027, 6, 7), date(2027, 6, 20), actor=office_manager)

    assert (result.created, result.skipped) == (0, 2)
    assert [v.status for v in visits_of(template)] == [EventStatus.CANCELED, EventStatus.SCHEDULED]


@pytest.mark.usefixtures("business_in_new_york")
def test_new_york_spring_forward_apply_moves_0230_to_0330_and_keeps_0900_at_0900(
    jordan, biscuit, walk, office_manager
):
    night = make_template(jordan, biscuit, walk, actor=office_manager, time_of_day=time(2, 30))
    morning = make_template(jordan, biscuit, walk, actor=office_manager, time_of_day=time(9))
    days = (NY_SPRING_FORWARD - timedelta(days=1), NY_SPRING_FORWARD + timedelta(days=1))

    apply(night, *days, actor=office_manager)
    apply(morning, *days, actor=office_manager)

    assert [(v.occurrence_date, v.starts_at) for v in visits_of(night)] == [
        (date(2027, 3, 13), utc(2027, 3, 13, 7, 30)),  # 02:30 EST
        (date(2027, 3, 14), utc(2027, 3, 14, 7, 30)),  # 02:30 doesn't exist: 03:30 EDT
        (date(2027, 3, 15), utc(2027, 3, 15, 6, 30)),  # 02:30 EDT
    ]
    assert [local_wall(v) for v in visits_of(night)] == [
        (date(2027, 3, 13), time(2, 30), "EST"),
        (date(2027, 3, 14), time(3, 30), "EDT"),
        (date(2027, 3, 15), time(2, 30), "EDT"),
    ]
    assert [local_wall(v) for v in visits_of(morning)] == [
        (date(2027, 3, 13), time(9), "EST"),
        (date(2027, 3, 14), time(9), "EDT"),
        (date(2027, 3, 15), time(9), "EDT"),
    ]
    for visit in visits_of(night) + visits_of(morning):
        assert visit.ends_at - visit.starts_at == timedelta(minutes=30)


@pytest.mark.usefixtures("business_in_new_york")
def test_new_york_fall_back_apply_takes_the_first_0130(jordan, biscuit, walk, office_manager):
    night = make_template(jordan, biscuit, walk, actor=office_manager, time_of_day=time(1, 30))

    apply(
        night,
        NY_FALL_BACK - timedelta(days=1),
        NY_FALL_BACK + timedelta(days=1),
        actor=office_manager,
    )

    assert [(v.occurrence_date, v.starts_at) for v in visits_of(night)] == [
        (date(2027, 11, 6), utc(2027, 11, 6, 5, 30)),  # 01:30 EDT
        (date(2027, 11, 7), utc(2027, 11, 7, 5, 30)),  # the first 01:30: EDT, UTC-4
        (date(2027, 11, 8), utc(2027, 11, 8, 6, 30)),  # 01:30 EST
    ]
    on_the_day = visits_of(night)[1].starts_at.astimezone(NEW_YORK)
    assert on_the_day.utcoffset() == timedelta(hours=-4)
    # 30 real minutes later, the clocks have gone back: 01:00 EST.
    assert visits_of(night)[1].ends_at == utc(2027, 11, 7, 6, 0)


@pytest.mark.usefixtures("business_in_new_york")
def test_an_overnight_stay_starting_the_evening_before_fall_back_ends_12_real_hours_later(
    jordan, biscuit, office_manager
):
    overnight = ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=12))
    template = make_template(
        jordan, biscuit, overnight, actor=office_manager, weekdays=[SAT], time_of_day=time(19)
    )

    apply(template, date(2027, 11, 1), date(2027, 11, 7), actor=office_manager)

    [stay] = visits_of(template)
    assert stay.starts_at == utc(2027, 11, 6, 23, 0)  # 19:00 EDT
    assert stay.ends_at == utc(2027, 11, 7, 11, 0)  # 06:00 EST: 12 hours, 11 on the wall
    assert stay.ends_at - stay.starts_at == timedelta(hours=12)


def test_london_apply_moves_0130_forward_in_spring_and_takes_the_first_in_autumn(
    settings, jordan, biscuit, walk, office_manager
):
    settings.TIME_ZONE = "Europe/London"
    night = make_template(jordan, biscuit, walk, actor=office_manager, time_of_day=time(1, 30))

    apply(night, LONDON_SPRING_FORWARD, LONDON_SPRING_FORWARD, actor=office_manager)
    apply(night, LONDON_FALL_BACK, LONDON_FALL_BACK, actor=office_manager)

    spring, autumn = visits_of(night)
    assert (spring.occurrence_date, spring.starts_at) == (
        LONDON_SPRING_FORWARD,
        utc(2027, 3, 28, 1, 30),
    )
    assert local_wall(spring, LONDON) == (LONDON_SPRING_FORWARD, time(2, 30), "BST")
    assert (autumn.occurrence_date, autumn.starts_at) == (
        LONDON_FALL_BACK,
        utc(2027, 10, 31, 0, 30),
    )
    assert local_wall(autumn, LONDON) == (LONDON_FALL_BACK, time(1, 30), "BST")


def test_apply_template_reads_dates_in_the_business_time_zone_not_utc(
    settings, jordan, biscuit, walk, office_manager
):
    """Late evening in New York is already tomorrow in UTC: the date is New York's."""
    settings.TIME_ZONE = "America/New_York"
    template = make_template(
        jordan, biscuit, walk, actor=office_manager, weekdays=[WED], time_of_day=time(22)
    )

    apply(template, date(2027, 6, 7), date(2027, 6, 13), actor=office_manager)

    [visit] = visits_of(template)
    assert visit.occurrence_date == date(2027, 6, 9)
    assert visit.starts_at == utc(2027, 6, 10, 2, 0)
