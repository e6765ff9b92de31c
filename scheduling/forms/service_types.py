"""The service type form: name, length and price."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from ..models import ServiceType

# The longest visit a service type may last (a long weekend's stay).
SERVICE_MAX_MINUTES = 4 * 24 * 60


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
