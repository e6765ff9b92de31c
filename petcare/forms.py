"""Form fields every app's forms share."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.text import normalize_newlines

from .converters import MAX_ID


class MultilineTextField(forms.CharField):
    """A textarea's text. Browsers send its line breaks as CRLF; they are
    stored as LF, and counted as one character against ``max_length``, so the
    limit is the same with and without JavaScript."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value


class SignInForm(AuthenticationForm):
    """A sign-in door (staff or portal): the email, lower-cased as logins are
    stored, and a login of the other kind refused with the ``wrong_door``
    message, so the page can link to the right door."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def is_wrong_door(self, user) -> bool:
        raise NotImplementedError

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if self.is_wrong_door(user):
            raise ValidationError(self.error_messages["wrong_door"], code="wrong_door")

    @property
    def refused_wrong_door(self) -> bool:
        return self.has_error("__all__", "wrong_door")


def _too_large_for_an_id(value) -> bool:
    text = str(value).strip().lstrip("+-")
    return text.isdigit() and int(text) > MAX_ID


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choice, sent as a number too large for an id,
    is an invalid choice like any other, not a database error."""

    def to_python(self, value):
        if value not in self.empty_values and _too_large_for_an_id(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses numbers too large for an id as
    invalid choices, not database errors."""

    def _check_values(self, value):
        for pk in value:
            if _too_large_for_an_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class PositionForm(forms.Form):
    """Where a keyset page starts (petcare.paging): after or before a row.
    Anything malformed reads as the first page."""

    after = forms.CharField(required=False, max_length=1000)
    before = forms.CharField(required=False, max_length=1000)

    def position(self) -> dict[str, str]:
        if not self.is_valid():
            return {"after": "", "before": ""}
        return {"after": self.cleaned_data["after"], "before": self.cleaned_data["before"]}
