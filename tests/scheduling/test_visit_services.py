"""The staff's visit services (scheduling.services.visits): schedule_event,
update_event, cancel, complete, confirm and decline, and the sitter's overlaps
(docs/design.md, "Scheduling" and "Scheduling for an inactive client"). Every
refusal, an inactive client's included, writes nothing; the client row lock
makes scheduling and Make Inactive race-safe (PostgreSQL)."""

from datetime import UTC, datetime, time, timedelta
from functools import partial

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import Client, ClientInactive
from clients.services import Deactivation, deactivate_client
from petcare import policy, roles
from scheduling.models import EventPet, EventStatus, ScheduledEvent
from scheduling.services.templates import apply_template, create_template
from scheduling.services.visits import (
    InvalidTransition,
    SitterOverlap,
    cancel_event,
    complete_event,
    confirm_request,
    decline_request,
    update_event,
)
from tests import helpers
from tests.factories import (
    ClientFactory,
    ClientLoginFactory,
    OfficeManagerFactory,
    PetFactory,
    ScheduledEventFactory,
    ServiceTypeFactory,
    SitterFactory,
    UserFactory,
)
from tests.helpers import NEW_YORK, days_ahead, race, refusal_codes, run_while_held
from tests.scheduling.helpers import (
    DAY,
    INACTIVE_MESSAGE,
    NOW,
    TUE,
    db_state,
    schedule,
    template_fields,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=DAY)


def make_inactive_keeping_visits(client, *, actor) -> None:
    """Make Inactive with "Delete all future scheduled services" unchecked."""
    deactivate_client(client, actor=actor, delete_future_events=False, delete_templates=False)


# --- ClientInactive ----------------------------------------------------------------


def test_client_inactive_says_who_and_what_to_do(jordan):
    assert str(ClientInactive(jordan)) == INACTIVE_MESSAGE


# --- schedule_event ----------------------------------------------------------------


def test_schedule_event_puts_a_scheduled_visit_for_the_clients_pets_on_the_schedule(
    jordan, pets, walk, sitter, staff
):
    event = schedule(
        jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9, 15), notes=" Gate\r\n2 "
    )

    event.refresh_from_db()
    assert event.client == jordan
    assert event.status == EventStatus.SCHEDULED
    assert event.sitter == sitter
    assert event.service_type == walk
    assert (event.starts_at, event.ends_at) == (at(9, 15), at(9, 45))
    assert event.template is None
    assert event.notes == "Gate\n2"
    assert sorted(p.name for p in event.pets.all()) == ["Biscuit", "Mochi"]


def test_schedule_event_takes_an_end_other_than_the_services_duration(jordan, pets, walk, staff):
    event = schedule(jordan, pets, walk, actor=staff, starts_at=at(9), ends_at=at(10, 30))

    assert (event.starts_at, event.ends_at) == (at(9), at(10, 30))


def test_schedule_event_may_leave_the_sitter_unassigned(jordan, pets, walk, staff):
    assert schedule(jordan, pets[:1], walk, actor=staff).sitter is None


def test_schedule_event_records_a_visit_in_the_past(jordan, pets, walk, staff):
    """Staff may put a visit that already happened on the schedule, to complete it."""
    yesterday = timezone.now() - timedelta(days=1)

    event = schedule(jordan, pets, walk, actor=staff, starts_at=yesterday)

    assert complete_event(event, actor=staff).status == EventStatus.COMPLETED


def test_schedule_event_lasts_the_real_duration_across_fall_back(jordan, pets, staff):
    overnight = ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=12))
    # 19:00 EDT the evening before New York falls back.
    starts_at = datetime(2031, 11, 1, 19, tzinfo=NEW_YORK)

    event = schedule(jordan, pets, overnight, actor=staff, starts_at=starts_at)

    event.refresh_from_db()
    assert event.ends_at == datetime(2031, 11, 2, 11, tzinfo=UTC)  # 06:00 EST
    assert event.ends_at - event.starts_at == timedelta(hours=12)


def test_schedule_event_costs_the_same_queries_for_one_pet_or_many(walk, sitter, staff):
    assert policy.may_schedule_visits(staff)  # permissions read once per actor

    def queries_for(pet_count: int) -> int:
        client = ClientFactory()
        pets = PetFactory.create_batch(pet_count, client=client)
        with CaptureQueriesContext(connection) as captured:
            schedule(client, pets, walk, actor=staff, sitter=sitter, starts_at=at(8 + pet_count))
        return len(captured)

    assert queries_for(1) == queries_for(6)


@pytest.mark.parametrize(
    "ends_at", [at(9), at(8, 59)], ids=["ends-when-it-starts", "ends-before-it-starts"]
)
def test_schedule_event_refuses_an_end_not_after_the_start(jordan, pets, walk, staff, ends_at):
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, pets, walk, actor=staff, starts_at=at(9), ends_at=ends_at)

    assert refusal_codes(refused.value) == {"ends_at": ["ends_before_start"]}
    assert refused.value.message_dict == {"ends_at": ["The visit must end after it starts."]}
    assert not ScheduledEvent.objects.exists()


def test_schedule_event_needs_at_least_one_pet(jordan, walk, staff):
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, [], walk, actor=staff)

    assert refused.value.message_dict == {"pets": ["Choose at least one pet."]}
    assert not ScheduledEvent.objects.exists()


def test_schedule_event_refuses_another_clients_pet(jordan, pets, walk, staff):
    rex = PetFactory(client=ClientFactory(), name="Rex")

    with pytest.raises(ValidationError) as refused:
        schedule(jordan, [pets[0], rex], walk, actor=staff)

    assert refused.value.message_dict == {"pets": ["Choose only Jordan Reyes's pets."]}
    assert not ScheduledEvent.objects.exists()
    assert not EventPet.objects.exists()


def test_schedule_event_refuses_an_unknown_pet_id(jordan, walk, staff):
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, [987654], walk, actor=staff)

    assert refusal_codes(refused.value) == {"pets": ["not_own_pet"]}


def test_schedule_event_refuses_an_archived_service_type(jordan, pets, staff):
    taxi = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        schedule(jordan, pets, taxi, actor=staff)

    assert refused.value.message_dict == {
        "service_type": ["Pet taxi is archived: choose a service that is offered."]
    }
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "make_sitter",
    [
        lambda: ClientLoginFactory(),
        lambda: UserFactory(),  # staff, but in no role
        lambda: SitterFactory(is_active=False),
    ],
    ids=["client-login", "no-role", "deactivated-login"],
)
def test_schedule_event_refuses_a_sitter_who_isnt_staff(
    roles, jordan, pets, walk, staff, make_sitter
):
    sitter = make_sitter()
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, pets, walk, actor=staff, sitter=sitter)

    assert refused.value.message_dict == {
        "sitter": [
            f"{sitter} can't be given visits (they have left, or aren't a sitter): "
            "choose another sitter."
        ]
    }
    assert not ScheduledEvent.objects.exists()


def test_schedule_event_takes_an_office_manager_or_admin_only_when_in_the_sitter_group(
    jordan, pets, walk, staff, admin_user
):
    for office in (staff, admin_user):
        with pytest.raises(ValidationError, match="aren't a sitter"):
            schedule(jordan, pets, walk, actor=staff, sitter=office, starts_at=at(9))
    assert not ScheduledEvent.objects.exists()

    # An owner who also walks dogs is in the Sitter group too.
    admin_user.groups.add(Group.objects.get(name=roles.SITTER))
    assert schedule(jordan, pets, walk, actor=staff, sitter=admin_user, starts_at=at(9)).pk


def test_schedule_event_refuses_notes_over_the_limit(jordan, pets, walk, staff):
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, pets, walk, actor=staff, notes="x" * 1001)

    assert refusal_codes(refused.value) == {"notes": ["max_length"]}


def test_schedule_event_reports_every_refusal_at_once(jordan, walk, staff):
    taxi = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        schedule(
            jordan,
            [],
            taxi,
            actor=staff,
            sitter=ClientLoginFactory(),
            starts_at=at(9),
            ends_at=at(8),
        )

    assert set(refusal_codes(refused.value)) == {"service_type", "pets", "sitter", "ends_at"}


def test_schedule_event_needs_aware_times(jordan, pets, walk, staff):
    with pytest.raises(ValueError, match="aware"):
        schedule(jordan, pets, walk, actor=staff, starts_at=datetime(2031, 6, 10, 9))


def test_schedule_event_refuses_an_inactive_client_with_the_message(walk, staff):
    client = ClientFactory(name="Jordan Reyes", is_active=False, deactivated_at=timezone.now())
    pet = PetFactory(client=client)

    with pytest.raises(ClientInactive) as refused:
        schedule(client, [pet], walk, actor=staff)

    assert str(refused.value) == INACTIVE_MESSAGE
    assert refused.value.client == client
    assert not ScheduledEvent.objects.exists()


def test_schedule_event_rereads_the_client_made_inactive_since(jordan, pets, walk, staff):
    stale = Client.objects.get(pk=jordan.pk)
    deactivate_client(jordan, actor=staff)

    with pytest.raises(ClientInactive, match=r"^Jordan Reyes is inactive"):
        schedule(stale, pets, walk, actor=staff)

    assert not ScheduledEvent.objects.exists()


def test_inactive_wins_over_bad_input(jordan, walk, staff):
    deactivate_client(jordan, actor=staff)

    with pytest.raises(ClientInactive):
        schedule(jordan, [], walk, actor=staff, ends_at=at(8))


# --- overlaps ----------------------------------------------------------------------


def test_schedule_event_refuses_a_sitters_overlapping_visit_and_names_it(
    jordan, pets, walk, sitter, staff
):
    sitter.first_name, sitter.last_name = "Sam", "Patel"
    sitter.save()
    olivia = ClientFactory(name="Olivia Bennett")
    first = schedule(olivia, [PetFactory(client=olivia)], walk, actor=staff, sitter=sitter)

    with pytest.raises(SitterOverlap) as refused:
        schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9, 15))

    assert refused.value.overlaps == [first]
    assert refused.value.sitter == sitter
    assert str(refused.value) == (
        "Sam Patel already has 1 visit at that time: "
        "30 min dog walk for Olivia Bennett, Tue Jun 10 9:00 AM to 9:30 AM."
    )
    assert not ScheduledEvent.objects.filter(client=jordan).exists()


def test_sitter_overlap_counts_every_overlapping_visit(jordan, pets, walk, sitter, staff):
    hour = ServiceTypeFactory(name="60 min dog walk", duration=timedelta(hours=1))
    schedule(jordan, pets[:1], walk, actor=staff, sitter=sitter, starts_at=at(9))
    schedule(jordan, pets[:1], walk, actor=staff, sitter=sitter, starts_at=at(9, 30))

    with pytest.raises(SitterOverlap, match="already has 2 visits at that time") as refused:
        schedule(jordan, pets, hour, actor=staff, sitter=sitter, starts_at=at(9))

    assert len(refused.value.overlaps) == 2


def test_schedule_event_with_allow_overlap_books_the_sitter_twice(
    jordan, pets, walk, sitter, staff
):
    schedule(jordan, pets[:1], walk, actor=staff, sitter=sitter)

    second = schedule(jordan, pets[1:], walk, actor=staff, sitter=sitter, allow_overlap=True)

    assert second.pk
    assert ScheduledEvent.objects.filter(sitter=sitter).count() == 2


def test_back_to_back_visits_do_not_overlap(jordan, pets, walk, sitter, staff):
    schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))

    assert schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9, 30)).pk
    assert schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(8, 30)).pk


@pytest.mark.parametrize("status", [EventStatus.CANCELED, EventStatus.COMPLETED])
def test_canceled_and_completed_visits_do_not_overlap(jordan, pets, walk, sitter, staff, status):
    ScheduledEventFactory(client=jordan, sitter=sitter, starts_at=at(9), status=status)

    assert schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9)).pk


def test_a_requested_visit_of_the_sitter_overlaps(jordan, pets, walk, sitter, staff):
    ScheduledEventFactory(
        client=jordan, sitter=sitter, starts_at=at(9), status=EventStatus.REQUESTED
    )

    with pytest.raises(SitterOverlap):
        schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))


def test_another_sitters_visit_does_not_overlap(jordan, pets, walk, sitter, staff):
    schedule(jordan, pets, walk, actor=staff, sitter=SitterFactory(), starts_at=at(9))

    assert schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9)).pk


# --- update_event ------------------------------------------------------------------


def test_update_event_moves_the_visit_and_changes_what_it_is(jordan, pets, walk, sitter, staff):
    event = schedule(jordan, pets[:1], walk, actor=staff)
    hour = ServiceTypeFactory(name="60 min dog walk", duration=timedelta(hours=1))

    updated = update_event(
        event,
        service_type=hour,
        pets=pets[1:],
        sitter=sitter,
        starts_at=at(14),
        notes="Moved to the afternoon.",
        actor=staff,
    )

    assert updated is event
    event.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (at(14), at(15))
    assert (event.service_type, event.sitter, event.client) == (hour, sitter, jordan)
    assert event.status == EventStatus.SCHEDULED
    assert event.notes == "Moved to the afternoon."
    assert list(event.pets.all()) == [pets[1]]


def test_update_event_keeps_a_request_requested(jordan, pets, walk, sitter, staff):
    request = ScheduledEventFactory(client=jordan, status=EventStatus.REQUESTED)

    update_event(
        request, service_type=walk, pets=pets, sitter=sitter, starts_at=at(10), actor=staff
    )

    request.refresh_from_db()
    assert (request.status, request.sitter) == (EventStatus.REQUESTED, sitter)


def test_update_event_keeps_a_template_visit_linked_to_its_occurrence(jordan, pets, walk, staff):
    template = create_template(
        client=jordan,
        service_type=walk,
        pets=pets,
        weekdays=[TUE],
        time_of_day=time(9),
        first_date=DAY,
        actor=staff,
    )
    [event] = apply_template(template, start_date=DAY, end_date=DAY, actor=staff, now=NOW).events

    update_event(event, service_type=walk, pets=pets, sitter=None, starts_at=at(16), actor=staff)

    event.refresh_from_db()
    assert (event.template, event.occurrence_date) == (template, DAY)


def test_update_event_costs_the_same_queries_for_one_pet_or_many(walk, staff):
    def queries_for(pet_count: int) -> int:
        client = ClientFactory()
        pets = PetFactory.create_batch(pet_count, client=client)
        event = schedule(client, pets[:1], walk, actor=staff)
        with CaptureQueriesContext(connection) as captured:
            update_event(
                event, service_type=walk, pets=pets[1:], sitter=None, starts_at=at(11), actor=staff
            )
        assert set(event.pets.all()) == set(pets[1:])
        return len(captured)

    assert queries_for(2) == queries_for(7)


@pytest.mark.parametrize("status", [EventStatus.COMPLETED, EventStatus.CANCELED])
def test_update_event_refuses_a_completed_or_canceled_visit(jordan, pets, walk, staff, status):
    event = ScheduledEventFactory(client=jordan, starts_at=at(9), status=status)
    before = db_state()

    with pytest.raises(InvalidTransition) as refused:
        update_event(
            event, service_type=walk, pets=pets, sitter=None, starts_at=at(15), actor=staff
        )

    assert str(refused.value) == f"This visit is already {status}; nothing was changed."
    assert db_state() == before


def test_update_event_refuses_bad_input_and_changes_nothing(jordan, pets, walk, staff):
    event = schedule(jordan, pets, walk, actor=staff)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        update_event(
            event,
            service_type=walk,
            pets=[PetFactory(client=ClientFactory())],
            sitter=None,
            starts_at=at(15),
            ends_at=at(14),
            actor=staff,
        )

    assert set(refusal_codes(refused.value)) == {"pets", "ends_at"}
    assert db_state() == before


def test_update_event_refuses_to_move_an_inactive_clients_kept_visit(jordan, pets, walk, staff):
    event = schedule(jordan, pets, walk, actor=staff)
    make_inactive_keeping_visits(jordan, actor=staff)
    before = db_state()

    with pytest.raises(ClientInactive) as refused:
        update_event(
            event, service_type=walk, pets=pets, sitter=None, starts_at=at(15), actor=staff
        )

    assert str(refused.value) == INACTIVE_MESSAGE
    assert db_state() == before


def test_update_event_does_not_overlap_with_itself(jordan, pets, walk, sitter, staff):
    event = schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))

    update_event(
        event, service_type=walk, pets=pets, sitter=sitter, starts_at=at(9, 15), actor=staff
    )

    event.refresh_from_db()
    assert event.starts_at == at(9, 15)


def test_update_event_refuses_a_move_onto_the_sitters_other_visit(
    jordan, pets, walk, sitter, staff
):
    schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))
    event = schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(11))
    before = db_state()

    with pytest.raises(SitterOverlap):
        update_event(
            event, service_type=walk, pets=pets, sitter=sitter, starts_at=at(9), actor=staff
        )
    assert db_state() == before

    update_event(
        event,
        service_type=walk,
        pets=pets,
        sitter=sitter,
        starts_at=at(9),
        allow_overlap=True,
        actor=staff,
    )
    event.refresh_from_db()
    assert event.starts_at == at(9)


# --- transitions -------------------------------------------------------------------


S = EventStatus


TRANSITIONS = {
    # (action, from status): the status after, or the refusal's message.
    (cancel_event, S.REQUESTED): S.CANCELED,
    (cancel_event, S.SCHEDULED): S.CANCELED,
    (cancel_event, S.COMPLETED): "This visit is already completed; nothing was changed.",
    (cancel_event, S.CANCELED): "This visit is already canceled; nothing was changed.",
    (complete_event, S.SCHEDULED): S.COMPLETED,
    (complete_event, S.REQUESTED): (
        "This visit is a request that hasn't been confirmed yet: confirm or decline it. "
        "Nothing was changed."
    ),
    (complete_event, S.COMPLETED): "This visit is already completed; nothing was changed.",
    (complete_event, S.CANCELED): "This visit is already canceled; nothing was changed.",
    (confirm_request, S.REQUESTED): S.SCHEDULED,
    (confirm_request, S.SCHEDULED): "This visit is already confirmed; nothing was changed.",
    (confirm_request, S.COMPLETED): "This visit is already completed; nothing was changed.",
    (confirm_request, S.CANCELED): "This visit is already canceled; nothing was changed.",
    (decline_request, S.REQUESTED): S.CANCELED,
    (decline_request, S.SCHEDULED): (
        "This visit is already confirmed: cancel it instead. Nothing was changed."
    ),
    (decline_request, S.COMPLETED): "This visit is already completed; nothing was changed.",
    (decline_request, S.CANCELED): "This visit is already canceled; nothing was changed.",
}


@pytest.mark.parametrize(
    "action,status,outcome",
    [(action, status, outcome) for (action, status), outcome in TRANSITIONS.items()],
    ids=[f"{action.__name__}-from-{status}" for action, status in TRANSITIONS],
)
def test_visit_transitions(jordan, staff, action, status, outcome):
    event = ScheduledEventFactory(client=jordan, starts_at=at(9), status=status)

    if outcome in S.values:
        result = action(event, actor=staff)
        assert result.status == outcome
        assert ScheduledEvent.objects.get(pk=event.pk).status == outcome
    else:
        with pytest.raises(InvalidTransition) as refused:
            action(event, actor=staff)
        assert str(refused.value) == outcome
        assert refused.value.status == status
        assert ScheduledEvent.objects.get(pk=event.pk).status == status


@pytest.mark.parametrize("action", [cancel_event, complete_event, decline_request])
def test_cancel_complete_and_decline_are_one_conditional_update(
    jordan, staff, action, django_assert_num_queries
):
    status = S.REQUESTED if action is decline_request else S.SCHEDULED
    event = ScheduledEventFactory(client=jordan, status=status)
    assert policy.may_change_visits(staff)  # permissions read once per actor

    # In a savepoint: the UPDATE ... WHERE status IN (...), the refreshed row,
    # its line in the activity log.
    with django_assert_num_queries(5) as captured:
        action(event, actor=staff)

    update = captured.captured_queries[1]["sql"]
    assert update.startswith('UPDATE "scheduling_scheduledevent"')
    assert '"status" IN' in update or '"status" =' in update


def test_a_transition_on_a_stale_visit_reads_what_happened_meanwhile(jordan, staff):
    event = ScheduledEventFactory(client=jordan, status=S.SCHEDULED)
    complete_event(ScheduledEvent.objects.get(pk=event.pk), actor=staff)

    # `event` still says scheduled in memory.
    with pytest.raises(InvalidTransition, match="already completed"):
        cancel_event(event, actor=staff)

    assert ScheduledEvent.objects.get(pk=event.pk).status == S.COMPLETED


def test_a_transition_on_a_removed_visit_is_refused(jordan, staff):
    event = ScheduledEventFactory(client=jordan)
    ScheduledEvent.objects.filter(pk=event.pk).delete()

    with pytest.raises(InvalidTransition) as refused:
        cancel_event(event, actor=staff)

    assert str(refused.value) == "This visit no longer exists; nothing was changed."


@pytest.mark.parametrize(
    "action,status,after",
    [
        (cancel_event, S.SCHEDULED, S.CANCELED),
        (complete_event, S.SCHEDULED, S.COMPLETED),
        (decline_request, S.REQUESTED, S.CANCELED),
        (cancel_event, S.REQUESTED, S.CANCELED),
    ],
    ids=["cancel", "complete", "decline", "cancel-request"],
)
def test_staff_may_cancel_complete_and_decline_an_inactive_clients_kept_visits(
    jordan, staff, action, status, after
):
    event = ScheduledEventFactory(client=jordan, starts_at=timezone.now() + timedelta(days=2))
    ScheduledEvent.objects.filter(pk=event.pk).update(status=status)
    make_inactive_keeping_visits(jordan, actor=staff)
    assert ScheduledEvent.objects.filter(pk=event.pk).exists()

    assert action(event, actor=staff).status == after


def test_confirming_an_inactive_clients_kept_request_is_refused(jordan, staff, sitter):
    request = ScheduledEventFactory(
        client=jordan, starts_at=timezone.now() + timedelta(days=2), status=S.REQUESTED
    )
    make_inactive_keeping_visits(jordan, actor=staff)

    with pytest.raises(ClientInactive) as refused:
        confirm_request(request, actor=staff, sitter=sitter)

    assert str(refused.value) == INACTIVE_MESSAGE
    request.refresh_from_db()
    assert (request.status, request.sitter) == (S.REQUESTED, None)


# --- confirm_request ---------------------------------------------------------------


def test_confirm_request_schedules_it_with_the_sitter(jordan, staff, sitter):
    request = ScheduledEventFactory(client=jordan, starts_at=at(9), status=S.REQUESTED)

    confirmed = confirm_request(request, actor=staff, sitter=sitter)

    assert (confirmed.status, confirmed.sitter) == (S.SCHEDULED, sitter)
    request.refresh_from_db()
    assert (request.status, request.sitter) == (S.SCHEDULED, sitter)


def test_confirm_request_without_a_sitter_keeps_the_one_it_has(jordan, staff, sitter):
    request = ScheduledEventFactory(
        client=jordan, starts_at=at(9), status=S.REQUESTED, sitter=sitter
    )

    assert confirm_request(request, actor=staff).sitter == sitter


def test_confirm_request_refuses_a_sitter_who_isnt_staff(jordan, staff):
    request = ScheduledEventFactory(client=jordan, starts_at=at(9), status=S.REQUESTED)

    with pytest.raises(ValidationError) as refused:
        confirm_request(request, actor=staff, sitter=ClientLoginFactory())

    assert refusal_codes(refused.value) == {"sitter": ["not_staff"]}
    assert ScheduledEvent.objects.get(pk=request.pk).status == S.REQUESTED


def test_confirm_request_refuses_an_overlap_unless_allowed(jordan, pets, walk, staff, sitter):
    schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))
    request = ScheduledEventFactory(client=jordan, starts_at=at(9, 15), status=S.REQUESTED)

    with pytest.raises(SitterOverlap):
        confirm_request(request, actor=staff, sitter=sitter)
    assert ScheduledEvent.objects.get(pk=request.pk).status == S.REQUESTED

    confirmed = confirm_request(request, actor=staff, sitter=sitter, allow_overlap=True)
    assert (confirmed.status, confirmed.sitter) == (S.SCHEDULED, sitter)


# --- The client row lock (PostgreSQL: SQLite has no row locks) ---------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "act",
    [
        lambda c, p, s, a: schedule(c, p, s, actor=a),
        lambda c, p, s, a: update_event(
            schedule(c, p, s, actor=a),
            service_type=s,
            pets=p,
            sitter=None,
            starts_at=at(10),
            actor=a,
        ),
        lambda c, p, s, a: create_template(client=c, actor=a, **template_fields(p, s)),
    ],
    ids=["schedule_event", "update_event", "create_template"],
)
def test_scheduling_locks_the_client_row_for_update(jordan, pets, walk, staff, act):
    with CaptureQueriesContext(connection) as captured:
        act(jordan, pets, walk, staff)

    locks = [
        q["sql"] for q in captured.captured_queries if 'FOR UPDATE OF "clients_client"' in q["sql"]
    ]
    assert locks, captured.captured_queries
    assert all('FROM "clients_client"' in sql for sql in locks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_schedule_event_and_make_inactive_never_leave_a_visit_for_an_inactive_client(
    roles, walk
):
    actor = OfficeManagerFactory()
    outcomes = []
    for _ in range(10):
        client = ClientFactory(name="Jordan Reyes")
        pet = PetFactory(client=client)

        deactivated, booked = race(
            partial(deactivate_client, client, actor=actor, delete_future_events=True),
            partial(schedule, client, [pet], walk, actor=actor, starts_at=days_ahead(1, time(10))),
        )

        assert isinstance(deactivated, Deactivation), deactivated
        if isinstance(booked, ScheduledEvent):
            # It committed first: Make Inactive removed it.
            assert deactivated.events_removed == 1
            outcomes.append("scheduled, then removed")
        else:
            assert isinstance(booked, ClientInactive), booked
            assert str(booked) == INACTIVE_MESSAGE
            assert deactivated.events_removed == 0
            outcomes.append("refused")
        assert not Client.objects.get(pk=client.pk).is_active
        assert not ScheduledEvent.objects.upcoming(now=timezone.now()).for_client(client).exists()
    print("schedule_event vs Make Inactive:", outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedule_event_waits_for_make_inactive_then_is_refused(roles, walk):
    """The deterministic half of the race: Make Inactive holds the lock first."""
    actor = OfficeManagerFactory()
    client = ClientFactory(name="Jordan Reyes")
    pet = PetFactory(client=client)

    deactivated, booked, waited = run_while_held(
        lambda: deactivate_client(client, actor=actor),
        lambda: schedule(client, [pet], walk, actor=actor, starts_at=days_ahead(1, time(10))),
    )

    assert waited, "schedule_event did not wait for the client's row lock"
    assert isinstance(deactivated, Deactivation)
    assert isinstance(booked, ClientInactive), booked
    assert not ScheduledEvent.objects.filter(client=client).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_visit_scheduled_first_holds_make_inactive_back_and_is_removed_by_it(roles, walk):
    """The other half: scheduling holds the lock first; Make Inactive waits
    for its commit, then removes the visit."""
    actor = OfficeManagerFactory()
    client = ClientFactory(name="Jordan Reyes")
    pet = PetFactory(client=client)

    booked, deactivated, waited = run_while_held(
        lambda: schedule(client, [pet], walk, actor=actor, starts_at=days_ahead(1, time(10))),
        lambda: deactivate_client(Client.objects.get(pk=client.pk), actor=actor),
    )

    assert waited, "Make Inactive did not wait for the client's row lock"
    assert isinstance(booked, ScheduledEvent), booked
    assert isinstance(deactivated, Deactivation), deactivated
    assert deactivated.events_removed == 1
    assert not ScheduledEvent.objects.filter(client=client).exists()
