from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from petcare.forms import MultilineTextField, PositionForm

from .models import (
    ADDRESS_MAX_LENGTH,
    EARLIEST_BIRTH_DATE,
    NOTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    ArchiveReason,
    Client,
    Pet,
    Species,
)
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


def _not_in_the_future(day) -> None:
    if day > timezone.localdate():
        raise ValidationError("The date of birth can't be in the future.", code="future")
    if day < EARLIEST_BIRTH_DATE:
        raise ValidationError("Choose a date of birth from 1900 on.", code="too_early")


def _care_note(label: str, help_text: str = "") -> MultilineTextField:
    return MultilineTextField(
        required=False,
        label=label,
        max_length=NOTES_MAX_LENGTH,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PetRowForm(forms.Form):
    """One pet in the Add client form: its name, species, breed and date of
    birth (care notes come with Edit). A row left empty adds no pet."""

    name = forms.CharField(max_length=100, label="Pet's name")
    species = forms.ChoiceField(choices=Species.choices, initial=Species.DOG, label="Species")
    breed = forms.CharField(max_length=100, required=False, label="Breed")
    date_of_birth = forms.DateField(
        required=False,
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[_not_in_the_future],
        error_messages={"invalid": "Enter a date like 2019-06-21."},
    )


class PetForm(PetRowForm):
    """A pet's details and the care notes sitters read on the visit."""

    name = forms.CharField(max_length=100, label="Name")
    notes = _care_note("Notes", "Temperament, habits, anything else.")
    feeding = _care_note("Feeding")
    medication = _care_note("Medication")
    access = _care_note("Keys and access", "Where the key is, alarm and gate codes.")
    vet = _care_note("Vet", "Name and phone number.")

    @classmethod
    def initial_for(cls, pet: Pet) -> dict:
        return {name: getattr(pet, name) for name in cls.base_fields}


class BasePetRowFormSet(forms.BaseFormSet):
    def pets(self) -> list[dict]:
        """The rows that were filled in, as add_pet's arguments."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


# Two empty rows: a household's first pets. Up to ten in one submission.
PetRowFormSet = forms.formset_factory(
    PetRowForm, formset=BasePetRowFormSet, extra=2, max_num=10, validate_max=True, absolute_max=10
)


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


class ArchivePetForm(forms.Form):
    reason = forms.ChoiceField(
        choices=ArchiveReason.choices,
        label="Why is the pet no longer with the family?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose why: passed away, rehomed or other.",
            "invalid_choice": "Choose why: passed away, rehomed or other.",
        },
    )
    delete_future_services = StrictCheckboxField(
        label="Delete this pet's future services",
        initial=True,
        help_text="Removes the visits from now on that are for this pet alone, and takes it "
        "off the ones shared with other pets. Past, canceled and completed visits are kept.",
    )
    note = ReasonField(label="Note (optional, for the history)")

    def __init__(self, *args, has_future_services: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown only when the pet is on visits still to come; when not
        # shown, no visit is touched.
        if not has_future_services:
            del self.fields["delete_future_services"]

    @property
    def options(self) -> dict:
        return {
            "reason": self.cleaned_data["reason"],
            "note": self.cleaned_data["note"],
            "delete_future_services": self.cleaned_data.get("delete_future_services", False),
        }


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
