"""What every app's views answer with: a confirmation as a dialog or a page,
the way back after an action, a 404 for an id that isn't there."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

# The element of every staff page that htmx fills with a dialog.
DIALOG_SLOT = "#dialog-slot"
# The partial of a confirmation template that the dialog (and its page) show.
DIALOG_BODY = "dialog-body"


def get_or_404(getter, **lookup):
    """``getter(**lookup)`` (a selector), or a 404 when there is no such row."""
    try:
        return getter(**lookup)
    except ObjectDoesNotExist:
        raise Http404("Not found.") from None


def render_dialog(
    request, template: str, context: dict, *, status: int = 200, role: str = "dialog"
) -> HttpResponse:
    """A confirmation or a refusal: for htmx, the template's ``dialog-body``
    partial inside the one ``<dialog>`` of partials/dialog.html, swapped into
    the page's dialog slot whatever element asked; without JavaScript, the
    template as a page of its own."""
    if not getattr(request, "htmx", False):
        return render(request, template, context, status=status)
    dialog = {**context, "dialog_body": f"{template}#{DIALOG_BODY}", "dialog_role": role}
    response = render(request, "partials/dialog.html", dialog, status=status)
    return reswap(retarget(response, DIALOG_SLOT), "innerHTML")


def next_url(request, fallback: str) -> str:
    """Where to go after an action: the page it was started from (``next``,
    same site only), else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def done(request, url: str) -> HttpResponse:
    """After an action from a dialog, htmx loads the page anew (with the
    message); a plain browser is redirected (post/redirect/get). ``url`` has
    no #fragment: htmx's redirect to the page it is on must reload it, and
    the message shows at the top."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class ServedMethodsFirst:
    """A class-based view that answers a method it doesn't serve with 405
    before anything else: before the sign-in check, the one-time link's
    check, or Django's form views, which take a PUT for a POST."""

    http_method_names = ["get", "head", "post", "options"]

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class ReadOnlyPage(ServedMethodsFirst):
    """A page that only shows: GET and HEAD (and OPTIONS)."""

    http_method_names = ["get", "head", "options"]
