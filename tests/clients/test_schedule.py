"""Where Make Inactive reaches into the schedule (clients.schedule): one
client's rows, set-based, one DELETE each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.schedule import delete_templates, delete_upcoming_visits
from scheduling.models import EventPet, EventStatus, ScheduledEvent, Template
from tests.factories import ClientFactory, PetFactory, ScheduledEventFactory, TemplateFactory
from tests.helpers import visit

pytestmark = pytest.mark.django_db


def test_delete_upcoming_visits_removes_the_clients_requested_and_scheduled_visits_from_now_on(
    django_assert_num_queries,
):
    now = timezone.now()
    client = ClientFactory()
    removed = [
        visit(client, now),
        visit(client, now + timedelta(days=3), status=EventStatus.REQUESTED),
    ]
    kept = [
        visit(client, now - timedelta(minutes=1)),
        visit(client, now + timedelta(days=1), status=EventStatus.CANCELED),
        visit(client, now + timedelta(days=1), status=EventStatus.COMPLETED),
        visit(ClientFactory(), now + timedelta(days=1)),
    ]

    with django_assert_num_queries(1):
        count = delete_upcoming_visits(client, now=now)

    assert count == 2
    assert not ScheduledEvent.objects.filter(pk__in=[e.pk for e in removed]).exists()
    assert ScheduledEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == len(kept)


def test_delete_upcoming_visits_counts_visits_not_the_pet_links_the_database_removes():
    now = timezone.now()
    client = ClientFactory()
    pets = PetFactory.create_batch(3, client=client)
    for day in (1, 2):
        visit(client, now + timedelta(days=day)).pets.add(*pets)

    assert delete_upcoming_visits(client, now=now) == 2
    assert not EventPet.objects.filter(event__client=client).exists()


def test_delete_templates_removes_only_that_clients_templates_and_empties_links(
    django_assert_num_queries,
):
    client = ClientFactory()
    templates = TemplateFactory.create_batch(2, client=client)
    visits = [
        ScheduledEventFactory(client=client, template=t, occurrence_date=t.first_date)
        for t in templates
    ]
    other = TemplateFactory()
    other_visit = ScheduledEventFactory(
        client=other.client, template=other, occurrence_date=other.first_date
    )

    with django_assert_num_queries(1):
        count = delete_templates(client)

    assert count == 2
    assert list(Template.objects.all()) == [other]
    assert ScheduledEvent.objects.filter(pk__in=[v.pk for v in visits], template=None).count() == 2
    assert ScheduledEvent.objects.get(pk=other_visit.pk).template == other


def test_delete_templates_without_templates_removes_nothing():
    other = TemplateFactory()

    assert delete_templates(ClientFactory()) == 0
    assert list(Template.objects.all()) == [other]
