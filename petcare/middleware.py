from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
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
            login_url = resolve_url(settings.LOGIN_URL)
            if urlsplit(response["Location"]).path == login_url:
                # Back to the page the person was on, not to the URL of the
                # fragment htmx was fetching.
                back_to = htmx.current_url_abs_path or request.get_full_path()
                redirect = HttpResponse(status=204)
                redirect["HX-Redirect"] = redirect_to_login(back_to).url
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
