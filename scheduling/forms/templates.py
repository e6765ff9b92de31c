"""The forms of a template: the recurring schedule, and the dates to apply it over."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client

from .. import selectors
from ..models import WEEKDAY_NAMES, Template
from ..services.templates import MAX_APPLY_DAYS
from .fields import (
    DATE_ERRORS,
    DATE_WIDGET,
    TIME_ERRORS,
    TIME_WIDGET,
    PetOptionsMixin,
    PetsField,
    ServiceErrorsMixin,
    ServiceTypeField,
    SitterField,
)


class TemplateForm(ServiceErrorsMixin, PetOptionsMixin, forms.Form):
    """A client's recurring schedule."""

    service_type = ServiceTypeField()
    sitter = SitterField()
    pets = PetsField()
    weekdays = forms.TypedMultipleChoiceField(
        label="Days of the week",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one day of the week.",
            "invalid_choice": "Choose days from Mon to Sun.",
        },
    )
    time_of_day = forms.TimeField(label="Time", widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    first_date = forms.DateField(label="First date", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    last_date = forms.DateField(
        label="Last date",
        required=False,
        widget=DATE_WIDGET,
        help_text="Leave empty to keep it going.",
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args, client: Client, template: Template | None = None, **kwargs):
        self.client = client
        if template is not None:
            kwargs.setdefault(
                "initial",
                {
                    "service_type": template.service_type_id,
                    "sitter": template.sitter_id,
                    "pets": [pet.pk for pet in template.pets.all()],
                    "weekdays": list(template.weekdays),
                    "time_of_day": template.time_of_day,
                    "first_date": template.first_date,
                    "last_date": template.last_date,
                },
            )
        else:
            kwargs.setdefault("initial", {"first_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = selectors.bookable_service_types(
            include=template.service_type if template else None
        )
        self.fields["sitter"].queryset = selectors.assignable_sitters(
            include=template.sitter if template else None
        )
        self.fields["pets"].queryset = selectors.client_pets(client=client)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_date"), cleaned.get("last_date")
        if first and last and last < first:
            self.add_error(
                "last_date",
                ValidationError("The last date cannot be before the first date.", code="order"),
            )
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "service_type": data["service_type"],
            "sitter": data["sitter"],
            "pets": list(data["pets"]),
            "weekdays": sorted(set(data["weekdays"])),
            "time_of_day": data["time_of_day"],
            "first_date": data["first_date"],
            "last_date": data["last_date"],
        }


class ApplyTemplateForm(ServiceErrorsMixin, forms.Form):
    """The dates to make a template's visits for (both included)."""

    start_date = forms.DateField(label="From", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    end_date = forms.DateField(label="To", widget=DATE_WIDGET, error_messages=DATE_ERRORS)

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"start_date": today, "end_date": today + timedelta(weeks=4)})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            if end < start:
                self.add_error(
                    "end_date",
                    ValidationError("The end date cannot be before the start date.", code="order"),
                )
            elif (end - start).days + 1 > MAX_APPLY_DAYS:
                self.add_error(
                    "end_date",
                    ValidationError("Apply at most a year at a time.", code="too_long"),
                )
        return cleaned
