"""The client app's sign-ins: one row per token issued."""

from django.conf import settings
from django.db import models


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, *, now):
        """Not signed out and not expired (the login's credentials are checked
        on the row itself: api.tokens.verify_token)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A sign-in of the client app. Only a hash of the token is stored; the
    token itself is shown once, to the app that signed in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # A keyed hash of the login's password, sign-in email and auth epoch when
    # the token was issued. The token works only while they are unchanged, as
    # a session does: Make Inactive and Re-Activate (which raise the epoch in
    # their transaction), a new password and a new sign-in email end it.
    credentials_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set when the app signs out with this token.
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"App token of {self.user_id} from {self.created_at:%Y-%m-%d}"
