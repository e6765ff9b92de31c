"""Who may open a staff page: signed-in staff that the view's policy rule allows."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from . import policy


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class ClientLoginOnStaffPage(PermissionDenied):
    """A signed-in client reached a staff page; the 403 page links to the portal."""


class StaffLoginOnPortalPage(PermissionDenied):
    """A signed-in staff member reached a portal page; the 403 page links to the staff sign-in."""


def staff_view(rule: policy.Rule):
    """A staff page that ``rule`` (of petcare.policy) allows: anonymous
    visitors go to the staff sign-in, client logins get a 403 that links to
    the portal, staff whom the rule refuses a 403 that says who may."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.client_id is not None:
                raise ClientLoginOnStaffPage("This page is for the business's staff.")
            policy.require(rule, request.user)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
