"""Make Inactive's rule as a property (docs/design.md, "Make Inactive" 2-4):
for any visits of any status at any time around "now" (daylight-saving days
in New York and visits starting exactly at now included), any templates and
either option, it removes exactly the client's visits that start at or after
now and are still requested or scheduled (when "Delete all future scheduled
services" is on), the client's templates (when "Delete templates" is on),
and leaves every other row as it was: a removed template only empties the
template link of its visits.

Hypothesis does not reset the database between examples: each example runs
in a transaction that is rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from api.models import ApiToken
from api.tokens import issue_token
from clients.models import Client, ClientStatusChange, Pet, StatusAction
from clients.services import deactivate_client
from petcare.models import ActivityEntry, User
from scheduling.models import (
    OPEN_STATUSES,
    EventPet,
    EventStatus,
    ScheduledEvent,
    Template,
    TemplatePet,
)
from tests import factories
from tests.helpers import NEW_YORK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

EXAMPLES = 50  # for each of the four combinations of options

# Moments around which "now" falls: New York's clocks jump from 02:00 EST to
# 03:00 EDT on 2027-03-14 and back from 02:00 EDT to 01:00 EST on 2027-11-07.
SPRING_FORWARD = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
FALL_BACK = datetime(2027, 11, 7, 6, 0, tzinfo=UTC)
AN_ORDINARY_DAY = datetime(2027, 6, 15, 16, 0, tzinfo=UTC)
DST_DAYS = [date(2027, 3, 14), date(2027, 11, 7)]

HOUR = 3600


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

nows = st.builds(
    lambda anchor, seconds, micro: anchor + timedelta(seconds=seconds, microseconds=micro),
    st.sampled_from([SPRING_FORWARD, FALL_BACK, AN_ORDINARY_DAY]),
    st.integers(-30 * HOUR, 30 * HOUR),
    st.sampled_from([0, 1, 500_000, 999_999]),
)

# A visit's start relative to now: exactly now, a hair either side, or up to
# three days either way.
relative_starts = st.one_of(
    st.just(timedelta(0)),
    st.sampled_from(
        [timedelta(microseconds=1), timedelta(seconds=1), timedelta(minutes=1)]
    ).flatmap(lambda step: st.sampled_from([step, -step])),
    st.integers(-3 * 24 * 60, 3 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes)),
)
# Or a wall-clock time on a daylight-saving day in New York, either fold (a
# time in the spring gap or the autumn overlap included).
wall_clock_starts = st.builds(
    lambda day, at, fold: datetime.combine(day, at, tzinfo=NEW_YORK).replace(fold=fold),
    st.sampled_from(DST_DAYS),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.sampled_from([0, 1]),
)

visits = st.fixed_dictionaries(
    {
        "jane": st.booleans(),  # Jane's, or her neighbour's
        "start": st.one_of(relative_starts, wall_clock_starts),
        "minutes": st.integers(1, 12 * 60),
        "status": st.sampled_from(EventStatus.values),
        "pets": st.integers(0, 2),
        "template": st.none() | st.integers(0, 2),  # which of its client's templates
        "notes": st.sampled_from(["", "gate code 1234"]),
        "sitter": st.booleans(),
    }
)

cases = st.fixed_dictionaries(
    {
        "now": nows,
        "visits": st.lists(visits, max_size=8),
        "templates": st.tuples(st.integers(0, 3), st.integers(0, 2)),
    }
)


# --- Rows ---------------------------------------------------------------------------------

MODELS = [
    Client,
    Pet,
    User,
    ApiToken,
    ScheduledEvent,
    EventPet,
    Template,
    TemplatePet,
    ClientStatusChange,
    ActivityEntry,
]


def rows() -> dict[str, dict[int, dict]]:
    """Every row of the tables Make Inactive could reach, by table and pk, as
    the database returns them (raw SQL: the ORM would cost most of the run)."""
    snapshot = {}
    with connection.cursor() as cursor:
        for model in MODELS:
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            names = [column[0] for column in cursor.description]
            snapshot[table] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
            assert names[0] == "id"
    return snapshot


def start_of(visit: dict, now: datetime) -> datetime:
    start = visit["start"]
    return now + start if isinstance(start, timedelta) else start.astimezone(UTC)


@pytest.fixture
def households(office_manager):
    """Jane and her neighbour, each with two pets and a login signed in to the app."""
    service = factories.ServiceTypeFactory()
    result = {}
    for is_jane in (True, False):
        client = factories.ClientFactory(name="Jane Cooper" if is_jane else "Neighbour")
        login = factories.ClientLoginFactory(client=client)
        issue_token(login)
        result[is_jane] = (client, factories.PetFactory.create_batch(2, client=client))
    return service, result


def arrange(case: dict, service, households, sitter) -> dict[int, dict]:
    """The case's templates and visits; returns each visit's spec by its pk."""
    templates = {}
    for is_jane, count in zip((True, False), case["templates"], strict=True):
        client, pets = households[is_jane]
        templates[is_jane] = Template.objects.bulk_create(
            Template(
                client=client,
                service_type=service,
                weekdays=[i],
                time_of_day=time(9, 0),
                first_date=date(2027, 1, 1),
            )
            for i in range(count)
        )
        TemplatePet.objects.bulk_create(
            TemplatePet(template=template, pet=pet)
            for template in templates[is_jane]
            for pet in pets[: 1 + template.weekdays[0] % 2]
        )
    now = case["now"]
    events = []
    for i, spec in enumerate(case["visits"]):
        client, _ = households[spec["jane"]]
        own = templates[spec["jane"]]
        template = (
            own[spec["template"] % len(own)] if own and spec["template"] is not None else None
        )
        starts_at = start_of(spec, now)
        events.append(
            ScheduledEvent(
                client=client,
                service_type=service,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=spec["minutes"]),
                status=spec["status"],
                template=template,
                occurrence_date=date(2027, 1, 1) + timedelta(days=i) if template else None,
                notes=spec["notes"],
                sitter=sitter if spec["sitter"] else None,
            )
        )
    events = ScheduledEvent.objects.bulk_create(events)
    EventPet.objects.bulk_create(
        EventPet(event=event, pet=pet)
        for event, spec in zip(events, case["visits"], strict=True)
        for pet in households[spec["jane"]][1][: spec["pets"]]
    )
    return {event.pk: spec for event, spec in zip(events, case["visits"], strict=True)}


def expected_rows(before, case, specs, jane) -> tuple[dict, int, int]:
    """The rows after Make Inactive, by the rule (docs/design.md, "Make
    Inactive"), but for the rows it writes (Jane's, her history and her
    activity log: compared apart); and how many visits and templates go."""
    now = case["now"]
    removed_visits = {
        pk
        for pk, spec in specs.items()
        if case["delete_future_events"]
        and spec["jane"]
        and spec["status"] in OPEN_STATUSES
        and start_of(spec, now) >= now
    }
    removed_templates = {
        pk
        for pk, row in before["scheduling_template"].items()
        if case["delete_templates"] and row["client_id"] == jane.pk
    }
    expected = {table: dict(table_rows) for table, table_rows in before.items()}
    expected["scheduling_scheduledevent"] = {
        pk: row | ({"template_id": None} if row["template_id"] in removed_templates else {})
        for pk, row in before["scheduling_scheduledevent"].items()
        if pk not in removed_visits
    }
    expected["scheduling_eventpet"] = {
        pk: row
        for pk, row in before["scheduling_eventpet"].items()
        if row["event_id"] not in removed_visits
    }
    expected["scheduling_template"] = {
        pk: row for pk, row in before["scheduling_template"].items() if pk not in removed_templates
    }
    expected["scheduling_templatepet"] = {
        pk: row
        for pk, row in before["scheduling_templatepet"].items()
        if row["template_id"] not in removed_templates
    }
    expected["petcare_user"] = {
        pk: row | ({"auth_epoch": row["auth_epoch"] + 1} if row["client_id"] == jane.pk else {})
        for pk, row in before["petcare_user"].items()
    }
    return expected, len(removed_visits), len(removed_templates)


def written(before: dict, after: dict, table: str) -> list[int]:
    """The pks of the rows added to ``table``; both snapshots lose that table."""
    old, new = before.pop(table), after.pop(table)
    assert old.items() <= new.items()
    return sorted(new.keys() - old.keys())


def label(case: dict) -> None:
    """What the example covers, counted by --hypothesis-show-statistics."""
    now = case["now"]
    if now.astimezone(NEW_YORK).date() in DST_DAYS:
        event("now on a daylight-saving day")
    visits = [(spec, start_of(spec, now)) for spec in case["visits"]]
    if any(starts_at == now for _, starts_at in visits):
        event("a visit starts exactly at now")
    if case["delete_future_events"] and any(
        spec["jane"] and spec["status"] in OPEN_STATUSES and starts_at >= now
        for spec, starts_at in visits
    ):
        event("visits removed")
    if (
        case["delete_templates"]
        and case["templates"][0]
        and any(spec["jane"] and spec["template"] is not None for spec, _ in visits)
    ):
        event("a removed template had visits")


OPTIONS = [
    pytest.param({"delete_future_events": events, "delete_templates": templates}, id=name)
    for events, templates, name in [
        (True, True, "both"),
        (True, False, "visits-only"),
        (False, True, "templates-only"),
        (False, False, "neither"),
    ]
]


# The fixtures run once for all the examples, which roll back what they write.
@pytest.mark.parametrize("options", OPTIONS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=cases)
def test_make_inactive_removes_exactly_what_the_rule_names_and_nothing_else(
    office_manager, households, options, case
):
    case = case | options
    service, households = households
    jane = households[True][0]
    jane_row = Client.objects.filter(pk=jane.pk).values()
    now = case["now"]
    note(f"case = {case!r}")  # this hypothesis prints no argument by itself
    label(case)
    with rolled_back():
        specs = arrange(case, service, households, sitter=office_manager)
        jane_before = jane_row.get()
        before = rows()

        result = deactivate_client(
            jane,
            actor=office_manager,
            delete_future_events=case["delete_future_events"],
            delete_templates=case["delete_templates"],
            now=now,
        )

        after = rows()
        expected, events_removed, templates_removed = expected_rows(before, case, specs, jane)
        assert (result.events_removed, result.templates_removed) == (
            events_removed,
            templates_removed,
        )
        # What Make Inactive writes: Jane's status, one history row, one
        # activity entry.
        assert jane_row.get() == jane_before | {
            "is_active": False,
            "deactivated_at": now,
            "deactivated_by_id": office_manager.pk,
            "updated_at": result.client.updated_at,
        }
        del expected["clients_client"][jane.pk], after["clients_client"][jane.pk]
        (history,) = written(expected, after, "clients_clientstatuschange")
        assert ClientStatusChange.objects.filter(pk=history).values(
            "client",
            "action",
            "actor",
            "changed_at",
            "delete_future_events",
            "delete_templates",
            "events_removed",
            "templates_removed",
        ).get() == {
            "client": jane.pk,
            "action": StatusAction.DEACTIVATED,
            "actor": office_manager.pk,
            "changed_at": now,
            "delete_future_events": case["delete_future_events"],
            "delete_templates": case["delete_templates"],
            "events_removed": events_removed,
            "templates_removed": templates_removed,
        }
        (entry,) = written(expected, after, "petcare_activityentry")
        assert ActivityEntry.objects.filter(pk=entry).values(
            "action", "client", "object_id", "at"
        ).get() == {
            "action": "client.deactivated",
            "client": jane.pk,
            "object_id": jane.pk,
            "at": now,
        }
        # Every other row as the rule says.
        assert after == expected
