"""The emails of the client lifecycle, built when the background task runs
(petcare.mail): from ids, with the database as it is then."""

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from petcare.context_processors import business_details
from petcare.mail import composer
from petcare.tokens import invitation_token


@composer("invitation")
def invitation(*, login_id: int, base_url: str) -> EmailMessage | None:
    """The portal invitation with a fresh one-time link, unless the client
    was made inactive or the login got a password since it was asked for."""
    login = (
        get_user_model()
        .objects.select_related("client")
        .filter(pk=login_id, is_active=True, client__is_active=True)
        .first()
    )
    if login is None or login.has_usable_password():
        return None
    path = reverse(
        "portal:accept_invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(login.pk)),
            "token": invitation_token.make_token(login),
        },
    )
    context = {
        "login": login,
        "client": login.client,
        "link": base_url.rstrip("/") + path,
        "business": business_details(),
    }
    return EmailMessage(
        subject=render_to_string("clients/email/invitation_subject.txt", context).strip(),
        body=render_to_string("clients/email/invitation.txt", context),
        to=[login.email],
    )
