"""The refusals the scheduling services share: every reason to refuse an
input is collected by field and raised at once, as one ValidationError."""

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import normalize_newlines

from clients.models import Client, Pet

from ..local_time import business_timezone, date_refusal
from ..models import ServiceType

# The longest note a client can add to a request (and staff to a visit).
NOTE_MAX_LENGTH = 1000


def clean_note(note: str) -> str:
    """A note as stored: browsers send a textarea's line breaks as CRLF."""
    return normalize_newlines(note or "").strip()


def sitter_can_take_visits(sitter) -> bool:
    """Whether ``sitter`` is a login that can be assigned visits now; its row
    stays locked until the transaction ends."""
    return (
        get_user_model()
        .objects.assignable()
        .select_for_update(of=("self",))
        .filter(pk=sitter.pk)
        .exists()
    )


def pet_ids(pets: Iterable[Pet | int]) -> set[int]:
    return {pet.pk if isinstance(pet, Pet) else int(pet) for pet in pets}


class Refusals:
    """Every reason to refuse an input, by the field it is about."""

    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.errors.setdefault(field, []).append(ValidationError(message, code=code))

    def merge(self, error: ValidationError) -> None:
        self.errors = error.update_error_dict(self.errors)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def check_pets(self, client: Client, ids: set[int], *, not_own: str) -> None:
        """At least one pet, only ``client``'s, and none archived (an archived
        pet is in the history only, docs/design.md "Pets"). Run under the
        client's lock, which Archive pet takes too."""
        if not ids:
            self.add("pets", "Choose at least one pet.", "required")
            return
        found = client.pets.filter(pk__in=ids).values_list("pk", "name", "archived_at")
        if {pk for pk, _, _ in found} != ids:
            self.add("pets", not_own, "not_own_pet")
        elif archived := sorted(name for _, name, archived_at in found if archived_at):
            self.add(
                "pets",
                f"{', '.join(archived)} {'is' if len(archived) == 1 else 'are'} archived: "
                "choose pets still with the family.",
                "archived_pet",
            )

    def check_service_type(self, service_type: ServiceType, *, archived: str) -> None:
        if not service_type.is_active:
            self.add("service_type", archived, "archived")

    def check_sitter(self, sitter) -> bool:
        """A sitter is a login that can be assigned visits
        (``User.objects.assignable``): not one who has left, nor a client's
        login. Its row stays locked until the transaction ends, so two visits
        scheduled at once for the same sitter see each other in the overlap
        check. Returns whether the sitter (or none) is fine."""
        if sitter is None:
            return True
        if sitter_can_take_visits(sitter):
            return True
        self.add(
            "sitter",
            f"{sitter} can't be given visits (they have left, or aren't a sitter): "
            "choose another sitter.",
            "not_staff",
        )
        return False

    def check_date(
        self, field: str, moment: date | datetime | None, *, today: date | None = None
    ) -> bool:
        """A date (or the local date of a moment) the schedule takes
        (scheduling.local_time.usable_dates, around ``today``); whether it does."""
        if moment is None:
            return True
        try:
            day = (
                timezone.localtime(moment, business_timezone()).date()
                if isinstance(moment, datetime)
                else moment
            )
            refusal = date_refusal(day, today=today)
        except OverflowError:  # the last moments of year 9999 in UTC
            refusal = date_refusal(date.max, today=today)
        if refusal:
            self.add(field, refusal, "out_of_range")
        return not refusal

    def check_note(self, note: str, *, field: str) -> None:
        if len(clean_note(note)) > NOTE_MAX_LENGTH:
            self.add(field, f"Keep the {field} under {NOTE_MAX_LENGTH} characters.", "max_length")
