"""Writes of the client lifecycle: add, edit, Make Inactive, Re-Activate."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import normalize_newlines

from petcare import activity, mail, policy, rate_limits, roles
from petcare.logs import Refusal, service_action

from . import schedule
from .models import REASON_MAX_LENGTH, Client, ClientStatusChange, StatusAction


class ClientAlreadyInactive(Refusal):
    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client} is already inactive.")


class ClientAlreadyActive(Refusal):
    def __init__(self, client: Client):
        self.client = client
        super().__init__(f"{client} is already active.")


class CannotInvite(Refusal):
    """The client can't be invited to the portal; the message says why and what to do."""


class DuplicateClientEmail(Refusal):
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
class Invitation:
    client: Client
    login: AbstractBaseUser


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


def _save_checked(client: Client, *, update_fields=None) -> Client:
    """Validate and save; an email taken by a concurrent request still ends
    as DuplicateClientEmail, not as a database error."""
    # Before validation, so " Jo@Example.com " is a valid, lower-case address.
    client.email = (client.email or "").strip().lower()
    client.full_clean(validate_constraints=False)
    if (update_fields is None or "email" in update_fields) and (
        owner := _find_email_owner(client.email, exclude_pk=client.pk)
    ):
        raise DuplicateClientEmail(owner)
    try:
        with transaction.atomic():
            client.save(update_fields=update_fields)
    except IntegrityError:
        if owner := _find_email_owner(client.email, exclude_pk=client.pk):
            raise DuplicateClientEmail(owner) from None
        raise
    return client


@service_action("client.create")
def create_client(
    *,
    actor,
    name: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    notes: str = "",
) -> Client:
    """Add a client. An email already used by any client, active or inactive,
    in any letter case, is refused with DuplicateClientEmail; an actor who may
    not add clients with Refused."""
    policy.require(policy.may_add_client, actor)
    client = Client(name=name, email=email, phone=phone, address=address, notes=notes)
    with transaction.atomic():
        _save_checked(client)
        activity.record("client.added", client, actor=actor, client=client)
    return client


@service_action("client.update")
def update_client(client: Client, *, actor, **changes) -> Client:
    """Edit a client's details (active or inactive) under the same email rule
    as create_client; staff who may edit clients, or the client's own login.
    The row is locked and only the details that changed are written, so an
    edit racing Make Inactive or Re-Activate never puts the status back; the
    status is changed only by those two. Returns the client as saved."""
    unknown = set(changes) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"update_client() cannot change {', '.join(sorted(unknown))}")
    policy.require(policy.may_edit_client, actor, client)
    with transaction.atomic():
        locked = Client.objects.lock(client.pk)
        before = {field: getattr(locked, field) for field in changes}
        for field, value in changes.items():
            setattr(locked, field, value)
        # As stored: lower-cased email, a note's line breaks.
        locked.email = (locked.email or "").strip().lower()
        changed = activity.changed_fields(before, {f: getattr(locked, f) for f in changes})
        if changed:
            _save_checked(locked, update_fields=[*changed, "updated_at"])
            activity.record(
                "client.edited", locked, actor=actor, client=locked, changes={"fields": changed}
            )
    for field in (*CLIENT_FIELDS, "phone_digits", *Client.STATUS_FIELDS, "updated_at"):
        setattr(client, field, getattr(locked, field))
    return locked


def _clean_reason(reason: str) -> str:
    reason = normalize_newlines(reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."},
            code="max_length",
        )
    return reason


def _change_status(
    locked: Client, *, is_active: bool, actor, now: datetime, **history
) -> ClientStatusChange:
    """Set the locked client's status, end its logins' sessions, links and
    app tokens, and record the change (its history row and the activity log)."""
    locked.is_active = is_active
    locked.deactivated_at = None if is_active else now
    locked.deactivated_by = None if is_active else actor
    locked.save(update_fields=["is_active", "deactivated_at", "deactivated_by", "updated_at"])
    # The auth epoch is part of the session hash, of the password-reset and
    # invitation links' hashes and of the app tokens' credentials hash: every
    # session, link and token of the client's logins from before this change
    # ends, in this one UPDATE, and stays dead after a Re-Activate.
    get_user_model().objects.filter(client=locked).update(auth_epoch=F("auth_epoch") + 1)
    action = StatusAction.REACTIVATED if is_active else StatusAction.DEACTIVATED
    activity.record(f"client.{action}", locked, actor=actor, client=locked, changes=history, at=now)
    return ClientStatusChange.objects.create(
        client=locked, action=action, actor=actor, changed_at=now, **history
    )


@service_action("client.deactivate")
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
    ClientAlreadyInactive, changing nothing, when the client is inactive, and
    Refused (PermissionDenied) when ``actor`` may not change a client's status,
    ValidationError for a reason over REASON_MAX_LENGTH."""
    policy.require(policy.may_change_client_status, actor)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Client.objects.lock(client.pk)
        if not locked.is_active:
            raise ClientAlreadyInactive(locked)
        now = now or timezone.now()
        events_removed = (
            schedule.delete_upcoming_visits(locked, now=now) if delete_future_events else 0
        )
        templates_removed = schedule.delete_templates(locked) if delete_templates else 0
        change = _change_status(
            locked,
            is_active=False,
            actor=actor,
            now=now,
            delete_future_events=delete_future_events,
            delete_templates=delete_templates,
            events_removed=events_removed,
            templates_removed=templates_removed,
            reason=reason,
        )
    return Deactivation(
        client=locked,
        status_change=change,
        events_removed=events_removed,
        templates_removed=templates_removed,
    )


@service_action("client.reactivate")
def reactivate_client(
    client: Client, *, actor, reason: str = "", now: datetime | None = None
) -> Reactivation:
    """Make an inactive client active again so its logins can sign in; nothing
    that Make Inactive removed comes back. Raises ClientAlreadyActive, changing
    nothing, when the client is active, and Refused (PermissionDenied) when
    ``actor`` may not change a client's status."""
    policy.require(policy.may_change_client_status, actor)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Client.objects.lock(client.pk)
        if locked.is_active:
            raise ClientAlreadyActive(locked)
        now = now or timezone.now()
        change = _change_status(locked, is_active=True, actor=actor, now=now, reason=reason)
    return Reactivation(client=locked, status_change=change)


@service_action("client.invite")
def invite_client(client: Client, *, actor, base_url: str) -> Invitation:
    """Give an active client a portal login and email it a one-time link to
    choose a password. Refused (CannotInvite, ClientInactive) when the client
    is inactive, has no email, or already has a login with a password. The
    email is a background task enqueued once the transaction has committed
    (clients.emails builds it, and its link, when it runs).

    ``base_url`` is the site's address for the link (the view passes
    ``request.build_absolute_uri("/")``). Refused (PermissionDenied) when
    ``actor`` may not invite clients."""
    policy.require(policy.may_invite_client, actor)
    User = get_user_model()
    with transaction.atomic():
        locked = Client.objects.lock_schedulable(client.pk)
        if not locked.email:
            raise CannotInvite(
                f"{locked.name} has no email address. Add one with Edit details, then invite."
            )
        if not rate_limits.allow(
            (rate_limits.INVITE_PER_RECIPIENT, locked.email),
            (rate_limits.INVITE_PER_SENDER, str(actor.pk)),
        ):
            raise CannotInvite(
                f"Several invitations went to {locked.email} in the last hour (or you sent "
                "many): wait an hour before sending another. The last one still works."
            )
        login = User.objects.filter(email=locked.email).first()
        if login is not None and login.client_id != locked.pk:
            raise CannotInvite(
                f"The email {locked.email} already belongs to another login. "
                "Change the client's email, or ask an admin."
            )
        if login is not None and login.has_usable_password():
            raise CannotInvite(
                f"{locked.name} already has a portal login. They can reset their "
                "password from the portal's sign-in page."
            )
        if login is None:
            login = User(email=locked.email, client=locked)
            login.set_unusable_password()
            login.full_clean(exclude=["password"])
            login.save()
            login.groups.add(Group.objects.get(name=roles.CLIENT))
        activity.record("client.invited", locked, actor=actor, client=locked)
        mail.send_after_commit("invitation", login_id=login.pk, base_url=base_url)
    return Invitation(client=locked, login=login)
