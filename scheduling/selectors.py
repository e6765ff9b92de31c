"""Reads of the schedule, with what their screens show already joined."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client, Pet
from petcare import roles

from .models import EventStatus, ScheduledEvent, ServiceType, Template

# Who can be assigned a visit: staff in these groups.
ASSIGNABLE_ROLES = (roles.SITTER, roles.OFFICE_MANAGER, roles.ADMIN)


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


# --- Staff screens of the schedule ------------------------------------------------


def business_timezone():
    """The business's time zone (settings.TIME_ZONE): days begin and end there."""
    return timezone.get_default_timezone()


def local_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the business's time zone, aware."""
    return timezone.make_aware(datetime.combine(day, time.min), business_timezone())


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    events: list[ScheduledEvent]
    is_today: bool

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass(frozen=True)
class Schedule:
    """The visits of a run of days, grouped by the business's local date."""

    days: list[ScheduleDay]

    @property
    def first_day(self) -> date:
        return self.days[0].date

    @property
    def last_day(self) -> date:
        return self.days[-1].date

    @property
    def total(self) -> int:
        return sum(len(day.events) for day in self.days)

    @property
    def requested(self) -> int:
        return sum(e.status == EventStatus.REQUESTED for day in self.days for e in day.events)


def schedule_events(
    *,
    first_day: date,
    days: int,
    sitter_id: int | None = None,
    unassigned: bool = False,
    status: str = "",
) -> QuerySet[ScheduledEvent]:
    """Every visit (any status unless ``status`` says) that starts on one of
    ``days`` days from ``first_day`` in the business's time zone, by start
    time; only one sitter's (``sitter_id``) or only unassigned ones when asked."""
    events = ScheduledEvent.objects.filter(
        starts_at__gte=local_day_start(first_day),
        starts_at__lt=local_day_start(first_day + timedelta(days=days)),
    )
    if unassigned:
        events = events.filter(sitter__isnull=True)
    elif sitter_id is not None:
        events = events.filter(sitter_id=sitter_id)
    if status:
        events = events.filter(status=status)
    return _with_display_relations(events.order_by("starts_at", "pk"))


def get_schedule(
    *,
    first_day: date,
    days: int,
    today: date,
    sitter_id: int | None = None,
    unassigned: bool = False,
    status: str = "",
) -> Schedule:
    """The day and week views: the visits of ``days`` days from ``first_day``,
    grouped by local date, in two queries however many visits there are."""
    by_day: dict[date, list[ScheduledEvent]] = {
        first_day + timedelta(days=n): [] for n in range(days)
    }
    tz = business_timezone()
    for event in schedule_events(
        first_day=first_day,
        days=days,
        sitter_id=sitter_id,
        unassigned=unassigned,
        status=status,
    ):
        by_day[timezone.localtime(event.starts_at, tz).date()].append(event)
    return Schedule(
        days=[ScheduleDay(date=d, events=e, is_today=d == today) for d, e in by_day.items()]
    )


def assignable_sitters(*, include=None) -> QuerySet:
    """Staff who can be given a visit (active logins in the Sitter, Office
    Manager or Admin group), by first name; ``include`` adds a user who is
    already assigned even if they no longer qualify, so that editing a visit
    never silently drops its sitter."""
    wanted = Q(client__isnull=True, is_active=True, groups__name__in=ASSIGNABLE_ROLES)
    if include is not None:
        wanted |= Q(pk=include.pk)
    return (
        get_user_model()
        .objects.filter(pk__in=get_user_model().objects.filter(wanted).values("pk"))
        .order_by("first_name", "last_name", "pk")
    )


def schedulable_clients() -> QuerySet[Client]:
    """The clients the visit picker offers: active ones only, by name."""
    return Client.objects.active().order_by("name", "pk")


def client_pets(*, client: Client) -> QuerySet[Pet]:
    return Pet.objects.filter(client=client).order_by("name", "pk")


def bookable_service_types(*, include: ServiceType | None = None) -> QuerySet[ServiceType]:
    """The active service types, plus ``include`` (a visit's or template's
    current one, even archived, so that editing it keeps working)."""
    wanted = Q(is_active=True)
    if include is not None:
        wanted |= Q(pk=include.pk)
    return ServiceType.objects.filter(wanted).order_by("name", "pk")


def service_types_for_staff() -> QuerySet[ServiceType]:
    """Every service type for the Service types screen: offered ones first."""
    return ServiceType.objects.order_by("-is_active", "name", "pk")


def get_event(*, event_id: int) -> ScheduledEvent:
    """One visit with what its page shows joined (raises DoesNotExist)."""
    return _with_display_relations(ScheduledEvent.objects.all()).get(pk=event_id)


def get_template(*, template_id: int) -> Template:
    """One template with its client, service, sitter and pets (raises DoesNotExist)."""
    return (
        Template.objects.select_related("client", "service_type", "sitter")
        .prefetch_related(Prefetch("pets", queryset=Pet.objects.order_by("name", "pk")))
        .get(pk=template_id)
    )
