"""The client app's JSON API, under /api/app/v1/ (django-ninja).

The app signs in with email and password for a bearer token
(clients.api_tokens) and sends it as ``Authorization: Bearer <token>``. No
cookie authenticates anything here, which is why the API is CSRF-exempt.
Every answer that is not a success is JSON with a stable ``detail`` code and
a ``message`` for people, 404 and 405 included.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.log import log_response
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import HttpBearer

from petcare.throttling import forget_failures, lockout_response
from scheduling.selectors import client_visits_for_portal, requestable_service_types
from scheduling.services import ClientInactive, request_visit

from .api_schemas import (
    Credentials,
    Error,
    EventOut,
    IssuedTokenOut,
    MeOut,
    VisitRequestIn,
)
from .api_tokens import ClientNotActive, issue_token, revoke_token, verify_token
from .backends import INACTIVE_CLIENT_FLAG
from .portal_auth import inactive_message

INVALID_CREDENTIALS = (
    "That email and password don't match an account. "
    "Check them and try again, or reset your password."
)
NOT_A_CLIENT = "This app is for clients. Staff sign in on the website."
SIGN_IN_AGAIN = "Your sign-in has ended. Sign in again."
NOT_SIGNED_IN = "Send your token as 'Authorization: Bearer <token>'."

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
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


class AppToken(HttpBearer):
    """A usable token of an active client's login; ``request.auth`` is the
    ApiToken, ``request.user`` its login (whatever a cookie might say)."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = verify_token(token)
        if api_token is None:
            raise ApiError(
                401,
                "invalid_token",
                SIGN_IN_AGAIN,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        request.user = api_token.user
        return api_token


class AppApi(NinjaAPI):
    def _get_urls(self):
        # ninja answers a wrong method with a plain-text 405, and URLs that
        # match none of its routes fall through to the site's HTML 404: wrap
        # every route, and end the list with a JSON 404.
        urls = [
            URLPattern(url.pattern, _json_errors(url.callback), url.default_args, url.name)
            for url in super()._get_urls()
        ]
        urls.append(re_path(r"", _json_errors(_not_found), name="not-found"))
        return urls


app_api = AppApi(
    title=f"{settings.BUSINESS_NAME} app API",
    version="1",
    description=(
        "Sign in with `POST auth/token` for a token, then send it as "
        "`Authorization: Bearer <token>`. Errors are JSON: `detail` is a stable "
        "code, `message` a sentence for people."
    ),
    urls_namespace="app_api",
    auth=AppToken(),
)


def error_response(
    request, status: int, detail: str, message: str, *, errors=None, headers=None
) -> HttpResponse:
    body = {"detail": detail, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = app_api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _json_errors(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = _not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            response = error_response(
                request,
                405,
                "method_not_allowed",
                f"{request.method} is not allowed here.",
                headers={"Allow": response["Allow"]},
            )
        if not response.has_header("Cache-Control"):
            # Tokens and a client's own data: never kept by a cache.
            patch_cache_control(response, private=True, no_store=True)
        return response

    # Bearer tokens only, no cookies: nothing for CSRF to protect.
    wrapper.csrf_exempt = True
    return wrapper


def _not_found(request, *args, **kwargs) -> HttpResponse:
    return error_response(request, 404, "not_found", "There is nothing at this address.")


# Errors ------------------------------------------------------------------


@app_api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(
        request, exc.status, exc.detail, exc.message, errors=exc.errors, headers=exc.headers
    )


@app_api.exception_handler(RequestValidationError)
def _request_validation_error(request, exc: RequestValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        source, *location = error["loc"]
        if source == "body":
            location = location[1:]  # the view's argument name, not the app's
        field = ".".join(str(part) for part in location) or "non_field_errors"
        errors.setdefault(field, []).append(error["msg"])
    return error_response(
        request, 422, "validation_error", "Some fields are missing or not valid.", errors=errors
    )


@app_api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc: AuthenticationError):
    return error_response(
        request,
        401,
        "not_authenticated",
        NOT_SIGNED_IN,
        headers={"WWW-Authenticate": "Bearer"},
    )


@app_api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # ninja's own refusals. It raises HttpError(400) from the JSON decoder's
    # error for a body that is not JSON.
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        return error_response(request, 400, "malformed_json", "The request body is not valid JSON.")
    detail = HTTP_ERROR_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, detail, str(exc))


@app_api.exception_handler(Http404)
def _http_404(request, exc: Http404):
    return _not_found(request)


@app_api.exception_handler(PermissionDenied)
def _permission_denied(request, exc: PermissionDenied):
    return error_response(request, 403, "forbidden", "You may not do this.")


@app_api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc: SuspiciousOperation):
    # As Django itself does (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, ...).
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    return error_response(request, 400, "bad_request", "The request could not be read.")


@app_api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    # What Django does for an unhandled exception (error reporting listens to
    # the signal), but answered in JSON.
    got_request_exception.send(sender=None, request=request)
    response = error_response(
        request, 500, "server_error", "Something went wrong on our side. Try again later."
    )
    log_response(
        "Internal Server Error: %s", request.path, response=response, request=request, exception=exc
    )
    return response


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    return {API_FIELD_NAMES.get(field, field): msgs for field, msgs in error.message_dict.items()}


# Signing in and out --------------------------------------------------------


@app_api.post(
    "/auth/token",
    auth=None,
    response={200: IssuedTokenOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Sign in: email and password for a token",
    description=(
        "401 `invalid_credentials` for any wrong email or password; 403 "
        "`account_inactive` when the client is no longer active; 403 "
        "`not_a_client` for a staff login; 429 `too_many_attempts` after 5 "
        "failures in 15 minutes (per account and per address)."
    ),
    tags=["auth"],
)
def sign_in(request, credentials: Credentials):
    # django-axes (first backend) refuses a throttled sign-in before any hash;
    # the client-aware backend refuses an inactive client's login and flags
    # the request only when the password was right.
    user = authenticate(request, username=credentials.email, password=credentials.password)
    if getattr(request, "axes_locked_out", False):
        return lockout_response(request)
    if user is None:
        if getattr(request, INACTIVE_CLIENT_FLAG, False):
            raise ApiError(403, "account_inactive", inactive_message())
        raise ApiError(401, "invalid_credentials", INVALID_CREDENTIALS)
    if user.client_id is None:
        raise ApiError(403, "not_a_client", NOT_A_CLIENT)
    try:
        issued = issue_token(user)
    except ClientNotActive:
        # Made inactive between the password check and now.
        raise ApiError(403, "account_inactive", inactive_message()) from None
    _forget_failed_attempts(request, user)
    return issued


def _forget_failed_attempts(request, user) -> None:
    """What a successful sign-in does on the other doors (the app gets a
    token, not a session, so Django's login() is not used here): clear the
    account's failures, not the address's."""
    forget_failures(username=user.get_username())


@app_api.post(
    "/auth/logout",
    response={204: None, 401: Error},
    summary="Sign out: the token used stops working",
    tags=["auth"],
)
def sign_out(request):
    revoke_token(request.auth)
    return Status(204, None)


# The client's own data -----------------------------------------------------


@app_api.get("/me", response={200: MeOut, 401: Error}, summary="The login, its client and pets")
def me(request):
    user = request.auth.user
    client = user.client
    return {"user": user, "client": client, "pets": client.pets.all()}


@app_api.get(
    "/events/upcoming",
    response={200: list[EventOut], 401: Error},
    summary="The client's visits still to come, soonest first",
    tags=["events"],
)
def upcoming_events(request):
    return client_visits_for_portal(client=request.auth.user.client, now=timezone.now())


@app_api.post(
    "/events/requests",
    response={201: EventOut, 400: Error, 401: Error, 403: Error, 422: Error},
    summary="Request a visit; staff confirm it",
    description=(
        "Creates a `requested` visit. 400 `validation_error` with messages per "
        "field when the time is past or outside opening hours, a pet is not "
        "the client's, or the service is not offered."
    ),
    tags=["events"],
)
def request_service(request, visit: VisitRequestIn):
    client = request.auth.user.client
    service_type = requestable_service_types().filter(pk=visit.service_type_id).first()
    if service_type is None:
        raise ApiError(
            400,
            "validation_error",
            "The request could not be accepted.",
            errors={"service_type_id": ["Choose one of the services we offer."]},
        )
    try:
        event = request_visit(
            client,
            service_type=service_type,
            pets=visit.pet_ids,
            starts_at=visit.starts_at,
            note=visit.note,
        )
    except ValidationError as error:
        raise ApiError(
            400,
            "validation_error",
            "The request could not be accepted.",
            errors=_field_errors(error),
        ) from None
    except ClientInactive:
        raise ApiError(403, "account_inactive", inactive_message()) from None
    return Status(201, event)
