"""Reads of the schedule, with what their screens show already joined."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from clients.models import Client, Pet
from clients.selectors import search_client_ids
from petcare import activity, policy
from petcare.models import ActivityEntry

from .local_time import business_timezone, local_day_start
from .models import OPEN_STATUSES, EventStatus, ScheduledEvent, ServiceType, Template


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
        .prefetch_related("pets")
        .order_by("starts_at", "pk")
    )


# --- Staff screens of the schedule ------------------------------------------------


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
    return events.for_display().order_by("starts_at", "pk")


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
    """Staff who can be given a visit (User.objects.assignable), by first
    name; ``include`` adds a user who is already assigned even if they no
    longer qualify, so that editing a visit never silently drops its sitter."""
    User = get_user_model()
    wanted = Q(pk__in=User.objects.assignable().values("pk"))
    if include is not None:
        wanted |= Q(pk=include.pk)
    return User.objects.filter(wanted).order_by("first_name", "last_name", "pk")


def schedulable_clients() -> QuerySet[Client]:
    """The clients a visit may be for: those that can be scheduled, by name."""
    return Client.objects.schedulable().order_by("name", "pk")


PICKER_SIZE = 20


@dataclass(frozen=True)
class ClientChoices:
    clients: list[Client]
    # More match than are shown: the person types more.
    more: bool


def find_schedulable_clients(*, search: str, size: int = PICKER_SIZE) -> ClientChoices:
    """The first ``size`` clients that can be scheduled whose name, email,
    phone or pet matches ``search`` (all of them, by name, when it is
    empty): the Add visit picker's choices, one query however many clients
    the business has."""
    clients = schedulable_clients()
    if search.strip():
        clients = clients.filter(pk__in=search_client_ids(search.strip()))
    found = list(clients[: size + 1])
    return ClientChoices(clients=found[:size], more=len(found) > size)


def client_pets(*, client: Client) -> QuerySet[Pet]:
    return client.pets.order_by("name", "pk")


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


# How many lines of a visit's history its page shows.
VISIT_HISTORY_SIZE = 10


@dataclass(frozen=True)
class VisitHistory:
    entries: list[ActivityEntry]
    total: int


def visit_history(*, event: ScheduledEvent) -> VisitHistory:
    """The last lines of what was done to the visit, newest first, and how many in all."""
    entries = activity.for_object(event)
    return VisitHistory(entries=list(entries[:VISIT_HISTORY_SIZE]), total=entries.count())


def get_event(*, event_id: int) -> ScheduledEvent:
    """One visit with what its page shows joined (raises DoesNotExist)."""
    return ScheduledEvent.objects.for_display().get(pk=event_id)


def get_template(*, template_id: int) -> Template:
    """One template with its client, service, sitter and pets (raises DoesNotExist)."""
    return Template.objects.for_display().select_related("client").get(pk=template_id)


@dataclass(frozen=True)
class VisitActions:
    """What this person may do with this visit now: what its page offers.
    Who may (petcare.policy) and whether the visit and its client allow it;
    each action's service checks both again."""

    edit: bool
    cancel: bool
    complete: bool
    confirm: bool
    decline: bool
    confirm_blocked: bool  # a request of a client that can't be scheduled: decline only

    @property
    def any(self) -> bool:
        return self.edit or self.cancel or self.complete or self.confirm or self.decline


def visit_actions(*, user, event: ScheduledEvent, now: datetime) -> VisitActions:
    staff = policy.may_change_visits(user)
    requested = event.status == EventStatus.REQUESTED
    schedulable = event.client.can_be_scheduled
    return VisitActions(
        edit=staff and event.status in OPEN_STATUSES and schedulable,
        cancel=staff and event.status == EventStatus.SCHEDULED,
        complete=event.status == EventStatus.SCHEDULED
        and policy.may_complete_visit(user, event, now=now),
        confirm=staff and requested and schedulable,
        decline=staff and requested,
        confirm_blocked=staff and requested and not schedulable,
    )
