"""The database refuses what the schedule's rules refuse, and does the deletes' cascades itself."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.models import Pet
from scheduling.models import (
    EventPet,
    EventStatus,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)
from tests.factories import (
    ClientFactory,
    PetFactory,
    ScheduledEventFactory,
    ServiceTypeFactory,
    TemplateFactory,
    UserFactory,
)
from tests.helpers import db_row

pytestmark = pytest.mark.django_db


def refused():
    return pytest.raises(IntegrityError)


def raw_delete(table: str, pk: int) -> None:
    """Delete a row behind Django's back, so only the database's own rules apply."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])


# --- Constraints ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "length", [timedelta(0), -timedelta(minutes=30)], ids=["ends-at-start", "ends-before-start"]
)
def test_a_visit_must_end_after_it_starts(length):
    starts_at = timezone.now()

    with refused(), transaction.atomic():
        ScheduledEventFactory(starts_at=starts_at, ends_at=starts_at + length)


def test_a_visit_with_an_unknown_status_is_refused_by_the_database():
    event = ScheduledEventFactory()

    with refused(), transaction.atomic():
        ScheduledEvent.objects.filter(pk=event.pk).update(status="done")


def test_two_visits_for_the_same_template_occurrence_are_refused():
    template = TemplateFactory()
    ScheduledEventFactory(
        client=template.client, template=template, occurrence_date=date(2030, 1, 7)
    )

    with refused(), transaction.atomic():
        ScheduledEventFactory(
            client=template.client, template=template, occurrence_date=date(2030, 1, 7)
        )


def test_visits_without_template_may_share_a_date_and_a_template_may_recur():
    template = TemplateFactory()
    ScheduledEventFactory.create_batch(2, client=template.client, occurrence_date=date(2030, 1, 7))
    ScheduledEventFactory(
        client=template.client, template=template, occurrence_date=date(2030, 1, 7)
    )
    ScheduledEventFactory(
        client=template.client, template=template, occurrence_date=date(2030, 1, 9)
    )

    assert ScheduledEvent.objects.filter(client=template.client).count() == 4


def test_a_template_cannot_end_before_it_starts():
    with refused(), transaction.atomic():
        TemplateFactory(first_date=date(2030, 1, 7), last_date=date(2030, 1, 6))


def test_a_template_may_end_on_its_first_day():
    template = TemplateFactory(first_date=date(2030, 1, 7), last_date=date(2030, 1, 7))

    assert db_row(template)["last_date"] == date(2030, 1, 7)


@pytest.mark.parametrize("weekdays", [[], [7], [-1], ["mon"], "0,2"])
def test_a_template_needs_valid_weekdays(weekdays):
    template = TemplateFactory.build(
        client=ClientFactory(), service_type=ServiceTypeFactory(), weekdays=weekdays
    )

    with pytest.raises(ValidationError) as raised:
        template.full_clean()

    assert "weekdays" in raised.value.message_dict


def test_a_template_keeps_its_weekdays_sorted_and_once():
    template = TemplateFactory.build(
        client=ClientFactory(), service_type=ServiceTypeFactory(), weekdays=[4, 0, 4, 2]
    )

    template.full_clean()

    assert template.weekdays == [0, 2, 4]
    assert template.weekdays_display == "Mon, Wed, Fri"


@pytest.mark.parametrize(
    ("duration", "price"),
    [(timedelta(0), Decimal("25.00")), (timedelta(minutes=30), Decimal("-1.00"))],
    ids=["no-duration", "negative-price"],
)
def test_a_service_type_needs_a_duration_and_a_price_not_negative(duration, price):
    with refused(), transaction.atomic():
        ServiceType.objects.create(name="Odd service", duration=duration, price=price)


# --- Deletes the database carries out ---------------------------------------------------


def _visit_from(template, **kwargs):
    return ScheduledEventFactory(
        client=template.client, template=template, occurrence_date=date(2030, 1, 7), **kwargs
    )


def test_deleting_a_template_in_the_database_empties_its_visits_link_only():
    template = TemplateFactory()
    visit = _visit_from(template, status=EventStatus.COMPLETED, notes="All good")
    before = db_row(visit)

    raw_delete("scheduling_template", template.pk)

    assert db_row(visit) == {**before, "template_id": None}


def test_deleting_templates_through_django_is_one_statement_that_empties_the_link(
    django_assert_num_queries,
):
    template = TemplateFactory()
    pet = PetFactory(client=template.client)
    template.pets.add(pet)
    visit = _visit_from(template)
    visit.pets.add(pet)
    before = db_row(visit)

    with django_assert_num_queries(1):
        Template.objects.filter(pk=template.pk).delete()

    assert db_row(visit) == {**before, "template_id": None}
    assert list(visit.pets.all()) == [pet]
    assert not TemplatePet.objects.filter(template_id=template.pk).exists()


def test_deleting_a_visit_in_the_database_deletes_its_pets_links():
    event = ScheduledEventFactory()
    pets = PetFactory.create_batch(2, client=event.client)
    event.pets.add(*pets)

    raw_delete("scheduling_scheduledevent", event.pk)

    assert not EventPet.objects.filter(event_id=event.pk).exists()
    assert Pet.objects.filter(client=event.client).count() == 2


def test_deleting_visits_through_django_is_one_statement_that_cascades_to_pets(
    django_assert_num_queries,
):
    event = ScheduledEventFactory()
    pets = PetFactory.create_batch(2, client=event.client)
    event.pets.add(*pets)

    with django_assert_num_queries(1):
        ScheduledEvent.objects.filter(pk=event.pk).delete()

    assert not EventPet.objects.filter(event_id=event.pk).exists()
    assert Pet.objects.filter(client=event.client).count() == 2


def test_deleting_a_sitter_leaves_their_visits_unassigned():
    sitter = UserFactory()
    event = ScheduledEventFactory(sitter=sitter)

    raw_delete("petcare_user", sitter.pk)

    assert db_row(event)["sitter_id"] is None


# --- Named querysets -------------------------------------------------------------------


def test_upcoming_visits_start_at_or_after_now_and_are_requested_or_scheduled():
    now = timezone.now()
    client = ClientFactory()

    def visit(offset, status=EventStatus.SCHEDULED):
        return ScheduledEventFactory(
            client=client,
            starts_at=now + offset,
            ends_at=now + offset + timedelta(minutes=30),
            status=status,
        )

    at_now = visit(timedelta(0))
    requested = visit(timedelta(hours=1), EventStatus.REQUESTED)
    visit(-timedelta(seconds=1))
    visit(timedelta(hours=2), EventStatus.CANCELED)
    visit(timedelta(hours=3), EventStatus.COMPLETED)
    ScheduledEventFactory(starts_at=now + timedelta(hours=1))  # another client's

    upcoming = ScheduledEvent.objects.upcoming(now=now).for_client(client)

    assert list(upcoming) == [at_now, requested]
