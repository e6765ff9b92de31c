from django import forms
from django.core.exceptions import ValidationError

from petcare.forms import MultilineTextField, PositionForm

from .models import ADDRESS_MAX_LENGTH, NOTES_MAX_LENGTH, REASON_MAX_LENGTH, Client
from .selectors import ClientFilter


class ClientForm(forms.Form):
    """A client's details. The service (create_client / update_client) checks
    the rules that need other rows, such as the unique email."""

    name = forms.CharField(max_length=200, label="Name")
    email = forms.EmailField(
        required=False,
        label="Email",
        help_text="Used to sign in to the client portal. Leave empty if unknown.",
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone")
    address = MultilineTextField(
        required=False,
        label="Address",
        max_length=ADDRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = MultilineTextField(
        required=False,
        label="Notes",
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    @classmethod
    def initial_for(cls, client: Client) -> dict[str, str]:
        return {name: getattr(client, name) for name in cls.base_fields}


class RawCheckboxInput(forms.CheckboxInput):
    """A checkbox whose submitted value reaches the field unconverted, so the
    field can refuse anything but "on"."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictCheckboxField(forms.Field):
    """A checkbox that accepts only what a browser sends: "on", or nothing."""

    widget = RawCheckboxInput
    default_error_messages = {
        "invalid": 'This option must be "on" or left out; nothing was changed.',
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value is None:
            return False
        if value == "on":
            return True
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class ReasonField(MultilineTextField):
    """An optional reason for the history."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reason (optional, for the history)")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", REASON_MAX_LENGTH)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)


class DeactivateForm(forms.Form):
    delete_future_events = StrictCheckboxField(
        label="Delete all future scheduled services",
        initial=True,
        help_text="Removes every requested or scheduled visit from now on. "
        "Past, canceled and completed visits are kept.",
    )
    delete_templates = StrictCheckboxField(
        label="Delete templates",
        initial=True,
        help_text="Removes the client's recurring schedules. "
        "Visits already made keep their history.",
    )
    reason = ReasonField()

    def __init__(self, *args, has_templates: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown only when the client has templates; when not shown, no
        # template is touched.
        if not has_templates:
            del self.fields["delete_templates"]

    @property
    def options(self) -> dict[str, bool]:
        return {
            "delete_future_events": self.cleaned_data["delete_future_events"],
            "delete_templates": self.cleaned_data.get("delete_templates", False),
        }


class ReactivateForm(forms.Form):
    reason = ReasonField()


class ClientSearchForm(PositionForm):
    status = forms.ChoiceField(choices=ClientFilter.CHOICES, required=False)
    q = forms.CharField(label="Search", required=False, max_length=100)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": ClientFilter.ACTIVE, "search": ""}
        return {
            "status": self.cleaned_data["status"] or ClientFilter.ACTIVE,
            "search": self.cleaned_data["q"],
        }
