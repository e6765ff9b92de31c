"""Applying a template as properties (docs/design.md, "Scheduling"): for any
weekdays, time of day (the 02:30 and 01:30 daylight-saving edges in New York
included), dates, pets and moment of applying, applying twice equals applying
once, and applying over a range and then over an overlapping one never puts
two visits on one (template, occurrence date). The visits made are the
template's dates from today on whose start hasn't passed, at the wall-clock
time the rule names (a time the clocks skip moves forward by the gap, a time
they repeat is the first), lasting the service's real duration.

Hypothesis does not reset the database between examples: each example runs
in a transaction that is rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

from scheduling.models import EventStatus, ScheduledEvent, Template, TemplatePet
from scheduling.services.templates import apply_template
from tests import factories
from tests.helpers import NEW_YORK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

EXAMPLES = 80

# New York's clocks jump from 02:00 to 03:00 on this Sunday, and go back from
# 02:00 to 01:00 on that one.
SPRING_FORWARD = date(2027, 3, 14)
FALL_BACK = date(2027, 11, 7)
SATURDAY_BEFORE_SPRING, SATURDAY_BEFORE_FALL = (
    SPRING_FORWARD - timedelta(1),
    FALL_BACK - timedelta(1),
)
# Times on the edges: in the spring gap (02:00-02:59), in the autumn overlap
# (01:00-01:59), either side of them, and the ends of the day.
EDGE_TIMES = [
    time(2, 30),
    time(1, 30),
    time(2, 0),
    time(2, 59),
    time(1, 0),
    time(1, 59),
    time(3, 0),
    time(0, 0),
    time(23, 59),
]

properties = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures run once for all the examples, which roll back what they write.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class _RolledBack(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Runs the block in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


# --- Strategies ---------------------------------------------------------------------------

times_of_day = st.one_of(
    st.sampled_from([time(2, 30), time(1, 30)]),
    st.sampled_from(EDGE_TIMES),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@st.composite
def cases(draw, *, overlapping: bool = False) -> dict:
    """A template, a range of dates (and, ``overlapping``, a second range that
    shares a day with it) and the moment of applying, around one of the
    Sundays the clocks change, which the range mostly covers and is often one
    of the template's days."""
    sunday = draw(st.sampled_from([SPRING_FORWARD, FALL_BACK]))
    weekdays = draw(st.sets(st.integers(0, 6), min_size=1))
    if draw(st.booleans()):
        weekdays.add(sunday.weekday())
    start = sunday - days(draw(st.integers(0, 7)))
    end = max(start, sunday + days(draw(st.integers(-1, 14))))
    first_date = start + days(draw(st.integers(-14, 3)))
    days_to_last = draw(st.none() | st.integers(0, 21))
    case = {
        "weekdays": sorted(weekdays),
        "time_of_day": draw(times_of_day),
        "first_date": first_date,
        "last_date": None if days_to_last is None else first_date + days(days_to_last),
        "pets": sorted(draw(st.sets(st.integers(0, 2), min_size=1))),
        "overnight": draw(st.booleans()),  # a 12-hour stay, else a 30-minute walk
        "sitter": draw(st.booleans()),
        "start": start,
        "end": end,
    }
    if overlapping:
        # Starts at most ten days before the first range and no later than
        # its end; ends no earlier than the first range starts.
        case["start_2"] = start + days(draw(st.integers(-10, (end - start).days)))
        case["end_2"] = max(case["start_2"], start) + days(draw(st.integers(0, 20)))
    # When staff apply it: from five days before the (first) range begins to
    # three days into it, or on the Sunday itself, at any time (so that day's
    # visit may have begun).
    earliest = min(start, case.get("start_2", start))
    day = draw(st.one_of(st.integers(-3, 5).map(lambda n: earliest - days(n)), st.just(sunday)))
    case["now"] = datetime.combine(day, draw(times_of_day), tzinfo=NEW_YORK).replace(
        fold=draw(st.sampled_from([0, 1]))
    )
    return case


def edge(day: date, at: time, now: datetime, **changes) -> dict:
    """A weekly visit on ``day`` at ``at``, applied over that day alone at ``now``."""
    return {
        "weekdays": [day.weekday()],
        "time_of_day": at,
        "first_date": day - days(7),
        "last_date": None,
        "pets": [0, 1],
        "overnight": False,
        "sitter": False,
        "start": day,
        "end": day,
        "start_2": day - days(1),
        "end_2": day + days(1),
        "now": now,
    } | changes


def new_york(day: date, hour: int, minute: int, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK).replace(fold=fold)


# Always tried, whatever hypothesis draws: 02:30 that the clocks skip, applied
# at 03:30 EDT, the very moment the visit moves to (it is made); 01:30 that
# they repeat, applied at the first 01:30 (made) and at the second (already
# begun, not made); a 12-hour stay over each change.
EDGES = [
    edge(SPRING_FORWARD, time(2, 30), new_york(SPRING_FORWARD, 3, 30)),
    edge(FALL_BACK, time(1, 30), new_york(FALL_BACK, 1, 30, fold=0)),
    edge(FALL_BACK, time(1, 30), new_york(FALL_BACK, 1, 30, fold=1)),
    edge(
        SATURDAY_BEFORE_SPRING, time(20, 0), new_york(SATURDAY_BEFORE_SPRING, 0, 0), overnight=True
    ),
    edge(SATURDAY_BEFORE_FALL, time(20, 0), new_york(SATURDAY_BEFORE_FALL, 0, 0), overnight=True),
]


def with_edges(test):
    for case in EDGES:
        test = example(case=case)(test)
    return test


# --- The rule, written again --------------------------------------------------------------


def wall_clock_start(day: date, at: time) -> datetime:
    """``at`` on ``day`` in New York, in UTC, by the rule: of the UTC moments
    that read ``at`` on New York's clock the first; none (the clocks skip it):
    forward by the gap, i.e. read with the offset from before the jump."""
    wall = datetime.combine(day, at)
    readings = [
        moment
        for moment in ((wall + timedelta(hours=hours)).replace(tzinfo=UTC) for hours in (4, 5))
        if moment.astimezone(NEW_YORK).replace(tzinfo=None) == wall
    ]
    if readings:
        return min(readings)
    offset_before = datetime.combine(day, time(0), tzinfo=NEW_YORK).utcoffset()
    return (wall - offset_before).replace(tzinfo=UTC)


def occurrences(template: Template, start: date, end: date, now: datetime) -> set[date]:
    """The dates applying ``template`` over [start, end] at ``now`` gives a visit."""
    today = now.astimezone(NEW_YORK).date()
    last = template.last_date or end
    return {
        start + timedelta(days=i)
        for i in range((end - start).days + 1)
        if (day := start + timedelta(days=i)) >= max(today, template.first_date)
        and day <= last
        and day.weekday() in template.weekdays
        and wall_clock_start(day, template.time_of_day) >= now
    }


def test_the_rule_written_again_gives_the_design_examples():
    """docs/design.md: 02:30 on the spring-forward day is 03:30 EDT; 01:30 on
    the fall-back day is the first, EDT (UTC-4)."""
    assert wall_clock_start(SPRING_FORWARD, time(2, 30)) == new_york(SPRING_FORWARD, 3, 30)
    assert wall_clock_start(FALL_BACK, time(1, 30)) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
    assert wall_clock_start(FALL_BACK, time(2, 30)) == datetime(2027, 11, 7, 7, 30, tzinfo=UTC)
    assert wall_clock_start(SATURDAY_BEFORE_SPRING, time(2, 30)) == datetime(
        2027, 3, 13, 7, 30, tzinfo=UTC
    )


# --- Arrange and look -----------------------------------------------------------------------


@pytest.fixture
def jordan(db):
    """Jordan Reyes with three pets, and the services a template can use."""
    client = factories.ClientFactory(name="Jordan Reyes")
    pets = [factories.PetFactory(client=client, name=name) for name in ("Biscuit", "Mochi", "Pip")]
    walk = factories.ServiceTypeFactory(name="30 min dog walk", duration=timedelta(minutes=30))
    stay = factories.ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=12))
    return client, pets, walk, stay


def a_template(case: dict, jordan, sitter) -> Template:
    client, pets, walk, stay = jordan
    template = Template.objects.create(
        client=client,
        service_type=stay if case["overnight"] else walk,
        sitter=sitter if case["sitter"] else None,
        weekdays=case["weekdays"],
        time_of_day=case["time_of_day"],
        first_date=case["first_date"],
        last_date=case["last_date"],
    )
    TemplatePet.objects.bulk_create(
        TemplatePet(template=template, pet=pets[i]) for i in case["pets"]
    )
    return template


def visits_of(template: Template) -> dict[date, dict]:
    """The template's visits by occurrence date, with their pets."""
    visits = ScheduledEvent.objects.filter(template=template).prefetch_related("pets")
    by_date = {}
    for visit in visits:
        assert visit.occurrence_date not in by_date, f"two visits on {visit.occurrence_date}"
        by_date[visit.occurrence_date] = {
            "pk": visit.pk,
            "client": visit.client_id,
            "service_type": visit.service_type_id,
            "sitter": visit.sitter_id,
            "starts_at": visit.starts_at,
            "ends_at": visit.ends_at,
            "status": visit.status,
            "pets": sorted(pet.pk for pet in visit.pets.all()),
        }
    return by_date


def assert_made_by_the_rule(template: Template, visits: dict[date, dict]) -> None:
    pets = sorted(TemplatePet.objects.filter(template=template).values_list("pet", flat=True))
    for day, visit in visits.items():
        starts_at = wall_clock_start(day, template.time_of_day)
        assert visit == visit | {
            "client": template.client_id,
            "service_type": template.service_type_id,
            "sitter": template.sitter_id,
            "starts_at": starts_at,
            "ends_at": starts_at + template.service_type.duration,
            "status": EventStatus.SCHEDULED,
            "pets": pets,
        }, day


def label(template: Template, days: set[date]) -> None:
    """What the example covers, counted by --hypothesis-show-statistics."""
    if SPRING_FORWARD in days:
        event("a visit on the spring-forward Sunday")
        if time(2, 0) <= template.time_of_day < time(3, 0):
            event("a visit at a time the clocks skip")
    if FALL_BACK in days:
        event("a visit on the fall-back Sunday")
        if time(1, 0) <= template.time_of_day < time(2, 0):
            event("a visit at a time the clocks repeat")
    event("visits made" if days else "no visit to make")


# --- The properties --------------------------------------------------------------------------


@properties
@with_edges
@given(case=cases())
def test_applying_a_template_twice_equals_applying_it_once(office_manager, sitter, jordan, case):
    start, end, now = case["start"], case["end"], case["now"]
    note(f"case = {case!r}")  # this hypothesis prints no argument by itself
    with rolled_back():
        template = a_template(case, jordan, sitter)
        expected = occurrences(template, start, end, now)
        label(template, expected)

        once = apply_template(
            template, start_date=start, end_date=end, actor=office_manager, now=now
        )
        after_once = visits_of(template)
        twice = apply_template(
            template, start_date=start, end_date=end, actor=office_manager, now=now
        )

        assert visits_of(template) == after_once
        assert (twice.created, twice.events) == (0, [])
        assert twice.skipped == once.created + once.skipped == len(expected)
        assert once.created == len(expected)
        assert set(after_once) == expected
        assert_made_by_the_rule(template, after_once)


@properties
@with_edges
@given(case=cases(overlapping=True))
def test_applying_over_overlapping_ranges_never_makes_two_visits_of_one_occurrence(
    office_manager, sitter, jordan, case
):
    now = case["now"]
    note(f"case = {case!r}")
    with rolled_back():
        template = a_template(case, jordan, sitter)
        first = occurrences(template, case["start"], case["end"], now)
        second = occurrences(template, case["start_2"], case["end_2"], now)
        label(template, first | second)
        if first & second:
            event("the ranges share visits")

        apply_template(
            template,
            start_date=case["start"],
            end_date=case["end"],
            actor=office_manager,
            now=now,
        )
        again = apply_template(
            template,
            start_date=case["start_2"],
            end_date=case["end_2"],
            actor=office_manager,
            now=now,
        )

        visits = visits_of(template)  # refuses two visits on one date
        assert ScheduledEvent.objects.filter(template=template).count() == len(visits)
        assert set(visits) == first | second
        assert (again.created, again.skipped) == (len(second - first), len(second & first))
        assert_made_by_the_rule(template, visits)
