"""Writes a client makes on its own account from the portal."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from clients.models import Client, ClientInactive
from clients.services import DuplicateClientEmail, update_client
from petcare import mail
from petcare.logs import Refusal, service_action


class EmailUnavailable(Refusal):
    """Another client or another login uses this email. Unlike
    DuplicateClientEmail it carries nothing about who: the portal names no one."""


@service_action("client.update_own_details")
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
                mail.send_after_commit(
                    "email_changed",
                    login_id=user.pk,
                    old_email=old_email or "",
                    new_email=new_email,
                )
    return client
