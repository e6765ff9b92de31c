"""Who may open a portal page: a signed-in client's login."""

from functools import wraps

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from petcare.access import StaffLoginOnPortalPage


def client_login_required(view):
    """Portal pages: anonymous visitors go to the portal sign-in (with the
    inactive message when their session belonged to a client made inactive);
    staff logins get a 403 that links to the staff sign-in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.session.get(SESSION_KEY) is not None and _session_user_is_inactive_client(
                request
            ):
                request.session.flush()
                request.session[INACTIVE_NOTICE] = True
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if user.client_id is None:
            raise StaffLoginOnPortalPage("The client portal is for clients.")
        return view(request, *args, **kwargs)

    return wrapper


# Set in the session when a signed-in client's client was made inactive, so
# the portal's sign-in page can say why the client was signed out.
INACTIVE_NOTICE = "petcare_inactive_notice"


def _session_user_is_inactive_client(request) -> bool:
    """Only on the refused path: the session names a login the backend no
    longer accepts; say "inactive" only when that is the reason."""
    User = get_user_model()
    return User.objects.filter(
        pk=request.session[SESSION_KEY], client__isnull=False, client__is_active=False
    ).exists()


class ClientLoginRequiredMixin:
    """client_login_required for a class-based view (after ServedMethodsFirst,
    when both are used, so a method the page doesn't serve is a 405 first)."""

    def dispatch(self, request, *args, **kwargs):
        return client_login_required(super().dispatch)(request, *args, **kwargs)
