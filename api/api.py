"""The client app's JSON API, under /api/app/v1/ (django-ninja).

The app signs in with email and password for a bearer token (api.tokens)
and sends it as ``Authorization: Bearer <token>``. No cookie authenticates
anything here, which is why the API is CSRF-exempt. Every answer that is not
a success is JSON with a stable ``detail`` code and a ``message`` for people
(api.errors).
"""

from datetime import UTC, datetime
from typing import Annotated

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import URLPattern, re_path
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
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
    MAX_ID,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Credentials,
    EventOut,
    EventPageOut,
    IssuedTokenOut,
    MeOut,
    PageSize,
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
    # Archived pets are history: the app lists the ones still with the family.
    return {"user": user, "client": client, "pets": client.pets.current()}


@app_api.get(
    "/events/upcoming",
    **documented(
        {200: EventPageOut},
        {
            **SIGNED_IN,
            400: "`invalid_cursor`: `cursor` is not a `next` this operation gave "
            "this client (altered, cut short or made up).",
            422: f"`validation_error`: `limit` is not a whole number from 1 to "
            f"{MAX_PAGE_SIZE}; `errors` has the message.",
        },
    ),
    summary="The client's visits still to come, soonest first, a page at a time",
    description=(
        f"A page holds up to `limit` visits ({PAGE_SIZE} unless said, at most "
        f"{MAX_PAGE_SIZE}), ordered by start, then by id. While `next` is not "
        "null, send it as `cursor` for the following page. A page starts right "
        "after the last visit of the one before (not at a count), so a visit "
        "added, canceled or started meanwhile makes no other one skipped or repeated."
    ),
    tags=["events"],
)
def upcoming_events(
    request,
    limit: Annotated[
        PageSize, Query(PAGE_SIZE, description=f"Visits per page, 1 to {MAX_PAGE_SIZE}.")
    ] = PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(None, description="The `next` of the page before; none for the first.")
    ] = None,
):
    client = request.auth.user.client
    visits = client_visits_for_portal(client=client, now=timezone.now()).order_by("starts_at", "pk")
    if cursor is not None:
        starts_at, pk = read_cursor(cursor, client=client)
        # After (starts_at, pk), in the order above: the index on
        # (client, starts_at) finds the first row.
        visits = visits.filter(starts_at__gte=starts_at).exclude(starts_at=starts_at, pk__lte=pk)
    page = list(visits[: limit + 1])  # one more than asked: is there a next page?
    items = page[:limit]
    more = len(page) > limit
    return {"items": items, "next": cursor_after(items[-1], client=client) if more else None}


# A cursor is the (starts_at, id) of the last visit of a page, signed for the
# client it was given to: it cannot be forged, altered or used by another
# client. Opaque to the app; it survives a SECRET_KEY rotation as long as the
# old key is in SECRET_KEY_FALLBACKS.
MAX_CURSOR_LENGTH = 200
INVALID_CURSOR = (
    "This cursor is not one we gave you. Ask for the first page again, without a cursor."
)


def _cursor_signer(client) -> signing.Signer:
    return signing.Signer(salt=f"api.events.upcoming.cursor:{client.pk}")


def cursor_after(event, *, client) -> str:
    """The cursor of the page after ``event``."""
    return _cursor_signer(client).sign_object(
        [event.starts_at.astimezone(UTC).isoformat(), event.pk]
    )


def read_cursor(cursor: str, *, client) -> tuple[datetime, int]:
    """The (starts_at, id) a cursor carries; an ApiError 400 ``invalid_cursor``
    for anything but a cursor given to this client."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        starts_at, pk = _cursor_signer(client).unsign_object(cursor)
        starts_at = datetime.fromisoformat(starts_at)
        if starts_at.tzinfo is None or type(pk) is not int or not 1 <= pk <= MAX_ID:
            raise ValueError("not a cursor")
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError(400, "invalid_cursor", INVALID_CURSOR) from None
    return starts_at, pk


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
