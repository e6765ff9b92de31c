from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control


class HtmxLoginRedirectMiddleware:
    """Send htmx requests of an ended session to the sign-in page as a whole page.

    Without this the XHR would follow the redirect and swap a sign-in form into
    a dialog.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        htmx = getattr(request, "htmx", False)
        if htmx and response.status_code == 302:
            login_url = urlsplit(response["Location"]).path
            if login_url in {resolve_url(settings.LOGIN_URL), reverse("portal:login")}:
                # Back to the page the person was on, not to the URL of the
                # fragment htmx was fetching.
                back_to = htmx.current_url_abs_path or request.get_full_path()
                redirect = HttpResponse(status=204)
                redirect["HX-Redirect"] = redirect_to_login(back_to, login_url).url
                return redirect
        return response


class NoStoreHtmlMiddleware:
    """Keep HTML out of every cache: each page carries a one-time CSP nonce
    (and, for staff, client data), so a cached copy must never be served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class AtomicWritesMiddleware:
    """Every request that may write (not GET, HEAD, OPTIONS or TRACE) is one
    transaction, session and messages included: when it ends in a server
    error, wherever the error happened (in a service, or while rendering
    after it), everything it did is rolled back, so the error page's
    "nothing was changed" is true. Reads run outside any transaction, as
    before, and keep SQLite's readers from queueing for its write lock."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.SAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers of GET and no body, as HTTP says. Django
    renders the page for HEAD as for GET, and gunicorn would otherwise drop
    the body with a warning in the log at every uptime check. The length is
    kept: it is the length a GET would get."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response
