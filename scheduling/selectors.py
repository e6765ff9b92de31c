"""Reads of the schedule, with what their screens show already joined."""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from clients.models import Pet

from .models import ScheduledEvent, ServiceType, Template


def _with_display_relations(events: QuerySet[ScheduledEvent]) -> QuerySet[ScheduledEvent]:
    return events.select_related("service_type", "sitter", "client").prefetch_related(
        Prefetch("pets", queryset=Pet.objects.order_by("name", "pk"))
    )


def client_upcoming_events(*, client, now: datetime) -> QuerySet[ScheduledEvent]:
    """The client's visits still to come, soonest first."""
    return _with_display_relations(
        ScheduledEvent.objects.upcoming(now=now).for_client(client).order_by("starts_at", "pk")
    )


def client_templates(*, client) -> QuerySet[Template]:
    return (
        Template.objects.filter(client=client)
        .select_related("service_type", "sitter")
        .prefetch_related(Prefetch("pets", queryset=Pet.objects.order_by("name", "pk")))
    )


def client_has_templates(*, client) -> bool:
    return Template.objects.filter(client=client).exists()


def upcoming_schedule(*, now: datetime) -> QuerySet[ScheduledEvent]:
    """Every client's visits still to come, soonest first (the Schedule screen)."""
    return _with_display_relations(
        ScheduledEvent.objects.upcoming(now=now).order_by("starts_at", "pk")
    )


def business_opening_hours() -> tuple[time, time] | None:
    """The business's opening hours for requests from clients, from
    settings.BUSINESS_OPENING_HOURS ("HH:MM-HH:MM"); None when unset (any time)."""
    value = (getattr(settings, "BUSINESS_OPENING_HOURS", "") or "").strip()
    if not value:
        return None
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f'BUSINESS_OPENING_HOURS must look like "07:00-20:00", not {value!r}.'
        ) from None
    if opens >= closes:
        raise ImproperlyConfigured("BUSINESS_OPENING_HOURS must open before it closes.")
    return opens, closes


def requestable_service_types() -> QuerySet[ServiceType]:
    """What a client may request: the active (not archived) service types."""
    return ServiceType.objects.filter(is_active=True).order_by("name", "pk")


def client_visits_for_portal(*, client, now: datetime) -> QuerySet[ScheduledEvent]:
    """The client's own visits still to come (requested or scheduled), soonest
    first, with what the portal shows of them joined: service, sitter, pets."""
    return (
        ScheduledEvent.objects.upcoming(now=now)
        .for_client(client)
        .select_related("service_type", "sitter")
        .prefetch_related(Prefetch("pets", queryset=Pet.objects.order_by("name", "pk")))
        .order_by("starts_at", "pk")
    )
