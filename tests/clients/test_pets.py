"""The rules of a client's pets (clients.services add_pet, update_pet,
archive_pet; docs/design.md, "Pets"), asserted on the database through the
services: Archive pet removes the pet's own visits still to come and takes it
off the shared ones, keeps the past, handles templates, refuses twice, sends
nothing, costs the same whatever the schedule; archived pets leave the
pickers. Two Archive pet at once, and a visit scheduled meanwhile, stay safe
(PostgreSQL)."""

from datetime import date, timedelta
from functools import partial

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.tasks.signals import task_enqueued

from clients.models import Pet, PetArchived
from clients.services import (
    PetArchival,
    add_pet,
    archive_pet,
    create_client,
    update_pet,
)
from petcare import policy
from petcare.models import ActivityEntry
from scheduling.models import EventPet, EventStatus, ScheduledEvent, Template, TemplatePet
from scheduling.selectors import client_pets
from scheduling.services.visits import schedule_event
from tests.factories import (
    ClientFactory,
    ClientLoginFactory,
    OfficeManagerFactory,
    PetFactory,
    ServiceTypeFactory,
    TemplateFactory,
)
from tests.helpers import db_row, race, visit

pytestmark = pytest.mark.django_db

PASSED_AWAY = Pet.ArchiveReason.PASSED_AWAY


@pytest.fixture
def household(db):
    """The Coopers: Biscuit (the dog) and Mochi (the cat)."""
    client = ClientFactory(name="Jane Cooper")
    return (
        client,
        PetFactory(client=client, name="Biscuit"),
        PetFactory(client=client, name="Mochi", species=Pet.Species.CAT),
    )


def _pets_of(event) -> set[str]:
    return set(EventPet.objects.filter(event=event).values_list("pet__name", flat=True))


# --- Add and edit ----------------------------------------------------------------------


def test_add_pet_records_the_care_notes_and_the_activity(office_manager):
    client = ClientFactory()

    pet = add_pet(
        client,
        actor=office_manager,
        name=" Biscuit ",
        breed="Beagle",
        date_of_birth=date(2020, 5, 1),
        feeding="One cup\r\ntwice a day",
        vet="Dr. Patel",
    )

    row = db_row(pet)
    assert (row["name"], row["feeding"], row["vet"]) == (
        "Biscuit",
        "One cup\ntwice a day",
        "Dr. Patel",
    )
    assert row["archived_at"] is None
    entry = ActivityEntry.objects.get(action="pet.added")
    assert (entry.client, entry.changes) == (client, {"pet": "Biscuit"})


def test_add_pet_refuses_a_date_of_birth_in_the_future(office_manager):
    with pytest.raises(ValidationError) as refused:
        add_pet(
            ClientFactory(),
            actor=office_manager,
            name="Biscuit",
            date_of_birth=date.today() + timedelta(days=2),
        )
    assert "date_of_birth" in refused.value.error_dict
    assert not Pet.objects.exists()


def test_sitters_and_clients_may_not_add_edit_or_archive_pets(household, sitter):
    client, biscuit, _ = household
    login = ClientLoginFactory(client=client)
    for actor in (sitter, login):
        with pytest.raises(PermissionDenied):
            add_pet(client, actor=actor, name="Rex")
        with pytest.raises(PermissionDenied):
            update_pet(biscuit, actor=actor, name="Rex")
        with pytest.raises(PermissionDenied):
            archive_pet(biscuit, actor=actor, reason=PASSED_AWAY)
    assert list(client.pets.values_list("name", flat=True)) == ["Biscuit", "Mochi"]


def test_update_pet_writes_only_what_changed(household, office_manager):
    _, biscuit, _ = household

    update_pet(biscuit, actor=office_manager, name="Biscuit", medication="Apoquel")

    assert db_row(biscuit)["medication"] == "Apoquel"
    entry = ActivityEntry.objects.get(action="pet.edited")
    assert entry.changes == {"pet": "Biscuit", "fields": ["medication"]}


def test_an_edit_loaded_before_archive_pet_does_not_bring_the_pet_back(household, office_manager):
    _, biscuit, _ = household
    stale = Pet.objects.get(pk=biscuit.pk)
    archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY)

    update_pet(stale, actor=office_manager, breed="Beagle mix")
    stale.save()  # a full save (the admin) leaves the archive's columns alone too

    row = db_row(biscuit)
    assert row["breed"] == "Beagle mix"
    assert row["archived_at"] is not None
    assert row["archive_reason"] == PASSED_AWAY


def test_a_new_client_gets_its_first_pets_in_the_same_transaction(office_manager):
    client = create_client(
        actor=office_manager,
        name="Sam Lee",
        pets=[{"name": "Rex", "species": "dog"}, {"name": "Tibbles", "species": "cat"}],
    )

    assert sorted(client.pets.values_list("name", flat=True)) == ["Rex", "Tibbles"]


def test_a_refused_pet_adds_no_client_either(office_manager):
    with pytest.raises(ValidationError):
        create_client(
            actor=office_manager,
            name="Sam Lee",
            pets=[{"name": "Rex", "date_of_birth": date(1800, 1, 1)}],
        )
    assert not ScheduledEvent.objects.exists()
    assert not Pet.objects.exists()
    assert not type(office_manager).objects.filter(client__name="Sam Lee").exists()
    from clients.models import Client

    assert not Client.objects.filter(name="Sam Lee").exists()


# --- Archive pet: the schedule ----------------------------------------------------------


def test_archive_pet_removes_its_own_upcoming_visits_and_takes_it_off_shared_ones(
    household, office_manager, now
):
    client, biscuit, mochi = household
    alone = [visit(client, now + timedelta(days=d), pets=[biscuit]) for d in (1, 2, 3)]
    shared = [visit(client, now + timedelta(days=d), pets=[biscuit, mochi]) for d in (4, 5)]
    mochi_only = visit(client, now + timedelta(days=6), pets=[mochi])

    result = archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    assert isinstance(result, PetArchival)
    assert (result.events_removed, result.events_shared) == (3, 2)
    assert not ScheduledEvent.objects.filter(pk__in=[v.pk for v in alone]).exists()
    for event in shared:
        assert _pets_of(event) == {"Mochi"}
    assert _pets_of(mochi_only) == {"Mochi"}


def test_archive_pet_keeps_past_canceled_and_completed_visits_with_the_pet(
    household, office_manager, now
):
    client, biscuit, _ = household
    kept = [
        visit(client, now - timedelta(days=2), pets=[biscuit]),
        visit(client, now - timedelta(minutes=10), pets=[biscuit]),  # under way
        visit(client, now + timedelta(days=1), pets=[biscuit], status=EventStatus.CANCELED),
        visit(client, now + timedelta(days=2), pets=[biscuit], status=EventStatus.COMPLETED),
    ]
    requested = visit(client, now, pets=[biscuit], status=EventStatus.REQUESTED)  # starts now

    result = archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    assert result.events_removed == 1
    assert not ScheduledEvent.objects.filter(pk=requested.pk).exists()
    for event in kept:
        assert _pets_of(event) == {"Biscuit"}


def test_a_visit_whose_other_pets_are_archived_goes_with_the_last_one(
    household, office_manager, now
):
    client, biscuit, mochi = household
    both = visit(client, now + timedelta(days=1), pets=[biscuit, mochi])
    archive_pet(mochi, actor=office_manager, reason=PASSED_AWAY, delete_future_services=False)
    assert _pets_of(both) == {"Biscuit", "Mochi"}

    result = archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    assert result.events_removed == 1
    assert not ScheduledEvent.objects.filter(pk=both.pk).exists()


def test_unchecked_delete_future_services_keeps_the_visits(household, office_manager, now):
    client, biscuit, mochi = household
    own = visit(client, now + timedelta(days=1), pets=[biscuit])
    shared = visit(client, now + timedelta(days=2), pets=[biscuit, mochi])

    result = archive_pet(
        biscuit, actor=office_manager, reason=PASSED_AWAY, delete_future_services=False, now=now
    )

    assert (result.events_removed, result.events_shared, result.events_kept) == (0, 0, 2)
    assert _pets_of(own) == {"Biscuit"}
    assert _pets_of(shared) == {"Biscuit", "Mochi"}


def test_a_template_for_the_pet_alone_goes_and_a_shared_one_keeps_the_others(
    household, office_manager, now
):
    client, biscuit, mochi = household
    own = TemplateFactory(client=client)
    own.pets.add(biscuit)
    shared = TemplateFactory(client=client)
    shared.pets.add(biscuit, mochi)
    made = visit(client, now - timedelta(days=1), pets=[biscuit], template=own)

    result = archive_pet(
        biscuit, actor=office_manager, reason=PASSED_AWAY, delete_future_services=False, now=now
    )

    assert (result.templates_removed, result.templates_shared) == (1, 1)
    assert list(Template.objects.all()) == [shared]
    assert set(TemplatePet.objects.values_list("pet__name", flat=True)) == {"Mochi"}
    made.refresh_from_db()
    assert made.template_id is None  # its visit stays, the link emptied


def test_archive_pet_records_who_when_why_and_logs_the_counts(household, office_manager, now):
    client, biscuit, mochi = household
    visit(client, now + timedelta(days=1), pets=[biscuit])
    visit(client, now + timedelta(days=2), pets=[biscuit, mochi])

    archive_pet(
        biscuit,
        actor=office_manager,
        reason=Pet.ArchiveReason.REHOMED,
        note=" With Aunt May ",
        now=now,
    )

    row = db_row(biscuit)
    assert (row["archived_at"], row["archived_by_id"], row["archive_reason"]) == (
        now,
        office_manager.pk,
        "rehomed",
    )
    assert row["archive_note"] == "With Aunt May"
    entry = ActivityEntry.objects.get(action="pet.archived")
    assert entry.client == client
    assert entry.reason == "With Aunt May"
    assert entry.details == [
        "Biscuit",
        "Reason: Rehomed.",
        "Removed 1 upcoming service; taken off 1 shared one.",
    ]


def test_archiving_twice_is_refused_and_changes_nothing(household, office_manager, now):
    client, biscuit, _ = household
    archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)
    later = visit(client, now + timedelta(days=1), pets=[biscuit])
    before = db_row(biscuit)

    with pytest.raises(PetArchived, match="Biscuit is already archived"):
        archive_pet(biscuit, actor=office_manager, reason=Pet.ArchiveReason.OTHER)

    assert db_row(biscuit) == before
    assert ScheduledEvent.objects.filter(pk=later.pk).exists()
    assert ActivityEntry.objects.filter(action="pet.archived").count() == 1


@pytest.mark.parametrize("reason", ["", "gone", "PASSED_AWAY"])
def test_an_unknown_reason_is_refused_and_changes_nothing(household, office_manager, reason):
    _, biscuit, _ = household
    with pytest.raises(ValidationError):
        archive_pet(biscuit, actor=office_manager, reason=reason)
    assert db_row(biscuit)["archived_at"] is None


def test_archive_pet_sends_nothing_to_the_client(household, office_manager, now):
    client, biscuit, _ = household
    ClientLoginFactory(client=client, email="jane@example.com")
    visit(client, now + timedelta(days=1), pets=[biscuit])
    enqueued = []
    task_enqueued.connect(lambda **kw: enqueued.append(kw), weak=False, dispatch_uid="pets")
    try:
        archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)
    finally:
        task_enqueued.disconnect(dispatch_uid="pets")
    assert mail.outbox == []
    assert enqueued == []


@pytest.mark.parametrize(("visits", "templates"), [(3, 1), (300, 20)], ids=["small", "large"])
def test_archive_pet_runs_the_same_queries_whatever_the_schedule(
    office_manager, now, django_assert_num_queries, visits, templates
):
    client = ClientFactory()
    biscuit, mochi = PetFactory(client=client), PetFactory(client=client)
    walk = ServiceTypeFactory()
    events = ScheduledEvent.objects.bulk_create(
        ScheduledEvent(
            client=client,
            service_type=walk,
            starts_at=now + timedelta(hours=i + 1),
            ends_at=now + timedelta(hours=i + 1, minutes=30),
        )
        for i in range(visits)
    )
    EventPet.objects.bulk_create(
        EventPet(event=e, pet=p)
        for i, e in enumerate(events)
        for p in [biscuit, mochi][: i % 2 + 1]
    )
    for i, template in enumerate(TemplateFactory.create_batch(templates, client=client)):
        template.pets.add(*[biscuit, mochi][: i % 2 + 1])
    assert policy.may_manage_pets(office_manager)  # the permissions, read once per request

    # SAVEPOINT, lock the client, lock the pet, DELETE the shared visits'
    # links, DELETE the pet's own visits, the same two for templates, UPDATE
    # the pet, INSERT the activity entry, RELEASE.
    with django_assert_num_queries(10) as captured:
        result = archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    assert result.events_removed == (visits + 1) // 2
    assert result.events_shared == visits // 2
    statements = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in statements if sql.startswith('SELECT "scheduling_')]


# --- Archived pets leave the pickers ----------------------------------------------------


def test_archived_pets_leave_the_pickers_and_stay_on_past_visits(household, office_manager, now):
    client, biscuit, mochi = household
    past = visit(client, now - timedelta(days=3), pets=[biscuit], status=EventStatus.COMPLETED)

    archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    assert list(client_pets(client=client)) == [mochi]
    assert list(Pet.objects.current()) == [mochi]
    assert list(Pet.objects.archived()) == [biscuit]
    assert _pets_of(past) == {"Biscuit"}


def test_scheduling_an_archived_pet_is_refused(household, office_manager, now):
    client, biscuit, _ = household
    archive_pet(biscuit, actor=office_manager, reason=PASSED_AWAY, now=now)

    with pytest.raises(ValidationError) as refused:
        schedule_event(
            client=client,
            actor=office_manager,
            service_type=ServiceTypeFactory(),
            pets=[biscuit],
            starts_at=now + timedelta(days=2),
        )

    assert "Biscuit is archived" in str(refused.value)
    assert not ScheduledEvent.objects.exists()


# --- Concurrency (PostgreSQL: SQLite has no row locks) ---------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_archive_pet_archive_once(roles):
    actor = OfficeManagerFactory()
    client = ClientFactory()
    biscuit = PetFactory(client=client, name="Biscuit")
    for days in (1, 2, 3):
        visit(client, _later(days), pets=[biscuit])
    first, second = (Pet.objects.get(pk=biscuit.pk) for _ in range(2))

    outcomes = race(
        partial(archive_pet, first, actor=actor, reason=PASSED_AWAY),
        partial(archive_pet, second, actor=actor, reason=PASSED_AWAY),
    )

    succeeded = [o for o in outcomes if isinstance(o, PetArchival)]
    refused = [o for o in outcomes if isinstance(o, PetArchived)]
    assert (len(succeeded), len(refused)) == (1, 1), outcomes
    assert succeeded[0].events_removed == 3
    assert ActivityEntry.objects.filter(action="pet.archived").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_visit_scheduled_while_the_pet_is_archived_is_removed_or_refused(roles):
    """Both take the client's lock: the visit exists before Archive pet (and
    goes with it) or is refused after it, never left behind for a pet
    that is gone."""
    actor = OfficeManagerFactory()
    client = ClientFactory()
    biscuit = PetFactory(client=client, name="Biscuit")
    walk = ServiceTypeFactory()

    archived, scheduled = race(
        partial(archive_pet, biscuit, actor=actor, reason=PASSED_AWAY),
        partial(
            schedule_event,
            client=client,
            actor=actor,
            service_type=walk,
            pets=[biscuit],
            starts_at=_later(2),
        ),
    )

    assert isinstance(archived, PetArchival), archived
    if isinstance(scheduled, ValidationError):
        assert archived.events_removed == 0
    else:
        assert archived.events_removed == 1
    assert not ScheduledEvent.objects.exists()


def _later(days: int):
    from django.utils import timezone

    return timezone.now() + timedelta(days=days)
