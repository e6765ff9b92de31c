"""``/healthz``: is this app process up and can it reach its database?

For load balancers and uptime monitors. Answered by a middleware placed
first, so it works by the machine's address (no ALLOWED_HOSTS entry), over
plain HTTP (no HTTPS redirect), with no session or sign-in, and costs one
``SELECT 1``. It says "ok" or "unavailable" and nothing else: no versions,
no counts, no error text.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse

logger = logging.getLogger("petcare.health")

PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") != PATH:
            return self.get_response(request)
        return health(request)


def health(request) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        response = _answer("Use GET or HEAD.\n", status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("health check: database unavailable (%s)", type(error).__name__)
        return _answer("unavailable\n", status=503)
    return _answer("ok\n", status=200)


def _answer(text: str, *, status: int) -> HttpResponse:
    # For HEAD the server (gunicorn, runserver) sends the headers only.
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
