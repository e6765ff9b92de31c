"""The client app's JSON API, under /api/app/v1/ (django-ninja).

The app signs in with email and password for a bearer token (api.tokens)
and sends it as ``Authorization: Bearer <token>``. No cookie authenticates
anything here, which is why the API is CSRF-exempt. Every answer that is not
a success is JSON with a stable ``detail`` code and a ``message`` for people
(api.errors).
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import URLPattern, re_path
from django.utils import timezone
from ninja import NinjaAPI, Status
from ninja.security import HttpBearer

from clients.backends import INACTIVE_CLIENT_FLAG, account_inactive_message
from clients.models import ClientInactive
from petcare.throttling import forget_failures, lockout_response
from scheduling.selectors import client_visits_for_portal, requestable_service_types
from scheduling.services.visits import request_visit

from .errors import (
    JSON_BODY,
    SIGNED_IN,
    ApiError,
    JsonBody,
    documented,
    field_errors,
    install_error_handlers,
    json_errors,
    not_found,
)
from .schemas import (
    Credentials,
    EventOut,
    IssuedTokenOut,
    MeOut,
    VisitRequestIn,
)
from .tokens import ClientNotActive, issue_token, revoke_token, verify_token

INVALID_CREDENTIALS = (
    "That email and password don't match an account. "
    "Check them and try again, or reset your password."
)
NOT_A_CLIENT = "This app is for clients. Staff sign in on the website."
SIGN_IN_AGAIN = "Your sign-in has ended. Sign in again."


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


# ninja's own pages: the schema and its docs page.
READ_ONLY_VIEWS = {"openapi-json", "openapi-view"}


class AppApi(NinjaAPI):
    def _get_urls(self):
        # ninja answers a wrong method with a plain-text 405 (and HEAD with a
        # 405 too), and URLs that match none of its routes fall through to
        # the site's HTML 404: wrap every route, and end the list with a JSON 404.
        urls = [
            URLPattern(
                url.pattern,
                json_errors(url.callback, read_only=url.name in READ_ONLY_VIEWS),
                url.default_args,
                url.name,
            )
            for url in super()._get_urls()
        ]
        urls.append(re_path(r"", json_errors(not_found), name="not-found"))
        return urls


app_api = AppApi(
    title=f"{settings.BUSINESS_NAME} app API",
    version="1",
    description=(
        "Sign in with `POST auth/token` for a token, then send it as "
        "`Authorization: Bearer <token>`. Bodies are JSON (`application/json`). "
        "Errors are JSON: `detail` is a stable code, `message` a sentence for "
        "people; each response below says which codes it carries. Any address "
        "that is not an operation answers 404 `not_found`, a method an address "
        "does not take 405 `method_not_allowed`; HEAD is answered wherever GET is."
    ),
    urls_namespace="app_api",
    auth=AppToken(),
    parser=JsonBody(),
)
install_error_handlers(app_api)


# Signing in and out --------------------------------------------------------


@app_api.post(
    "/auth/token",
    auth=None,
    **documented(
        {200: IssuedTokenOut},
        {
            **JSON_BODY,
            401: "`invalid_credentials`: any wrong email or password.",
            403: "`account_inactive`: the client is no longer active (the password "
            "was right). `not_a_client`: a staff login.",
            429: "`too_many_attempts`: 5 failed sign-ins of this account in 15 "
            "minutes, or 100 from this address; the same for every account.",
        },
    ),
    summary="Sign in: email and password for a token",
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
            raise ApiError(403, "account_inactive", account_inactive_message())
        raise ApiError(401, "invalid_credentials", INVALID_CREDENTIALS)
    if user.client_id is None:
        raise ApiError(403, "not_a_client", NOT_A_CLIENT)
    try:
        issued = issue_token(user)
    except ClientNotActive:
        # Made inactive between the password check and now.
        raise ApiError(403, "account_inactive", account_inactive_message()) from None
    _forget_failed_attempts(request, user)
    return issued


def _forget_failed_attempts(request, user) -> None:
    """What a successful sign-in does on the other doors (the app gets a
    token, not a session, so Django's login() is not used here): clear the
    account's failures, not the address's."""
    forget_failures(username=user.get_username())


@app_api.post(
    "/auth/logout",
    **documented({204: None}, SIGNED_IN),
    summary="Sign out: the token used stops working",
    tags=["auth"],
)
def sign_out(request):
    revoke_token(request.auth)
    return Status(204, None)


# The client's own data -----------------------------------------------------


@app_api.get("/me", **documented({200: MeOut}, SIGNED_IN), summary="The login, its client and pets")
def me(request):
    user = request.auth.user
    client = user.client
    return {"user": user, "client": client, "pets": client.pets.all()}


@app_api.get(
    "/events/upcoming",
    **documented({200: list[EventOut]}, SIGNED_IN),
    summary="The client's visits still to come, soonest first",
    tags=["events"],
)
def upcoming_events(request):
    return client_visits_for_portal(client=request.auth.user.client, now=timezone.now())


@app_api.post(
    "/events/requests",
    **documented(
        {201: EventOut},
        {
            **JSON_BODY,
            **SIGNED_IN,
            400: JSON_BODY[400] + " `validation_error`: the request is well formed "
            "but refused, with messages per field in `errors`: the time is past, "
            "outside opening hours or too far ahead, a pet is not the client's, or "
            "the service is not offered.",
            403: "`account_inactive`: the client was made inactive. `forbidden`: "
            "this login may not request visits for this client.",
        },
    ),
    summary="Request a visit; staff confirm it",
    description="Creates a `requested` visit, which staff confirm or decline.",
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
            actor=request.auth.user,
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
            errors=field_errors(error),
        ) from None
    except ClientInactive:
        raise ApiError(403, "account_inactive", account_inactive_message()) from None
    return Status(201, event)
