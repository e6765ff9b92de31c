"""Staff scheduling services: visits, their transitions, templates and their
application; every refusal (inactive client included) writes nothing; the
client row lock makes scheduling and Make Inactive race-safe (PostgreSQL)."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import Client, ClientInactive
from clients.services import Deactivation, deactivate_client
from petcare import policy
from scheduling.models import EventPet, EventStatus, ScheduledEvent, Template, TemplatePet
from scheduling.services.templates import (
    MAX_APPLY_DAYS,
    TemplateApplication,
    apply_template,
    create_template,
    delete_template,
    update_template,
)
from scheduling.services.visits import (
    InvalidTransition,
    SitterOverlap,
    cancel_event,
    complete_event,
    confirm_request,
    decline_request,
    schedule_event,
    update_event,
)
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

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# A fixed day in June (no DST change near), well in the future.
DAY = date(2031, 6, 10)  # a Tuesday
NOW = datetime(2031, 6, 2, 12, 0, tzinfo=NEW_YORK)  # the Monday of the week before
INACTIVE_MESSAGE = "Jordan Reyes is inactive. Re-Activate the client to schedule services."
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(hour: int, minute: int = 0, *, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def business_in_new_york(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def jordan():
    return ClientFactory(name="Jordan Reyes")


@pytest.fixture
def pets(jordan):
    return [PetFactory(client=jordan, name="Biscuit"), PetFactory(client=jordan, name="Mochi")]


@pytest.fixture
def walk():
    return ServiceTypeFactory(name="30 min dog walk", duration=timedelta(minutes=30))


@pytest.fixture
def staff(office_manager):
    """Who acts: an office manager."""
    return office_manager


def refusal_codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def schedule(client, pets, service, *, actor, **kwargs) -> ScheduledEvent:
    values = {"starts_at": at(9)} | kwargs
    return schedule_event(client=client, service_type=service, pets=pets, actor=actor, **values)


def make_inactive_keeping_visits(client, *, actor) -> None:
    """Make Inactive with "Delete all future scheduled services" unchecked."""
    deactivate_client(client, actor=actor, delete_future_events=False, delete_templates=False)


def db_state() -> dict[str, list]:
    """Everything the schedule services write, to compare before and after a refusal."""
    return {
        "events": list(ScheduledEvent.objects.order_by("pk").values()),
        "event_pets": list(EventPet.objects.order_by("pk").values()),
        "templates": list(Template.objects.order_by("pk").values()),
        "template_pets": list(TemplatePet.objects.order_by("pk").values()),
    }


# --- ClientInactive -------------------------------------------------------------------


def test_client_inactive_says_who_and_what_to_do(jordan):
    assert str(ClientInactive(jordan)) == INACTIVE_MESSAGE


# --- schedule_event ---------------------------------------------------------------


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
    with pytest.raises(ValidationError) as refused:
        schedule(jordan, pets, walk, actor=staff, sitter=make_sitter())

    assert refused.value.message_dict == {"sitter": ["Choose a sitter from the staff."]}
    assert not ScheduledEvent.objects.exists()


def test_schedule_event_takes_an_office_manager_or_admin_as_sitter(
    jordan, pets, walk, staff, admin_user
):
    assert schedule(jordan, pets, walk, actor=staff, sitter=staff, starts_at=at(9)).pk
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


# --- transitions ---------------------------------------------------------------------

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

    # The UPDATE ... WHERE status IN (...), then the refreshed row.
    with django_assert_num_queries(2) as captured:
        action(event, actor=staff)

    update = captured.captured_queries[0]["sql"]
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


# --- confirm_request -----------------------------------------------------------------


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

    assert refused.value.message_dict == {"sitter": ["Choose a sitter from the staff."]}
    assert ScheduledEvent.objects.get(pk=request.pk).status == S.REQUESTED


def test_confirm_request_refuses_an_overlap_unless_allowed(jordan, pets, walk, staff, sitter):
    schedule(jordan, pets, walk, actor=staff, sitter=sitter, starts_at=at(9))
    request = ScheduledEventFactory(client=jordan, starts_at=at(9, 15), status=S.REQUESTED)

    with pytest.raises(SitterOverlap):
        confirm_request(request, actor=staff, sitter=sitter)
    assert ScheduledEvent.objects.get(pk=request.pk).status == S.REQUESTED

    confirmed = confirm_request(request, actor=staff, sitter=sitter, allow_overlap=True)
    assert (confirmed.status, confirmed.sitter) == (S.SCHEDULED, sitter)


# --- templates -------------------------------------------------------------------------


def template_fields(pets, service, **changes) -> dict:
    return {
        "service_type": service,
        "pets": pets,
        "weekdays": [FRI, MON, WED],
        "time_of_day": time(9, 30),
        "first_date": DAY,
        "last_date": None,
    } | changes


def test_create_template_saves_the_recurring_schedule_without_creating_visits(
    jordan, pets, walk, sitter, staff
):
    template = create_template(
        client=jordan, sitter=sitter, actor=staff, **template_fields(pets, walk)
    )

    template.refresh_from_db()
    assert template.client == jordan
    assert (template.service_type, template.sitter) == (walk, sitter)
    assert template.weekdays == [MON, WED, FRI]
    assert (template.time_of_day, template.first_date, template.last_date) == (
        time(9, 30),
        DAY,
        None,
    )
    assert sorted(p.name for p in template.pets.all()) == ["Biscuit", "Mochi"]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"weekdays": []}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": [7]}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": ["mon"]}, "weekdays", "Choose at least one day of the week."),
        (
            {"last_date": DAY - timedelta(days=1)},
            "last_date",
            "The last date cannot be before the first date.",
        ),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"time_of_day": None}, "time_of_day", "This field cannot be null."),
    ],
    ids=["no-weekday", "weekday-7", "weekday-text", "last-before-first", "no-pets", "no-time"],
)
def test_create_template_refuses_bad_input_and_writes_nothing(
    jordan, pets, walk, staff, changes, field, message
):
    with pytest.raises(ValidationError) as refused:
        create_template(client=jordan, actor=staff, **(template_fields(pets, walk) | changes))

    assert refused.value.message_dict == {field: [message]}
    assert not Template.objects.exists()
    assert not TemplatePet.objects.exists()


def test_create_template_refuses_another_clients_pet_an_archived_service_and_a_non_staff_sitter(
    jordan, pets, staff
):
    taxi = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        create_template(
            client=jordan,
            sitter=ClientLoginFactory(),
            actor=staff,
            **template_fields([pets[0], PetFactory(client=ClientFactory())], taxi),
        )

    assert refusal_codes(refused.value) == {
        "service_type": ["archived"],
        "sitter": ["not_staff"],
        "pets": ["not_own_pet"],
    }
    assert not Template.objects.exists()


def test_create_template_refuses_an_inactive_client_with_the_message(jordan, pets, walk, staff):
    deactivate_client(jordan, actor=staff)

    with pytest.raises(ClientInactive) as refused:
        create_template(client=jordan, actor=staff, **template_fields(pets, walk))

    assert str(refused.value) == INACTIVE_MESSAGE
    assert not Template.objects.exists()


@pytest.fixture
def template(jordan, pets, walk, staff):
    return create_template(client=jordan, actor=staff, **template_fields(pets, walk))


def test_update_template_changes_it_and_leaves_its_visits_alone(
    template, pets, walk, sitter, staff
):
    made = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=6), actor=staff, now=NOW
    )
    visits_before = list(ScheduledEvent.objects.order_by("pk").values())
    hour = ServiceTypeFactory(name="60 min dog walk", duration=timedelta(hours=1))

    updated = update_template(
        template,
        actor=staff,
        sitter=sitter,
        **template_fields(
            pets[1:], hour, weekdays=[SAT], time_of_day=time(15), last_date=DAY + timedelta(30)
        ),
    )

    assert made.created == 3
    updated.refresh_from_db()
    assert (updated.service_type, updated.sitter, updated.weekdays) == (hour, sitter, [SAT])
    assert (updated.time_of_day, updated.last_date) == (time(15), DAY + timedelta(30))
    assert list(updated.pets.all()) == [pets[1]]
    assert list(ScheduledEvent.objects.order_by("pk").values()) == visits_before


def test_update_template_refuses_bad_input_and_changes_nothing(template, pets, walk, staff):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[]))

    assert refused.value.message_dict == {"weekdays": ["Choose at least one day of the week."]}
    assert db_state() == before


def test_update_template_refuses_an_inactive_client_with_the_message(
    template, jordan, pets, walk, staff
):
    deactivate_client(jordan, actor=staff, delete_templates=False)
    before = db_state()

    with pytest.raises(ClientInactive) as refused:
        update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[SUN]))

    assert str(refused.value) == INACTIVE_MESSAGE
    assert db_state() == before


def test_update_template_refuses_a_removed_template(template, pets, walk, staff):
    Template.objects.filter(pk=template.pk).delete()

    with pytest.raises(ValidationError, match="no longer exists"):
        update_template(template, actor=staff, **template_fields(pets, walk))

    assert not Template.objects.exists()


def test_delete_template_keeps_its_visits_and_empties_their_link(
    template, staff, django_assert_num_queries
):
    made = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=13), actor=staff, now=NOW
    )
    visits = ScheduledEvent.objects.filter(pk__in=[e.pk for e in made.events])
    before = list(visits.order_by("pk").values_list("starts_at", "status", "occurrence_date"))

    # The client lock and one DELETE (plus the test's savepoint).
    with django_assert_num_queries(4):
        assert delete_template(template, actor=staff) is None

    assert not Template.objects.exists()
    assert not TemplatePet.objects.exists()
    assert visits.count() == made.created == 6
    assert not visits.filter(template__isnull=False).exists()
    assert (
        list(visits.order_by("pk").values_list("starts_at", "status", "occurrence_date")) == before
    )


def test_delete_template_is_allowed_for_an_inactive_client(template, jordan, staff):
    deactivate_client(jordan, actor=staff, delete_templates=False)

    delete_template(template, actor=staff)

    assert not Template.objects.exists()


# --- apply_template -------------------------------------------------------------------


def test_apply_template_returns_what_it_created(template, pets, staff):
    result = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=6), actor=staff, now=NOW
    )

    assert isinstance(result, TemplateApplication)
    assert (result.start_date, result.end_date) == (DAY, DAY + timedelta(days=6))
    assert (result.created, result.skipped, result.overlapping) == (3, 0, [])
    assert [e.occurrence_date for e in result.events] == [
        date(2031, 6, 11),
        date(2031, 6, 13),
        date(2031, 6, 16),
    ]
    assert set(EventPet.objects.values_list("event", "pet")) == {
        (e.pk, p.pk) for e in result.events for p in pets
    }


def test_apply_template_refuses_an_inactive_client_with_the_message(template, jordan, staff):
    deactivate_client(jordan, actor=staff, delete_templates=False)

    with pytest.raises(ClientInactive) as refused:
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(27), actor=staff, now=NOW)

    assert str(refused.value) == INACTIVE_MESSAGE
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "days,message",
    [
        (-1, "The end date cannot be before the start date."),
        (MAX_APPLY_DAYS, f"Apply a template over at most {MAX_APPLY_DAYS} days at a time."),
    ],
    ids=["end-before-start", "over-366-days"],
)
def test_apply_template_refuses_a_bad_range(template, staff, days, message):
    with pytest.raises(ValidationError) as refused:
        apply_template(
            template, start_date=DAY, end_date=DAY + timedelta(days), actor=staff, now=NOW
        )

    assert refused.value.message_dict == {"end_date": [message]}
    assert not ScheduledEvent.objects.exists()


def test_apply_template_takes_366_days(template, staff):
    result = apply_template(
        template,
        start_date=DAY,
        end_date=DAY + timedelta(MAX_APPLY_DAYS - 1),
        actor=staff,
        now=NOW,
    )

    assert result.created == 157


def test_apply_template_refuses_an_archived_service(template, walk, staff):
    walk.is_active = False
    walk.save()

    with pytest.raises(ValidationError, match="30 min dog walk is archived"):
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW)

    assert not ScheduledEvent.objects.exists()


def test_apply_template_refuses_a_template_without_pets(template, staff):
    TemplatePet.objects.filter(template=template).delete()

    with pytest.raises(ValidationError, match="no pets"):
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW)

    assert not ScheduledEvent.objects.exists()


def test_apply_template_creates_only_visits_still_to_come(jordan, pets, walk, staff):
    """Past dates of the range are history, not plans; today's visit only if
    its time hasn't come yet."""
    daily = {"weekdays": list(range(7)), "first_date": DAY - timedelta(days=30)}
    early = create_template(
        client=jordan, actor=staff, **template_fields(pets, walk, time_of_day=time(8), **daily)
    )
    late = create_template(
        client=jordan, actor=staff, **template_fields(pets, walk, time_of_day=time(16), **daily)
    )
    now = at(12)  # noon on DAY
    week = {"start_date": DAY - timedelta(days=3), "end_date": DAY + timedelta(days=3)}

    early_visits = apply_template(early, actor=staff, now=now, **week).events
    late_visits = apply_template(late, actor=staff, now=now, **week).events

    assert [e.occurrence_date for e in early_visits] == [DAY + timedelta(d) for d in (1, 2, 3)]
    assert [e.occurrence_date for e in late_visits] == [DAY + timedelta(d) for d in (0, 1, 2, 3)]


def test_apply_template_uses_the_template_as_saved_not_a_stale_copy(template, pets, walk, staff):
    stale = Template.objects.get(pk=template.pk)
    update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[SUN]))

    result = apply_template(
        stale, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW
    )

    assert [e.occurrence_date.weekday() for e in result.events] == [SUN]


def test_apply_template_reports_the_visits_that_overlap_the_sitters_others(
    jordan, pets, walk, sitter, staff
):
    template = create_template(
        client=jordan,
        sitter=sitter,
        actor=staff,
        **template_fields(pets, walk, weekdays=[TUE, WED], time_of_day=time(9)),
    )
    other = ClientFactory()
    busy = schedule(
        other, [PetFactory(client=other)], walk, actor=staff, sitter=sitter, starts_at=at(9, 15)
    )
    # An overnight stay from the evening before that ends after 9:15 the next day.
    overnight = ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=15))
    schedule(
        other,
        [PetFactory(client=other)],
        overnight,
        actor=staff,
        sitter=sitter,
        starts_at=at(19, day=DAY),
    )

    result = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(1), actor=staff, now=NOW
    )

    assert result.created == 2
    assert [e.occurrence_date for e in result.overlapping] == [DAY, DAY + timedelta(1)]
    assert busy.pk not in {e.pk for e in result.events}


@pytest.mark.parametrize("weeks", [4, 26])
def test_apply_template_runs_the_same_queries_for_4_or_26_weeks(
    jordan, pets, walk, sitter, staff, weeks, django_assert_num_queries
):
    template = create_template(
        client=jordan, sitter=sitter, actor=staff, **template_fields(pets, walk)
    )

    # savepoint, client lock, template, its pets, taken dates, INSERT visits,
    # INSERT their pets, the sitter's other visits, release.
    with django_assert_num_queries(9):
        result = apply_template(
            template,
            start_date=DAY,
            end_date=DAY + timedelta(weeks=weeks) - timedelta(1),
            actor=staff,
            now=NOW,
        )

    assert result.created == 3 * weeks
    assert EventPet.objects.count() == 2 * 3 * weeks


# --- The client row lock (PostgreSQL: SQLite has no row locks) ------------------------


def _in_thread(target) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(target())
        except Exception as exc:  # collected, asserted by the test
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _tomorrow_at(hour: int) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=1), time(hour), tzinfo=NEW_YORK)


def _open_future_visits(client) -> int:
    return ScheduledEvent.objects.upcoming(now=timezone.now()).for_client(client).count()


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
        barrier = threading.Barrier(2)

        def make_inactive(client=client, barrier=barrier):
            barrier.wait(timeout=10)
            return deactivate_client(client, actor=actor, delete_future_events=True)

        def book(client=client, pet=pet, barrier=barrier):
            barrier.wait(timeout=10)
            return schedule_event(
                client=client,
                service_type=walk,
                pets=[pet],
                starts_at=_tomorrow_at(10),
                actor=actor,
            )

        (deactivation, deactivated), (booking, booked) = _in_thread(make_inactive), _in_thread(book)
        deactivation.join(timeout=20)
        booking.join(timeout=20)

        assert isinstance(deactivated[0], Deactivation), deactivated
        if isinstance(booked[0], ScheduledEvent):
            # It committed first: Make Inactive removed it.
            assert deactivated[0].events_removed == 1
            outcomes.append("scheduled, then removed")
        else:
            assert isinstance(booked[0], ClientInactive), booked
            assert str(booked[0]) == INACTIVE_MESSAGE
            assert deactivated[0].events_removed == 0
            outcomes.append("refused")
        assert not Client.objects.get(pk=client.pk).is_active
        assert _open_future_visits(client) == 0
    print("schedule_event vs Make Inactive:", outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_apply_template_and_make_inactive_never_leave_a_visit_for_an_inactive_client(
    roles, walk
):
    actor = OfficeManagerFactory()
    outcomes = []
    for _ in range(10):
        client = ClientFactory(name="Jordan Reyes")
        pet = PetFactory(client=client)
        template = create_template(
            client=client,
            service_type=walk,
            pets=[pet],
            weekdays=list(range(7)),
            time_of_day=time(10),
            first_date=timezone.localdate(),
            actor=actor,
        )
        barrier = threading.Barrier(2)
        tomorrow = timezone.localdate() + timedelta(days=1)

        def make_inactive(client=client, barrier=barrier):
            barrier.wait(timeout=10)
            return deactivate_client(client, actor=actor, delete_future_events=True)

        def apply(template=template, barrier=barrier, tomorrow=tomorrow):
            barrier.wait(timeout=10)
            return apply_template(
                template, start_date=tomorrow, end_date=tomorrow + timedelta(days=27), actor=actor
            )

        (deactivation, deactivated), (applying, applied) = (
            _in_thread(make_inactive),
            _in_thread(apply),
        )
        deactivation.join(timeout=20)
        applying.join(timeout=20)

        assert isinstance(deactivated[0], Deactivation), deactivated
        if isinstance(applied[0], TemplateApplication):
            assert applied[0].created == 28
            assert deactivated[0].events_removed == 28
            outcomes.append("applied, then removed")
        else:
            assert isinstance(applied[0], ClientInactive), applied
            assert deactivated[0].events_removed == 0
            outcomes.append("refused")
        assert _open_future_visits(client) == 0
        assert not Template.objects.filter(client=client).exists()
    print("apply_template vs Make Inactive:", outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedule_event_waits_for_make_inactive_then_is_refused(roles, walk):
    """The deterministic half of the race: Make Inactive holds the lock first."""
    from django.db import transaction

    actor = OfficeManagerFactory()
    client = ClientFactory(name="Jordan Reyes")
    pet = PetFactory(client=client)
    locked, release = threading.Event(), threading.Event()

    def make_inactive_and_wait():
        with transaction.atomic():
            result = deactivate_client(client, actor=actor)
            locked.set()
            release.wait(timeout=10)
        return result

    deactivation, deactivated = _in_thread(make_inactive_and_wait)
    assert locked.wait(timeout=10)
    booking, booked = _in_thread(
        lambda: schedule_event(
            client=client, service_type=walk, pets=[pet], starts_at=_tomorrow_at(10), actor=actor
        )
    )
    booking.join(timeout=0.5)
    assert booking.is_alive(), "schedule_event did not wait for the client's row lock"
    release.set()
    deactivation.join(timeout=10)
    booking.join(timeout=10)

    assert isinstance(deactivated[0], Deactivation)
    assert isinstance(booked[0], ClientInactive), booked
    assert not ScheduledEvent.objects.filter(client=client).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_visit_scheduled_first_holds_make_inactive_back_and_is_removed_by_it(roles, walk):
    """The other half: scheduling holds the lock first; Make Inactive waits
    for its commit, then removes the visit."""
    from django.db import transaction

    actor = OfficeManagerFactory()
    client = ClientFactory(name="Jordan Reyes")
    pet = PetFactory(client=client)
    locked, release = threading.Event(), threading.Event()

    def book_and_wait():
        with transaction.atomic():
            event = schedule_event(
                client=client,
                service_type=walk,
                pets=[pet],
                starts_at=_tomorrow_at(10),
                actor=actor,
            )
            locked.set()
            release.wait(timeout=10)
        return event

    booking, booked = _in_thread(book_and_wait)
    assert locked.wait(timeout=10)
    deactivation, deactivated = _in_thread(
        lambda: deactivate_client(Client.objects.get(pk=client.pk), actor=actor)
    )
    deactivation.join(timeout=0.5)
    assert deactivation.is_alive(), "Make Inactive did not wait for the client's row lock"
    release.set()
    booking.join(timeout=10)
    deactivation.join(timeout=10)

    assert isinstance(booked[0], ScheduledEvent), booked
    assert isinstance(deactivated[0], Deactivation), deactivated
    assert deactivated[0].events_removed == 1
    assert not ScheduledEvent.objects.filter(client=client).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_applying_one_template_twice_at_once_creates_each_visit_once(roles, walk):
    actor = OfficeManagerFactory()
    client = ClientFactory()
    template = create_template(
        client=client,
        service_type=walk,
        pets=[PetFactory(client=client)],
        weekdays=list(range(7)),
        time_of_day=time(10),
        first_date=timezone.localdate(),
        actor=actor,
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    barrier = threading.Barrier(2)

    def apply():
        barrier.wait(timeout=10)
        return apply_template(
            template, start_date=tomorrow, end_date=tomorrow + timedelta(days=13), actor=actor
        )

    (first, first_result), (second, second_result) = _in_thread(apply), _in_thread(apply)
    first.join(timeout=20)
    second.join(timeout=20)

    assert sorted(r.created for r in first_result + second_result) == [0, 14]
    assert ScheduledEvent.objects.filter(template=template).count() == 14
