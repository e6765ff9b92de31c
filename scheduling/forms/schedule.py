"""The filters of the day and week views."""

from django import forms
from django.http import QueryDict

from ..models import EventStatus
from ..selectors import ANY_STATUS
from .fields import DATE_WIDGET


class ScheduleFilterForm(forms.Form):
    """The filters of the day and week views (a GET form). ``sitter`` is
    "all", "none" (unassigned) or a sitter's id; absent, it is the default: a
    sitter sees their own visits, office staff everyone's."""

    ALL = "all"
    UNASSIGNED = "none"

    sitter = forms.ChoiceField(label="Sitter", required=False)
    # The default folds canceled and completed visits away (docs/design.md).
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "To do"), (ANY_STATUS, "Any status"), *EventStatus.choices],
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

    def query_string(self, *, status: str | None = None) -> str:
        """The valid filters, to carry along on the previous/next/today links
        (with another ``status`` when given)."""
        self.is_valid()
        query = QueryDict(mutable=True)
        query["sitter"] = self.cleaned_data.get("sitter") or self.default_sitter
        if status is None:
            status = self.cleaned_data.get("status")
        if status:
            query["status"] = status
        return query.urlencode()
