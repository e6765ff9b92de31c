"""Logging glue: what reaches stderr, and how.

Three kinds of line, each one line, key=value, so a log search finds them:

- ``petcare.requests``: one per request (method, path without its query
  string, status, milliseconds, the signed-in user's id);
- ``petcare.services``: one per service action (action, actor id, object,
  outcome: ``ok`` once committed, ``refused`` with the rule's exception, or
  ``failed``);
- ``petcare.tasks``: one per background task run (see petcare.mail).

Ids only: never a name, an email, a note or a query string (a search for a
client's name is personal data too).
"""

import functools
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import empty

request_log = logging.getLogger("petcare.requests")
service_log = logging.getLogger("petcare.services")


class Refusal(Exception):
    """A business rule said no (an inactive client, a duplicate email, ...):
    the app working, not failing. The message is for the person."""


class OneLineRefusals(logging.Filter):
    """A refusal (a 4xx: permission denied, not found, bad request) is logged
    as one line, without the traceback Django attaches to it: it is the app
    working, not failing. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def _ref(obj) -> str:
    """``client:17`` for a model instance, ``-`` for nothing."""
    if obj is None or getattr(obj, "pk", None) is None:
        return "-"
    return f"{obj._meta.model_name}:{obj.pk}"


def _subject(args, kwargs, result):
    """The object a service acted on: its first argument, else its ``client``
    keyword (services that create), else what it returned (or that result's
    ``client``)."""
    for candidate in (args[0] if args else None, kwargs.get("client"), result):
        if getattr(candidate, "_meta", None) is not None:
            return candidate
        if getattr(getattr(candidate, "client", None), "_meta", None) is not None:
            return candidate.client
    return None


def service_action(action: str):
    """Log one line per call of the decorated service: ``action``, the actor's
    id, the object, the outcome and the time it took. ``ok`` is written only
    when the transaction commits (a request that fails later rolls it back,
    and then nothing was done)."""

    def decorate(service):
        @functools.wraps(service)
        def logged(*args, **kwargs):
            actor = getattr(kwargs.get("actor"), "pk", None) or "-"
            started = time.monotonic()

            def line(outcome: str, subject=None, *, ms: float | None = None) -> None:
                if ms is None:
                    ms = (time.monotonic() - started) * 1000
                service_log.info(
                    "action=%s actor=%s object=%s outcome=%s ms=%.1f",
                    action,
                    actor,
                    _ref(subject),
                    outcome,
                    ms,
                )

            try:
                result = service(*args, **kwargs)
            except (Refusal, ValidationError, PermissionDenied) as refusal:
                line(f"refused:{type(refusal).__name__}", _subject(args, kwargs, None))
                raise
            except Exception as error:
                line(f"failed:{type(error).__name__}", _subject(args, kwargs, None))
                raise
            subject = _subject(args, kwargs, result)
            # The service's own time, not the rest of the request before the commit.
            ms = (time.monotonic() - started) * 1000
            transaction.on_commit(lambda: line("ok", subject, ms=ms))
            return result

        return logged

    return decorate


class RequestLogMiddleware:
    """One line per request on ``petcare.requests``. The path is logged
    without its query string, the user as an id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        ms = (time.monotonic() - started) * 1000
        request_log.info(
            "method=%s path=%s status=%s ms=%.1f user=%s",
            request.method,
            _path(request),
            response.status_code,
            ms,
            _user_id(request),
        )
        return response


def _path(request) -> str:
    # A one-time link (password reset, invitation) carries its token in the
    # path: log the route's pattern instead, so the log holds no live link.
    match = getattr(request, "resolver_match", None)
    if match is not None and "token" in match.kwargs:
        return "/" + match.route
    return request.path


def _user_id(request) -> str:
    # Only a user the request already loaded: logging must not cost a query.
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return "-"
    return str(getattr(wrapped, "pk", None) or "-")
