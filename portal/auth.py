"""Signing in to the client portal, passwords and invitations.

The doors of an inactive client: the sign-in says the account is no longer
active only to the right password (every other failure reads and costs the
same), password reset and invitations send nothing and their links do
nothing, and sessions end at the next request (see portal.access).
"""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy

from clients.backends import INACTIVE_CLIENT_FLAG, account_inactive_message
from petcare import mail, rate_limits
from petcare.forms import SignInForm
from petcare.http import ReadOnlyPage, ServedMethodsFirst
from petcare.tokens import invitation_token, password_reset_token, was_valid_before

from .access import INACTIVE_NOTICE, ClientLoginRequiredMixin


class PortalAuthenticationForm(SignInForm):
    """The portal sign-in: refuses staff logins (pointing them to the staff
    sign-in) and tells an inactive client, with the right password only, why."""

    error_messages = {
        **SignInForm.error_messages,
        "invalid_login": "That email and password don't match an account. "
        "Check them and try again, or reset your password.",
        "wrong_door": "This sign-in is for clients. Staff sign in at the staff sign-in.",
    }

    def is_wrong_door(self, user) -> bool:
        return user.client_id is None

    def get_invalid_login_error(self):
        if self.request is not None and getattr(self.request, INACTIVE_CLIENT_FLAG, False):
            return ValidationError(account_inactive_message(), code="inactive")
        return super().get_invalid_login_error()


class PortalLoginView(ServedMethodsFirst, auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    next_page = reverse_lazy("portal:dashboard")

    def get_default_redirect_url(self):
        return str(self.next_page)

    def get_redirect_url(self):
        # Back into the portal only: a client has nothing to do on staff pages.
        url = super().get_redirect_url()
        return url if url.startswith("/portal/") else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Shown once, after a session ended because the client was made inactive.
        if self.request.session.pop(INACTIVE_NOTICE, False):
            context["inactive_notice"] = True
            context["inactive_message"] = account_inactive_message()
        return context


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Checks the old password through authenticate(), so wrong guesses count
    towards django-axes' throttling like any failed sign-in."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.email, password=old_password) is None:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PortalPasswordChangeView(
    ServedMethodsFirst, ClientLoginRequiredMixin, auth_views.PasswordChangeView
):
    template_name = "portal/password_change.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("portal:profile")
    extra_context = {"cancel_url": reverse_lazy("portal:profile")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        # The new password also ends the login's app tokens (api.tokens).
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        return response


class ActiveClientPasswordResetForm(PasswordResetForm):
    """Sends a link only to the login of an active client; for an inactive
    client, a staff login or an unknown email it sends nothing, and the page
    that follows is the same."""

    def get_users(self, email):
        # One query, the client joined: the cost is the same for every email.
        User = get_user_model()
        return (
            user
            for user in User._default_manager.select_related("client").filter(
                email=User.objects.normalize_email(email),
                is_active=True,
                client__isnull=False,
                client__is_active=True,
            )
            if user.has_usable_password()
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # A background task builds and sends it (portal.emails), with a link
        # made when it runs: the queue holds the login's id, not the link.
        mail.send_after_commit(
            "password_reset",
            login_id=context["user"].pk,
            base_url=f"{context['protocol']}://{context['domain']}",
        )


class PortalPasswordResetView(ServedMethodsFirst, auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    form_class = ActiveClientPasswordResetForm
    token_generator = password_reset_token
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        """Send, unless this account or this address has asked too often
        (rate_limits.RESET_PER_ACCOUNT, RESET_PER_ADDRESS): then nothing is
        sent, and the page that follows is the same, so it tells nobody
        anything."""
        address = get_client_ip_address(self.request) or "unknown"
        if rate_limits.allow(
            (rate_limits.RESET_PER_ACCOUNT, form.cleaned_data["email"]),
            (rate_limits.RESET_PER_ADDRESS, address),
        ):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PortalPasswordResetDoneView(ReadOnlyPage, auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class LinkPageMixin:
    """A page opened from a one-time link: when the link doesn't work, the
    title says which link (Django's says "Password reset unsuccessful", even
    for an invitation)."""

    invalid_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["validlink"]:
            context["title"] = self.invalid_title
        return context


class PortalPasswordResetConfirmView(
    ServedMethodsFirst, LinkPageMixin, auth_views.PasswordResetConfirmView
):
    template_name = "portal/password_set.html"
    token_generator = password_reset_token
    success_url = reverse_lazy("portal:password_reset_complete")
    extra_context = {"title": "Choose a new password"}
    invalid_title = "This password link doesn't work"

    def get_user(self, uidb64):
        # A client made inactive after the link was sent no longer matches the
        # token (its epoch moved); this also keeps staff resets off the portal.
        user = super().get_user(uidb64)
        return user if user is not None and _is_active_client_login(user) else None


class PortalPasswordResetCompleteView(ReadOnlyPage, auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


class AcceptInvitationView(ServedMethodsFirst, LinkPageMixin, auth_views.PasswordResetConfirmView):
    """The link of an invitation: choose a password, then sign in. For a
    client made inactive since, it does nothing but say so."""

    template_name = "portal/password_set.html"
    token_generator = invitation_token
    form_class = SetPasswordForm
    success_url = reverse_lazy("portal:login")
    reset_url_token = "set-password"
    extra_context = {"title": "Welcome! Choose a password", "invitation": True}
    invalid_title = "This invitation link doesn't work"

    def dispatch(self, *args, **kwargs):
        user = self.get_user(kwargs["uidb64"])
        token = kwargs["token"]
        if token == self.reset_url_token:
            token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        if (
            user is not None
            and user.client is not None
            and not user.client.is_active
            and was_valid_before(self.token_generator, user, token)
        ):
            return render(
                self.request,
                "portal/invitation_inactive.html",
                {"inactive_message": account_inactive_message()},
                status=403,
            )
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in to see your visits.")
        return response


def _is_active_client_login(user) -> bool:
    return user.client_id is not None and user.client.is_active
