"""Writes on the schedule: visits (a client's request, staff scheduling, the
status transitions) and recurring templates.

Everything that creates, moves or confirms a visit, and every change of a
template, first locks the client's row, the lock that Make Inactive
(``clients.services.deactivate_client``) takes, and re-reads the client's
status under it: a visit scheduled concurrently with Make Inactive either
exists before it (and is removed by it, when that option is chosen) or is
refused after it. Cancel, complete and decline need no lock: each is one
conditional UPDATE, and they are allowed for an inactive client's kept visits.
"""

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateformat import time_format

from clients.models import Client, Pet
from petcare import roles

from .models import EventPet, EventStatus, ScheduledEvent, ServiceType, Template, TemplatePet
from .recurrence import end_after, local_start, occurrence_dates
from .selectors import business_opening_hours

# The longest note a client can add to a request (and staff to a visit).
NOTE_MAX_LENGTH = 1000
# The longest date range a template is applied over at once.
MAX_APPLY_DAYS = 366
# The staff who can be assigned a visit.
SITTER_ROLES = (roles.SITTER, roles.OFFICE_MANAGER, roles.ADMIN)
# A visit is "on the schedule" (can be edited, and overlaps) while it is one of these.
OPEN_STATUSES = (EventStatus.REQUESTED, EventStatus.SCHEDULED)


class ClientInactive(Exception):
    """Nothing can be requested or scheduled for an inactive client."""

    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client.name} is inactive. Re-Activate the client to schedule services.")


class SitterOverlap(Exception):
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


class InvalidTransition(Exception):
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


def _describe_visit(event: ScheduledEvent) -> str:
    tz = timezone.get_default_timezone()
    starts, ends = timezone.localtime(event.starts_at, tz), timezone.localtime(event.ends_at, tz)
    return (
        f"{event.service_type} for {event.client.name}, {format_date(starts, 'D M j')} "
        f"{time_format(starts, 'g:i A')} to {time_format(ends, 'g:i A')}"
    )


def delete_upcoming_events(*, client, now: datetime) -> int:
    """Delete the client's visits that start at or after ``now`` and are still
    requested or scheduled; past, canceled and completed visits stay. One DELETE."""
    _, per_model = ScheduledEvent.objects.upcoming(now=now).for_client(client).delete()
    return per_model.get(ScheduledEvent._meta.label, 0)


def delete_client_templates(*, client) -> int:
    """Delete all of the client's templates. The database empties the template
    link of the visits they made (ON DELETE SET NULL); no visit is touched otherwise."""
    _, per_model = Template.objects.filter(client=client).delete()
    return per_model.get(Template._meta.label, 0)


def request_visit(
    client: Client,
    *,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    starts_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> ScheduledEvent:
    """A client asks for a visit: a ``requested`` event, with no sitter, for
    staff to confirm. It must start in the future, within the opening
    hours (when the business sets them), be for an offered service and for at
    least one of the client's own pets (else ValidationError). Refused with
    ClientInactive, under the client's row lock, when the client is inactive, so
    that a concurrent Make Inactive never leaves a request behind."""
    if timezone.is_naive(starts_at):
        raise ValueError("request_visit() needs a time-zone aware starts_at.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_active_client(client.pk)
        pet_ids = _validate_request(
            locked, service_type=service_type, pets=pets, starts_at=starts_at, note=note, now=now
        )
        event = ScheduledEvent(
            client=locked,
            service_type=service_type,
            sitter=None,
            starts_at=starts_at,
            ends_at=end_after(starts_at, service_type.duration),
            status=EventStatus.REQUESTED,
            notes=_clean_note(note),
        )
        event.full_clean(validate_constraints=False)
        event.save()
        EventPet.objects.bulk_create(EventPet(event=event, pet_id=pk) for pk in sorted(pet_ids))
    return event


def _clean_note(note: str) -> str:
    # Browsers send a textarea's line breaks as CRLF.
    return (note or "").replace("\r\n", "\n").strip()


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
    returns the pets' ids."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if not service_type.is_active:
        refuse("service_type", "This service isn't offered any more. Choose another.", "archived")

    pet_ids = {pet.pk if isinstance(pet, Pet) else int(pet) for pet in pets}
    if not pet_ids:
        refuse("pets", "Choose at least one pet.", "required")
    elif set(client.pets.filter(pk__in=pet_ids).values_list("pk", flat=True)) != pet_ids:
        refuse("pets", "You can only request visits for your own pets.", "not_own_pet")

    if starts_at <= now:
        refuse("starts_at", "Choose a date and time in the future.", "past")
    elif hours := business_opening_hours():
        opens, closes = hours
        # The sitter arrives within opening hours; a long visit (an overnight
        # stay) may end after closing.
        local_start = timezone.localtime(starts_at, timezone.get_default_timezone())
        if not opens <= local_start.time() < closes:
            refuse(
                "starts_at",
                f"Choose a start time within our opening hours, {time_format(opens, 'g:i A')} "
                f"to {time_format(closes, 'g:i A')}.",
                "outside_opening_hours",
            )

    if len(_clean_note(note)) > NOTE_MAX_LENGTH:
        refuse("note", f"Keep the note under {NOTE_MAX_LENGTH} characters.", "max_length")

    if errors:
        raise ValidationError(errors)
    return pet_ids


# --- Visits, by staff ----------------------------------------------------------------


def lock_active_client(client_id: int) -> Client:
    """The client's row under Make Inactive's lock (Client.objects.lock);
    ClientInactive when the client is inactive."""
    locked = Client.objects.lock(client_id)
    if not locked.is_active:
        raise ClientInactive(locked)
    return locked


def _refuse(errors: dict, field: str, message: str, code: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


def _pet_ids(pets: Iterable[Pet | int]) -> set[int]:
    return {pet.pk if isinstance(pet, Pet) else int(pet) for pet in pets}


def _check_pets(errors: dict, client: Client, pet_ids: set[int]) -> None:
    if not pet_ids:
        _refuse(errors, "pets", "Choose at least one pet.", "required")
    elif set(Pet.objects.filter(client=client, pk__in=pet_ids).values_list("pk", flat=True)) != (
        pet_ids
    ):
        _refuse(errors, "pets", f"Choose only {client.name}'s pets.", "not_own_pet")


def _check_service_type(errors: dict, service_type: ServiceType) -> None:
    if not service_type.is_active:
        _refuse(
            errors,
            "service_type",
            f"{service_type} is archived: choose a service that is offered.",
            "archived",
        )


def _check_sitter(errors: dict, sitter) -> None:
    """A sitter is a staff login in one of SITTER_ROLES. Its row stays locked
    until the transaction ends, so two visits scheduled at once for the same
    sitter see each other in the overlap check."""
    if sitter is None:
        return
    staff = (
        get_user_model()
        .objects.select_for_update(of=("self",))
        .filter(pk=sitter.pk, client__isnull=True, is_active=True, groups__name__in=SITTER_ROLES)
        .values_list("pk", flat=True)[:1]
    )
    if not list(staff):
        _refuse(errors, "sitter", "Choose a sitter from the staff.", "not_staff")


def _require_aware(**moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and timezone.is_naive(moment):
            raise ValueError(f"{name} must be time-zone aware.")


def _validate_visit(
    client: Client,
    *,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    sitter,
    starts_at: datetime,
    ends_at: datetime | None,
    notes: str,
) -> tuple[set[int], datetime]:
    """Every reason to refuse a visit at once, by field; returns the pets' ids
    and the end (by default, the service's duration after the start)."""
    errors: dict[str, list[ValidationError]] = {}
    _check_service_type(errors, service_type)
    pet_ids = _pet_ids(pets)
    _check_pets(errors, client, pet_ids)
    _check_sitter(errors, sitter)
    if ends_at is None:
        ends_at = end_after(starts_at, service_type.duration)
    elif ends_at <= starts_at:
        _refuse(errors, "ends_at", "The visit must end after it starts.", "ends_before_start")
    if len(_clean_note(notes)) > NOTE_MAX_LENGTH:
        _refuse(
            errors, "notes", f"Keep the notes under {NOTE_MAX_LENGTH} characters.", "max_length"
        )
    if errors:
        raise ValidationError(errors)
    return pet_ids, ends_at


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


def _set_event_pets(event_id: int, pet_ids: set[int]) -> None:
    """Exactly these pets on the visit, in two statements whatever their number."""
    EventPet.objects.filter(event_id=event_id).exclude(pet_id__in=pet_ids).delete()
    EventPet.objects.bulk_create(
        [EventPet(event_id=event_id, pet_id=pk) for pk in sorted(pet_ids)], ignore_conflicts=True
    )


def schedule_event(
    *,
    client: Client,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    sitter=None,
    starts_at: datetime,
    ends_at: datetime | None = None,
    notes: str = "",
    allow_overlap: bool = False,
    actor,
) -> ScheduledEvent:
    """Staff put a visit on the schedule (``scheduled``): an offered service
    for at least one of the client's own pets, with a sitter from the staff or
    none, ending after the service's duration unless ``ends_at`` says so. A
    start in the past is allowed (a visit recorded afterwards). Refused with
    ClientInactive under the client's row lock for an inactive client,
    ValidationError for bad input, SitterOverlap when the sitter already has a
    visit at that time (unless ``allow_overlap``); nothing is written then."""
    _require_aware(starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        locked = lock_active_client(client.pk)
        pet_ids, ends_at = _validate_visit(
            locked,
            service_type=service_type,
            pets=pets,
            sitter=sitter,
            starts_at=starts_at,
            ends_at=ends_at,
            notes=notes,
        )
        if not allow_overlap:
            _refuse_overlaps(sitter, starts_at=starts_at, ends_at=ends_at)
        event = ScheduledEvent(
            client=locked,
            service_type=service_type,
            sitter=sitter,
            starts_at=starts_at,
            ends_at=ends_at,
            status=EventStatus.SCHEDULED,
            notes=_clean_note(notes),
        )
        event.full_clean(exclude=["client", "service_type", "sitter"], validate_constraints=False)
        event.save()
        EventPet.objects.bulk_create(EventPet(event=event, pet_id=pk) for pk in sorted(pet_ids))
    return event


def _current_status(event: ScheduledEvent) -> str | None:
    return ScheduledEvent.objects.filter(pk=event.pk).values_list("status", flat=True).first()


def update_event(
    event: ScheduledEvent,
    *,
    service_type: ServiceType,
    pets: Iterable[Pet | int],
    sitter,
    starts_at: datetime,
    ends_at: datetime | None = None,
    notes: str = "",
    allow_overlap: bool = False,
    actor,
) -> ScheduledEvent:
    """Staff edit or move a visit that is still requested or scheduled (its
    status stays; a template's visit keeps its template and occurrence date, so
    applying the template again doesn't re-create it). The client never
    changes. Same rules as schedule_event: ClientInactive for an inactive
    client (moving a kept visit is scheduling), ValidationError, SitterOverlap;
    InvalidTransition for a completed or canceled visit. Nothing is written on
    a refusal."""
    _require_aware(starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        locked = lock_active_client(event.client_id)
        status = _current_status(event)
        if status not in OPEN_STATUSES:
            raise InvalidTransition(event, action="edit", status=status)
        pet_ids, ends_at = _validate_visit(
            locked,
            service_type=service_type,
            pets=pets,
            sitter=sitter,
            starts_at=starts_at,
            ends_at=ends_at,
            notes=notes,
        )
        if not allow_overlap:
            _refuse_overlaps(sitter, starts_at=starts_at, ends_at=ends_at, exclude_pk=event.pk)
        # Conditional: a cancel or complete (which take no client lock) may
        # have come in between.
        updated = ScheduledEvent.objects.filter(pk=event.pk, status__in=OPEN_STATUSES).update(
            service_type=service_type,
            sitter=sitter,
            starts_at=starts_at,
            ends_at=ends_at,
            notes=_clean_note(notes),
        )
        if not updated:
            raise InvalidTransition(event, action="edit", status=_current_status(event))
        _set_event_pets(event.pk, pet_ids)
    event.refresh_from_db()
    return event


def _transition(
    event: ScheduledEvent, *, action: str, from_statuses: Iterable[str], to: str, **also
) -> ScheduledEvent:
    """One conditional UPDATE: only a visit still in ``from_statuses`` moves,
    so two people acting at once can't both win; 0 rows is InvalidTransition."""
    updated = ScheduledEvent.objects.filter(pk=event.pk, status__in=list(from_statuses)).update(
        status=to, **also
    )
    if not updated:
        raise InvalidTransition(event, action=action, status=_current_status(event))
    event.refresh_from_db()
    return event


def cancel_event(event: ScheduledEvent, *, actor) -> ScheduledEvent:
    """Cancel a requested or scheduled visit; allowed for an inactive client's
    kept visits. InvalidTransition when it is already completed or canceled."""
    return _transition(event, action="cancel", from_statuses=OPEN_STATUSES, to=EventStatus.CANCELED)


def complete_event(event: ScheduledEvent, *, actor) -> ScheduledEvent:
    """Mark a scheduled visit completed; allowed for an inactive client's kept
    visits. InvalidTransition for a request (confirm it first), or a visit
    already completed or canceled."""
    return _transition(
        event, action="complete", from_statuses=[EventStatus.SCHEDULED], to=EventStatus.COMPLETED
    )


def decline_request(event: ScheduledEvent, *, actor) -> ScheduledEvent:
    """Decline a client's request (it becomes canceled); allowed for an
    inactive client. InvalidTransition when the visit isn't a request any more."""
    return _transition(
        event, action="decline", from_statuses=[EventStatus.REQUESTED], to=EventStatus.CANCELED
    )


def confirm_request(
    event: ScheduledEvent, *, actor, sitter=None, allow_overlap: bool = False
) -> ScheduledEvent:
    """Confirm a client's request: it becomes scheduled, with ``sitter`` when
    one is given (else the sitter it has, if any). Refused with ClientInactive
    under the client's row lock for an inactive client (confirming is
    scheduling), ValidationError for a sitter who isn't staff, SitterOverlap
    when the sitter already has a visit then (unless ``allow_overlap``),
    InvalidTransition when the visit isn't a request any more."""
    with transaction.atomic():
        lock_active_client(event.client_id)
        current = ScheduledEvent.objects.filter(pk=event.pk).first()
        if current is None or current.status != EventStatus.REQUESTED:
            raise InvalidTransition(
                event, action="confirm", status=current.status if current else None
            )
        also = {}
        if sitter is not None:
            errors: dict[str, list[ValidationError]] = {}
            _check_sitter(errors, sitter)
            if errors:
                raise ValidationError(errors)
            also["sitter"] = sitter
        assigned = sitter if sitter is not None else current.sitter
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
            from_statuses=[EventStatus.REQUESTED],
            to=EventStatus.SCHEDULED,
            **also,
        )


# --- Templates -----------------------------------------------------------------------


def _validate_template(template: Template, *, pets: Iterable[Pet | int]) -> set[int]:
    """Every reason to refuse a template at once, by field; returns the pets' ids."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        # Template.clean() checks (and sorts) the weekdays.
        template.full_clean(
            exclude=["client", "service_type", "sitter", "weekdays"], validate_constraints=False
        )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if (
        isinstance(template.first_date, date)
        and isinstance(template.last_date, date)
        and template.last_date < template.first_date
    ):
        _refuse(
            errors, "last_date", "The last date cannot be before the first date.", "before_first"
        )
    _check_service_type(errors, template.service_type)
    _check_sitter(errors, template.sitter)
    pet_ids = _pet_ids(pets)
    _check_pets(errors, template.client, pet_ids)
    if errors:
        raise ValidationError(errors)
    return pet_ids


def create_template(
    *,
    client: Client,
    service_type: ServiceType,
    sitter=None,
    pets: Iterable[Pet | int],
    weekdays: list[int],
    time_of_day: time,
    first_date: date,
    last_date: date | None = None,
    actor,
) -> Template:
    """Add a recurring schedule to a client: an offered service for the
    client's own pets on ``weekdays`` (Monday = 0) at ``time_of_day``, from
    ``first_date`` to ``last_date`` (or open-ended). It creates no visit by
    itself: apply_template does. Refused with ClientInactive under the client's
    row lock for an inactive client, ValidationError for bad input."""
    with transaction.atomic():
        locked = lock_active_client(client.pk)
        template = Template(
            client=locked,
            service_type=service_type,
            sitter=sitter,
            weekdays=weekdays,
            time_of_day=time_of_day,
            first_date=first_date,
            last_date=last_date,
        )
        pet_ids = _validate_template(template, pets=pets)
        template.save()
        TemplatePet.objects.bulk_create(
            TemplatePet(template=template, pet_id=pk) for pk in sorted(pet_ids)
        )
    return template


def _template_gone() -> ValidationError:
    return ValidationError(
        "This template no longer exists; nothing was changed.", code="template_gone"
    )


def update_template(
    template: Template,
    *,
    service_type: ServiceType,
    sitter=None,
    pets: Iterable[Pet | int],
    weekdays: list[int],
    time_of_day: time,
    first_date: date,
    last_date: date | None = None,
    actor,
) -> Template:
    """Change a template (not its client) under create_template's rules,
    ClientInactive included. Visits it already made stay as they are; applying
    it again adds the visits of new days and dates only. Returns the template
    as saved."""
    with transaction.atomic():
        lock_active_client(template.client_id)
        current = Template.objects.select_related("client").filter(pk=template.pk).first()
        if current is None:
            raise _template_gone()
        current.service_type = service_type
        current.sitter = sitter
        current.weekdays = weekdays
        current.time_of_day = time_of_day
        current.first_date = first_date
        current.last_date = last_date
        pet_ids = _validate_template(current, pets=pets)
        current.save()
        TemplatePet.objects.filter(template=current).exclude(pet_id__in=pet_ids).delete()
        TemplatePet.objects.bulk_create(
            [TemplatePet(template=current, pet_id=pk) for pk in sorted(pet_ids)],
            ignore_conflicts=True,
        )
    return current


def delete_template(template: Template, *, actor) -> None:
    """Remove a template, for an active or inactive client. One DELETE: the
    database removes its pet links and empties the template link of the
    visits it made (ON DELETE SET NULL); no visit is removed or otherwise
    changed."""
    with transaction.atomic():
        # Serialised with apply_template, which links new visits to it.
        Client.objects.lock(template.client_id)
        Template.objects.filter(pk=template.pk).delete()


@dataclass(frozen=True)
class TemplateApplication:
    """What apply_template did over [start_date, end_date] (as asked)."""

    template: Template
    start_date: date
    end_date: date
    # Visits created, and occurrences skipped because the template already
    # has a visit on that date (whatever its status or time).
    created: int
    skipped: int
    # The visits created, soonest first.
    events: list[ScheduledEvent]
    # Those of them that share time with another visit of the template's sitter.
    overlapping: list[ScheduledEvent]


def _validate_range(start_date: date, end_date: date) -> None:
    if end_date < start_date:
        raise ValidationError(
            {
                "end_date": ValidationError(
                    "The end date cannot be before the start date.", code="before_start"
                )
            }
        )
    if (end_date - start_date).days + 1 > MAX_APPLY_DAYS:
        raise ValidationError(
            {
                "end_date": ValidationError(
                    f"Apply a template over at most {MAX_APPLY_DAYS} days at a time.",
                    code="too_long",
                )
            }
        )


def apply_template(
    template: Template,
    *,
    start_date: date,
    end_date: date,
    actor,
    now: datetime | None = None,
) -> TemplateApplication:
    """Create the template's visits (``scheduled``) on its dates within
    [start_date, end_date]: one visit per (template, occurrence date), so dates
    that already have one (moved or canceled by staff included) are skipped
    and applying twice creates nothing. Only visits still to come are created:
    dates from today on in the business's time zone, and today's only when
    their time hasn't passed; the past is a record, not a plan. Times are the
    template's time of day in the business's time zone (a time that doesn't
    exist moves forward, one that exists twice takes the first) and each visit
    lasts the service's real duration. Refused with ClientInactive under the
    client's row lock for an inactive client, ValidationError for a range
    ending before it starts or longer than MAX_APPLY_DAYS, or a template
    without pets or with an archived service. A constant number of queries
    however many dates."""
    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    with transaction.atomic():
        locked = lock_active_client(template.client_id)
        _validate_range(start_date, end_date)
        # Re-read under the lock: template changes take the same lock.
        current = Template.objects.select_related("service_type").filter(pk=template.pk).first()
        if current is None:
            raise _template_gone()
        service = current.service_type
        if not service.is_active:
            raise ValidationError(
                f"{service} is archived: edit the template to choose a service that is "
                "offered. No visit was created.",
                code="archived",
            )
        pet_ids = sorted(
            TemplatePet.objects.filter(template=current).values_list("pet_id", flat=True)
        )
        if not pet_ids:
            raise ValidationError(
                "This template has no pets: edit it to choose them. No visit was created.",
                code="no_pets",
            )
        dates = occurrence_dates(
            weekdays=current.weekdays,
            first_date=current.first_date,
            last_date=current.last_date,
            start_date=max(start_date, timezone.localdate(now, tz)),
            end_date=end_date,
        )
        starts = {day: local_start(day, current.time_of_day, tz) for day in dates}
        dates = [day for day in dates if starts[day] >= now]
        taken = set()
        if dates:
            taken = set(
                ScheduledEvent.objects.filter(
                    template=current, occurrence_date__range=(dates[0], dates[-1])
                ).values_list("occurrence_date", flat=True)
            )
        new = [
            ScheduledEvent(
                client=locked,
                service_type=service,
                sitter_id=current.sitter_id,
                starts_at=starts[day],
                ends_at=end_after(starts[day], service.duration),
                status=EventStatus.SCHEDULED,
                template=current,
                occurrence_date=day,
            )
            for day in dates
            if day not in taken
        ]
        events = ScheduledEvent.objects.bulk_create(new) if new else []
        if events:
            EventPet.objects.bulk_create(
                [EventPet(event=event, pet_id=pk) for event in events for pk in pet_ids]
            )
        overlapping = _overlapping_new_events(events, sitter_id=current.sitter_id)
    return TemplateApplication(
        template=current,
        start_date=start_date,
        end_date=end_date,
        created=len(events),
        skipped=len(dates) - len(events),
        events=events,
        overlapping=overlapping,
    )


def _overlapping_new_events(
    events: list[ScheduledEvent], *, sitter_id: int | None
) -> list[ScheduledEvent]:
    """The new visits that share time with another visit of the sitter on the
    schedule: one query, then a sweep in Python."""
    if not events or sitter_id is None:
        return []
    new_pks = {event.pk for event in events}
    others = [
        (other.starts_at, other.ends_at)
        for other in ScheduledEvent.objects.filter(
            sitter_id=sitter_id,
            status__in=OPEN_STATUSES,
            starts_at__lt=max(event.ends_at for event in events),
            ends_at__gt=min(event.starts_at for event in events),
        ).only("pk", "starts_at", "ends_at")
        if other.pk not in new_pks
    ]
    if not others:
        return []
    others.sort()
    longest = max(ends - starts for starts, ends in others)
    starts_list = [starts for starts, _ in others]
    overlapping = []
    for event in events:
        # Only a visit starting within `longest` before this one's start can reach it.
        low = bisect_left(starts_list, event.starts_at - longest)
        high = bisect_left(starts_list, event.ends_at)
        if any(ends > event.starts_at for _, ends in others[low:high]):
            overlapping.append(event)
    return overlapping


def save_service_type(service_type: ServiceType) -> ServiceType:
    """Validate and save a service type, new or edited (name unique, length
    and price not negative). Visits already booked keep their times."""
    service_type.full_clean()
    service_type.save()
    return service_type


def set_service_type_offered(service_type: ServiceType, *, offered: bool) -> ServiceType:
    """Archive a service type (no longer offered for new visits or requests)
    or offer it again. Never deleted: visits keep it. One UPDATE."""
    ServiceType.objects.filter(pk=service_type.pk).update(is_active=offered)
    service_type.is_active = offered
    return service_type
