"""django-axes glue: whose failures count, and what a locked-out sign-in sees."""

from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render

TOO_MANY_ATTEMPTS = "Too many attempts, try again in 15 minutes."


def username_from_request(request, credentials) -> str | None:
    """The account a failure counts against: the email, lower-cased, from the
    credentials Django passed on, else from the posted form."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else None


def forget_failures(*, username: str) -> None:
    """A successful sign-in clears the failures counted against that account,
    not those of the address it came from."""
    if settings.AXES_ENABLED:
        reset(username=username)


def forget_failures_on_login(sender, request, user, **kwargs) -> None:
    forget_failures(username=user.get_username())


def lockout_response(request, original_response=None, credentials=None):
    """The same answer for every locked-out account, whoever it belongs to:
    it says nothing about whether the account exists or is active."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "too_many_attempts", "message": TOO_MANY_ATTEMPTS}, status=429
        )
    if request.path.startswith("/portal/"):
        template = "portal/login.html"
    else:
        template = "registration/login.html"
    context = {"form": AuthenticationForm(request), "throttled": TOO_MANY_ATTEMPTS}
    return render(request, template, context, status=429)
