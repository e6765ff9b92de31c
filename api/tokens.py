"""The client app's bearer tokens: issue, verify, revoke.

A token is 32 random bytes (URL-safe text) that the app receives once, at
sign-in; only its SHA-256 is stored, so a copy of the database signs no one
in. A token works until it expires, the app signs out with it, its client is
inactive, or its login's credentials change: the row keeps a keyed hash of
the login's password, sign-in email and auth epoch, so Make Inactive and
Re-Activate (which raise the epoch in their own transaction), a new password
and a new sign-in email end every token issued before, as they end sessions,
and a Re-Activate brings none back.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from clients.models import Client
from petcare.logs import Refusal, service_action

from .models import ApiToken

# How stale ``last_used_at`` may get: one write per token per minute at most,
# not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ClientNotActive(Refusal):
    """The login's client was made inactive: it gets no token."""


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    api_token: ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def credentials_hash(user, *, secret=None) -> str:
    """A keyed hash of what a token is bound to: the login's password hash,
    sign-in email and auth epoch (the session hash's ingredients, and the email)."""
    return salted_hmac(
        "petcare.api.tokens.credentials_hash",
        f"{user.password}:{user.email}:{user.auth_epoch}",
        secret=secret,
        algorithm="sha256",
    ).hexdigest()


def _credentials_unchanged(api_token: ApiToken) -> bool:
    # Like Django's session hash, a token survives a SECRET_KEY rotation
    # while the old key is in SECRET_KEY_FALLBACKS.
    return any(
        constant_time_compare(
            api_token.credentials_hash, credentials_hash(api_token.user, secret=s)
        )
        for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


@service_action("api_token.issue")
def issue_token(user, *, now: datetime | None = None) -> IssuedToken:
    """Issue a token for an active client's login, valid for API_TOKEN_LIFETIME.

    The client row is locked as Make Inactive locks it, so a deactivation
    running at the same moment either comes first (and no token is issued,
    ClientNotActive) or comes after and, raising the login's auth epoch,
    ends this token too."""
    if user.client_id is None:
        raise ValueError("App tokens are for client logins only.")
    with transaction.atomic():
        client = Client.objects.lock(user.client_id)
        if not client.is_active:
            raise ClientNotActive(user.client_id)
        # The credentials as they are under the lock (the epoch moves only
        # under it).
        user.refresh_from_db(fields=["password", "email", "auth_epoch"])
        now = now or timezone.now()
        token = secrets.token_urlsafe(32)
        api_token = ApiToken.objects.create(
            user=user,
            key_hash=hash_token(token),
            credentials_hash=credentials_hash(user),
            created_at=now,
            expires_at=now + settings.API_TOKEN_LIFETIME,
        )
    return IssuedToken(token=token, api_token=api_token)


def verify_token(token: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token with this value, its login and client loaded in the
    same query; None when it is unknown, expired, signed out, its login's
    credentials changed since it was issued, or its login or client is no
    longer active. Records the use at most once a minute."""
    if not token:
        return None
    now = now or timezone.now()
    try:
        api_token = (
            ApiToken.objects.usable(now=now)
            .select_related("user__client")
            .get(key_hash=hash_token(token))
        )
    except ApiToken.DoesNotExist:
        return None
    user = api_token.user
    if not user.is_active or user.client is None or not user.client.is_active:
        return None
    if not _credentials_unchanged(api_token):
        return None
    last_used = api_token.last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token


@service_action("api_token.revoke")
def revoke_token(api_token: ApiToken, *, now: datetime | None = None) -> bool:
    """Revoke one token (the app signs out). Returns whether it was still live."""
    now = now or timezone.now()
    revoked = ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    api_token.revoked_at = now
    return bool(revoked)
