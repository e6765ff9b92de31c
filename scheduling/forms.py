"""Forms of the staff schedule screens. They parse input; the services decide."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from clients.models import Client

from . import selectors
from .models import WEEKDAY_NAMES, EventStatus, ScheduledEvent, ServiceType, Template
from .recurrence import local_start
from .services import NOTE_MAX_LENGTH, ClientInactive

# How far one Apply may reach: a year of visits at a time.
APPLY_MAX_DAYS = 366
# The longest visit a service type may last (a long weekend's stay).
SERVICE_MAX_MINUTES = 4 * 24 * 60

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_ERRORS = {"required": "Choose a date.", "invalid": "Enter a date like 2030-06-21."}
TIME_ERRORS = {"required": "Choose a time.", "invalid": "Enter a time like 09:30."}


def inactive_message(client: Client) -> str:
    """The words of the services' ClientInactive refusal, for the screens that
    refuse before calling a service (a link to an inactive client's form)."""
    return str(ClientInactive(client))


def local_datetime(day: date, at: time) -> datetime:
    """``day`` at ``at`` in the business's time zone (a time that daylight
    saving skips moves forward)."""
    return local_start(day, at, selectors.business_timezone())


def duration_display(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    text = f"{hours} h"
    return f"{text} {minutes} min" if minutes else text


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


# --- Service types ------------------------------------------------------------------


class ServiceTypeForm(forms.ModelForm):
    """A service type's name, length and price. Archiving is its own action."""

    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=5,
        max_value=SERVICE_MAX_MINUTES,
        help_text="How long a visit lasts: a new visit ends this long after it starts.",
        error_messages={"required": "Enter the length in minutes."},
    )

    class Meta:
        model = ServiceType
        fields = ["name", "price"]
        labels = {"name": "Name", "price": "Price ($)"}
        help_texts = {"name": "What clients and sitters see, e.g. “30 min dog walk”."}
        error_messages = {
            "name": {
                "required": "Enter a name.",
                "unique": "A service type with this name already exists.",
            },
            "price": {"required": "Enter a price (0 for free)."},
        }

    field_order = ["name", "duration_minutes", "price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].min_value = Decimal("0")
        self.fields["price"].widget.attrs.update(min="0", step="0.01", inputmode="decimal")
        self.fields["duration_minutes"].widget.attrs.update(step="5", inputmode="numeric")
        if self.instance.pk and not self.is_bound:
            self.initial["duration_minutes"] = int(self.instance.duration.total_seconds() // 60)
        elif not self.is_bound:
            self.initial.setdefault("duration_minutes", 30)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise ValidationError("The price can't be negative.", code="negative")
        return price

    def _post_clean(self):
        if "duration_minutes" in self.cleaned_data:
            self.instance.duration = timedelta(minutes=self.cleaned_data["duration_minutes"])
        super()._post_clean()


# --- Schedule filters -----------------------------------------------------------------


class ScheduleFilterForm(forms.Form):
    """The filters of the day and week views (a GET form). ``sitter`` is
    "all", "none" (unassigned) or a sitter's id; absent, it is the default: a
    sitter sees their own visits, office staff everyone's."""

    ALL = "all"
    UNASSIGNED = "none"

    sitter = forms.ChoiceField(label="Sitter", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *EventStatus.choices],
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    date = forms.DateField(
        label="Go to date",
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": "Enter a date like 2030-06-21."},
    )

    def __init__(self, data, *, user, sitters, own_by_default: bool):
        self.default_sitter = str(user.pk) if own_by_default else self.ALL
        data = data.copy()
        data.setdefault("sitter", self.default_sitter)
        super().__init__(data)
        choices = [(self.ALL, "All sitters"), (self.UNASSIGNED, "Unassigned")]
        choices += [(str(s.pk), s.get_full_name() or s.email) for s in sitters]
        if self.default_sitter not in dict(choices):
            choices.append((self.default_sitter, user.get_full_name() or user.email))
        self.fields["sitter"].choices = choices
        self.fields["sitter"].error_messages["invalid_choice"] = "Choose a sitter from the list."

    def filters(self) -> dict:
        """The selector's arguments; the default for a field whose input is wrong."""
        self.is_valid()
        sitter = self.cleaned_data.get("sitter") or self.default_sitter
        return {
            "sitter_id": None if sitter in (self.ALL, self.UNASSIGNED) else int(sitter),
            "unassigned": sitter == self.UNASSIGNED,
            "status": self.cleaned_data.get("status", ""),
        }

    def query_string(self) -> str:
        """The valid filters, to carry along on the previous/next/today links."""
        self.is_valid()
        query = QueryDict(mutable=True)
        query["sitter"] = self.cleaned_data.get("sitter") or self.default_sitter
        if status := self.cleaned_data.get("status"):
            query["status"] = status
        return query.urlencode()


# --- Visits ---------------------------------------------------------------------------


class ActiveClientField(forms.ModelChoiceField):
    """Offers active clients only; an inactive one is refused with the
    services' ClientInactive words, not "not one of the choices"."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "invalid_choice" and str(value).isdigit():
                inactive = Client.objects.inactive().filter(pk=value).first()
                if inactive is not None:
                    raise ValidationError(inactive_message(inactive), code="inactive") from None
            raise


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
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = selectors.schedulable_clients()


class PetsField(forms.ModelMultipleChoiceField):
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


class SitterField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("label", "Sitter")
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "Unassigned")
        kwargs.setdefault("error_messages", {"invalid_choice": "Choose a sitter from the list."})
        super().__init__(**kwargs)

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.email


class ServiceTypeField(forms.ModelChoiceField):
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
        return f"{service.name} · {duration_display(service.duration)}{archived}"


class VisitForm(ServiceErrorsMixin, forms.Form):
    """One visit of ``client``: add (``event`` None) or edit."""

    service_type = ServiceTypeField()
    pets = PetsField()
    sitter = SitterField()
    date = forms.DateField(label="Date", widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    start_time = forms.TimeField(label="Starts at", widget=TIME_WIDGET, error_messages=TIME_ERRORS)
    end_time = forms.TimeField(
        label="Ends at",
        required=False,
        widget=TIME_WIDGET,
        error_messages=TIME_ERRORS,
    )
    notes = forms.CharField(
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
        self.overlaps: list[ScheduledEvent] = []
        self.overlap_sitter = None

    @staticmethod
    def initial_for(event: ScheduledEvent) -> dict:
        starts = timezone.localtime(event.starts_at, selectors.business_timezone())
        return {
            "service_type": event.service_type_id,
            "pets": [pet.pk for pet in event.pets.all()],
            "sitter": event.sitter_id,
            "date": starts.date(),
            "start_time": starts.time(),
            "notes": event.notes,
        }

    @property
    def pet_options(self):
        return [(choice, choice.data["value"].instance) for choice in self["pets"]]

    @property
    def shows_overlap(self) -> bool:
        return bool(self.overlaps) or bool(self.data.get("allow_overlap"))

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
            "notes": data["notes"].replace("\r\n", "\n").strip(),
            "allow_overlap": data["allow_overlap"],
        }

    def warn_overlap(self, warning) -> None:
        """The sitter is busy then (a SitterOverlap): show which visits, and
        offer "Schedule anyway"."""
        self.overlaps = list(warning.overlaps)
        self.overlap_sitter = warning.sitter


class ConfirmRequestForm(forms.Form):
    """Confirm a requested visit, choosing who goes."""

    sitter = SitterField()
    allow_overlap = forms.BooleanField(label="Schedule anyway", required=False)

    def __init__(self, *args, event: ScheduledEvent, **kwargs):
        kwargs.setdefault("initial", {"sitter": event.sitter_id})
        super().__init__(*args, **kwargs)
        self.fields["sitter"].queryset = selectors.assignable_sitters(include=event.sitter)
        self.overlaps: list[ScheduledEvent] = []
        self.overlap_sitter = None

    @property
    def shows_overlap(self) -> bool:
        return bool(self.overlaps) or bool(self.data.get("allow_overlap"))

    def warn_overlap(self, warning) -> None:
        """The sitter is busy then (a SitterOverlap): show which visits, and
        offer "Schedule anyway"."""
        self.overlaps = list(warning.overlaps)
        self.overlap_sitter = warning.sitter


# --- Templates ------------------------------------------------------------------------


class TemplateForm(ServiceErrorsMixin, forms.Form):
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

    @property
    def pet_options(self):
        return [(choice, choice.data["value"].instance) for choice in self["pets"]]

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
            elif (end - start).days >= APPLY_MAX_DAYS:
                self.add_error(
                    "end_date",
                    ValidationError("Apply at most a year at a time.", code="too_long"),
                )
        return cleaned
