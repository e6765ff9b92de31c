"""Form fields every app's forms share."""

from django import forms
from django.utils.text import normalize_newlines


class MultilineTextField(forms.CharField):
    """A textarea's text. Browsers send its line breaks as CRLF; they are
    stored as LF, and counted as one character against ``max_length``, so the
    limit is the same with and without JavaScript."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value
