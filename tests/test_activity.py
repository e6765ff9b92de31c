"""The activity log (docs/design.md, "The activity log"): every service that
changes something records who did what to which object, in its own
transaction; the profile's History and a visit's page show it."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.services import deactivate_client, update_client
from petcare.models import ActivityEntry
from scheduling.models import EventStatus
from scheduling.services.visits import SitterOverlap, cancel_event, schedule_event
from tests import factories
from tests.helpers import html_of
from tests.service_calls import LOGGED_AS, SERVICES, service_calls

pytestmark = pytest.mark.django_db


@pytest.fixture
def jordan(db):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    factories.PetFactory(client=client, name="Biscuit")
    return client


@pytest.fixture
def walk(db):
    return factories.ServiceTypeFactory()


def test_every_service_has_its_line_in_the_log():
    assert set(LOGGED_AS) == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_records_one_line_who_what_and_which_client(
    roles, jordan, walk, office_manager, service
):
    act = service_calls()[service](jordan, walk)
    before = set(ActivityEntry.objects.values_list("pk", flat=True))

    act(office_manager)

    new = ActivityEntry.objects.exclude(pk__in=before)
    assert new.count() == 1
    entry = new.get()
    assert (entry.action, entry.actor) == (LOGGED_AS[service], office_manager)
    assert timezone.now() - entry.at < timedelta(minutes=1)
    if service.startswith("scheduling.services.service_types"):
        assert entry.client is None  # about no client
    elif service == "clients.services.create_client":
        assert entry.client.name == "Riley Park"  # the client it added
    else:
        assert entry.client == jordan
    assert entry.label == ActivityEntry.ACTIONS[entry.action]


def test_make_inactive_is_one_line_with_its_options_and_counts_however_many_visits(
    roles, jordan, office_manager
):
    factories.ScheduledEventFactory.create_batch(25, client=jordan)
    factories.TemplateFactory.create_batch(3, client=jordan)

    deactivate_client(jordan, actor=office_manager, reason="Moved away")

    entry = ActivityEntry.objects.get()
    assert entry.changes == {
        "delete_future_events": True,
        "delete_templates": True,
        "events_removed": 25,
        "templates_removed": 3,
        "reason": "Moved away",
    }
    assert entry.details == ["Removed 25 upcoming services; removed 3 templates."]


def test_an_edit_records_the_names_of_the_fields_never_the_details(roles, jordan, office_manager):
    update_client(
        jordan, actor=office_manager, email="jordan.reyes@example.com", phone="(555) 010-4444"
    )

    entry = ActivityEntry.objects.get()
    assert entry.changes == {"fields": ["email", "phone"]}
    stored = json.dumps(entry.changes)
    assert "jordan" not in stored and "4444" not in stored
    assert entry.details == ["Changed: email, phone."]


def test_an_edit_that_changes_nothing_records_nothing(roles, jordan, office_manager):
    update_client(jordan, actor=office_manager, name="Jordan Reyes", email="JORDAN@example.com")

    assert not ActivityEntry.objects.exists()


def test_a_refused_write_records_nothing(roles, jordan, walk, office_manager):
    sitter = factories.SitterFactory()
    starts_at = timezone.now() + timedelta(days=2)
    schedule_event(
        client=jordan,
        service_type=walk,
        pets=list(jordan.pets.all()),
        sitter=sitter,
        starts_at=starts_at,
        actor=office_manager,
    )
    logged = ActivityEntry.objects.count()

    with pytest.raises(SitterOverlap):
        schedule_event(
            client=jordan,
            service_type=walk,
            pets=list(jordan.pets.all()),
            sitter=sitter,
            starts_at=starts_at,
            actor=office_manager,
        )

    assert ActivityEntry.objects.count() == logged


def test_the_profile_history_shows_what_staff_did_and_who(roles, manager_client, office_manager):
    client = factories.ClientFactory(name="Jordan Reyes")
    update_client(client, actor=office_manager, phone="(555) 010-7777")

    html = html_of(manager_client.get(client.get_absolute_url()))

    assert "Edited the details" in html
    assert "Changed: phone." in html
    assert f"by {office_manager}" in html


def test_a_visits_page_shows_its_own_history(roles, manager_client, office_manager, jordan):
    visit = factories.ScheduledEventFactory(client=jordan, status=EventStatus.SCHEDULED)
    cancel_event(visit, actor=office_manager)

    html = html_of(manager_client.get(reverse("scheduling:visit", args=[visit.pk])))

    assert 'id="visit-history-heading">History <span class="count">1</span>' in html
    assert "Canceled a visit" in html
    assert f"by {office_manager}" in html


def test_a_visits_history_is_capped_and_counted(roles, manager_client, jordan):
    visit = factories.ScheduledEventFactory(client=jordan)
    for _ in range(12):
        factories.ActivityEntryFactory(
            client=jordan,
            action="visit.edited",
            object_type="scheduling.scheduledevent",
            object_id=visit.pk,
            changes={"fields": ["notes"]},
        )

    html = html_of(manager_client.get(reverse("scheduling:visit", args=[visit.pk])))

    assert html.count('<li class="history-edited">') == 10
    assert "Showing the last 10 of 12." in html
