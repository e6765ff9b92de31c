"""How the app API refuses: always JSON, with a stable ``detail`` code and a
``message`` for people, whatever went wrong (404 and 405 included)."""

import json
import logging
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.log import log_response
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

from .schemas import NO_NUL, NUL_REFUSED, Error

NOT_SIGNED_IN = "Send your token as 'Authorization: Bearer <token>'."

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

# The names the app knows for the fields a service refuses.
API_FIELD_NAMES = {
    "service_type": "service_type_id",
    "pets": "pet_ids",
    "__all__": "non_field_errors",
}


class ApiError(Exception):
    """A refusal with its status, stable code and message."""

    def __init__(self, status: int, detail: str, message: str, *, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.message = message
        self.errors = errors
        self.headers = headers or {}


class JsonBody(Parser):
    """A request body is JSON, sent as ``application/json``: any other media
    type is refused (415) before anyone reads it, as a form or otherwise.
    ninja calls this only for an operation that takes a body, and only when
    one was sent."""

    def parse_body(self, request):
        if request.content_type.lower() != "application/json":
            raise ApiError(
                415,
                "unsupported_media_type",
                "Send the body as JSON, with 'Content-Type: application/json'.",
            )
        try:
            return json.loads(request.body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
            raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None


# What each refusal means, by status, with the detail codes it carries: the
# OpenAPI schema documents every one for every operation that can answer it.
SIGNED_IN = {
    401: "`not_authenticated`: no bearer token was sent. `invalid_token`: the token is "
    "unknown, expired or signed out, or its sign-in has ended (the client was made "
    "inactive, or the login's password or email changed).",
}
JSON_BODY = {
    400: "`malformed_json`: the body is not valid JSON. `bad_request`: the body "
    "could not be read (too large).",
    415: "`unsupported_media_type`: the body was not sent as `application/json`.",
    422: "`validation_error`: a field is missing, of the wrong type, out of range, "
    "too long or holds a NUL character; `errors` has the messages per field.",
}
SERVER_ERROR = {500: "`server_error`: something went wrong on our side."}


def documented(answers: dict[int, Any], refusals: dict[int, str]) -> dict[str, Any]:
    """A route's ``response`` and ``openapi_extra``: its answers, and each
    refusal as an ``Error`` described by the detail codes it carries."""
    refusals = dict(sorted({**refusals, **SERVER_ERROR}.items()))
    return {
        "response": {**answers, **dict.fromkeys(refusals, Error)},
        "openapi_extra": {
            "responses": {status: {"description": text} for status, text in refusals.items()}
        },
    }


def error_response(
    status: int, detail: str, message: str, *, errors=None, headers=None
) -> HttpResponse:
    body = {"detail": detail, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as messages per field, in the app's field names."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    return {API_FIELD_NAMES.get(field, field): msgs for field, msgs in error.message_dict.items()}


def not_found(request, *args, **kwargs) -> HttpResponse:
    return error_response(404, "not_found", "There is nothing at this address.")


def json_errors(view, *, read_only: bool = False):
    """Wrap a route of the API: a 404 or a wrong method answers in JSON,
    HEAD is answered wherever GET is, and nothing is kept by a cache (tokens
    and a client's own data). HEAD gets GET's answer here; the project's
    ``HeadWithoutBodyMiddleware`` then drops the body and keeps its length
    (dropping it here too would leave that middleware a length of 0).
    ``read_only`` views (the schema, its docs page) answer GET and HEAD only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        method = request.method
        if read_only and method not in ("GET", "HEAD"):
            response = HttpResponseNotAllowed(["GET"])
        else:
            if method == "HEAD":
                request.method = "GET"
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = not_found(request)
            finally:
                request.method = method
        if isinstance(response, HttpResponseNotAllowed):
            allowed = [name.strip() for name in response["Allow"].split(",")]
            if "GET" in allowed and "HEAD" not in allowed:
                allowed.append("HEAD")
            response = error_response(
                405,
                "method_not_allowed",
                f"{method} is not allowed here.",
                headers={"Allow": ", ".join(allowed)},
            )
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    # Bearer tokens only, no cookies: nothing for CSRF to protect.
    wrapper.csrf_exempt = True
    return wrapper


def install_error_handlers(api: NinjaAPI) -> None:
    """Every exception a route can raise, answered in JSON."""

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return error_response(
            exc.status, exc.detail, exc.message, errors=exc.errors, headers=exc.headers
        )

    @api.exception_handler(RequestValidationError)
    def _request_validation_error(request, exc: RequestValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            source, *location = error["loc"]
            if source == "body":
                location = location[1:]  # the view's argument name, not the app's
            field = ".".join(str(part) for part in location) or "non_field_errors"
            errors.setdefault(field, []).append(_message(error))
        return error_response(
            422, "validation_error", "Some fields are missing or not valid.", errors=errors
        )

    @api.exception_handler(AuthenticationError)
    def _not_authenticated(request, exc: AuthenticationError):
        return error_response(
            401, "not_authenticated", NOT_SIGNED_IN, headers={"WWW-Authenticate": "Bearer"}
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        # ninja's own refusals. It raises HttpError(400) from whatever the
        # parser raised: our parser's refusals are ApiErrors.
        if isinstance(exc.__cause__, ApiError):
            return _api_error(request, exc.__cause__)
        detail = HTTP_ERROR_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, detail, str(exc))

    @api.exception_handler(Http404)
    def _http_404(request, exc: Http404):
        return not_found(request)

    @api.exception_handler(PermissionDenied)
    def _permission_denied(request, exc: PermissionDenied):
        return error_response(403, "forbidden", "You may not do this.")

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request, exc: SuspiciousOperation):
        # As Django itself does (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, ...).
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        return error_response(400, "bad_request", "The request could not be read.")

    @api.exception_handler(Exception)
    def _server_error(request, exc: Exception):
        # What Django does for an unhandled exception (error reporting listens
        # to the signal), but answered in JSON.
        got_request_exception.send(sender=None, request=request)
        response = error_response(
            500, "server_error", "Something went wrong on our side. Try again later."
        )
        log_response(
            "Internal Server Error: %s",
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
        return response


def _message(error: dict) -> str:
    """pydantic's message for a field, in words for people where it names a rule of ours."""
    if (
        error.get("type") == "string_pattern_mismatch"
        and error.get("ctx", {}).get("pattern") == NO_NUL
    ):
        return NUL_REFUSED
    return error["msg"]
