"""The client lifecycle's data: Client, Pet and the history of status changes."""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from petcare.logs import Refusal

# The longest text a person may type in each box: room for a real address or
# note, not for a megabyte pasted by mistake (forms and services both check).
ADDRESS_MAX_LENGTH = 500
NOTES_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 500


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


class ClientInactive(Refusal):
    """Nothing can be requested, scheduled or sent for an inactive client
    (docs/design.md, "Scheduling for an inactive client")."""

    def __init__(self, client: "Client"):
        self.client = client
        super().__init__(f"{client.name} is inactive. Re-Activate the client to schedule services.")


class ClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def inactive(self):
        return self.filter(is_active=False)

    def schedulable(self):
        """The clients visits may be requested or scheduled for: the rule of
        Client.can_be_scheduled, as a filter (for pickers and lists)."""
        return self.active()

    def lock(self, pk: int) -> "Client":
        """The client's row, locked until the transaction ends. Every write
        that depends on the client's status takes this one lock (Make
        Inactive, Re-Activate, scheduling, requests, app tokens), so the
        status read under it stays true until the commit. No-op on SQLite,
        whose IMMEDIATE transactions serialise writers instead."""
        return self.select_for_update(of=("self",)).get(pk=pk)

    def lock_schedulable(self, pk: int) -> "Client":
        """The client's row under that lock, for a write that schedules,
        requests or invites; ClientInactive (nothing written) when the client
        can't be scheduled. The status is read under the lock, so it stays
        true until the commit."""
        locked = self.lock(pk)
        if not locked.can_be_scheduled:
            raise ClientInactive(locked)
        return locked


class Client(models.Model):
    """A pet parent (or household). Never deleted: made inactive instead."""

    name = models.CharField(max_length=200)
    # Stored lower-cased (the database checks it); empty for older clients.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The phone number's digits only, so "555 0101" finds "(555) 010-1".
    phone_digits = models.CharField(max_length=40, blank=True, editable=False)
    address = models.TextField(blank=True, validators=[MaxLengthValidator(ADDRESS_MAX_LENGTH)])
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("change_client_status", "Can make a client inactive or re-activate it")]
        # The list's order (name, id) within a tab, and across all (the
        # keyset of clients.selectors.page_clients). Search has its own
        # trigram indexes on PostgreSQL (migration 0006).
        indexes = [
            models.Index(fields=["is_active", "name", "id"], name="client_status_name_id_idx"),
            models.Index(fields=["name", "id"], name="client_name_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="client_email_unique_ci",
                violation_error_message="A client with this email already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="client_email_lower_case",
                violation_error_message="Client emails are stored in lower case.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(is_active=True, deactivated_at__isnull=True)
                    | models.Q(is_active=False, deactivated_at__isnull=False)
                ),
                name="client_inactive_has_date",
                violation_error_message="An inactive client records when it was made inactive.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Written only by Make Inactive and Re-Activate (clients.services), under
    # the row lock and with update_fields.
    STATUS_FIELDS = ("is_active", "deactivated_at", "deactivated_by")

    def save(self, *args, update_fields=None, **kwargs):
        """Save, keeping the derived columns in step. A full save of an
        existing row (a form, the admin) writes every column but the status:
        an instance loaded before a Make Inactive must not make the client
        active again when it is saved after it."""
        self.email = (self.email or "").strip().lower()
        self.phone_digits = phone_digits(self.phone)
        if update_fields is None and not self._state.adding:
            update_fields = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.STATUS_FIELDS
            ]
        elif update_fields is not None and "phone" in update_fields:
            update_fields = {*update_fields, "phone_digits"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def can_be_scheduled(self) -> bool:
        """May visits be requested, scheduled, confirmed or moved for this
        client, templates added or applied, or a portal invitation sent? Only
        while the client is active. Forms, selectors (through
        ``Client.objects.schedulable()``), templates and the services' lock
        (``Client.objects.lock_schedulable()``) all ask this one rule."""
        return self.is_active

    @property
    def scheduling_refusal(self) -> str:
        """The words of ClientInactive when the client can't be scheduled
        (else ""), for the screens that say so before anyone tries."""
        return "" if self.can_be_scheduled else str(ClientInactive(self))


class Species(models.TextChoices):
    DOG = "dog", "Dog"
    CAT = "cat", "Cat"
    BIRD = "bird", "Bird"
    RABBIT = "rabbit", "Rabbit"
    OTHER = "other", "Other"


class ArchiveReason(models.TextChoices):
    PASSED_AWAY = "passed_away", "Passed away"
    REHOMED = "rehomed", "Rehomed"
    OTHER = "other", "Other"


# The earliest date of birth a pet may have: a tortoise's, not a typo's.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class PetArchived(Refusal):
    """An archived pet can't be put on a visit or template, nor archived again
    (docs/design.md, "Pets")."""

    def __init__(self, pet: "Pet"):
        self.pet = pet
        super().__init__(f"{pet.name} is already archived.")


class PetQuerySet(models.QuerySet):
    def current(self):
        """Pets still with the family: the ones every picker offers."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        """Pets no longer with the family: kept for the history."""
        return self.filter(archived_at__isnull=False)

    def lock(self, pk: int) -> "Pet":
        """The pet's row, locked until the transaction ends (after the
        client's, when both are taken: always in that order)."""
        return self.select_for_update(of=("self",)).get(pk=pk)


class Pet(models.Model):
    """A client's pet. Never deleted: archived when it is no longer with the
    family, so that past visits still name it."""

    Species = Species
    ArchiveReason = ArchiveReason

    # DO_NOTHING: the database refuses to delete a client with pets (clients
    # are never deleted), and visits can cascade to pets at database level.
    client = models.ForeignKey(Client, on_delete=models.DO_NOTHING, related_name="pets")
    name = models.CharField(max_length=100)
    species = models.CharField(max_length=20, choices=Species, default=Species.DOG)
    breed = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    # Care notes: what the sitter needs on the visit.
    feeding = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    medication = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    access = models.TextField(
        "keys and access", blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )
    vet = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)])
    # Written only by clients.services.archive_pet, under the row lock.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Database-level, as every reference of a pet's chain must be (visits
    # cascade to their pets' links in the database).
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DB_SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    archive_reason = models.CharField(
        max_length=20, choices=ArchiveReason, blank=True, editable=False
    )
    archive_note = models.TextField(
        blank=True, editable=False, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )

    objects = PetQuerySet.as_manager()

    ARCHIVE_FIELDS = ("archived_at", "archived_by", "archive_reason", "archive_note")
    CARE_FIELDS = ("feeding", "medication", "access", "vet")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(species__in=Species.values),
                name="pet_species_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(archived_at__isnull=True, archive_reason="", archive_note="")
                    | models.Q(archived_at__isnull=False, archive_reason__in=ArchiveReason.values)
                ),
                name="pet_archived_has_reason",
                violation_error_message="An archived pet records when and why it was archived.",
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True)
                | models.Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="pet_born_after_1900",
                violation_error_message="Choose a date of birth from 1900 on.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        """A full save of an existing row (a form, the admin) writes every
        column but the archive's: an instance loaded before Archive pet must
        not bring the pet back when it is saved after it."""
        if update_fields is None and not self._state.adding:
            update_fields = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.ARCHIVE_FIELDS
            ]
        super().save(*args, update_fields=update_fields, **kwargs)

    def clean(self) -> None:
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            raise ValidationError(
                {"date_of_birth": "The date of birth can't be in the future."}, code="future"
            )
        if self.date_of_birth and self.date_of_birth < EARLIEST_BIRTH_DATE:
            raise ValidationError(
                {"date_of_birth": "Choose a date of birth from 1900 on."}, code="too_early"
            )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def care_notes(self) -> list[tuple[str, str]]:
        """The care notes that say something, as (label, text), for the sitter."""
        return [
            (self._meta.get_field(name).verbose_name.capitalize(), getattr(self, name))
            for name in self.CARE_FIELDS
            if getattr(self, name)
        ]


class StatusAction(models.TextChoices):
    DEACTIVATED = "deactivated", "Made inactive"
    REACTIVATED = "reactivated", "Re-activated"


class ClientStatusChange(models.Model):
    """One Make Inactive or Re-Activate: who, when, which options, what it removed."""

    Action = StatusAction

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="status_changes")
    action = models.CharField(max_length=20, choices=StatusAction)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField()
    # The options of Make Inactive; empty for a re-activation.
    delete_future_events = models.BooleanField(null=True)
    delete_templates = models.BooleanField(null=True)
    events_removed = models.PositiveIntegerField(default=0)
    templates_removed = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True, validators=[MaxLengthValidator(REASON_MAX_LENGTH)])

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["client", "-changed_at", "-id"], name="status_change_client_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=StatusAction.values),
                name="status_change_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.client} {self.get_action_display().lower()} at {self.changed_at:%Y-%m-%d %H:%M}"
        )
