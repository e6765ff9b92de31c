"""Every service that takes an actor, as a table that the policy and the
activity-log tests walk: given a client (with a pet) and a service type,
each entry arranges what its call needs and returns the call, waiting for its
actor. tests/test_policy.py fails when a service with an actor is missing."""

from datetime import date, time, timedelta

from django.utils import timezone

from clients.models import Client
from petcare.models import ActivityEntry
from scheduling.models import EventStatus, ScheduledEvent, ServiceType, Template
from tests import factories


def tomorrow_at(hour: int):
    return timezone.now().replace(microsecond=0) + timedelta(days=1, hours=hour)


def make_visit(client, status=EventStatus.SCHEDULED, **kwargs):
    starts_at = kwargs.pop("starts_at", tomorrow_at(1))
    return factories.ScheduledEventFactory(
        client=client, status=status, starts_at=starts_at, **kwargs
    )


def make_template(client):
    template = factories.TemplateFactory(client=client)
    template.pets.add(*client.pets.all())
    return template


def service_calls():
    from clients import services as clients
    from scheduling.services import service_types, templates, visits

    pets = lambda c: list(c.pets.all())  # noqa: E731
    today = date.today()
    return {
        "clients.services.create_client": lambda c, w: (
            lambda actor: clients.create_client(
                actor=actor, name="Riley Park", email="riley@example.com"
            )
        ),
        "clients.services.update_client": lambda c, w: (
            lambda actor: clients.update_client(c, actor=actor, phone="(555) 010-9999")
        ),
        "clients.services.deactivate_client": lambda c, w: (
            lambda actor: clients.deactivate_client(c, actor=actor)
        ),
        "clients.services.reactivate_client": lambda c, w: (
            lambda client: lambda actor: clients.reactivate_client(client, actor=actor)
        )(make_inactive(c)),
        "clients.services.invite_client": lambda c, w: (
            lambda actor: clients.invite_client(c, actor=actor, base_url="https://petcare.example/")
        ),
        "clients.services.add_pet": lambda c, w: (
            lambda actor: clients.add_pet(c, actor=actor, name="Pepper", feeding="One cup")
        ),
        "clients.services.update_pet": lambda c, w: (
            lambda pet: lambda actor: clients.update_pet(pet, actor=actor, medication="Apoquel")
        )(factories.PetFactory(client=c, name="Olive")),
        "clients.services.archive_pet": lambda c, w: (
            lambda pet: lambda actor: clients.archive_pet(pet, actor=actor, reason="rehomed")
        )(factories.PetFactory(client=c, name="Olive")),
        "scheduling.services.visits.schedule_event": lambda c, w: (
            lambda actor: visits.schedule_event(
                client=c, service_type=w, pets=pets(c), starts_at=tomorrow_at(2), actor=actor
            )
        ),
        "scheduling.services.visits.update_event": lambda c, w: (
            lambda visit: (
                lambda actor: visits.update_event(
                    visit,
                    service_type=w,
                    pets=pets(c),
                    sitter=None,
                    starts_at=tomorrow_at(3),
                    actor=actor,
                )
            )
        )(make_visit(c)),
        "scheduling.services.visits.cancel_event": lambda c, w: (
            lambda visit: lambda actor: visits.cancel_event(visit, actor=actor)
        )(make_visit(c)),
        "scheduling.services.visits.complete_event": lambda c, w: (
            lambda visit: lambda actor: visits.complete_event(visit, actor=actor)
        )(make_visit(c)),
        "scheduling.services.visits.decline_request": lambda c, w: (
            lambda visit: lambda actor: visits.decline_request(visit, actor=actor)
        )(make_visit(c, EventStatus.REQUESTED)),
        "scheduling.services.visits.confirm_request": lambda c, w: (
            lambda visit: lambda actor: visits.confirm_request(visit, actor=actor)
        )(make_visit(c, EventStatus.REQUESTED)),
        "scheduling.services.templates.create_template": lambda c, w: (
            lambda actor: templates.create_template(
                client=c,
                service_type=w,
                pets=pets(c),
                weekdays=[0, 2],
                time_of_day=time(9),
                first_date=today,
                actor=actor,
            )
        ),
        "scheduling.services.templates.update_template": lambda c, w: (
            lambda template: (
                lambda actor: templates.update_template(
                    template,
                    service_type=w,
                    pets=pets(c),
                    weekdays=[1],
                    time_of_day=time(10),
                    first_date=today,
                    actor=actor,
                )
            )
        )(make_template(c)),
        "scheduling.services.templates.delete_template": lambda c, w: (
            lambda template: lambda actor: templates.delete_template(template, actor=actor)
        )(make_template(c)),
        "scheduling.services.templates.apply_template": lambda c, w: (
            lambda template: (
                lambda actor: templates.apply_template(
                    template,
                    start_date=today + timedelta(days=1),
                    end_date=today + timedelta(days=7),
                    actor=actor,
                )
            )
        )(make_template(c)),
        "scheduling.services.service_types.save_service_type": lambda c, w: (
            lambda actor: service_types.save_service_type(
                ServiceType(name="Cat visit", price=20), actor=actor
            )
        ),
        "scheduling.services.service_types.set_service_type_offered": lambda c, w: (
            lambda actor: service_types.set_service_type_offered(w, offered=False, actor=actor)
        ),
    }


SERVICES = list(service_calls())
# Where services live: every public function of these modules that takes an
# actor must be in service_calls().
SERVICE_MODULES = [
    "clients.services",
    "scheduling.services.visits",
    "scheduling.services.templates",
    "scheduling.services.service_types",
    "portal.services",
    "api.tokens",
]


def make_inactive(client):
    Client.objects.filter(pk=client.pk).update(is_active=False, deactivated_at=timezone.now())
    client.refresh_from_db()
    return client


def everything(client_pk):
    """What a refused call must leave exactly as it was."""
    client = Client.objects.get(pk=client_pk)
    return {
        "client": Client.objects.filter(pk=client_pk).values().get(),
        "clients": Client.objects.count(),
        "visits": sorted(ScheduledEvent.objects.values_list("pk", "status", "starts_at")),
        "templates": sorted(Template.objects.values_list("pk", "weekdays", "time_of_day")),
        "service types": sorted(ServiceType.objects.values_list("pk", "name", "is_active")),
        "history": client.status_changes.count(),
        "logins": sorted(client.logins.values_list("pk", "email")),
        "activity": ActivityEntry.objects.count(),
    }


# The line each service writes in the activity log.
LOGGED_AS = {
    "clients.services.create_client": "client.added",
    "clients.services.update_client": "client.edited",
    "clients.services.deactivate_client": "client.deactivated",
    "clients.services.reactivate_client": "client.reactivated",
    "clients.services.invite_client": "client.invited",
    "clients.services.add_pet": "pet.added",
    "clients.services.update_pet": "pet.edited",
    "clients.services.archive_pet": "pet.archived",
    "scheduling.services.visits.schedule_event": "visit.scheduled",
    "scheduling.services.visits.update_event": "visit.edited",
    "scheduling.services.visits.cancel_event": "visit.canceled",
    "scheduling.services.visits.complete_event": "visit.completed",
    "scheduling.services.visits.decline_request": "visit.declined",
    "scheduling.services.visits.confirm_request": "visit.confirmed",
    "scheduling.services.templates.create_template": "template.added",
    "scheduling.services.templates.update_template": "template.edited",
    "scheduling.services.templates.delete_template": "template.removed",
    "scheduling.services.templates.apply_template": "template.applied",
    "scheduling.services.service_types.save_service_type": "service_type.added",
    "scheduling.services.service_types.set_service_type_offered": "service_type.archived",
}
