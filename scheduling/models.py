"""What the business sells and when: service types, visits and recurring templates."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def duration_display(duration: timedelta) -> str:
    """A length as people say it: "30 min", "1 hour", "2 hours 15 min"."""
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {minutes} min" if minutes else text


class ServiceType(models.Model):
    name = models.CharField(max_length=100, unique=True)
    duration = models.DurationField(default=timedelta(minutes=30))
    price = models.DecimalField(max_digits=8, decimal_places=2)
    is_active = models.BooleanField(
        default=True, help_text="Archived service types are not offered."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__gt=timedelta(0)), name="service_type_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="service_type_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration_display(self) -> str:
        return duration_display(self.duration)


def _sitter_field() -> models.ForeignKey:
    """Who goes: a staff login (User.objects.assignable() when chosen), or
    nobody yet. A login that is deleted leaves the visit unassigned, in the
    database, so that deletes stay set-based."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DB_SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class TemplateQuerySet(models.QuerySet):
    def for_display(self):
        """With what a list of templates shows: service, sitter and pets (by name)."""
        return self.select_related("service_type", "sitter").prefetch_related("pets")


class Template(models.Model):
    """A client's recurring schedule; applying it over a date range creates visits."""

    # Database-level on_delete throughout the schedule's models (DO_NOTHING
    # leaves the database's own refusal: clients and service types in use are
    # never deleted), so that deleting visits and templates stays one
    # set-based DELETE that the database cascades.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.DO_NOTHING, related_name="templates"
    )
    service_type = models.ForeignKey(ServiceType, on_delete=models.DO_NOTHING, related_name="+")
    sitter = _sitter_field()
    pets = models.ManyToManyField(
        "clients.Pet", through="TemplatePet", related_name="+", blank=True
    )
    # Python's weekday numbers, Monday = 0.
    weekdays = models.JSONField(default=list)
    time_of_day = models.TimeField()
    first_date = models.DateField()
    last_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["time_of_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_date__isnull=True)
                | models.Q(last_date__gte=models.F("first_date")),
                name="template_last_date_after_first",
                violation_error_message="The last date cannot be before the first date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} {self.weekdays_display} at {self.time_of_day:%H:%M}"

    def clean(self) -> None:
        if (
            not isinstance(self.weekdays, list)
            or not self.weekdays
            or any(not isinstance(d, int) or not 0 <= d <= 6 for d in self.weekdays)
        ):
            raise ValidationError({"weekdays": "Choose at least one day of the week."})
        self.weekdays = sorted(set(self.weekdays))

    @property
    def weekdays_display(self) -> str:
        return ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))


class TemplatePet(models.Model):
    # Database-level cascades keep Template deletes set-based (one DELETE).
    template = models.ForeignKey(Template, on_delete=models.DB_CASCADE)
    pet = models.ForeignKey("clients.Pet", on_delete=models.DB_CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "pet"], name="template_pet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pet_id} in template {self.template_id}"


class EventStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"


# A visit is "on the schedule" (it can be edited, it overlaps others, it is
# still to come) while it is one of these.
OPEN_STATUSES = (EventStatus.REQUESTED, EventStatus.SCHEDULED)


class ScheduledEventQuerySet(models.QuerySet):
    def upcoming(self, *, now):
        """Visits still to come: starting at or after ``now``, not canceled or completed."""
        return self.filter(starts_at__gte=now, status__in=OPEN_STATUSES)

    def for_client(self, client):
        return self.filter(client=client)

    def for_display(self):
        """With what every list of visits shows: service, sitter, client and
        pets (by name), in a fixed number of queries however many visits."""
        return self.select_related("service_type", "sitter", "client").prefetch_related("pets")


class ScheduledEvent(models.Model):
    """One visit."""

    Status = EventStatus

    client = models.ForeignKey("clients.Client", on_delete=models.DO_NOTHING, related_name="events")
    pets = models.ManyToManyField("clients.Pet", through="EventPet", related_name="+", blank=True)
    service_type = models.ForeignKey(ServiceType, on_delete=models.DO_NOTHING, related_name="+")
    sitter = _sitter_field()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=EventStatus, default=EventStatus.SCHEDULED)
    # The database empties this link when a template is deleted, so deleting
    # templates never deletes or rewrites a visit beyond it.
    template = models.ForeignKey(
        Template, on_delete=models.DB_SET_NULL, null=True, blank=True, related_name="events"
    )
    occurrence_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScheduledEventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["client", "starts_at"], name="event_client_starts_idx"),
            models.Index(fields=["starts_at"], name="event_starts_idx"),
            # A sitter's week or day (a sitter's own schedule, a page of the
            # week's sitter rows).
            models.Index(fields=["sitter", "starts_at"], name="event_sitter_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message="A visit must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EventStatus.values), name="event_status_valid"
            ),
            models.UniqueConstraint(
                fields=["template", "occurrence_date"],
                condition=models.Q(template__isnull=False),
                name="event_one_per_template_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} for {self.client} at {self.starts_at:%Y-%m-%d %H:%M}"


class EventPet(models.Model):
    event = models.ForeignKey(ScheduledEvent, on_delete=models.DB_CASCADE)
    pet = models.ForeignKey("clients.Pet", on_delete=models.DB_CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "pet"], name="event_pet_unique")]

    def __str__(self) -> str:
        return f"{self.pet_id} on visit {self.event_id}"
