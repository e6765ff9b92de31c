"""The one authentication backend that checks credentials.

A client login may authenticate only while its client is active; staff
logins (no client) are not affected. Django asks ``user_can_authenticate``
at sign-in and, through ``get_user``, on every request of a session, so the
two always agree.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# Set on the request when the password was right but the client is inactive:
# the one case whose sign-in message differs (never its cost or status), and
# which the throttle doesn't count.
from petcare.throttling import INACTIVE_CLIENT_FLAG


def account_inactive_message() -> str:
    """What an inactive client's login is told at every door (portal, app,
    invitation link): the account is no longer active, and whom to contact."""
    return (
        "Your account is no longer active. To use the portal again, contact "
        f"{settings.BUSINESS_NAME} at {settings.BUSINESS_PHONE} or {settings.BUSINESS_EMAIL}."
    )


class ClientAwareBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return user.client_id is None or user.client.is_active

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.select_related("client").get(
                email=User.objects.normalize_email(username)
            )
        except User.DoesNotExist:
            # Hash anyway, so an unknown email costs what a wrong password does.
            User().set_password(password)
            return None
        # Exactly one password hash whatever the outcome.
        if not user.check_password(password):
            return None
        if self.user_can_authenticate(user):
            return user
        if request is not None and user.is_active and user.client_id is not None:
            setattr(request, INACTIVE_CLIENT_FLAG, True)
        return None

    def get_user(self, user_id):
        # The client comes in the same query: the lock-out check of a client's
        # request costs no extra query, a staff request none either.
        User = get_user_model()
        try:
            user = User._default_manager.select_related("client").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
