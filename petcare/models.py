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
