"""Writes on the schedule. Callers hold the client's row lock where it matters."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import time_format

from clients.models import Client, Pet

from .models import EventPet, EventStatus, ScheduledEvent, ServiceType, Template
from .selectors import business_opening_hours

# The longest note a client can add to a request.
NOTE_MAX_LENGTH = 1000


class ClientInactive(Exception):
    """Nothing can be requested or scheduled for an inactive client."""

    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client} is inactive: no visit can be requested or scheduled for it.")


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
        locked = Client.objects.select_for_update(of=("self",)).get(pk=client.pk)
        if not locked.is_active:
            raise ClientInactive(locked)
        pet_ids = _validate_request(
            locked, service_type=service_type, pets=pets, starts_at=starts_at, note=note, now=now
        )
        event = ScheduledEvent(
            client=locked,
            service_type=service_type,
            sitter=None,
            starts_at=starts_at,
            ends_at=starts_at + service_type.duration,
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
