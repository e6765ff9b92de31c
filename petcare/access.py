"""Who may open a staff page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class ClientLoginOnStaffPage(PermissionDenied):
    """A signed-in client reached a staff page; the 403 page links to the portal."""


def staff_member_required(view):
    """Anonymous visitors go to the staff sign-in; client logins get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.client_id is not None:
            raise ClientLoginOnStaffPage("This page is for the business's staff.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
