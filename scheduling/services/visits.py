"""Writes of visits: a client's request, staff scheduling and editing, and the
status changes (cancel, complete, confirm, decline)."""

from collections.abc import Iterable
from datetime import datetime
from typing import NotRequired, TypedDict, Unpack

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateformat import time_format

from clients.models import Client, Pet
from petcare import activity, policy
from petcare.logs import Refusal, service_action

from ..local_time import business_opening_hours, business_timezone
from ..models import OPEN_STATUSES, EventPet, EventStatus, ScheduledEvent, ServiceType
from ..recurrence import end_after
from .checks import Refusals, clean_note, pet_ids


class SitterOverlap(Refusal):
    """The sitter already has a visit (requested or scheduled) at that time.
    Staff may schedule it anyway (``allow_overlap=True``)."""

    def __init__(self, overlaps: list[ScheduledEvent], *, sitter: AbstractBaseUser | None = None):
        self.overlaps = list(overlaps)
        self.sitter = sitter if sitter is not None else self.overlaps[0].sitter
        count = len(self.overlaps)
        visits = "; ".join(_describe_visit(event) for event in self.overlaps)
        super().__init__(
            f"{self.sitter} already has {count} visit{'' if count == 1 else 's'} "
            f"at that time: {visits}."
        )


class InvalidTransition(Refusal):
    """The visit's status doesn't allow that (it is already completed or
    canceled, or not a request any more); nothing was changed."""

    def __init__(self, event: ScheduledEvent, *, action: str, status: str | None):
        self.event = event
        self.action = action
        self.status = status
        super().__init__(_transition_refusal(action=action, status=status))


def _transition_refusal(*, action: str, status: str | None) -> str:
    if status is None:
        return "This visit no longer exists; nothing was changed."
    if status in (EventStatus.COMPLETED, EventStatus.CANCELED):
        return f"This visit is already {status}; nothing was changed."
    if status == EventStatus.SCHEDULED:
        if action == "decline":
            return "This visit is already confirmed: cancel it instead. Nothing was changed."
        return "This visit is already confirmed; nothing was changed."
    # A request, which only confirm, decline, cancel and edit take.
    return (
        "This visit is a request that hasn't been confirmed yet: confirm or decline it. "
        "Nothing was changed."
    )


def _log(action: str, event: ScheduledEvent, *, actor, **changes) -> None:
    """Record what was done to a visit, in the caller's transaction, with what
    the history shows of it (service and time, no personal details)."""
    starts = timezone.localtime(event.starts_at, business_timezone())
    when = f"{format_date(starts, 'D, M j')} at {time_format(starts, 'g:i A')}"
    visit = f"{event.service_type.name} on {when}"
    activity.record(
        action, event, actor=actor, client=event.client, changes={"visit": visit, **changes}
    )


def _describe_visit(event: ScheduledEvent) -> str:
    tz = business_timezone()
    starts, ends = timezone.localtime(event.starts_at, tz), timezone.localtime(event.ends_at, tz)
    return (
        f"{event.service_type} for {event.client.name}, {format_date(starts, 'D M j')} "
        f"{time_format(starts, 'g:i A')} to {time_format(ends, 'g:i A')}"
    )


def _require_aware(**moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and timezone.is_naive(moment):
            raise ValueError(f"{name} must be time-zone aware.")


# --- A client's request --------------------------------------------------------------


@service_action("visit.request")
def request_visit(
    client: Client,
    *,
    actor,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    starts_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> ScheduledEvent:
    """A client asks for a visit: a ``requested`` event, with no sitter, for
    staff to confirm. ``actor`` is one of the client's own logins (else
    Refused). It must start in the future, within the opening hours (when the
    business sets them), be for an offered service and for at least one of
    the client's own pets (else ValidationError). Refused with ClientInactive,
    under the client's row lock, when the client is inactive, so that a
    concurrent Make Inactive never leaves a request behind."""
    policy.require(policy.may_request_visit, actor, client)
    _require_aware(starts_at=starts_at)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(client.pk)
        ids = _validate_request(
            locked, service_type=service_type, pets=pets, starts_at=starts_at, note=note, now=now
        )
        event = ScheduledEvent(
            client=locked,
            service_type=service_type,
            sitter=None,
            starts_at=starts_at,
            ends_at=end_after(starts_at, service_type.duration),
            status=EventStatus.REQUESTED,
            notes=clean_note(note),
        )
        event.full_clean(validate_constraints=False)
        event.save()
        EventPet.objects.bulk_create(EventPet(event=event, pet_id=pk) for pk in sorted(ids))
        _log("visit.requested", event, actor=actor)
    return event


def _validate_request(
    client: Client,
    *,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    starts_at: datetime,
    note: str,
    now: datetime,
) -> set[int]:
    """Every reason to refuse a request at once, by the field it is about;
    returns the pets' ids. The words are the client's."""
    refusals = Refusals()
    refusals.check_service_type(
        service_type, archived="This service isn't offered any more. Choose another."
    )
    ids = pet_ids(pets)
    refusals.check_pets(client, ids, not_own="You can only request visits for your own pets.")
    if not refusals.check_date(
        "starts_at", starts_at, today=timezone.localdate(now, business_timezone())
    ):
        pass
    elif starts_at <= now:
        refusals.add("starts_at", "Choose a date and time in the future.", "past")
    elif hours := business_opening_hours():
        opens, closes = hours
        # The sitter arrives within opening hours; a long visit (an overnight
        # stay) may end after closing.
        local_start = timezone.localtime(starts_at, business_timezone())
        if not opens <= local_start.time() < closes:
            refusals.add(
                "starts_at",
                f"Choose a start time within our opening hours, {time_format(opens, 'g:i A')} "
                f"to {time_format(closes, 'g:i A')}.",
                "outside_opening_hours",
            )
    refusals.check_note(note, field="note")
    refusals.raise_any()
    return ids


# --- Visits, by staff ----------------------------------------------------------------


class VisitFields(TypedDict):
    """What staff choose for a visit (schedule_event, update_event)."""

    service_type: ServiceType
    pets: Iterable[Pet | int]
    sitter: NotRequired[AbstractBaseUser | None]
    starts_at: datetime
    # None: the service's length after the start.
    ends_at: NotRequired[datetime | None]
    notes: NotRequired[str]
    # Schedule it even though the sitter has another visit then.
    allow_overlap: NotRequired[bool]


def _checked_visit(
    client: Client, fields: VisitFields, *, exclude_pk: int | None = None
) -> tuple[set[int], dict]:
    """Every reason to refuse a visit, by field (ValidationError), then the
    sitter's other visits at that time (SitterOverlap, unless allowed).
    Returns the pets' ids and the visit's columns as they are to be saved."""
    service_type, sitter = fields["service_type"], fields.get("sitter")
    starts_at, ends_at = fields["starts_at"], fields.get("ends_at")
    notes = fields.get("notes", "")
    _require_aware(starts_at=starts_at, ends_at=ends_at)
    refusals = Refusals()
    refusals.check_service_type(
        service_type, archived=f"{service_type} is archived: choose a service that is offered."
    )
    ids = pet_ids(fields["pets"])
    refusals.check_pets(client, ids, not_own=f"Choose only {client.name}'s pets.")
    refusals.check_sitter(sitter)
    if not (
        refusals.check_date("starts_at", starts_at) and refusals.check_date("ends_at", ends_at)
    ):
        pass
    elif ends_at is None:
        ends_at = end_after(starts_at, service_type.duration)
    elif ends_at <= starts_at:
        refusals.add("ends_at", "The visit must end after it starts.", "ends_before_start")
    refusals.check_note(notes, field="notes")
    refusals.raise_any()
    if not fields.get("allow_overlap", False):
        _refuse_overlaps(sitter, starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk)
    return ids, {
        "service_type": service_type,
        "sitter": sitter,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "notes": clean_note(notes),
    }


def _sitter_overlaps(
    sitter, *, starts_at: datetime, ends_at: datetime, exclude_pk: int | None = None
) -> list[ScheduledEvent]:
    """The sitter's other visits on the schedule that share some time with [starts_at, ends_at)."""
    overlapping = ScheduledEvent.objects.filter(
        sitter=sitter, status__in=OPEN_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    return list(overlapping.select_related("client", "service_type").order_by("starts_at", "pk"))


def _refuse_overlaps(
    sitter, *, starts_at: datetime, ends_at: datetime, exclude_pk: int | None = None
) -> None:
    if sitter is not None and (
        overlaps := _sitter_overlaps(
            sitter, starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk
        )
    ):
        raise SitterOverlap(overlaps, sitter=sitter)


def _set_event_pets(event_id: int, ids: set[int]) -> None:
    """Exactly these pets on the visit, in two statements whatever their number."""
    EventPet.objects.filter(event_id=event_id).exclude(pet_id__in=ids).delete()
    EventPet.objects.bulk_create(
        [EventPet(event_id=event_id, pet_id=pk) for pk in sorted(ids)], ignore_conflicts=True
    )


@service_action("visit.schedule")
def schedule_event(*, client: Client, actor, **fields: Unpack[VisitFields]) -> ScheduledEvent:
    """Staff put a visit on the schedule (``scheduled``): an offered service
    for at least one of the client's own pets, with a sitter from the staff or
    none, ending after the service's duration unless ``ends_at`` says so. A
    start in the past is allowed (a visit recorded afterwards). Refused with
    Refused when ``actor`` may not schedule visits, ClientInactive under the
    client's row lock for an inactive client, ValidationError for bad input,
    SitterOverlap when the sitter already has a visit at that time (unless
    ``allow_overlap``); nothing is written then."""
    policy.require(policy.may_schedule_visits, actor)
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(client.pk)
        ids, columns = _checked_visit(locked, fields)
        event = ScheduledEvent(client=locked, status=EventStatus.SCHEDULED, **columns)
        event.full_clean(exclude=["client", "service_type", "sitter"], validate_constraints=False)
        event.save()
        EventPet.objects.bulk_create(EventPet(event=event, pet_id=pk) for pk in sorted(ids))
        _log("visit.scheduled", event, actor=actor)
    return event


def _current_status(event: ScheduledEvent) -> str | None:
    return ScheduledEvent.objects.filter(pk=event.pk).values_list("status", flat=True).first()


@service_action("visit.update")
def update_event(event: ScheduledEvent, *, actor, **fields: Unpack[VisitFields]) -> ScheduledEvent:
    """Staff edit or move a visit that is still requested or scheduled (its
    status stays; a template's visit keeps its template and occurrence date, so
    applying the template again doesn't re-create it). The client never
    changes. Same rules as schedule_event: Refused when ``actor`` may not
    change visits, ClientInactive for an inactive client (moving a kept visit
    is scheduling), ValidationError, SitterOverlap; InvalidTransition for a
    completed or canceled visit. Nothing is written on a refusal."""
    policy.require(policy.may_change_visits, actor)
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(event.client_id)
        status = _current_status(event)
        if status not in OPEN_STATUSES:
            raise InvalidTransition(event, action="edit", status=status)
        ids, columns = _checked_visit(locked, fields, exclude_pk=event.pk)
        before = ScheduledEvent.objects.filter(pk=event.pk).values(*_COLUMN_IDS).first() or {}
        before["pets"] = set(
            EventPet.objects.filter(event_id=event.pk).values_list("pet_id", flat=True)
        )
        # Conditional: a cancel or complete (which take no client lock) may
        # have come in between.
        updated = ScheduledEvent.objects.filter(pk=event.pk, status__in=OPEN_STATUSES).update(
            **columns
        )
        if not updated:
            raise InvalidTransition(event, action="edit", status=_current_status(event))
        _set_event_pets(event.pk, ids)
        _refresh(event)
        after = {_COLUMN_IDS[name]: _value(value) for name, value in columns.items()}
        changed = activity.changed_fields(before, {**after, "pets": ids})
        _log("visit.edited", event, actor=actor, fields=[_WORDS[name] for name in changed])
    return event


# The visit's columns as values() names them.
_COLUMN_IDS = {
    "service_type": "service_type_id",
    "sitter": "sitter_id",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "notes": "notes",
}


# How the history names what was edited.
_WORDS = {
    "service_type_id": "service",
    "sitter_id": "sitter",
    "starts_at": "start",
    "ends_at": "end",
    "notes": "notes",
    "pets": "pets",
}


def _value(value):
    return getattr(value, "pk", value)


def _refresh(event: ScheduledEvent) -> None:
    """Re-read the visit with what its log line and its page show joined."""
    event.refresh_from_db(
        from_queryset=ScheduledEvent.objects.select_related("service_type", "client", "sitter")
    )


# The log's name for each status change.
_LOGGED = {
    "cancel": "visit.canceled",
    "complete": "visit.completed",
    "decline": "visit.declined",
    "confirm": "visit.confirmed",
}


def _transition(
    event: ScheduledEvent,
    *,
    action: str,
    actor,
    from_statuses: Iterable[str],
    to: str,
    **also,
) -> ScheduledEvent:
    """One conditional UPDATE: only a visit still in ``from_statuses`` moves,
    so two people acting at once can't both win; 0 rows is InvalidTransition.
    Logged in the same transaction."""
    with transaction.atomic():
        updated = ScheduledEvent.objects.filter(pk=event.pk, status__in=list(from_statuses)).update(
            status=to, **also
        )
        if not updated:
            raise InvalidTransition(event, action=action, status=_current_status(event))
        _refresh(event)
        sitter = also.get("sitter") or event.sitter
        extra = (
            {"sitter": sitter.get_full_name() or sitter.email}
            if action == "confirm" and sitter
            else {}
        )
        _log(_LOGGED[action], event, actor=actor, **extra)
    return event


@service_action("visit.cancel")
def cancel_event(event: ScheduledEvent, *, actor) -> ScheduledEvent:
    """Cancel a requested or scheduled visit; allowed for an inactive client's
    kept visits. InvalidTransition when it is already completed or canceled;
    Refused when ``actor`` may not change visits."""
    policy.require(policy.may_change_visits, actor)
    return _transition(
        event, action="cancel", actor=actor, from_statuses=OPEN_STATUSES, to=EventStatus.CANCELED
    )


@service_action("visit.complete")
def complete_event(event: ScheduledEvent, *, actor, now: datetime | None = None) -> ScheduledEvent:
    """Mark a scheduled visit completed; allowed for an inactive client's kept
    visits. Office staff complete any visit, a sitter only their own once it
    has started (Refused otherwise). InvalidTransition for a request (confirm
    it first), or a visit already completed or canceled."""
    policy.require(policy.may_complete_visit, actor, event, now=now or timezone.now())
    return _transition(
        event,
        action="complete",
        actor=actor,
        from_statuses=[EventStatus.SCHEDULED],
        to=EventStatus.COMPLETED,
    )


@service_action("visit.decline")
def decline_request(event: ScheduledEvent, *, actor) -> ScheduledEvent:
    """Decline a client's request (it becomes canceled); allowed for an
    inactive client. InvalidTransition when the visit isn't a request any
    more; Refused when ``actor`` may not change visits."""
    policy.require(policy.may_change_visits, actor)
    return _transition(
        event,
        action="decline",
        actor=actor,
        from_statuses=[EventStatus.REQUESTED],
        to=EventStatus.CANCELED,
    )


@service_action("visit.confirm")
def confirm_request(
    event: ScheduledEvent, *, actor, sitter=None, allow_overlap: bool = False
) -> ScheduledEvent:
    """Confirm a client's request: it becomes scheduled, with ``sitter`` when
    one is given (else the sitter it has, if any). Refused with Refused when
    ``actor`` may not change visits, ClientInactive under the client's row
    lock for an inactive client (confirming is scheduling), ValidationError
    for a sitter who can't take visits (chosen now, or already on the request
    and left since), SitterOverlap when the sitter already has a
    visit then (unless ``allow_overlap``), InvalidTransition when the visit
    isn't a request any more."""
    policy.require(policy.may_change_visits, actor)
    with transaction.atomic():
        Client.objects.lock_schedulable(event.client_id)
        current = ScheduledEvent.objects.filter(pk=event.pk).first()
        if current is None or current.status != EventStatus.REQUESTED:
            raise InvalidTransition(
                event, action="confirm", status=current.status if current else None
            )
        also = {"sitter": sitter} if sitter is not None else {}
        assigned = sitter if sitter is not None else current.sitter
        # The sitter who goes, chosen now or already on the request, must
        # still be able to take visits.
        refusals = Refusals()
        refusals.check_sitter(assigned)
        refusals.raise_any()
        if not allow_overlap:
            _refuse_overlaps(
                assigned,
                starts_at=current.starts_at,
                ends_at=current.ends_at,
                exclude_pk=current.pk,
            )
        return _transition(
            event,
            action="confirm",
            actor=actor,
            from_statuses=[EventStatus.REQUESTED],
            to=EventStatus.SCHEDULED,
            **also,
        )
