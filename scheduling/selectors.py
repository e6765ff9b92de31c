"""Reads of the schedule, with what their screens show already joined."""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce, Concat, Lower, RowNumber, TruncDate
from django.utils import timezone

from clients.models import Client, Pet
from clients.selectors import first_matching_clients
from petcare import activity, policy
from petcare.models import ActivityEntry
from petcare.paging import KeysetPage, keyset_page

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


# The status filter of the day and week views: "" (the default) shows the
# visits still to do, folding canceled and completed ones away; "any" shows all.
ANY_STATUS = "any"
# A week cell shows this many visits, then "+N more" (the day, for that sitter).
WEEK_CELL_SIZE = 4
# The week shows this many rows (sitters, and the unassigned visits) a page.
WEEK_ROWS_PER_PAGE = 15
# The day view shows this many visits a page, grouped by sitter.
DAY_PAGE_SIZE = 50


def shown_statuses(status: str) -> tuple[str, ...]:
    """The statuses the schedule shows for the status filter's value."""
    if not status:
        return OPEN_STATUSES
    if status == ANY_STATUS:
        return tuple(EventStatus.values)
    return (status,)


@dataclass(frozen=True)
class ScheduleSummary:
    """How many visits a period holds: shown, requested among them, and how
    many canceled or completed ones the default filter folds away."""

    total: int
    requested: int
    folded: int


class _Counts:
    """Visits of a period by sitter, local date and status (one GROUP BY),
    summed once into what the page asks: per cell, per day, per sitter."""

    def __init__(self, rows, *, statuses: tuple[str, ...], folds: bool):
        self.cells: Counter[tuple[int | None, date]] = Counter()
        self.days: Counter[date] = Counter()
        self.sitters: Counter[int | None] = Counter()
        total = requested = folded = 0
        for row in rows:
            sitter, day, status, n = row["sitter_id"], row["day"], row["status"], row["n"]
            if status not in statuses:
                folded += n
                continue
            self.cells[sitter, day] += n
            self.days[day] += n
            self.sitters[sitter] += n
            total += n
            requested += n if status == EventStatus.REQUESTED else 0
        self.statuses = statuses
        self.summary = ScheduleSummary(
            total=total, requested=requested, folded=folded if folds else 0
        )


def _local_date():
    return TruncDate("starts_at", tzinfo=business_timezone())


def _period_events(
    *, first_day: date, days: int, sitter_id: int | None, unassigned: bool
) -> QuerySet[ScheduledEvent]:
    """The visits that start on one of ``days`` days from ``first_day`` in the
    business's time zone, of one sitter or unassigned ones when asked."""
    events = ScheduledEvent.objects.filter(
        starts_at__gte=local_day_start(first_day),
        starts_at__lt=local_day_start(first_day + timedelta(days=days)),
    )
    if unassigned:
        return events.filter(sitter__isnull=True)
    if sitter_id is not None:
        return events.filter(sitter_id=sitter_id)
    return events


def _count(events: QuerySet[ScheduledEvent], *, status: str) -> _Counts:
    rows = (
        events.annotate(day=_local_date())
        .values("sitter_id", "day", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _Counts(rows, statuses=shown_statuses(status), folds=not status)


@dataclass(frozen=True)
class WeekCard:
    """What a one-line card of the week shows of a visit (read as values:
    a busy week has up to 40 sitters x 7 days x 4 of them)."""

    pk: int
    status: str
    starts_at: datetime
    client_name: str
    client_is_active: bool

    @property
    def status_label(self) -> str:
        return EventStatus(self.status).label


@dataclass(frozen=True)
class WeekCell:
    date: date
    events: list[WeekCard]  # the first WEEK_CELL_SIZE, by start time
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.events)

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass(frozen=True)
class WeekRow:
    sitter: object | None  # a User; None for the unassigned visits
    cells: list[WeekCell]

    @property
    def total(self) -> int:
        return sum(cell.total for cell in self.cells)


@dataclass(frozen=True)
class WeekDay:
    date: date
    total: int
    is_today: bool

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass(frozen=True)
class WeekSchedule:
    """The week view: a row per sitter (unassigned visits first), a column
    per day, each cell its first visits and how many more."""

    days: list[WeekDay]
    rows: list[WeekRow]
    rows_page: Page  # which of the rows these are: sitters page by page
    summary: ScheduleSummary


def _row_people(*, counts: _Counts, sitters: list, sitter_id: int | None, unassigned: bool) -> list:
    """The week's rows: unassigned visits first (when there are some), then
    the sitters by name: everyone who can be given a visit, and anyone else
    with visits that week (a sitter who has left), whose names are read
    only then."""
    if unassigned:
        return [None]
    people = {sitter.pk: sitter for sitter in sitters}
    missing = [pk for pk in counts.sitters if pk is not None and pk not in people]
    if missing:
        people.update((user.pk, user) for user in get_user_model().objects.filter(pk__in=missing))
    if sitter_id is not None:
        people = {sitter_id: people[sitter_id]} if sitter_id in people else {}
    rows = sorted(
        people.values(), key=lambda user: (user.get_full_name().lower() or user.email, user.pk)
    )
    return ([None] if counts.sitters[None] else []) + rows


def get_week_schedule(
    *,
    first_day: date,
    today: date,
    sitters: list,
    sitter_id: int | None = None,
    unassigned: bool = False,
    status: str = "",
    page: int | str = 1,
    rows_per_page: int = WEEK_ROWS_PER_PAGE,
    days: int = 7,
    cell_size: int = WEEK_CELL_SIZE,
) -> WeekSchedule:
    """The week view, one page of sitter rows at a time, in three queries
    whatever the number of visits or sitters: the visits counted by sitter,
    day and status; the ids of the first ``cell_size`` of each of the
    page's cells (a window function numbers them, on the visits alone);
    those visits with their client. ``sitters`` are the rows to show even
    without visits (the people who can be given one)."""
    events = _period_events(
        first_day=first_day, days=days, sitter_id=sitter_id, unassigned=unassigned
    )
    counts = _count(events, status=status)
    rows = Paginator(
        _row_people(counts=counts, sitters=sitters, sitter_id=sitter_id, unassigned=unassigned),
        rows_per_page,
        allow_empty_first_page=True,
    ).get_page(page)
    on_page = [person.pk for person in rows if person is not None]
    of_page = Q(sitter_id__in=on_page) | (Q(sitter__isnull=True) if None in rows else Q())
    # Numbered before any join: joined first, PostgreSQL reads every client
    # to number a week of visits (docs/benchmarks.md).
    first_ids = list(
        events.filter(of_page, status__in=counts.statuses)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("sitter_id"), _local_date()],
                order_by=[F("starts_at").asc(), F("pk").asc()],
            ),
        )
        .filter(rank__lte=cell_size)
        .values_list("pk", flat=True)
    )
    first = (
        ScheduledEvent.objects.filter(pk__in=first_ids)
        .order_by("starts_at", "pk")
        .values_list("pk", "status", "starts_at", "client__name", "client__is_active", "sitter_id")
    )
    tz = business_timezone()
    cells: dict[tuple[int | None, date], list[WeekCard]] = {}
    for pk, status_, starts_at, name, active, sitter in first:
        day = timezone.localtime(starts_at, tz).date()
        cells.setdefault((sitter, day), []).append(
            WeekCard(pk, status_, starts_at, client_name=name, client_is_active=active)
        )
    dates = [first_day + timedelta(days=n) for n in range(days)]

    def row(sitter) -> WeekRow:
        key = sitter.pk if sitter is not None else None
        return WeekRow(
            sitter=sitter,
            cells=[
                WeekCell(date=day, events=cells.get((key, day), []), total=counts.cells[key, day])
                for day in dates
            ],
        )

    return WeekSchedule(
        days=[WeekDay(date=day, total=counts.days[day], is_today=day == today) for day in dates],
        rows=[row(sitter) for sitter in rows],
        rows_page=rows,
        summary=counts.summary,
    )


@dataclass(frozen=True)
class SitterVisits:
    sitter: object | None  # a User; None for the unassigned visits
    events: list[ScheduledEvent]
    total: int  # the sitter's visits that day, on every page


@dataclass(frozen=True)
class DaySchedule:
    """The day view: a page of the day's visits, ordered and grouped by
    sitter (unassigned first), then by start time."""

    date: date
    is_today: bool
    page: KeysetPage
    groups: list[SitterVisits]
    summary: ScheduleSummary


DAY_KEYS = ("sitter_order", "sitter_key", "starts_at", "pk")
DAY_KEY_TYPES = (str, int, datetime, int)


def get_day_schedule(
    *,
    day: date,
    today: date,
    sitter_id: int | None = None,
    unassigned: bool = False,
    status: str = "",
    size: int = DAY_PAGE_SIZE,
    after: str = "",
    before: str = "",
) -> DaySchedule:
    """The day view in four queries whatever the number of visits: their
    counts by sitter and status; one keyset page of them in sitter order
    (petcare.paging), joined to the sitter only; that page's visits with
    client, service and sitter; their pets."""
    events = _period_events(first_day=day, days=1, sitter_id=sitter_id, unassigned=unassigned)
    counts = _count(events, status=status)
    ordered = events.filter(status__in=counts.statuses).annotate(
        # Unassigned visits (no name: "") come first, then sitters by name.
        sitter_order=Coalesce(
            Lower(Concat("sitter__first_name", Value(" "), "sitter__last_name")),
            Value(""),
        ),
        sitter_key=Coalesce("sitter_id", Value(0)),
    )
    page = keyset_page(
        ordered.only("pk", "starts_at", "sitter_id"),
        keys=DAY_KEYS,
        types=DAY_KEY_TYPES,
        size=size,
        after=after,
        before=before,
        total=counts.summary.total,
    )
    # The page's rows, joined now that they are a page: joined before,
    # PostgreSQL reads every client to sort a day of visits.
    full = ScheduledEvent.objects.for_display().in_bulk([event.pk for event in page.items])
    page = replace(page, items=[full[event.pk] for event in page.items])
    groups: list[SitterVisits] = []
    for event in page.items:
        if not groups or groups[-1].sitter != event.sitter:
            groups.append(
                SitterVisits(sitter=event.sitter, events=[], total=counts.sitters[event.sitter_id])
            )
        groups[-1].events.append(event)
    return DaySchedule(
        date=day, is_today=day == today, page=page, groups=groups, summary=counts.summary
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
    empty): the Add visit picker's choices, in one or two queries however
    many clients the business has."""
    clients = schedulable_clients()
    if search.strip():
        found, more = first_matching_clients(clients, search=search.strip(), size=size)
        return ClientChoices(clients=found, more=more)
    found = list(clients[: size + 1])
    return ClientChoices(clients=found[:size], more=len(found) > size)


def client_pets(*, client: Client) -> QuerySet[Pet]:
    """The client's current pets: archived ones leave every picker."""
    return client.pets.current().order_by("name", "pk")


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
