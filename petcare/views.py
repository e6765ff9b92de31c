from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from . import policy
from .access import ClientLoginOnStaffPage, StaffLoginOnPortalPage
from .forms import SignInForm
from .http import ServedMethodsFirst, render_dialog


class StaffAuthenticationForm(SignInForm):
    """The staff sign-in: refuses client logins, pointing them to the portal."""

    error_messages = {
        **SignInForm.error_messages,
        "invalid_login": "That email and password don't match a staff account. "
        "Check them and try again.",
        "wrong_door": "This sign-in is for the business's staff. "
        "Clients sign in at the client portal.",
    }

    def is_wrong_door(self, user) -> bool:
        return user.client_id is not None


class StaffLoginView(ServedMethodsFirst, auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = False


class StaffLogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


@require_safe
def home(request):
    return redirect("clients:list")


ERRORS = {
    400: (
        "Something in that request wasn't right",
        "The page got data it couldn't use, so nothing was changed. Go back and try again.",
    ),
    403: (
        "You don't have access to this",
        "Your account isn't allowed to do that, so nothing was changed. "
        "Ask an admin or office manager if you need it.",
    ),
    # A page only looked at: nothing could have changed, so it doesn't say so.
    "403-page": (
        "You don't have access to this page",
        "Your account isn't allowed to see it. Ask an admin or office manager if you need it.",
    ),
    404: (
        "We couldn't find that page",
        "The client or page may have moved, or the link is mistyped. "
        "Find it again from the client list.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this, and nothing was changed. Try again in a minute; "
        "if it keeps happening, tell your Petcare admin.",
    ),
    "csrf": (
        "This form has expired",
        "For your security, forms stop working after a while or after you sign in again. "
        "Nothing was changed: reload the page and try again.",
    ),
}


def _layout(request) -> str:
    """The layout of whoever sees the error: staff get their sidebar, a
    client the portal's bar, anyone else a card of its own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "auth_page.html"
    return "portal/base.html" if user.client_id is not None else "staff_base.html"


def _next_steps(request) -> list[tuple[str, str]]:
    """Where to go from an error page: the person's own starting points."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if user.client_id is not None:
        return [("Go to My visits", reverse("portal:dashboard"))]
    return [
        ("Go to the client list", reverse("clients:list")),
        ("Open the schedule", reverse("scheduling:schedule")),
    ]


def _error_page(request, status: int, key=None, **context):
    """Our own error page, in the person's layout; for htmx, the same words
    as a dialog of its own, whatever element asked."""
    title, message = ERRORS[key or status]
    context = {"title": title, "message": message, **context}
    try:
        page = {"layout": _layout(request), "next_steps": _next_steps(request)}
        response = render_dialog(
            request, "error.html", {**context, **page}, status=status, role="alertdialog"
        )
    except Exception:
        if status != 500:
            raise
        # The 500 page must show even when what broke (the database, say)
        # is what the layout needs to know who is signed in.
        response = render_dialog(
            request,
            "error.html",
            {**context, "layout": "auth_page.html"},
            status=status,
            role="alertdialog",
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


@requires_csrf_token
def bad_request(request, exception=None):
    return _error_page(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    is_client = bool(user and user.is_authenticated and user.client_id is not None)
    return _error_page(
        request,
        403,
        key=403 if request.method not in ("GET", "HEAD") else "403-page",
        client_on_staff_page=isinstance(exception, ClientLoginOnStaffPage)
        or (is_client and not request.path.startswith("/portal/")),
        staff_on_portal_page=isinstance(exception, StaffLoginOnPortalPage),
        show_signin=not (user and user.is_authenticated),
        # The policy's own words: who may do it.
        who_may=str(exception) if isinstance(exception, policy.Refused) else "",
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    user = getattr(request, "user", None)
    return _error_page(request, 404, show_signin=not (user and user.is_authenticated))


@requires_csrf_token
def server_error(request):
    return _error_page(request, 500)


def csrf_failure(request, reason=""):
    return _error_page(request, 403, key="csrf")
