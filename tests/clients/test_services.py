"""The rules of Make Inactive, Re-Activate and the client email
(clients.services; docs/design.md, "Make Inactive" and "Re-Activate"),
asserted on the database through the services; two Make Inactive at once and
an email taken meanwhile stay safe (PostgreSQL)."""

import dataclasses
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.tasks.signals import task_enqueued

from clients.models import Client, ClientStatusChange, Pet, StatusAction
from clients.services import (
    ClientAlreadyActive,
    ClientAlreadyInactive,
    Deactivation,
    DuplicateClientEmail,
    Reactivation,
    create_client,
    deactivate_client,
    reactivate_client,
    update_client,
)
from petcare import policy
from scheduling.models import EventPet, EventStatus, ScheduledEvent, Template, TemplatePet
from tests.factories import (
    ClientFactory,
    ClientLoginFactory,
    ClientStatusChangeFactory,
    InactiveClientFactory,
    OfficeManagerFactory,
    PetFactory,
    ScheduledEventFactory,
    ServiceTypeFactory,
    SitterFactory,
    TemplateFactory,
)
from tests.helpers import db_row, race, run_in_thread, visit

pytestmark = pytest.mark.django_db

# The statuses Make Inactive removes when the visit is still to come.
REMOVABLE = {EventStatus.REQUESTED, EventStatus.SCHEDULED}

# When a visit starts, relative to the moment of confirmation.
TIMINGS = {
    "past": -timedelta(days=1),
    "started-a-minute-ago-still-running": -timedelta(minutes=1),
    "starting-exactly-at-confirmation": timedelta(0),
    "future": timedelta(days=1),
}
STILL_TO_COME = {"starting-exactly-at-confirmation", "future"}


def event_at(client, now, timing, *, status=EventStatus.SCHEDULED, **kwargs):
    """A visit of ``client`` at one of the TIMINGS, relative to ``now``."""
    return visit(client, now + TIMINGS[timing], status=status, **kwargs)


# --- Make Inactive: which visits go ------------------------------------------------------


@pytest.mark.parametrize("delete_future_events", [True, False], ids=["delete-on", "delete-off"])
@pytest.mark.parametrize("timing", list(TIMINGS))
@pytest.mark.parametrize("status", EventStatus.values)
def test_make_inactive_removes_only_requested_and_scheduled_visits_from_the_confirmation_on(
    office_manager, now, status, timing, delete_future_events
):
    client = ClientFactory()
    event = event_at(client, now, timing, status=status)

    result = deactivate_client(
        client, actor=office_manager, delete_future_events=delete_future_events, now=now
    )

    removed = delete_future_events and status in REMOVABLE and timing in STILL_TO_COME
    assert ScheduledEvent.objects.filter(pk=event.pk).exists() is not removed
    assert result.events_removed == (1 if removed else 0)


def test_make_inactive_removes_a_visit_starting_exactly_at_confirmation(office_manager, now):
    client = ClientFactory()
    at_confirmation = event_at(client, now, "starting-exactly-at-confirmation")

    deactivate_client(client, actor=office_manager, now=now)

    assert not ScheduledEvent.objects.filter(pk=at_confirmation.pk).exists()


def test_make_inactive_keeps_a_visit_that_started_a_minute_ago_and_is_still_running(
    office_manager, now
):
    client = ClientFactory()
    running = event_at(client, now, "started-a-minute-ago-still-running")
    before = db_row(running)

    deactivate_client(client, actor=office_manager, now=now)

    assert db_row(running) == before


def test_make_inactive_keeps_past_events(office_manager, now):
    client = ClientFactory()
    past = [event_at(client, now, "past", status=status) for status in EventStatus.values]
    before = [db_row(event) for event in past]

    deactivate_client(client, actor=office_manager, now=now)

    assert [db_row(event) for event in past] == before


@pytest.mark.parametrize("delete_templates", [True, False], ids=["templates-on", "templates-off"])
@pytest.mark.parametrize(
    "delete_future_events", [True, False], ids=["future-events-on", "future-events-off"]
)
def test_make_inactive_options_choose_what_is_removed(
    office_manager, now, delete_future_events, delete_templates
):
    client = ClientFactory()
    template = TemplateFactory(client=client)
    from_template = event_at(
        client, now, "future", template=template, occurrence_date=(now + TIMINGS["future"]).date()
    )
    one_off = event_at(client, now, "future", status=EventStatus.REQUESTED)
    past = event_at(
        client, now, "past", template=template, occurrence_date=(now + TIMINGS["past"]).date()
    )

    result = deactivate_client(
        client,
        actor=office_manager,
        delete_future_events=delete_future_events,
        delete_templates=delete_templates,
        now=now,
    )

    assert result.events_removed == (2 if delete_future_events else 0)
    assert result.templates_removed == (1 if delete_templates else 0)
    assert Template.objects.filter(pk=template.pk).exists() is not delete_templates
    upcoming = ScheduledEvent.objects.filter(pk__in=[from_template.pk, one_off.pk])
    assert upcoming.count() == (0 if delete_future_events else 2)
    expected_link = None if delete_templates else template.pk
    assert db_row(past)["template_id"] == expected_link
    if not delete_future_events:
        assert db_row(from_template)["template_id"] == expected_link
    change = result.status_change
    assert change.delete_future_events is delete_future_events
    assert change.delete_templates is delete_templates


def test_make_inactive_without_templates_removes_no_template(office_manager, now):
    client = ClientFactory()
    others = TemplateFactory.create_batch(2)

    result = deactivate_client(client, actor=office_manager, delete_templates=True, now=now)

    assert result.templates_removed == 0
    assert result.status_change.templates_removed == 0
    assert Template.objects.filter(pk__in=[t.pk for t in others]).count() == 2


def test_make_inactive_leaves_other_clients_events_and_templates_untouched(office_manager, now):
    client = ClientFactory()
    TemplateFactory(client=client)
    event_at(client, now, "future")
    other = ClientFactory()
    other_login = ClientLoginFactory(client=other)
    other_template = TemplateFactory(client=other)
    other_events = [
        event_at(
            other,
            now,
            timing,
            template=other_template,
            occurrence_date=now.date() + timedelta(days=i),
        )
        for i, timing in enumerate(TIMINGS)
    ]
    other_events.append(event_at(other, now, "future", status=EventStatus.REQUESTED))
    before = [db_row(obj) for obj in [other, other_login, other_template, *other_events]]

    deactivate_client(client, actor=office_manager, now=now)

    after = [db_row(obj) for obj in [other, other_login, other_template, *other_events]]
    assert after == before


def test_make_inactive_keeps_past_events_and_only_empties_their_template_link(office_manager, now):
    client = ClientFactory()
    pet = PetFactory(client=client)
    template = TemplateFactory(client=client)
    past = event_at(
        client,
        now,
        "past",
        status=EventStatus.COMPLETED,
        template=template,
        occurrence_date=(now + TIMINGS["past"]).date(),
        notes="Walked by the river",
    )
    past.pets.add(pet)
    before = db_row(past)

    deactivate_client(client, actor=office_manager, now=now)

    assert db_row(past) == {**before, "template_id": None}
    assert list(past.pets.all()) == [pet]


@pytest.mark.parametrize("status", [EventStatus.CANCELED, EventStatus.COMPLETED])
def test_make_inactive_keeps_canceled_and_completed_future_events_with_empty_template_link(
    office_manager, now, status
):
    client = ClientFactory()
    template = TemplateFactory(client=client)
    kept = event_at(
        client,
        now,
        "future",
        status=status,
        template=template,
        occurrence_date=(now + TIMINGS["future"]).date(),
    )
    before = db_row(kept)

    deactivate_client(client, actor=office_manager, now=now)

    assert db_row(kept) == {**before, "template_id": None}


# --- Make Inactive: what is never touched ------------------------------------------------


def test_make_inactive_keeps_details_pets_notes_and_history(office_manager, now):
    client = ClientFactory(notes="Key under the mat. Dog is shy.")
    pets = PetFactory.create_batch(2, client=client, notes="Needs medication at 9")
    earlier = ClientStatusChangeFactory(
        client=client, action=StatusAction.REACTIVATED, actor=office_manager, reason="Back"
    )
    client_before = db_row(client)
    pets_before = [db_row(pet) for pet in pets]
    history_before = db_row(earlier)

    deactivate_client(client, actor=office_manager, now=now)

    client_after = db_row(client)
    status_columns = {"is_active", "deactivated_at", "deactivated_by_id", "updated_at"}
    assert {k: v for k, v in client_after.items() if k not in status_columns} == {
        k: v for k, v in client_before.items() if k not in status_columns
    }
    assert [db_row(pet) for pet in pets] == pets_before
    assert Pet.objects.filter(client=client).count() == 2
    assert db_row(earlier) == history_before


def test_make_inactive_keeps_logins_credentials_and_raises_their_auth_epoch(office_manager, now):
    client = ClientFactory()
    logins = ClientLoginFactory.create_batch(2, client=client)
    staff = [office_manager, SitterFactory()]
    logins_before = [db_row(login) for login in logins]
    staff_before = [db_row(user) for user in staff]

    deactivate_client(client, actor=office_manager, now=now)

    for login, before in zip(logins, logins_before, strict=True):
        after = db_row(login)
        assert after == {**before, "auth_epoch": before["auth_epoch"] + 1}
        assert after["password"] == before["password"]
        assert after["is_active"] is True
    assert [db_row(user) for user in staff] == staff_before


def test_make_inactive_records_the_client_status(office_manager, now):
    client = ClientFactory()

    result = deactivate_client(client, actor=office_manager, now=now)

    row = db_row(client)
    assert row["is_active"] is False
    assert row["deactivated_at"] == now
    assert row["deactivated_by_id"] == office_manager.pk
    assert result.client.pk == client.pk
    assert result.client.is_active is False


def test_make_inactive_records_one_history_row_with_actor_time_options_counts_and_reason(
    office_manager, now
):
    client = ClientFactory()
    TemplateFactory.create_batch(2, client=client)
    for _ in range(3):
        event_at(client, now, "future")
    event_at(client, now, "past")

    result = deactivate_client(
        client,
        actor=office_manager,
        delete_future_events=True,
        delete_templates=False,
        reason="  Moved out of state.  \n",
        now=now,
    )

    change = ClientStatusChange.objects.get(client=client)
    assert change == result.status_change
    assert change.action == StatusAction.DEACTIVATED
    assert change.actor == office_manager
    assert change.changed_at == now
    assert change.delete_future_events is True
    assert change.delete_templates is False
    assert change.events_removed == 3
    assert change.templates_removed == 0
    assert change.reason == "Moved out of state."


def test_make_inactive_without_reason_records_an_empty_reason(office_manager, now):
    client = ClientFactory()

    deactivate_client(client, actor=office_manager, now=now)

    assert ClientStatusChange.objects.get(client=client).reason == ""


def test_make_inactive_returns_a_frozen_result_with_the_counts(office_manager, now):
    client = ClientFactory()
    TemplateFactory.create_batch(2, client=client)
    for status in REMOVABLE:
        event_at(client, now, "future", status=status)

    result = deactivate_client(client, actor=office_manager, now=now)

    assert isinstance(result, Deactivation)
    assert (result.events_removed, result.templates_removed) == (2, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.events_removed = 0  # type: ignore[misc]


# --- Make Inactive: twice, nothing sent, all or nothing ----------------------------------


def test_make_inactive_twice_raises_client_already_inactive_and_changes_nothing(
    office_manager, now
):
    client = ClientFactory()
    login = ClientLoginFactory(client=client)
    template = TemplateFactory(client=client)
    kept = event_at(client, now, "future")
    deactivate_client(
        client,
        actor=office_manager,
        delete_future_events=False,
        delete_templates=False,
        now=now,
    )
    rows_before = [db_row(obj) for obj in [client, login, template, kept]]

    # The caller still holds the stale, active instance: the service re-reads it.
    assert client.is_active is True
    with pytest.raises(ClientAlreadyInactive) as raised:
        deactivate_client(client, actor=OfficeManagerFactory(), now=now + timedelta(hours=1))

    assert raised.value.client.pk == client.pk
    assert "already inactive" in str(raised.value)
    assert [db_row(obj) for obj in [client, login, template, kept]] == rows_before
    assert ClientStatusChange.objects.filter(client=client).count() == 1


def test_make_inactive_sends_nothing_and_queues_nothing(
    office_manager, now, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory(email="pet.parent@example.com")
    ClientLoginFactory(client=client, email="pet.parent@example.com")
    TemplateFactory(client=client)
    event_at(client, now, "future")

    enqueued = []

    def on_enqueued(sender, task_result, **kwargs):
        enqueued.append(task_result.task.name)

    task_enqueued.connect(on_enqueued)
    try:
        # Commit, so that anything queued "after commit" would run here.
        with django_capture_on_commit_callbacks(execute=True):
            deactivate_client(client, actor=office_manager, now=now)
    finally:
        task_enqueued.disconnect(on_enqueued)

    assert enqueued == []
    assert mailoutbox == []


def test_make_inactive_is_all_or_nothing(office_manager, now, monkeypatch):
    client = ClientFactory()
    login = ClientLoginFactory(client=client)
    template = TemplateFactory(client=client)
    upcoming = event_at(client, now, "future", template=template, occurrence_date=now.date())
    client_before, login_before = db_row(client), db_row(login)

    def fail(**kwargs):
        raise RuntimeError("the history insert failed")

    # Django's manager, not the code under test: the failure comes after the deletes.
    monkeypatch.setattr(ClientStatusChange.objects, "create", fail)
    with pytest.raises(RuntimeError, match="history insert failed"):
        deactivate_client(client, actor=office_manager, now=now)

    assert db_row(client) == client_before
    assert db_row(client)["is_active"] is True
    assert db_row(login) == login_before
    assert Template.objects.filter(pk=template.pk).exists()
    assert db_row(upcoming)["template_id"] == template.pk
    assert not ClientStatusChange.objects.filter(client=client).exists()


# --- Make Inactive: cost ---------------------------------------------------------------


def _client_with_schedule(now, *, upcoming_events: int, templates: int) -> Client:
    client = ClientFactory()
    pets = PetFactory.create_batch(2, client=client)
    service_type = ServiceTypeFactory()
    client_templates = TemplateFactory.create_batch(
        templates, client=client, service_type=service_type
    )
    TemplatePet.objects.bulk_create(
        TemplatePet(template=template, pet=pet) for template in client_templates for pet in pets
    )
    today = now.date()

    def event(i, starts_at, status):
        return ScheduledEvent(
            client=client,
            service_type=service_type,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            status=status,
            template=client_templates[i % templates],
            occurrence_date=today + timedelta(days=i),
        )

    events = [
        event(i, now + timedelta(hours=i + 1), EventStatus.SCHEDULED)
        for i in range(upcoming_events)
    ]
    # Visits that stay: a past one and a canceled future one.
    events.append(event(upcoming_events, now - timedelta(days=1), EventStatus.COMPLETED))
    events.append(event(upcoming_events + 1, now + timedelta(days=2), EventStatus.CANCELED))
    events = ScheduledEvent.objects.bulk_create(events)
    EventPet.objects.bulk_create(EventPet(event=event, pet=pet) for event in events for pet in pets)
    ClientLoginFactory(client=client)
    return client


@pytest.mark.parametrize(
    ("upcoming_events", "templates"), [(10, 1), (1000, 50)], ids=["small", "large"]
)
def test_make_inactive_runs_the_same_queries_whatever_the_number_of_events_and_templates(
    office_manager, now, django_assert_num_queries, upcoming_events, templates
):
    client = _client_with_schedule(now, upcoming_events=upcoming_events, templates=templates)
    # The actor's permissions are read once per request (the view's own check
    # reads them first); the service's check then costs nothing.
    assert policy.may_change_client_status(office_manager)

    # SAVEPOINT, lock, DELETE visits, DELETE templates, UPDATE client, UPDATE
    # logins (the auth epoch, which also ends their app tokens), INSERT into
    # the activity log, INSERT history, RELEASE.
    with django_assert_num_queries(9) as captured:
        result = deactivate_client(client, actor=office_manager, now=now)

    assert result.events_removed == upcoming_events
    assert result.templates_removed == templates
    statements = [query["sql"] for query in captured.captured_queries]
    deletes = [sql for sql in statements if sql.startswith("DELETE")]
    assert len(deletes) == 2
    assert deletes[0].startswith('DELETE FROM "scheduling_scheduledevent" WHERE')
    assert deletes[1].startswith('DELETE FROM "scheduling_template" WHERE')
    # Set-based: no row of the schedule was read first, to delete it one by one.
    assert not any(sql.startswith("SELECT") and "scheduling_" in sql for sql in statements)
    # The database cascaded to the visits' pets and emptied the kept visits' link.
    assert ScheduledEvent.objects.filter(client=client).count() == 2
    assert EventPet.objects.filter(event__client=client).count() == 4
    assert not ScheduledEvent.objects.filter(client=client, template__isnull=False).exists()
    assert not TemplatePet.objects.filter(template__client=client).exists()


# --- Re-Activate -----------------------------------------------------------------------


def test_reactivate_makes_the_client_active_again_and_records_it(office_manager, now):
    client = ClientFactory()
    deactivate_client(client, actor=office_manager, now=now)
    admin = OfficeManagerFactory()
    later = now + timedelta(days=3)

    result = reactivate_client(client, actor=admin, reason="  Moved back.  ", now=later)

    row = db_row(client)
    assert row["is_active"] is True
    assert row["deactivated_at"] is None
    assert row["deactivated_by_id"] is None
    assert isinstance(result, Reactivation)
    assert result.client.is_active is True
    change = ClientStatusChange.objects.filter(client=client).first()  # newest first
    assert change == result.status_change
    assert change.action == StatusAction.REACTIVATED
    assert change.actor == admin
    assert change.changed_at == later
    assert change.reason == "Moved back."
    assert change.delete_future_events is None
    assert change.delete_templates is None
    assert (change.events_removed, change.templates_removed) == (0, 0)
    assert ClientStatusChange.objects.filter(client=client).count() == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.client = None  # type: ignore[misc]


def test_reactivate_brings_nothing_back(office_manager, now):
    client = ClientFactory()
    template = TemplateFactory(client=client)
    event_at(client, now, "future", template=template, occurrence_date=now.date())
    past = event_at(client, now, "past")
    deactivate_client(client, actor=office_manager, now=now)
    after_deactivation = list(ScheduledEvent.objects.filter(client=client).values())

    reactivate_client(client, actor=office_manager, now=now + timedelta(minutes=5))

    assert list(ScheduledEvent.objects.filter(client=client).values()) == after_deactivation
    assert [event["id"] for event in after_deactivation] == [past.pk]
    assert not Template.objects.filter(client=client).exists()


def test_reactivate_raises_the_logins_auth_epoch_again(office_manager, now):
    client = ClientFactory()
    login = ClientLoginFactory(client=client)
    assert db_row(login)["auth_epoch"] == 0

    deactivate_client(client, actor=office_manager, now=now)
    assert db_row(login)["auth_epoch"] == 1
    reactivate_client(client, actor=office_manager, now=now)

    assert db_row(login)["auth_epoch"] == 2
    assert db_row(office_manager)["auth_epoch"] == 0


def test_reactivate_an_active_client_raises_client_already_active_and_changes_nothing(
    office_manager, now
):
    client = ClientFactory()
    login = ClientLoginFactory(client=client)
    before = [db_row(client), db_row(login)]

    with pytest.raises(ClientAlreadyActive) as raised:
        reactivate_client(client, actor=office_manager, now=now)

    assert raised.value.client.pk == client.pk
    assert [db_row(client), db_row(login)] == before
    assert not ClientStatusChange.objects.filter(client=client).exists()


def test_reactivate_reads_the_status_under_the_lock_not_from_a_stale_instance(office_manager, now):
    client = InactiveClientFactory()
    stale = Client.objects.get(pk=client.pk)
    reactivate_client(client, actor=office_manager, now=now)

    with pytest.raises(ClientAlreadyActive):
        reactivate_client(stale, actor=office_manager, now=now)

    assert ClientStatusChange.objects.filter(client=client).count() == 1


def test_a_reactivated_client_can_be_made_inactive_again(office_manager, now):
    client = ClientFactory()
    deactivate_client(client, actor=office_manager, now=now)
    reactivate_client(client, actor=office_manager, now=now + timedelta(days=1))

    deactivate_client(client, actor=office_manager, now=now + timedelta(days=2))

    assert db_row(client)["deactivated_at"] == now + timedelta(days=2)
    assert list(
        ClientStatusChange.objects.filter(client=client).values_list("action", flat=True)
    ) == [StatusAction.DEACTIVATED, StatusAction.REACTIVATED, StatusAction.DEACTIVATED]


# --- Add and edit a client: the email rule ----------------------------------------------


def test_create_client_stores_the_email_lower_cased_and_the_phone_digits(office_manager):
    client = create_client(
        actor=office_manager, name="Jo Park", email="Jo.Park@Example.COM", phone="(555) 010-1234"
    )

    row = db_row(client)
    assert row["email"] == "jo.park@example.com"
    assert row["phone_digits"] == "5550101234"


def test_create_client_strips_spaces_around_the_email(office_manager):
    # Client.clean() and save() strip the email; validation must not refuse it first.
    client = create_client(actor=office_manager, name="Jo Park", email="  Jo.Park@Example.COM ")

    assert db_row(client)["email"] == "jo.park@example.com"


@pytest.mark.parametrize("email", ["jo@example.com", "Jo@Example.COM", "JO@EXAMPLE.COM"])
@pytest.mark.parametrize(
    "factory", [ClientFactory, InactiveClientFactory], ids=["active", "inactive"]
)
def test_create_client_refuses_an_email_of_any_client_in_any_letter_case(
    office_manager, factory, email
):
    existing = factory(email="jo@example.com")

    with pytest.raises(DuplicateClientEmail) as raised:
        create_client(actor=office_manager, name="Jo Again", email=email)

    assert raised.value.existing == existing
    assert str(raised.value) == "A client with this email already exists."
    assert Client.objects.count() == 1


def test_create_client_allows_several_clients_without_email(office_manager):
    first = create_client(actor=office_manager, name="Old Client One")
    second = create_client(actor=office_manager, name="Old Client Two", email="")

    assert Client.objects.filter(pk__in=[first.pk, second.pk], email="").count() == 2


def test_create_client_validates_the_fields(office_manager):
    with pytest.raises(ValidationError) as raised:
        create_client(actor=office_manager, name="", email="not-an-email")

    assert set(raised.value.message_dict) == {"name", "email"}
    assert not Client.objects.exists()


def test_update_client_keeps_its_own_email_in_any_letter_case(office_manager):
    client = ClientFactory(email="jo@example.com")

    update_client(client, actor=office_manager, name="Jo Park", email="JO@Example.com")

    row = db_row(client)
    assert (row["name"], row["email"]) == ("Jo Park", "jo@example.com")


@pytest.mark.parametrize("email", ["jo@example.com", "Jo@Example.COM"])
@pytest.mark.parametrize(
    "factory", [ClientFactory, InactiveClientFactory], ids=["active", "inactive"]
)
def test_update_client_refuses_an_email_of_another_client_in_any_letter_case(
    office_manager, factory, email
):
    existing = factory(email="jo@example.com")
    client = ClientFactory(email="sam@example.com")
    before = db_row(client)

    with pytest.raises(DuplicateClientEmail) as raised:
        update_client(client, actor=office_manager, email=email)

    assert raised.value.existing == existing
    assert db_row(client) == before


@pytest.mark.parametrize(
    "field", ["is_active", "deactivated_at", "deactivated_by", "phone_digits", "nickname"]
)
def test_update_client_refuses_unknown_fields(office_manager, field):
    client = ClientFactory()
    before = db_row(client)

    with pytest.raises(TypeError, match=field):
        update_client(client, actor=office_manager, name="Changed", **{field: None})

    assert db_row(client) == before


def test_update_client_keeps_phone_digits_in_step(office_manager):
    client = ClientFactory(phone="(555) 010-1234")

    update_client(client, actor=office_manager, phone="+1 555.777.8888")

    assert db_row(client)["phone_digits"] == "15557778888"


def test_update_client_edits_an_inactive_client_without_changing_its_status(office_manager):
    client = InactiveClientFactory(notes="")
    before = db_row(client)

    update_client(client, actor=office_manager, notes="Moved to Portland")

    row = db_row(client)
    assert row["notes"] == "Moved to Portland"
    assert (row["is_active"], row["deactivated_at"]) == (False, before["deactivated_at"])


# --- Concurrency (PostgreSQL: SQLite has no row locks) ---------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_make_inactive_deactivate_once(roles):
    actor = OfficeManagerFactory()
    client = ClientFactory()
    ScheduledEventFactory.create_batch(3, client=client)
    # Both read an active client before either acts.
    first, second = (Client.objects.get(pk=client.pk) for _ in range(2))

    outcomes = race(
        partial(deactivate_client, first, actor=actor),
        partial(deactivate_client, second, actor=actor),
    )

    succeeded = [o for o in outcomes if isinstance(o, Deactivation)]
    refused = [o for o in outcomes if isinstance(o, ClientAlreadyInactive)]
    assert (len(succeeded), len(refused)) == (1, 1), outcomes
    assert succeeded[0].events_removed == 3
    assert ClientStatusChange.objects.filter(client=client).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_email_taken_by_a_concurrent_request_is_still_a_duplicate_email(roles):
    """The check before saving can lose a race; the database's unique index
    then refuses, and the refusal still names the client that won."""
    from django.db.models.signals import pre_save

    winner = []

    def concurrent_insert(sender, instance, **kwargs):
        # Another request commits the same email between our check and our save.
        if instance.name == "Loser":
            other, outcome = run_in_thread(
                lambda: Client.objects.create(name="Winner", email="race@example.com")
            )
            other.join()
            winner.extend(outcome)

    pre_save.connect(concurrent_insert, sender=Client, dispatch_uid="race")
    try:
        with pytest.raises(DuplicateClientEmail) as refused:
            create_client(actor=OfficeManagerFactory(), name="Loser", email="race@example.com")
    finally:
        pre_save.disconnect(sender=Client, dispatch_uid="race")

    assert refused.value.existing == winner[0]
    assert not Client.objects.filter(name="Loser").exists()
