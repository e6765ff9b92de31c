"""The Django admin as a safe back office (docs/design.md, "The back
office"): its writes go through the services, what only they may change is
read-only, and nothing it offers answers 500."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientStatusChange
from clients.services import deactivate_client
from petcare.models import ActivityEntry
from scheduling.models import EventStatus, ScheduledEvent, ServiceType
from tests import factories
from tests.helpers import html_of

pytestmark = pytest.mark.django_db

CLIENTS = reverse("admin:clients_client_changelist")


@pytest.fixture
def admin_client_(client, roles):
    """Django's test client signed in as an Admin of the business."""
    client.force_login(factories.AdminFactory(is_staff=True, email="boss@example.com"))
    return client


@pytest.fixture
def jordan(db):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    factories.PetFactory(client=client, name="Biscuit")
    return client


def _upcoming(client, count=3):
    return factories.ScheduledEventFactory.create_batch(
        count, client=client, starts_at=timezone.now() + timedelta(days=2)
    )


def test_make_inactive_in_the_admin_asks_first_with_the_two_options(admin_client_, jordan):
    response = admin_client_.post(
        CLIENTS, {"action": "make_inactive", ACTION_CHECKBOX_NAME: [jordan.pk]}
    )

    assert response.status_code == 200
    html = html_of(response)
    assert "Make these clients inactive?" in html
    assert ">Delete all future scheduled services</label>" in html
    assert ">Delete templates</label>" in html
    assert Client.objects.get(pk=jordan.pk).is_active


def test_make_inactive_in_the_admin_goes_through_the_service(admin_client_, jordan):
    _upcoming(jordan)
    login = factories.ClientLoginFactory(client=jordan)
    gone = factories.InactiveClientFactory()

    response = admin_client_.post(
        CLIENTS,
        {
            "action": "make_inactive",
            ACTION_CHECKBOX_NAME: [jordan.pk, gone.pk],
            "confirm": "yes",
            "delete_future_events": "on",
            "reason": "Moved away",
        },
        follow=True,
    )

    assert "Made 1 client inactive; 1 was already inactive." in html_of(response)
    jordan.refresh_from_db()
    assert not jordan.is_active
    change = ClientStatusChange.objects.get(client=jordan)
    assert (change.events_removed, change.reason) == (3, "Moved away")
    assert not ScheduledEvent.objects.filter(client=jordan).exists()
    assert type(login).objects.get(pk=login.pk).auth_epoch == login.auth_epoch + 1
    assert ActivityEntry.objects.filter(client=jordan, action="client.deactivated").exists()


def test_make_inactive_in_the_admin_keeps_the_visits_when_unticked(admin_client_, jordan):
    _upcoming(jordan)

    admin_client_.post(
        CLIENTS,
        {"action": "make_inactive", ACTION_CHECKBOX_NAME: [jordan.pk], "confirm": "yes"},
    )

    assert not Client.objects.get(pk=jordan.pk).is_active
    assert ScheduledEvent.objects.filter(client=jordan).count() == 3


def test_an_option_other_than_on_is_refused_in_the_admin_too(admin_client_, jordan):
    response = admin_client_.post(
        CLIENTS,
        {
            "action": "make_inactive",
            ACTION_CHECKBOX_NAME: [jordan.pk],
            "confirm": "yes",
            "delete_templates": "yes please",
        },
    )

    assert response.status_code == 400
    assert Client.objects.get(pk=jordan.pk).is_active


def test_reactivate_in_the_admin_goes_through_the_service(admin_client_, jordan, office_manager):
    deactivate_client(jordan, actor=office_manager)

    admin_client_.post(
        CLIENTS,
        {"action": "reactivate", ACTION_CHECKBOX_NAME: [jordan.pk], "confirm": "yes"},
    )

    assert Client.objects.get(pk=jordan.pk).is_active
    assert list(
        ClientStatusChange.objects.filter(client=jordan).values_list("action", flat=True)
    ) == ["reactivated", "deactivated"]


def test_the_status_is_read_only_in_the_admins_client_form(admin_client_, jordan):
    url = reverse("admin:clients_client_change", args=[jordan.pk])
    html = html_of(admin_client_.get(url))

    assert 'name="is_active"' not in html
    assert 'name="deactivated_at"' not in html
    # The pets inline: each field with its own label.
    assert 'for="id_pets-0-name"' in html
    assert 'for="id_pets-0-species"' in html


def test_an_admin_form_loaded_before_make_inactive_does_not_make_the_client_active(
    admin_client_, jordan, office_manager
):
    url = reverse("admin:clients_client_change", args=[jordan.pk])
    admin_client_.get(url)  # the form is on someone's screen
    deactivate_client(jordan, actor=office_manager)

    response = admin_client_.post(
        url,
        {
            "name": "Jordan Reyes",
            "email": "jordan@example.com",
            "phone": "(555) 010-1111",
            "address": "",
            "notes": "Called to say goodbye",
            "pets-TOTAL_FORMS": "0",
            "pets-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    jordan.refresh_from_db()
    assert (jordan.is_active, jordan.notes) == (False, "Called to say goodbye")
    assert ClientStatusChange.objects.filter(client=jordan).latest("changed_at").action == (
        "deactivated"
    )


def test_the_admin_refuses_a_duplicate_email_with_a_message(admin_client_, jordan):
    factories.ClientFactory(email="taken@example.com")
    url = reverse("admin:clients_client_change", args=[jordan.pk])

    response = admin_client_.post(
        url,
        {
            "name": "Jordan Reyes",
            "email": "Taken@Example.com",
            "phone": "",
            "address": "",
            "notes": "",
            "pets-TOTAL_FORMS": "0",
            "pets-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "A client with this email already exists." in html_of(response)
    assert Client.objects.get(pk=jordan.pk).email == "jordan@example.com"


def test_a_client_cannot_be_deleted_in_the_admin(admin_client_, jordan):
    response = admin_client_.post(reverse("admin:clients_client_delete", args=[jordan.pk]))

    assert response.status_code == 403
    assert Client.objects.filter(pk=jordan.pk).exists()


@pytest.mark.parametrize("model", ["scheduledevent", "template"])
def test_visits_and_templates_are_read_only_in_the_admin(admin_client_, jordan, model):
    visit = factories.ScheduledEventFactory(client=jordan)
    template = factories.TemplateFactory(client=jordan)
    pk = visit.pk if model == "scheduledevent" else template.pk

    assert admin_client_.get(reverse(f"admin:scheduling_{model}_add")).status_code == 403
    change = admin_client_.get(reverse(f"admin:scheduling_{model}_change", args=[pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in html_of(change)
    assert admin_client_.post(
        reverse(f"admin:scheduling_{model}_delete", args=[pk])
    ).status_code == (403)


def test_a_service_type_in_use_is_not_deleted_and_the_admin_says_to_archive_it(
    admin_client_, jordan
):
    walk = factories.ServiceTypeFactory()
    factories.ScheduledEventFactory(client=jordan, service_type=walk)
    url = reverse("admin:scheduling_servicetype_delete", args=[walk.pk])

    response = admin_client_.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "can&#x27;t be deleted: visits or templates use it. Archive it instead" in html_of(
        response
    )
    assert ServiceType.objects.filter(pk=walk.pk).exists()


def test_a_service_type_no_one_uses_can_be_deleted(admin_client_):
    unused = factories.ServiceTypeFactory(name="Pet taxi")

    response = admin_client_.post(
        reverse("admin:scheduling_servicetype_delete", args=[unused.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not ServiceType.objects.filter(pk=unused.pk).exists()


def test_archiving_in_the_admin_goes_through_the_service(admin_client_):
    walk = factories.ServiceTypeFactory()

    admin_client_.post(
        reverse("admin:scheduling_servicetype_changelist"),
        {"action": "archive", ACTION_CHECKBOX_NAME: [walk.pk]},
    )

    assert not ServiceType.objects.get(pk=walk.pk).is_active
    assert ActivityEntry.objects.filter(action="service_type.archived").exists()


@pytest.mark.parametrize(
    "url",
    [
        "admin:petcare_activityentry_changelist",
        "admin:api_apitoken_changelist",
        "admin:axes_accessattempt_changelist",
        "admin:clients_pet_changelist",
        "admin:clients_clientstatuschange_changelist",
        "admin:scheduling_scheduledevent_changelist",
    ],
)
def test_the_admin_lists_the_back_office(admin_client_, jordan, url):
    factories.ScheduledEventFactory(client=jordan, status=EventStatus.SCHEDULED)
    factories.ActivityEntryFactory(client=jordan)

    assert admin_client_.get(reverse(url)).status_code == 200
