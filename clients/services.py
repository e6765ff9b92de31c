"""Writes of the client lifecycle: add, edit, Make Inactive, Re-Activate, invite;
and of a client's pets: add, edit, Archive pet."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

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
from .models import (
    REASON_MAX_LENGTH,
    ArchiveReason,
    Client,
    ClientStatusChange,
    Pet,
    PetArchived,
    StatusAction,
)


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
class PetArchival:
    pet: Pet
    # Visits still to come for this pet alone, deleted; shared ones it was
    # taken off (the other pets keep them).
    events_removed: int
    events_shared: int
    templates_removed: int
    templates_shared: int
    # Visits still to come that keep the pet (Delete this pet's future
    # services unchecked).
    events_kept: int = 0


@dataclass(frozen=True)
class Invitation:
    client: Client
    login: AbstractBaseUser


@dataclass(frozen=True)
class Reactivation:
    client: Client
    status_change: ClientStatusChange


CLIENT_FIELDS = ("name", "email", "phone", "address", "notes")
PET_FIELDS = (
    "name",
    "species",
    "breed",
    "date_of_birth",
    "notes",
    "feeding",
    "medication",
    "access",
    "vet",
)


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
    pets: Iterable[dict] = (),
) -> Client:
    """Add a client, and its first ``pets`` (each a dict of PET_FIELDS), in
    one transaction. An email already used by any client, active or
    inactive, in any letter case, is refused with DuplicateClientEmail; an
    actor who may not add clients (or pets) with Refused."""
    policy.require(policy.may_add_client, actor)
    pets = list(pets)
    if pets:
        policy.require(policy.may_manage_pets, actor)
    client = Client(name=name, email=email, phone=phone, address=address, notes=notes)
    with transaction.atomic():
        _save_checked(client)
        activity.record("client.added", client, actor=actor, client=client)
        for fields in pets:
            _create_pet(client, actor=actor, **fields)
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


def _clean_reason(reason: str, *, field: str = "reason") -> str:
    reason = normalize_newlines(reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {field: f"Keep the {field} under {REASON_MAX_LENGTH} characters."},
            code="max_length",
        )
    return reason


# --- Pets ------------------------------------------------------------------------------


def _pet_text(value) -> str:
    """Text as stored: a textarea's CRLF as one line break, no outer spaces."""
    return normalize_newlines(value or "").strip()


def _create_pet(client: Client, *, actor, **fields) -> Pet:
    unknown = set(fields) - set(PET_FIELDS)
    if unknown:
        raise TypeError(f"add_pet() cannot set {', '.join(sorted(unknown))}")
    pet = Pet(client=client, **{k: v for k, v in fields.items() if k != "date_of_birth"})
    pet.date_of_birth = fields.get("date_of_birth")
    for name in ("breed", "notes", *Pet.CARE_FIELDS):
        setattr(pet, name, _pet_text(getattr(pet, name)))
    pet.name = (pet.name or "").strip()
    pet.full_clean()
    pet.save()
    activity.record("pet.added", pet, actor=actor, client=client, changes={"pet": pet.name})
    return pet


@service_action("pet.add")
def add_pet(
    client: Client,
    *,
    actor,
    name: str,
    species: str = Pet.Species.DOG,
    breed: str = "",
    date_of_birth: date | None = None,
    notes: str = "",
    feeding: str = "",
    medication: str = "",
    access: str = "",
    vet: str = "",
) -> Pet:
    """Add a pet to a client (active or inactive: the file stays up to
    date). Refused (PermissionDenied) when ``actor`` may not manage pets;
    ValidationError for a date of birth in the future or text too long."""
    policy.require(policy.may_manage_pets, actor)
    with transaction.atomic():
        return _create_pet(
            client,
            actor=actor,
            name=name,
            species=species,
            breed=breed,
            date_of_birth=date_of_birth,
            notes=notes,
            feeding=feeding,
            medication=medication,
            access=access,
            vet=vet,
        )


@service_action("pet.update")
def update_pet(pet: Pet, *, actor, **changes) -> Pet:
    """Edit a pet's details and care notes. The row is locked and only the
    fields that changed are written, so an edit racing Archive pet never
    brings the pet back. Returns the pet as saved."""
    unknown = set(changes) - set(PET_FIELDS)
    if unknown:
        raise TypeError(f"update_pet() cannot change {', '.join(sorted(unknown))}")
    policy.require(policy.may_manage_pets, actor)
    with transaction.atomic():
        locked = Pet.objects.lock(pet.pk)
        before = {field: getattr(locked, field) for field in changes}
        for field, value in changes.items():
            if field == "date_of_birth":
                setattr(locked, field, value)
            elif field == "name":
                setattr(locked, field, (value or "").strip())
            else:
                setattr(locked, field, _pet_text(value))
        changed = activity.changed_fields(before, {f: getattr(locked, f) for f in changes})
        if changed:
            locked.full_clean(exclude=["client"])
            locked.save(update_fields=changed)
            activity.record(
                "pet.edited",
                locked,
                actor=actor,
                client=Client(pk=locked.client_id),
                changes={"pet": locked.name, "fields": changed},
            )
    for field in (*PET_FIELDS, *Pet.ARCHIVE_FIELDS):
        setattr(pet, field, getattr(locked, field))
    return locked


@service_action("pet.archive")
def archive_pet(
    pet: Pet,
    *,
    actor,
    reason: str,
    delete_future_services: bool = True,
    note: str = "",
    now: datetime | None = None,
) -> PetArchival:
    """Archive a pet no longer with the family, in one transaction with the
    client's row and then the pet's locked: when ``delete_future_services``,
    its visits still to come (Make Inactive's rule) are deleted where it is
    the only current pet and it is taken off the shared ones; a template
    for it alone is deleted, a shared one loses it (always: a template would
    otherwise make visits for a pet that is gone). Past, canceled and
    completed visits keep it. Nothing is sent to the client. Raises
    PetArchived, changing nothing, when the pet is already archived; Refused
    when ``actor`` may not manage pets; ValidationError for an unknown
    reason or a note over REASON_MAX_LENGTH."""
    policy.require(policy.may_manage_pets, actor)
    if reason not in ArchiveReason.values:
        raise ValidationError(
            {"reason": "Choose why: passed away, rehomed or other."}, code="invalid_choice"
        )
    note = _clean_reason(note, field="note")
    with transaction.atomic():
        # The client's lock first, as every scheduling write takes it: a
        # visit scheduled meanwhile for this pet exists before (and goes)
        # or is refused after.
        client = Client.objects.lock(pet.client_id)
        locked = Pet.objects.lock(pet.pk)
        locked.client = client
        if locked.is_archived:
            raise PetArchived(locked)
        now = now or timezone.now()
        events_removed = events_shared = events_kept = 0
        if delete_future_services:
            events_removed, events_shared = schedule.remove_pet_from_upcoming_visits(
                locked, now=now
            )
        else:
            events_kept = schedule.count_upcoming_visits(locked, now=now)
        templates_removed, templates_shared = schedule.remove_pet_from_templates(locked)
        locked.archived_at = now
        locked.archived_by = actor
        locked.archive_reason = reason
        locked.archive_note = note
        locked.save(update_fields=list(Pet.ARCHIVE_FIELDS))
        activity.record(
            "pet.archived",
            locked,
            actor=actor,
            client=client,
            at=now,
            changes={
                "pet": locked.name,
                "archive_reason": reason,
                "reason_label": ArchiveReason(reason).label,
                "reason": note,
                "delete_future_services": delete_future_services,
                "events_removed": events_removed,
                "events_shared": events_shared,
                "events_kept": events_kept,
                "templates_removed": templates_removed,
                "templates_shared": templates_shared,
            },
        )
    for field in Pet.ARCHIVE_FIELDS:
        setattr(pet, field, getattr(locked, field))
    return PetArchival(
        pet=locked,
        events_removed=events_removed,
        events_shared=events_shared,
        templates_removed=templates_removed,
        templates_shared=templates_shared,
        events_kept=events_kept,
    )


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
