"""Writes a client makes on its own account from the portal."""

from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from clients.models import Client, ClientInactive
from clients.services import DuplicateClientEmail, update_client


class EmailUnavailable(Exception):
    """Another client or another login uses this email. Unlike
    DuplicateClientEmail it carries nothing about who: the portal names no one."""


def update_own_details(user, **changes) -> Client:
    """A client edits its own contact details (update_client's fields). When
    the email changes and the acting login signs in with the client's email
    (or the client had none), that login follows it, its app tokens stop
    working, and the old address is told, once the transaction commits
    (the portal's form asks for the current password first). Another login of
    the household keeps its own. An email used by another client, or by a
    login that isn't this client's, is refused with EmailUnavailable; an
    inactive client with ClientInactive."""
    User = get_user_model()
    with transaction.atomic():
        client = Client.objects.lock(user.client_id)
        if not client.is_active:
            raise ClientInactive(client)
        old_email = client.email
        new_email = (changes.get("email", old_email) or "").strip().lower()
        email_changes = bool(new_email) and new_email != old_email
        login_owner = None
        if email_changes:
            login_owner = User.objects.filter(email=new_email).only("pk", "client_id").first()
            if login_owner is not None and login_owner.client_id != client.pk:
                raise EmailUnavailable
        following = User.objects.filter(pk=user.pk, client=client, email=old_email or user.email)
        try:
            client = update_client(client, actor=user, **changes)
        except DuplicateClientEmail:
            raise EmailUnavailable from None
        # When one of this client's logins already signs in with the new
        # email, the others keep theirs (a login's email is unique).
        if email_changes and login_owner is None:
            try:
                with transaction.atomic():
                    moved = following.update(email=new_email)
            except IntegrityError:  # taken by a login created meanwhile
                raise EmailUnavailable from None
            if moved:
                # The new sign-in email also ends the login's app tokens
                # (api.tokens binds them to it).
                user.email = new_email
                transaction.on_commit(
                    partial(_tell_old_address, old_email=old_email or "", new_email=new_email)
                )
    return client


def _tell_old_address(*, old_email: str, new_email: str) -> None:
    """Tell the old address that the sign-in email changed (a hijacked
    session can't move an account away unnoticed)."""
    if not old_email:
        return
    send_mail(
        subject=f"Your {settings.BUSINESS_NAME} sign-in email was changed",
        message=(
            f"The email you sign in to the {settings.BUSINESS_NAME} client portal with "
            f"was changed to {new_email}.\n\nIf you didn't do this, contact us right away at "
            f"{settings.BUSINESS_PHONE} or {settings.BUSINESS_EMAIL}.\n\n{settings.BUSINESS_NAME}\n"
        ),
        from_email=None,
        recipient_list=[old_email],
    )
