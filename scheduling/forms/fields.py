"""The fields and helpers the schedule's forms share."""

from django import forms
from django.core.exceptions import ValidationError

from clients.models import Client, ClientInactive
from petcare.forms import RowChoiceField, RowsChoiceField

from ..local_time import date_refusal
from ..models import ServiceType

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_ERRORS = {"required": "Choose a date.", "invalid": "Enter a date like 2030-06-21."}


def usable_date(day) -> None:
    """A validator: a date the schedule takes (scheduling.local_time.usable_dates)."""
    if refusal := date_refusal(day):
        raise ValidationError(refusal, code="out_of_range")


TIME_ERRORS = {"required": "Choose a time.", "invalid": "Enter a time like 09:30."}


class ServiceErrorsMixin:
    """Show a service's field-keyed ValidationError next to the fields it is
    about (``SERVICE_FIELDS`` maps a service argument to a form field)."""

    SERVICE_FIELDS: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            field = self.SERVICE_FIELDS.get(name, name)
            self.add_error(field if field in self.fields else None, errors)


class ActiveClientField(RowChoiceField):
    """Offers active clients only; an inactive one is refused with the
    services' ClientInactive words, not "not one of the choices"."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "invalid_choice" and str(value).isdigit():
                inactive = Client.objects.inactive().filter(pk=value).first()
                if inactive is not None:
                    raise ValidationError(str(ClientInactive(inactive)), code="inactive") from None
            raise


class PetsField(RowsChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("label", "Pets")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Choose at least one pet.",
                "invalid_choice": "Choose pets of this client only.",
                "invalid_pk_value": "Choose pets of this client only.",
            },
        )
        super().__init__(**kwargs)


class SitterField(RowChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("label", "Sitter")
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "Unassigned")
        kwargs.setdefault("error_messages", {"invalid_choice": "Choose a sitter from the list."})
        super().__init__(**kwargs)

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.email


class ServiceTypeField(RowChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("label", "Service")
        kwargs.setdefault("empty_label", "Choose a service…")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Choose a service.",
                "invalid_choice": "Choose one of the services offered.",
            },
        )
        super().__init__(**kwargs)

    def label_from_instance(self, service: ServiceType) -> str:
        archived = "" if service.is_active else " (archived)"
        return f"{service.name} · {service.duration_display}{archived}"


class OverlapWarningMixin:
    """A form that, after the service's SitterOverlap, shows the sitter's
    other visits then and offers "Schedule anyway" (``allow_overlap``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.overlaps: list = []
        self.overlap_sitter = None

    @property
    def shows_overlap(self) -> bool:
        return bool(self.overlaps) or bool(self.data.get("allow_overlap"))

    def warn_overlap(self, warning) -> None:
        """The sitter is busy then (a SitterOverlap): show which visits, and
        offer "Schedule anyway"."""
        self.overlaps = list(warning.overlaps)
        self.overlap_sitter = warning.sitter


class PetOptionsMixin:
    @property
    def pet_options(self):
        """Each pet checkbox with its pet, for the cards of partials/pet_choices.html."""
        return [(choice, choice.data["value"].instance) for choice in self["pets"]]
