"""request_visit (scheduling.services.visits): a client asks for a visit within
the opening hours, staff confirm it later (docs/design.md, "Scheduling" and
"The client portal"). Every refusal writes nothing; the client row lock makes
a request and Make Inactive race-safe (PostgreSQL)."""

from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client, ClientInactive
from clients.services import Deactivation, deactivate_client
from scheduling.models import EventPet, EventStatus, ScheduledEvent
from scheduling.services.visits import request_visit
from tests import helpers
from tests.factories import (
    ClientFactory,
    ClientLoginFactory,
    InactiveClientFactory,
    OfficeManagerFactory,
    PetFactory,
    ServiceTypeFactory,
)
from tests.helpers import days_ahead, race, refusal_codes, run_while_held
from tests.scheduling.helpers import DAY, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=DAY)


def own_login(client):
    """The client's own login: who asks for its visits."""
    return client.logins.first() or ClientLoginFactory(client=client)


def test_request_visit_creates_a_requested_visit_without_sitter_for_the_pets(jordan, pets, walk):
    event = request_visit(
        jordan,
        actor=own_login(jordan),
        service_type=walk,
        pets=pets,
        starts_at=at(9, 30),
        note="Gate code 1234\r\nThanks!",
        now=NOW,
    )

    event.refresh_from_db()
    assert event.client == jordan
    assert event.status == EventStatus.REQUESTED
    assert event.sitter is None
    assert event.service_type == walk
    assert event.starts_at == at(9, 30)
    assert event.ends_at == at(10, 0)
    assert event.template is None
    assert event.notes == "Gate code 1234\nThanks!"
    assert sorted(p.name for p in event.pets.all()) == ["Biscuit", "Mochi"]


def test_request_visit_accepts_pet_ids(jordan, pets, walk):
    event = request_visit(
        jordan,
        actor=own_login(jordan),
        service_type=walk,
        pets=[pets[0].pk],
        starts_at=at(9),
        now=NOW,
    )

    assert list(event.pets.all()) == [pets[0]]


def test_request_visit_costs_the_same_queries_for_one_pet_or_many(walk):
    def queries_for(pet_count: int) -> int:
        client = ClientFactory()
        pets = PetFactory.create_batch(pet_count, client=client)
        own_login(client)
        with CaptureQueriesContext(connection) as captured:
            request_visit(
                client,
                actor=own_login(client),
                service_type=walk,
                pets=pets,
                starts_at=at(9),
                now=NOW,
            )
        return len(captured)

    assert queries_for(1) == queries_for(6)


def test_request_visit_refuses_a_start_in_the_past_or_now(jordan, pets, walk):
    for starts_at in (NOW - timedelta(minutes=1), NOW):
        with pytest.raises(ValidationError) as refused:
            request_visit(
                jordan,
                actor=own_login(jordan),
                service_type=walk,
                pets=pets,
                starts_at=starts_at,
                now=NOW,
            )
        assert refusal_codes(refused.value) == {"starts_at": ["past"]}
        assert "Choose a date and time in the future." in refused.value.messages

    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "hour,minute",
    [(6, 59), (6, 30), (20, 0), (23, 30)],
    ids=["one-minute-early", "before-opening", "at-closing", "late-night"],
)
def test_request_visit_refuses_a_visit_outside_the_opening_hours(jordan, pets, walk, hour, minute):
    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=pets,
            starts_at=at(hour, minute),
            now=NOW,
        )

    assert refusal_codes(refused.value) == {"starts_at": ["outside_opening_hours"]}
    assert (
        "Choose a start time within our opening hours, 7:00 AM to 8:00 PM."
        in refused.value.messages
    )
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "hour,minute", [(7, 0), (19, 45)], ids=["at-opening", "starts-before-closing"]
)
def test_request_visit_accepts_a_visit_that_fits_the_opening_hours_exactly(
    jordan, pets, walk, hour, minute
):
    event = request_visit(
        jordan,
        actor=own_login(jordan),
        service_type=walk,
        pets=pets,
        starts_at=at(hour, minute),
        now=NOW,
    )

    assert event.pk is not None


def test_request_visit_takes_an_overnight_stay_that_starts_within_opening_hours(jordan, pets):
    """The sitter arrives within opening hours; the stay ends the next morning."""
    overnight = ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=12))

    event = request_visit(
        jordan,
        actor=own_login(jordan),
        service_type=overnight,
        pets=pets,
        starts_at=at(19),
        now=NOW,
    )

    assert event.ends_at - event.starts_at == timedelta(hours=12)


def test_request_visit_reads_opening_hours_in_the_business_time_zone(jordan, pets, walk):
    utc = ZoneInfo("UTC")
    # 21:00 UTC is 5 PM in New York (summer): open. 10:30 UTC is 6:30 AM: closed.
    assert request_visit(
        jordan,
        actor=own_login(jordan),
        service_type=walk,
        pets=pets,
        starts_at=at(21, tz=utc),
        now=NOW,
    ).pk

    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=pets,
            starts_at=at(10, 30, tz=utc),
            now=NOW,
        )
    assert refusal_codes(refused.value) == {"starts_at": ["outside_opening_hours"]}


def test_request_visit_takes_any_time_when_the_business_sets_no_opening_hours(
    settings, jordan, pets, walk
):
    settings.BUSINESS_OPENING_HOURS = ""

    event = request_visit(
        jordan, actor=own_login(jordan), service_type=walk, pets=pets, starts_at=at(23, 45), now=NOW
    )

    assert event.ends_at == at(0, 15, day=DAY + timedelta(days=1))


@pytest.mark.parametrize("value", ["7-20", "20:00-07:00", "07:00", "open all day"])
def test_malformed_opening_hours_are_a_configuration_error(settings, jordan, pets, walk, value):
    settings.BUSINESS_OPENING_HOURS = value

    with pytest.raises(ImproperlyConfigured):
        request_visit(
            jordan, actor=own_login(jordan), service_type=walk, pets=pets, starts_at=at(9), now=NOW
        )


def test_request_visit_refuses_another_clients_pet(jordan, pets, walk):
    someone_elses = PetFactory(client=ClientFactory(), name="Rex")

    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=[pets[0], someone_elses],
            starts_at=at(9),
            now=NOW,
        )

    assert refusal_codes(refused.value) == {"pets": ["not_own_pet"]}
    assert "You can only request visits for your own pets." in refused.value.messages
    assert not ScheduledEvent.objects.exists()
    assert not EventPet.objects.exists()


def test_request_visit_refuses_an_unknown_pet_id(jordan, pets, walk):
    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=[987654],
            starts_at=at(9),
            now=NOW,
        )

    assert refusal_codes(refused.value) == {"pets": ["not_own_pet"]}


def test_request_visit_needs_at_least_one_pet(jordan, walk):
    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan, actor=own_login(jordan), service_type=walk, pets=[], starts_at=at(9), now=NOW
        )

    assert refusal_codes(refused.value) == {"pets": ["required"]}
    assert "Choose at least one pet." in refused.value.messages


def test_request_visit_refuses_an_archived_service_type(jordan, pets):
    archived = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=archived,
            pets=pets,
            starts_at=at(9),
            now=NOW,
        )

    assert refusal_codes(refused.value) == {"service_type": ["archived"]}
    assert not ScheduledEvent.objects.exists()


def test_request_visit_refuses_a_note_over_the_limit(jordan, pets, walk):
    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=pets,
            starts_at=at(9),
            note="x" * 1001,
            now=NOW,
        )

    assert refusal_codes(refused.value) == {"note": ["max_length"]}


def test_request_visit_reports_every_refusal_at_once(jordan, walk):
    archived = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        request_visit(
            jordan, actor=own_login(jordan), service_type=archived, pets=[], starts_at=NOW, now=NOW
        )

    assert set(refusal_codes(refused.value)) == {"service_type", "pets", "starts_at"}


def test_request_visit_needs_an_aware_start(jordan, pets, walk):
    with pytest.raises(ValueError, match="time-zone aware"):
        request_visit(
            jordan,
            actor=own_login(jordan),
            service_type=walk,
            pets=pets,
            starts_at=datetime(2031, 6, 10, 9),
            now=NOW,
        )


def test_request_visit_refuses_an_inactive_client(walk):
    client = InactiveClientFactory()
    pet = PetFactory(client=client)

    with pytest.raises(ClientInactive) as refused:
        request_visit(
            client, actor=own_login(client), service_type=walk, pets=[pet], starts_at=at(9), now=NOW
        )

    assert refused.value.client == client
    assert "inactive" in str(refused.value)
    assert not ScheduledEvent.objects.exists()


def test_request_visit_rereads_the_client_and_refuses_when_made_inactive_since(jordan, pets, walk):
    stale = Client.objects.get(pk=jordan.pk)
    deactivate_client(jordan, actor=OfficeManagerFactory())

    with pytest.raises(ClientInactive):
        request_visit(
            stale, actor=own_login(stale), service_type=walk, pets=pets, starts_at=at(9), now=NOW
        )

    assert not ScheduledEvent.objects.exists()


def test_inactive_wins_over_bad_input(walk):
    client = InactiveClientFactory()

    with pytest.raises(ClientInactive):
        request_visit(
            client, actor=own_login(client), service_type=walk, pets=[], starts_at=NOW, now=NOW
        )


# --- The row lock (PostgreSQL: SQLite has no row locks) -----------------------------


@pytest.mark.postgres
def test_request_visit_locks_the_client_row_for_update(jordan, pets, walk):
    with CaptureQueriesContext(connection) as captured:
        request_visit(
            jordan, actor=own_login(jordan), service_type=walk, pets=pets, starts_at=at(9), now=NOW
        )

    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1, captured.captured_queries
    assert 'FROM "clients_client"' in locks[0]
    assert locks[0].endswith('FOR UPDATE OF "clients_client"')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_made_while_make_inactive_holds_the_lock_is_refused(roles, jordan, pets, walk):
    actor, login = OfficeManagerFactory(), own_login(jordan)

    deactivated, requested, waited = run_while_held(
        lambda: deactivate_client(jordan, actor=actor),
        lambda: request_visit(
            jordan, actor=login, service_type=walk, pets=pets, starts_at=days_ahead(1, time(10))
        ),
    )

    assert waited, "request_visit did not wait for the jordan's row lock"
    assert isinstance(deactivated, Deactivation)
    assert isinstance(requested, ClientInactive), requested
    assert not ScheduledEvent.objects.filter(client=jordan).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_committed_first_is_removed_by_make_inactive(roles, jordan, pets, walk):
    actor, login = OfficeManagerFactory(), own_login(jordan)

    requested, deactivated, waited = run_while_held(
        lambda: request_visit(
            jordan, actor=login, service_type=walk, pets=pets, starts_at=days_ahead(1, time(10))
        ),
        lambda: deactivate_client(Client.objects.get(pk=jordan.pk), actor=actor),
    )

    assert waited, "Make Inactive did not wait for the jordan's row lock"
    assert isinstance(requested, ScheduledEvent), requested
    assert isinstance(deactivated, Deactivation), deactivated
    assert deactivated.events_removed == 1
    assert not ScheduledEvent.objects.filter(client=jordan).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_request_and_make_inactive_never_leave_a_request_for_an_inactive_client(roles, walk):
    actor = OfficeManagerFactory()
    for _ in range(8):
        client = ClientFactory()
        pet = PetFactory(client=client)

        deactivated, requested = race(
            partial(deactivate_client, client, actor=actor),
            partial(
                request_visit,
                client,
                actor=own_login(client),
                service_type=walk,
                pets=[pet],
                starts_at=days_ahead(1, time(10)),
            ),
        )

        assert isinstance(deactivated, Deactivation), deactivated
        if isinstance(requested, ScheduledEvent):
            # It came first: Make Inactive removed it.
            assert deactivated.events_removed == 1
        else:
            assert isinstance(requested, ClientInactive), requested
            assert deactivated.events_removed == 0
        assert not ScheduledEvent.objects.filter(client=client).exists()
