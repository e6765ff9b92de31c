"""Reads of the schedule, with what their screens show already joined."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from clients.models import Pet

from .models import ScheduledEvent, Template


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
