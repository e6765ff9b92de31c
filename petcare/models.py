"""The one user model: a staff login (``client`` empty) or a client login."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .roles import ASSIGNABLE_ROLES


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address, not only the domain: sign-in is case-insensitive.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def assignable(self):
        """The logins that can be given a visit: active staff in one of
        ASSIGNABLE_ROLES. Forms offer these and the scheduling services
        refuse anyone else."""
        return self.filter(client__isnull=True, is_active=True, groups__name__in=ASSIGNABLE_ROLES)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        # Clients are never deleted; the database refuses it while a login
        # points to one (DO_NOTHING keeps the schedule's on_delete chain
        # database-level).
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="logins",
        help_text="Set for a client's login (portal and app); empty for staff.",
    )
    is_staff = models.BooleanField(
        "Django admin access",
        default=False,
        help_text="Lets the user into the Django admin (Admin group only).",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by Make Inactive and Re-Activate. It is part of the session hash,
    # so every session opened before the change ends at its next request.
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="user_email_lower_case",
                violation_error_message="Email addresses are stored in lower case.",
            ),
            models.CheckConstraint(
                condition=models.Q(client__isnull=True) | models.Q(is_staff=False),
                name="user_client_login_is_not_staff",
                violation_error_message="A client login cannot use the Django admin.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def save(self, *args, update_fields=None, **kwargs):
        """A full save of an existing login (a password change, the admin)
        writes every column but the auth epoch, which only an F() update
        raises: an instance loaded before a Make Inactive must not bring the
        old epoch, and with it the old sessions, back."""
        if update_fields is None and not self._state.adding:
            update_fields = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "auth_epoch"
            ]
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_client_login(self) -> bool:
        return self.client_id is not None

    @property
    def is_staff_member(self) -> bool:
        return self.is_authenticated and self.client_id is None

    def _session_auth_hash(self, secret=None) -> str:
        return salted_hmac(
            "petcare.models.User.get_session_auth_hash",
            f"{self.password}:{self.auth_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)


class ActivityEntry(models.Model):
    """One thing someone did, recorded by the service that did it, in its own
    transaction (petcare.activity.record): who, what, to which object, when,
    and what changed. A set-based change (Make Inactive's deletes) is one
    entry with its counts. Read-only once written."""

    at = models.DateTimeField()
    # Empty when the login was deleted since, or nobody (the system) acted.
    actor = models.ForeignKey(
        "petcare.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "<object kind>.<what happened>", e.g. "client.deactivated", "visit.canceled".
    action = models.CharField(max_length=50)
    # The object acted on, by its model's label ("scheduling.scheduledevent")
    # and id: it may be gone since (a removed template).
    object_type = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    # The client it concerns, for the client's history (a visit's entry too).
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="activity",
    )
    # What changed: field names (never personal details), options, counts.
    changes = models.JSONField(default=dict, blank=True)

    # How each action reads in a history, past tense.
    ACTIONS = {
        "client.added": "Added the client",
        "client.edited": "Edited the details",
        "client.deactivated": "Made inactive",
        "client.reactivated": "Re-activated",
        "client.invited": "Invited to the portal",
        "pet.added": "Added a pet",
        "pet.edited": "Edited a pet",
        "pet.archived": "Archived a pet",
        "visit.requested": "Requested a visit",
        "visit.scheduled": "Scheduled a visit",
        "visit.edited": "Edited a visit",
        "visit.canceled": "Canceled a visit",
        "visit.completed": "Marked a visit completed",
        "visit.confirmed": "Confirmed a request",
        "visit.declined": "Declined a request",
        "template.added": "Added a template",
        "template.edited": "Edited a template",
        "template.removed": "Removed a template",
        "template.applied": "Applied a template",
        "service_type.added": "Added a service type",
        "service_type.edited": "Edited a service type",
        "service_type.archived": "Archived a service type",
        "service_type.offered": "Offered a service type again",
    }

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "activity"
        indexes = [
            models.Index(fields=["client", "-at", "-id"], name="activity_client_idx"),
            models.Index(fields=["object_type", "object_id", "-at"], name="activity_object_idx"),
        ]

    def __str__(self) -> str:
        who = self.actor_id or "nobody"
        return f"{self.action} #{self.object_id} by {who} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return self.ACTIONS.get(self.action, self.action)

    @property
    def verb(self) -> str:
        """What happened, without the kind of object: "deactivated"."""
        return self.action.rpartition(".")[2]

    @property
    def details(self) -> list[str]:
        """What the entry says beyond its label, sentence by sentence."""
        changes, lines = self.changes or {}, []
        for key in ("pet", "visit", "template", "service_type"):
            if changes.get(key):
                lines.append(changes[key])
        if fields := changes.get("fields"):
            lines.append("Changed: " + ", ".join(name.replace("_", " ") for name in fields) + ".")
        if self.action == "client.deactivated":
            visits = changes.get("events_removed", 0)
            templates = changes.get("templates_removed", 0)
            lines.append(
                (
                    f"Removed {visits} upcoming service{'' if visits == 1 else 's'}"
                    if changes.get("delete_future_events")
                    else "Kept upcoming services"
                )
                + "; "
                + (
                    f"removed {templates} template{'' if templates == 1 else 's'}"
                    if changes.get("delete_templates")
                    else "no templates removed"
                )
                + "."
            )
        if self.action == "pet.archived":
            lines.extend(pet_archive_details(changes))
        if self.action == "template.applied":
            created = changes.get("created", 0)
            lines.append(
                f"{created} visit{'' if created == 1 else 's'} created, "
                f"{changes.get('skipped', 0)} already there, "
                f"{changes.get('start_date')} to {changes.get('end_date')}."
            )
            if left := changes.get("sitter_left"):
                lines.append(f"{left} not made: the sitter can't take visits any more.")
        if sitter := changes.get("sitter"):
            lines.append(f"Sitter: {sitter}.")
        return lines

    @property
    def reason(self) -> str:
        return (self.changes or {}).get("reason", "")


def pet_archive_details(changes: dict) -> list[str]:
    """What an Archive pet entry says beyond its label: why, and what it
    removed from the schedule."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    lines = [f"Reason: {changes.get('reason_label', changes.get('archive_reason', ''))}."]
    if changes.get("delete_future_services"):
        lines.append(
            f"Removed {count(changes.get('events_removed', 0), 'upcoming service')}; "
            f"taken off {count(changes.get('events_shared', 0), 'shared one')}."
        )
    elif kept := changes.get("events_kept", 0):
        lines.append(f"Kept {count(kept, 'upcoming service')}.")
    templates_removed = changes.get("templates_removed", 0)
    templates_shared = changes.get("templates_shared", 0)
    if templates_removed or templates_shared:
        lines.append(
            f"Removed {count(templates_removed, 'template')}; "
            f"taken off {count(templates_shared, 'shared template')}."
        )
    return lines


class RateLimitHit(models.Model):
    """One use of something rate-limited (an email sent on request), counted
    per key within a time window (petcare.rate_limits). In the database, so
    every process of the app counts the same uses."""

    key = models.CharField(max_length=300)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="rate_limit_key_at_idx")]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M}"
