"""Writes of the client lifecycle: add, edit, Make Inactive, Re-Activate."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from scheduling.services import delete_client_templates, delete_upcoming_events

from .models import ApiToken, Client, ClientStatusChange, StatusAction


class ClientAlreadyInactive(Exception):
    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client} is already inactive.")


class ClientAlreadyActive(Exception):
    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client} is already active.")


class DuplicateClientEmail(Exception):
    """Another client (active or inactive) already uses this email."""

    def __init__(self, existing: Client):
        self.existing = existing
        super().__init__("A client with this email already exists.")


@dataclass(frozen=True)
class Deactivation:
    client: Client
    status_change: ClientStatusChange
    events_removed: int
    templates_removed: int


@dataclass(frozen=True)
class Reactivation:
    client: Client
    status_change: ClientStatusChange


CLIENT_FIELDS = ("name", "email", "phone", "address", "notes")


def _find_email_owner(email: str, *, exclude_pk: int | None = None) -> Client | None:
    if not email:
        return None
    # Through lower(email), the expression of the unique index.
    others = Client.objects.alias(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower()
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.first()


def _save_checked(client: Client) -> Client:
    """Validate and save; an email taken by a concurrent request still ends
    as DuplicateClientEmail, not as a database error."""
    # Before validation, so " Jo@Example.com " is a valid, lower-case address.
    client.email = (client.email or "").strip().lower()
    client.full_clean(validate_constraints=False)
    if owner := _find_email_owner(client.email, exclude_pk=client.pk):
        raise DuplicateClientEmail(owner)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        if owner := _find_email_owner(client.email, exclude_pk=client.pk):
            raise DuplicateClientEmail(owner) from None
        raise
    return client


def create_client(
    *, name: str, email: str = "", phone: str = "", address: str = "", notes: str = ""
) -> Client:
    """Add a client. An email already used by any client, active or inactive,
    in any letter case, is refused with DuplicateClientEmail."""
    client = Client(name=name, email=email, phone=phone, address=address, notes=notes)
    return _save_checked(client)


def update_client(client: Client, **changes) -> Client:
    """Edit a client's details (active or inactive) under the same email rule
    as create_client; the status is changed only by Make Inactive / Re-Activate."""
    unknown = set(changes) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"update_client() cannot change {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(client, field, value)
    return _save_checked(client)


def _change_status(
    locked: Client, *, is_active: bool, actor, now: datetime, **history
) -> ClientStatusChange:
    """Set the locked client's status, end its logins' sessions and record the change."""
    locked.is_active = is_active
    locked.deactivated_at = None if is_active else now
    locked.deactivated_by = None if is_active else actor
    locked.save(update_fields=["is_active", "deactivated_at", "deactivated_by", "updated_at"])
    # The auth epoch is part of the session hash: every session (and, later,
    # every link) of the client's logins from before this change ends.
    get_user_model().objects.filter(client=locked).update(auth_epoch=F("auth_epoch") + 1)
    if not is_active:
        # The app's tokens die with the sessions (they stay dead after a
        # Re-Activate: the app signs in again).
        ApiToken.objects.filter(user__client=locked, revoked_at__isnull=True).update(revoked_at=now)
    return ClientStatusChange.objects.create(
        client=locked,
        action=StatusAction.REACTIVATED if is_active else StatusAction.DEACTIVATED,
        actor=actor,
        changed_at=now,
        **history,
    )


def deactivate_client(
    client: Client,
    *,
    actor,
    delete_future_events: bool = True,
    delete_templates: bool = True,
    reason: str = "",
    now: datetime | None = None,
) -> Deactivation:
    """Make a client inactive, in one transaction with the client row locked:
    optionally delete its visits still to come (starting at or after now, not
    canceled or completed) and its templates, end its logins' sessions, and
    record the change. Nothing is sent to the client. Raises
    ClientAlreadyInactive, changing nothing, when the client is inactive."""
    with transaction.atomic():
        locked = Client.objects.select_for_update(of=("self",)).get(pk=client.pk)
        if not locked.is_active:
            raise ClientAlreadyInactive(locked)
        now = now or timezone.now()
        events_removed = (
            delete_upcoming_events(client=locked, now=now) if delete_future_events else 0
        )
        templates_removed = delete_client_templates(client=locked) if delete_templates else 0
        change = _change_status(
            locked,
            is_active=False,
            actor=actor,
            now=now,
            delete_future_events=delete_future_events,
            delete_templates=delete_templates,
            events_removed=events_removed,
            templates_removed=templates_removed,
            reason=reason.strip(),
        )
    return Deactivation(
        client=locked,
        status_change=change,
        events_removed=events_removed,
        templates_removed=templates_removed,
    )


def reactivate_client(
    client: Client, *, actor, reason: str = "", now: datetime | None = None
) -> Reactivation:
    """Make an inactive client active again so its logins can sign in; nothing
    that Make Inactive removed comes back. Raises ClientAlreadyActive, changing
    nothing, when the client is active."""
    with transaction.atomic():
        locked = Client.objects.select_for_update(of=("self",)).get(pk=client.pk)
        if locked.is_active:
            raise ClientAlreadyActive(locked)
        now = now or timezone.now()
        change = _change_status(locked, is_active=True, actor=actor, now=now, reason=reason.strip())
    return Reactivation(client=locked, status_change=change)
