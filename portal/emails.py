"""The portal's emails, built when the background task runs (petcare.mail)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from petcare.mail import composer
from petcare.tokens import password_reset_token


@composer("password_reset")
def password_reset(*, login_id: int, base_url: str) -> EmailMessage | None:
    """A fresh reset link, unless the login's client was made inactive (or
    the login lost its password) since it was asked for."""
    user = (
        get_user_model()
        .objects.select_related("client")
        .filter(pk=login_id, is_active=True, client__is_active=True)
        .first()
    )
    if user is None or not user.has_usable_password():
        return None
    protocol, _, domain = base_url.rstrip("/").partition("://")
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": password_reset_token.make_token(user),
        "protocol": protocol,
        "domain": domain,
        "business_name": settings.BUSINESS_NAME,
    }
    return EmailMessage(
        subject=render_to_string("portal/email/password_reset_subject.txt", context).strip(),
        body=render_to_string("portal/email/password_reset.txt", context),
        to=[user.email],
    )


@composer("email_changed")
def email_changed(*, login_id: int, old_email: str, new_email: str) -> EmailMessage | None:
    """Tell the old address that the sign-in email changed (a hijacked
    session can't move an account away unnoticed). Sent whatever happened
    since: it is about the past."""
    if not old_email:
        return None
    name = settings.BUSINESS_NAME
    return EmailMessage(
        subject=f"Your {name} sign-in email was changed",
        body=(
            f"The email you sign in to the {name} client portal with "
            f"was changed to {new_email}.\n\nIf you didn't do this, contact us right away at "
            f"{settings.BUSINESS_PHONE} or {settings.BUSINESS_EMAIL}.\n\n{name}\n"
        ),
        to=[old_email],
    )
