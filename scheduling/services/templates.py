"""Writes of recurring templates: add, edit, remove, and apply over a range
of dates (which puts their visits on the schedule)."""

import dataclasses
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NotRequired, TypedDict, Unpack

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Pet
from petcare import activity, policy
from petcare.logs import service_action

from ..local_time import business_timezone
from ..models import (
    OPEN_STATUSES,
    EventPet,
    EventStatus,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)
from ..recurrence import end_after, local_start, occurrence_dates
from .checks import Refusals, pet_ids, sitter_can_take_visits

# The longest date range a template is applied over at once (a year).
MAX_APPLY_DAYS = 366


def _validate_template(
    template: Template, *, pets: Iterable[Pet | int], kept_first_date: date | None = None
) -> set[int]:
    """Every reason to refuse a template at once, by field; returns the pets'
    ids. Its dates are ones the schedule takes; a first date the template
    already had (one that began long ago) stays as it is."""
    refusals = Refusals()
    if template.first_date != kept_first_date:
        refusals.check_date("first_date", template.first_date)
    refusals.check_date("last_date", template.last_date)
    try:
        # Template.clean() checks (and sorts) the weekdays.
        template.full_clean(
            exclude=["client", "service_type", "sitter", "weekdays"], validate_constraints=False
        )
    except ValidationError as error:
        refusals.merge(error)
    if (
        isinstance(template.first_date, date)
        and isinstance(template.last_date, date)
        and template.last_date < template.first_date
    ):
        refusals.add("last_date", "The last date cannot be before the first date.", "before_first")
    service = template.service_type
    refusals.check_service_type(
        service, archived=f"{service} is archived: choose a service that is offered."
    )
    refusals.check_sitter(template.sitter)
    ids = pet_ids(pets)
    refusals.check_pets(template.client, ids, not_own=f"Choose only {template.client.name}'s pets.")
    refusals.raise_any()
    return ids


class TemplateFields(TypedDict):
    """What staff choose for a template (create_template, update_template)."""

    service_type: ServiceType
    sitter: NotRequired[AbstractBaseUser | None]
    pets: Iterable[Pet | int]
    weekdays: list[int]
    time_of_day: time
    first_date: date
    last_date: NotRequired[date | None]


def _save_template(template: Template, fields: TemplateFields) -> Template:
    """Set the fields, refuse what the rules refuse, save, and leave exactly
    these pets on the template (two statements whatever their number)."""
    kept_first_date = None if template._state.adding else template.first_date
    fields = {"sitter": None, "last_date": None, **fields}
    pets = fields.pop("pets")
    for name, value in fields.items():
        setattr(template, name, value)
    ids = _validate_template(template, pets=pets, kept_first_date=kept_first_date)
    template.save()
    TemplatePet.objects.filter(template=template).exclude(pet_id__in=ids).delete()
    TemplatePet.objects.bulk_create(
        [TemplatePet(template=template, pet_id=pk) for pk in sorted(ids)],
        ignore_conflicts=True,
    )
    return template


def _log(action: str, template: Template, *, actor, **changes) -> None:
    activity.record(
        action,
        template,
        actor=actor,
        client=template.client,
        changes={"template": str(template), **changes},
    )


@service_action("template.create")
def create_template(*, client: Client, actor, **fields: Unpack[TemplateFields]) -> Template:
    """Add a recurring schedule to a client: an offered service for the
    client's own pets on ``weekdays`` (Monday = 0) at ``time_of_day``, from
    ``first_date`` to ``last_date`` (or open-ended), with a sitter or none.
    It creates no visit by itself: apply_template does. Refused with Refused
    when ``actor`` may not add templates, ClientInactive under the client's
    row lock for an inactive client, ValidationError for bad input."""
    policy.require(policy.may_add_template, actor)
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(client.pk)
        template = _save_template(Template(client=locked), fields)
        _log("template.added", template, actor=actor)
    return template


def _template_gone() -> ValidationError:
    return ValidationError(
        "This template no longer exists; nothing was changed.", code="template_gone"
    )


@service_action("template.update")
def update_template(template: Template, *, actor, **fields: Unpack[TemplateFields]) -> Template:
    """Change a template (not its client) under create_template's rules,
    ClientInactive included. Visits it already made stay as they are; applying
    it again adds the visits of new days and dates only. Returns the template
    as saved; Refused when ``actor`` may not edit templates."""
    policy.require(policy.may_change_template, actor)
    with transaction.atomic():
        Client.objects.lock_schedulable(template.client_id)
        current = Template.objects.select_related("client").filter(pk=template.pk).first()
        if current is None:
            raise _template_gone()
        _save_template(current, fields)
        _log("template.edited", current, actor=actor)
    return current


@service_action("template.delete")
def delete_template(template: Template, *, actor) -> None:
    """Remove a template, for an active or inactive client. One DELETE: the
    database removes its pet links and empties the template link of the
    visits it made (ON DELETE SET NULL); no visit is removed or otherwise
    changed. Refused when ``actor`` may not remove templates."""
    policy.require(policy.may_remove_template, actor)
    with transaction.atomic():
        # Serialised with apply_template, which links new visits to it.
        locked = Client.objects.lock(template.client_id)
        _, removed = Template.objects.filter(pk=template.pk).delete()
        if removed.get(Template._meta.label):
            template.client = locked
            _log("template.removed", template, actor=actor)


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
    # The occurrences not made because the template's sitter can't take
    # visits any more (left, or no longer a sitter).
    sitter_left: list[date] = dataclasses.field(default_factory=list)


def _validate_range(start_date: date, end_date: date, *, today: date) -> None:
    refusals = Refusals()
    refusals.check_date("start_date", start_date, today=today)
    refusals.check_date("end_date", end_date, today=today)
    refusals.raise_any()
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


@service_action("template.apply")
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
    without pets or with an archived service; Refused when ``actor`` may not
    schedule visits. A constant number of queries however many dates."""
    policy.require(policy.may_schedule_visits, actor)
    now = now or timezone.now()
    tz = business_timezone()
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(template.client_id)
        _validate_range(start_date, end_date, today=timezone.localdate(now, tz))
        # Re-read under the lock: template changes take the same lock.
        current = (
            Template.objects.select_related("service_type", "sitter").filter(pk=template.pk).first()
        )
        if current is None:
            raise _template_gone()
        service = current.service_type
        if not service.is_active:
            raise ValidationError(
                f"{service} is archived: edit the template to choose a service that is "
                "offered. No visit was created.",
                code="archived",
            )
        template_pets = sorted(
            TemplatePet.objects.filter(template=current).values_list("pet_id", flat=True)
        )
        if not template_pets:
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
        free = [day for day in dates if day not in taken]
        # A sitter who has left (or isn't a sitter any more) gets no visit:
        # those occurrences are skipped and named, not given to them.
        sitter_left = free if current.sitter and not sitter_can_take_visits(current.sitter) else []
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
            for day in free
            if not sitter_left
        ]
        events = ScheduledEvent.objects.bulk_create(new) if new else []
        if events:
            EventPet.objects.bulk_create(
                [EventPet(event=event, pet_id=pk) for event in events for pk in template_pets]
            )
        overlapping = _overlapping_new_events(events, sitter_id=current.sitter_id)
        current.client = locked
        _log(
            "template.applied",
            current,
            actor=actor,
            created=len(events),
            skipped=len(dates) - len(events) - len(sitter_left),
            sitter_left=len(sitter_left),
            start_date=start_date.isoformat(),
            end_date=end_date.isoformat(),
        )
    return TemplateApplication(
        template=current,
        start_date=start_date,
        end_date=end_date,
        created=len(events),
        skipped=len(dates) - len(events) - len(sitter_left),
        events=events,
        overlapping=overlapping,
        sitter_left=sitter_left,
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
