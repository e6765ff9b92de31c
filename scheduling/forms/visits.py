"""The forms of a visit: whose it is, the visit itself, and confirming a request."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client
from petcare.forms import MultilineTextField

from .. import selectors
from ..local_time import business_timezone, local_datetime
from ..models import ScheduledEvent, duration_display
from ..services.checks import NOTE_MAX_LENGTH
from .fields import (
    DATE_ERRORS,
    DATE_WIDGET,
    TIME_ERRORS,
    TIME_WIDGET,
    ActiveClientField,
    OverlapWarningMixin,
    PetOptionsMixin,
    PetsField,
    ServiceErrorsMixin,
    ServiceTypeField,
    SitterField,
    usable_date,
)


class ClientPickerForm(forms.Form):
    """Step one of Add visit: whose visit it is (a GET form)."""

    client = ActiveClientField(
        queryset=None,
        label="Client",
        empty_label="Choose a client…",
        error_messages={
            "required": "Choose a client.",
            "invalid_choice": "Choose a client from the list.",
        },
    )
    # Carried along from a day of the schedule ("Add visit" on that day).
    date = forms.DateField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Enter a date like 2030-06-21."},
        validators=[usable_date],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = selectors.schedulable_clients()


class ClientSearchForm(forms.Form):
    """Step one of Add visit, searched as you type: which clients to offer."""

    q = forms.CharField(label="Find a client", required=False, max_length=100)

    def search(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


class VisitForm(ServiceErrorsMixin, OverlapWarningMixin, PetOptionsMixin, forms.Form):
    """One visit of ``client``: add (``event`` None) or edit."""

    service_type = ServiceTypeField()
    pets = PetsField()
    sitter = SitterField()
    date = forms.DateField(
        label="Date", widget=DATE_WIDGET, error_messages=DATE_ERRORS, validators=[usable_date]
    )
    start_time = forms.TimeField(label="Starts at", widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    end_time = forms.TimeField(
        label="Ends at",
        required=False,
        widget=TIME_WIDGET,
        error_messages=TIME_ERRORS,
    )
    notes = MultilineTextField(
        label="Notes for the sitter",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Shown only after a SitterOverlap warning.
    allow_overlap = forms.BooleanField(label="Schedule anyway", required=False)

    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time", "note": "notes"}

    def __init__(self, *args, client: Client, event: ScheduledEvent | None = None, **kwargs):
        self.client = client
        self.event = event
        if event is not None:
            kwargs.setdefault("initial", self.initial_for(event))
        super().__init__(*args, **kwargs)
        current_service = event.service_type if event else None
        self.fields["service_type"].queryset = selectors.bookable_service_types(
            include=current_service
        )
        self.fields["pets"].queryset = selectors.client_pets(client=client)
        self.fields["sitter"].queryset = selectors.assignable_sitters(
            include=event.sitter if event else None
        )
        if event is None:
            self.fields["end_time"].help_text = "Leave empty to use the service's length."
        else:
            length = duration_display(event.ends_at - event.starts_at)
            self.fields["end_time"].help_text = (
                f"Leave empty to keep the visit's length ({length}), "
                "or the new service's length if you change the service."
            )

    @staticmethod
    def initial_for(event: ScheduledEvent) -> dict:
        starts = timezone.localtime(event.starts_at, business_timezone())
        ends = timezone.localtime(event.ends_at, business_timezone())
        return {
            "service_type": event.service_type_id,
            "pets": [pet.pk for pet in event.pets.all()],
            "sitter": event.sitter_id,
            "date": starts.date(),
            "start_time": starts.time(),
            # A visit past midnight can't be told by a time of day alone: its
            # end stays empty, which keeps the visit's length.
            "end_time": ends.time() if ends.date() == starts.date() else None,
            "notes": event.notes,
        }

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start:
            cleaned["starts_at"] = local_datetime(day, start)
            cleaned["ends_at"] = None
            if end:
                ends_at = local_datetime(day, end)
                if ends_at <= cleaned["starts_at"]:
                    self.add_error(
                        "end_time",
                        ValidationError(
                            "The visit must end after it starts. For a visit past midnight, "
                            "leave the end empty to use the service's length.",
                            code="ends_before_start",
                        ),
                    )
                else:
                    cleaned["ends_at"] = ends_at
            elif self.event is not None and cleaned.get("service_type") == self.event.service_type:
                cleaned["ends_at"] = cleaned["starts_at"] + (
                    self.event.ends_at - self.event.starts_at
                )
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "service_type": data["service_type"],
            "pets": list(data["pets"]),
            "sitter": data["sitter"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "notes": data["notes"],
            "allow_overlap": data["allow_overlap"],
        }


class ConfirmRequestForm(OverlapWarningMixin, forms.Form):
    """Confirm a requested visit, choosing who goes."""

    sitter = SitterField()
    allow_overlap = forms.BooleanField(label="Schedule anyway", required=False)

    def __init__(self, *args, event: ScheduledEvent, **kwargs):
        kwargs.setdefault("initial", {"sitter": event.sitter_id})
        super().__init__(*args, **kwargs)
        self.fields["sitter"].queryset = selectors.assignable_sitters(include=event.sitter)
