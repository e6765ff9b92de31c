"""Forms of the client portal. They parse; the services decide."""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import time_format

from clients.models import ADDRESS_MAX_LENGTH, Client
from petcare.forms import MultilineTextField, RowChoiceField, RowsChoiceField
from scheduling.forms.fields import DATE_ERRORS, DATE_WIDGET, PetOptionsMixin, usable_date
from scheduling.local_time import business_opening_hours, local_datetime
from scheduling.selectors import client_pets, requestable_service_types
from scheduling.services.checks import NOTE_MAX_LENGTH


def opening_hours_display() -> str:
    hours = business_opening_hours()
    if hours is None:
        return ""
    opens, closes = hours
    return f"{time_format(opens, 'g:i A')} to {time_format(closes, 'g:i A')}"


class RequestServiceForm(PetOptionsMixin, forms.Form):
    """What a client asks for: service, pets, when, and a note."""

    service_type = RowChoiceField(
        queryset=None,  # set per form: what can be requested now
        label="Service",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a service.",
            "invalid_choice": "Choose one of the services listed.",
        },
    )
    pets = RowsChoiceField(
        queryset=None,  # set per form: the client's own pets
        label="Pets",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one pet.",
            "invalid_choice": "You can only request visits for your own pets.",
            "invalid_pk_value": "You can only request visits for your own pets.",
        },
    )
    date = forms.DateField(
        label="Date",
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        validators=[usable_date],
    )
    time = forms.TimeField(
        label="Start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Choose a start time.", "invalid": "Enter a time like 09:30."},
    )
    note = MultilineTextField(
        label="Note for your sitter",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "Gate code, feeding instructions, where the leash is…",
            }
        ),
    )

    # Where the service's refusals of the start time are shown.
    STARTS_AT_FIELDS = {"past": "date", "outside_opening_hours": "time"}

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = requestable_service_types()
        self.fields["pets"].queryset = client_pets(client=client)
        self.fields["date"].widget.attrs["min"] = timezone.localdate().isoformat()
        if hours := opening_hours_display():
            self.fields["time"].help_text = f"We visit from {hours}: choose a start time then."

    @property
    def service_options(self):
        """Each radio with its service type, for the cards."""
        return [(choice, choice.data["value"].instance) for choice in self["service_type"]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = local_datetime(cleaned["date"], cleaned["time"])
        return cleaned

    def request_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "service_type": data["service_type"],
            "pets": list(data["pets"]),
            "starts_at": data["starts_at"],
            "note": data["note"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show request_visit's refusals next to the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            for each in errors:
                if field == "starts_at":
                    target = self.STARTS_AT_FIELDS.get(each.code, "time")
                else:
                    target = field if field in self.fields else None
                self.add_error(target, each)


class ProfileForm(forms.Form):
    """The contact details a client keeps up to date itself."""

    name = forms.CharField(
        max_length=200,
        label="Name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        help_text="You sign in with this email, and we use it to reach you.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        max_length=40,
        required=False,
        label="Phone",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = MultilineTextField(
        required=False,
        max_length=ADDRESS_MAX_LENGTH,
        label="Address",
        help_text="Where we visit your pets.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    current_password = forms.CharField(
        required=False,
        label="Current password",
        help_text="Needed only to change your email, the one you sign in with.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, login, request, **kwargs):
        self.login = login
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email != self.login.client.email:
            # Through authenticate(): wrong guesses count towards throttling.
            password = cleaned.get("current_password") or ""
            if authenticate(self.request, username=self.login.email, password=password) is None:
                self.add_error(
                    "current_password", "Enter your current password to change your email."
                )
        return cleaned

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip()

    @classmethod
    def initial_for(cls, client: Client) -> dict[str, str]:
        return {name: getattr(client, name) for name in ("name", "email", "phone", "address")}

    @property
    def details(self) -> dict[str, str]:
        """The client's details as typed (not the password)."""
        return {name: self.cleaned_data[name] for name in ("name", "email", "phone", "address")}

    def unavailable_email(self) -> None:
        self.add_error(
            "email",
            f"This email can't be used. Choose another or contact {settings.BUSINESS_NAME}.",
        )
