"""Who may do what, at every door: every URL of the resolver, by every kind of
person, by every HTTP method, with the answer each cell must get
(docs/design.md, "People and roles", "Locked out", "The client portal",
"The app API").

``ROWS`` is the matrix: one row per named route, one outcome per person for
each method the route serves; a method a row doesn't name is a 405 for
everyone. A new URL without a row fails ``test_every_route_has_a_row``.

The people, in the order of every row's columns:

- anonymous: no session, no token;
- client: Pat, an active client's login (a session, and a token for the app);
- other client: Olive, another active client's login, who reaches Pat's
  objects (the URLs' ids and the request bodies point at Pat's);
- inactive client: a login whose session and token date from before its
  client was made inactive, so both are dead;
- sitter, office manager, admin: staff sessions (no token: the app is for
  clients).

The data is built once for the module, in a transaction rolled back at its
end (what ``setUpTestData`` does for a TestCase); every cell runs in a
savepoint of its own, so an action that works is undone before the next.
"""

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection, transaction
from django.test import Client as Browser
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.models import ApiToken
from api.tokens import issue_token
from clients.models import Client, ClientStatusChange, Pet
from clients.services import deactivate_client
from petcare.models import ActivityEntry, User
from petcare.roles import ensure_roles
from scheduling.local_time import business_timezone
from scheduling.models import (
    EventPet,
    EventStatus,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)
from tests import factories
from tests.helpers import INACTIVE_TEXT, days_ahead, visit

pytestmark = pytest.mark.django_db

# --- The people -----------------------------------------------------------------------

ANONYMOUS = "anonymous"
CLIENT = "client"
OTHER_CLIENT = "other-client"
INACTIVE_CLIENT = "inactive-client"
SITTER = "sitter"
MANAGER = "office-manager"
ADMIN = "admin"
PERSONAS = (ANONYMOUS, CLIENT, OTHER_CLIENT, INACTIVE_CLIENT, SITTER, MANAGER, ADMIN)

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

EMAILS = {
    ANONYMOUS: "nobody@example.com",  # no such login: what an anonymous visitor types
    CLIENT: "pat@example.com",
    OTHER_CLIENT: "olive@example.com",
    INACTIVE_CLIENT: "gone@example.com",
    SITTER: "sitter@example.com",
    MANAGER: "manager@example.com",
    ADMIN: "admin@example.com",
}
CLIENT_NAMES = {CLIENT: "Pat Active", OTHER_CLIENT: "Olive Other"}
PET_NAMES = {CLIENT: "Biscuit", OTHER_CLIENT: "Pepper"}
NEW_PASSWORD = "a brand new passphrase 42"

# --- The outcomes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a cell must answer.

    ``signin``: a redirect to that sign-in page with ``next`` set to the URL
    asked for. ``location``: a redirect to exactly that URL. ``writes``: True
    when the data must have changed (the action was done), False when nothing
    may change (every refusal, and every GET and HEAD), None when it doesn't
    matter. ``shows``: text the page carries (not checked for HEAD).
    ``notice``: the portal's sign-in page then says the account is inactive.
    """

    status: int
    name: str
    signin: str = ""
    location: str = ""
    writes: bool | None = None
    shows: str = ""
    notice: bool = False

    def __repr__(self) -> str:
        return self.name


STAFF_SIGNIN_PAGE = "/signin/"
PORTAL_SIGNIN_PAGE = "/portal/signin/"

OK = Outcome(200, "OK")
# An action that was done: a redirect after the POST (post/redirect/get).
DONE = Outcome(302, "DONE", writes=True)
# Anonymous (or a dead session) on a staff page.
SIGNIN = Outcome(302, "SIGNIN", signin=STAFF_SIGNIN_PAGE, writes=False)
# Anonymous on a portal page.
PORTAL_SIGNIN = Outcome(302, "PORTAL_SIGNIN", signin=PORTAL_SIGNIN_PAGE, writes=False)
# An inactive client's session on a portal page: ended, and the sign-in says why.
SIGNED_OUT = Outcome(302, "SIGNED_OUT", signin=PORTAL_SIGNIN_PAGE, writes=False, notice=True)
# A client's login on a staff page: a 403 that links to the portal.
TO_PORTAL = Outcome(403, "TO_PORTAL", writes=False, shows='href="/portal/signin/"')
# A staff login on a portal page: a 403 that links to the staff pages.
TO_STAFF = Outcome(403, "TO_STAFF", writes=False, shows='href="/clients/"')
# Staff whom the policy refuses.
DENIED = Outcome(403, "DENIED", writes=False, shows="Ask an admin or office manager")
NOT_ALLOWED = Outcome(405, "NOT_ALLOWED", writes=False)
# A form that refuses another client's object (Pat's pet): nothing is made.
REFUSED_FORM = Outcome(
    400, "REFUSED_FORM", writes=False, shows="You can only request visits for your own pets."
)
# Sign-in pages answering a sign-in that doesn't get in: the form again.
NOT_IN = Outcome(200, "NOT_IN", writes=False)
SAYS_INACTIVE = Outcome(200, "SAYS_INACTIVE", writes=False, shows=INACTIVE_TEXT)
USE_PORTAL = Outcome(200, "USE_PORTAL", writes=False, shows="Clients sign in at the client portal.")
USE_STAFF = Outcome(200, "USE_STAFF", writes=False, shows="This sign-in is for clients.")
TO_CLIENTS = Outcome(302, "TO_CLIENTS", location="/clients/")
IN_PORTAL = Outcome(302, "IN_PORTAL", location="/portal/")
TO_WEEK = Outcome(302, "TO_WEEK", location="/schedule/week/", writes=False)
SIGNED_OFF_STAFF = Outcome(302, "SIGNED_OFF_STAFF", location=STAFF_SIGNIN_PAGE, writes=False)
SIGNED_OFF_PORTAL = Outcome(302, "SIGNED_OFF_PORTAL", location=PORTAL_SIGNIN_PAGE, writes=False)
RESET_SENT = Outcome(302, "RESET_SENT", location="/portal/password-reset/sent/", writes=False)
# The app API: JSON everywhere, with a stable ``detail`` code.
NO_TOKEN = Outcome(401, "NO_TOKEN", writes=False, shows="not_authenticated")
DEAD_TOKEN = Outcome(401, "DEAD_TOKEN", writes=False, shows="invalid_token")
NO_MATCH = Outcome(401, "NO_MATCH", writes=False, shows="invalid_credentials")
NOT_CLIENT = Outcome(403, "NOT_CLIENT", writes=False, shows="not_a_client")
LOCKED_OUT = Outcome(403, "LOCKED_OUT", writes=False, shows="account_inactive")
API_INVALID = Outcome(400, "API_INVALID", writes=False, shows="validation_error")
NOT_FOUND = Outcome(404, "NOT_FOUND", writes=False, shows="not_found")
TOKEN = Outcome(200, "TOKEN", writes=True)  # a token issued
CREATED = Outcome(201, "CREATED", writes=True)
REVOKED = Outcome(204, "REVOKED", writes=True)  # the token revoked


# --- The matrix -----------------------------------------------------------------------
# Columns: anonymous, client, other client, inactive client, sitter, office manager, admin.
# Methods a row doesn't name answer 405 to everyone.

ROWS: dict[str, dict[str, tuple[Outcome, ...]]] = {
    # The staff's doors.
    "home": {
        "GET HEAD": (TO_CLIENTS,) * 7,
    },
    "login": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
        # Each posts its own email and password: staff only get in.
        "POST": (NOT_IN, USE_PORTAL, USE_PORTAL, NOT_IN, TO_CLIENTS, TO_CLIENTS, TO_CLIENTS),
    },
    "logout": {
        "POST": (SIGNED_OFF_STAFF,) * 7,
    },
    # Clients (staff screens).
    "clients:list": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "clients:add": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:detail": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "clients:edit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:deactivate": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:reactivate": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:invite": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:pet_add": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:pet_edit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:pet_archive": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "clients:upcoming": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "clients:history": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "clients:templates": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    # The schedule (staff screens).
    "scheduling:index": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, TO_WEEK, TO_WEEK, TO_WEEK),
    },
    "scheduling:schedule": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "scheduling:week": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "scheduling:today": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "scheduling:day": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "scheduling:visit_add": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:visit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
    },
    "scheduling:visit_edit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:visit_cancel": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    # The sitter's own visit, started: the one thing a sitter may change.
    "scheduling:visit_complete": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, OK, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DONE, DONE, DONE),
    },
    "scheduling:visit_confirm": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:visit_decline": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:template_add": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:template_edit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:template_remove": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:template_apply": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:service_types": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
    },
    "scheduling:service_type_add": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:service_type_edit": {
        "GET HEAD": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, OK, OK),
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:service_type_archive": {
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    "scheduling:service_type_unarchive": {
        "POST": (SIGNIN, TO_PORTAL, TO_PORTAL, SIGNIN, DENIED, DONE, DONE),
    },
    # The client portal: the signed-in client's own data, no ids in its URLs.
    "portal:dashboard": {
        "GET HEAD": (PORTAL_SIGNIN, OK, OK, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
    },
    "portal:request_service": {
        "GET HEAD": (PORTAL_SIGNIN, OK, OK, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
        # The request is for Pat's pet: Olive may not ask for it.
        "POST": (PORTAL_SIGNIN, DONE, REFUSED_FORM, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
    },
    "portal:profile": {
        "GET HEAD": (PORTAL_SIGNIN, OK, OK, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
    },
    "portal:profile_edit": {
        "GET HEAD": (PORTAL_SIGNIN, OK, OK, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
        "POST": (PORTAL_SIGNIN, DONE, DONE, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
    },
    "portal:login": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
        # Each posts its own email and password: active clients only get in.
        "POST": (NOT_IN, IN_PORTAL, IN_PORTAL, SAYS_INACTIVE, USE_STAFF, USE_STAFF, USE_STAFF),
    },
    "portal:logout": {
        "POST": (SIGNED_OFF_PORTAL,) * 7,
    },
    "portal:password_change": {
        "GET HEAD": (PORTAL_SIGNIN, OK, OK, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
        "POST": (PORTAL_SIGNIN, DONE, DONE, SIGNED_OUT, TO_STAFF, TO_STAFF, TO_STAFF),
    },
    "portal:password_reset": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
        # Each asks for its own email; the page that follows is the same for all.
        "POST": (RESET_SENT,) * 7,
    },
    "portal:password_reset_done": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
    },
    # A made-up link: the page says it doesn't work, whoever opens it.
    "portal:password_reset_confirm": {
        "GET HEAD POST": (OK, OK, OK, OK, OK, OK, OK),
    },
    "portal:password_reset_complete": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
    },
    "portal:accept_invitation": {
        "GET HEAD POST": (OK, OK, OK, OK, OK, OK, OK),
    },
    # The app API: a bearer token of an active client, never a session.
    "app_api:openapi-json": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
    },
    "app_api:openapi-view": {
        "GET HEAD": (OK, OK, OK, OK, OK, OK, OK),
    },
    "app_api:sign_in": {
        # Each posts its own email and password.
        "POST": (NO_MATCH, TOKEN, TOKEN, LOCKED_OUT, NOT_CLIENT, NOT_CLIENT, NOT_CLIENT),
    },
    "app_api:sign_out": {
        "POST": (NO_TOKEN, REVOKED, REVOKED, DEAD_TOKEN, NO_TOKEN, NO_TOKEN, NO_TOKEN),
    },
    "app_api:me": {
        "GET HEAD": (NO_TOKEN, OK, OK, DEAD_TOKEN, NO_TOKEN, NO_TOKEN, NO_TOKEN),
    },
    "app_api:upcoming_events": {
        "GET HEAD": (NO_TOKEN, OK, OK, DEAD_TOKEN, NO_TOKEN, NO_TOKEN, NO_TOKEN),
    },
    "app_api:request_service": {
        # The request is for Pat's pet: Olive's token may not ask for it.
        "POST": (NO_TOKEN, CREATED, API_INVALID, DEAD_TOKEN, NO_TOKEN, NO_TOKEN, NO_TOKEN),
    },
    # ninja's root: nothing there, in JSON, whatever the method.
    "app_api:api-root": {
        "GET HEAD POST PUT PATCH DELETE": (NOT_FOUND,) * 7,
    },
}

# Cells whose answer is not the matrix's: each one a defect to fix in the
# app (an xfail, strict); none at present.
DEFECTS: dict[tuple[str, str, str], str] = {}


def expected(route: str, persona: str, method: str) -> Outcome:
    for methods, outcomes in ROWS[route].items():
        if method in methods.split():
            return outcomes[PERSONAS.index(persona)]
    return NOT_ALLOWED


def _cells():
    for route in ROWS:
        for persona in PERSONAS:
            for method in METHODS:
                reason = DEFECTS.get((route, persona, method))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(
                    route, persona, method, marks=marks, id=f"{route}-{persona}-{method}"
                )


# --- The routes of the resolver -------------------------------------------------------

# What the matrix leaves to other tests: the Django admin's own pages (only
# whether the Admin role gets in is tested here) and ninja's catch-all 404.
SKIPPED_PREFIXES = ("admin/",)
SKIPPED_NAMES = {"app_api:not-found"}


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    params: tuple[str, ...] = ()


def _walk(resolver, prefix="", namespace="", params=()):
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        found = (*params, *getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _walk(entry, pattern, inner, found)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name])) if entry.name else None
            yield Route(name, pattern, found)


def resolver_routes() -> list[Route]:
    """Every route of the root resolver, through its includes, but those skipped."""
    return [
        route
        for route in _walk(get_resolver())
        if not route.pattern.startswith(SKIPPED_PREFIXES) and route.name not in SKIPPED_NAMES
    ]


@functools.cache
def route_named(name: str) -> Route:
    return next(route for route in resolver_routes() if route.name == name)


# --- The data -------------------------------------------------------------------------


@dataclass
class World:
    logins: dict[str, User]
    sessions: dict[str, str]  # persona -> session key
    tokens: dict[str, str]  # persona -> app token
    objects: dict[str, object]  # what the URLs' ids point at
    monday: date


def _today() -> date:
    return timezone.localdate(timezone=business_timezone())


def _session_of(user) -> str:
    browser = Browser()
    browser.force_login(user)
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def _build_world() -> World:
    ensure_roles(apps, using=connection.alias)
    # Both office staff may use the Django admin as far as is_staff goes: the
    # Admin group alone lets one in.
    manager = factories.OfficeManagerFactory(
        email=EMAILS[MANAGER], first_name="Morgan", is_staff=True
    )
    admin = factories.AdminFactory(email=EMAILS[ADMIN], first_name="Alex", is_staff=True)
    sitter = factories.SitterFactory(email=EMAILS[SITTER], first_name="Sam")
    logins = {MANAGER: manager, ADMIN: admin, SITTER: sitter}
    for persona, name in [*CLIENT_NAMES.items(), (INACTIVE_CLIENT, "Gone Client")]:
        logins[persona] = factories.ClientLoginFactory(
            email=EMAILS[persona],
            first_name=name.split()[0],
            client__name=name,
            client__email=EMAILS[persona],
        )
    pat, olive = logins[CLIENT].client, logins[OTHER_CLIENT].client
    walk = factories.ServiceTypeFactory(name="30 min dog walk")
    biscuit = factories.PetFactory(client=pat, name=PET_NAMES[CLIENT])
    pepper = factories.PetFactory(client=olive, name=PET_NAMES[OTHER_CLIENT])
    visit(olive, days_ahead(6, time(10)), pets=[pepper], service_type=walk)
    template = factories.TemplateFactory(client=pat, service_type=walk)
    template.pets.add(biscuit)
    now = timezone.now()
    objects = {
        "client": pat,
        "pet": biscuit,
        "inactive_client": logins[INACTIVE_CLIENT].client,
        # Has an email and no login yet: an invitation can go out.
        "prospect": factories.ClientFactory(name="Nina Prospect", email="nina@example.com"),
        "visit": visit(pat, days_ahead(4, time(9)), pets=[biscuit], service_type=walk),
        # The sitter's own visit, under way: the sitter may complete it.
        "started_visit": visit(
            pat, now - timedelta(minutes=20), pets=[biscuit], service_type=walk, sitter=sitter
        ),
        "requested_visit": visit(
            pat,
            days_ahead(5, time(11)),
            pets=[biscuit],
            service_type=walk,
            status=EventStatus.REQUESTED,
        ),
        "template": template,
        "service_type": walk,
        "archived_service_type": factories.ServiceTypeFactory(name="Pet taxi", is_active=False),
    }
    sessions = {persona: _session_of(login) for persona, login in logins.items()}
    tokens = {
        persona: issue_token(logins[persona]).token
        for persona in (CLIENT, OTHER_CLIENT, INACTIVE_CLIENT)
    }
    # Made inactive after it signed in and got its token: both are dead now.
    deactivate_client(logins[INACTIVE_CLIENT].client, actor=manager)
    today = _today()
    return World(
        logins=logins,
        sessions=sessions,
        tokens=tokens,
        objects=objects,
        monday=today - timedelta(days=today.weekday()),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The people and objects of every cell, built once and rolled back at the end."""
    with django_db_blocker.unblock():
        module_transaction = transaction.atomic()
        module_transaction.__enter__()
        try:
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                AXES_ENABLED=False,
            ):
                built = _build_world()
        except BaseException:
            module_transaction.__exit__(*sys.exc_info())
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)


# Which object each route's id points at ("client" is Pat's); a route with
# two ids names the object of each.
URL_OBJECTS: dict[str, str | dict[str, str]] = {
    "clients:detail": "client",
    "clients:edit": "client",
    "clients:deactivate": "client",
    "clients:reactivate": "inactive_client",
    "clients:invite": "prospect",
    "clients:upcoming": "client",
    "clients:history": "client",
    "clients:templates": "client",
    "clients:pet_add": "client",
    "clients:pet_edit": {"pk": "client", "pet_pk": "pet"},
    "clients:pet_archive": {"pk": "client", "pet_pk": "pet"},
    "scheduling:visit": "visit",
    "scheduling:visit_edit": "visit",
    "scheduling:visit_cancel": "visit",
    "scheduling:visit_complete": "started_visit",
    "scheduling:visit_confirm": "requested_visit",
    "scheduling:visit_decline": "requested_visit",
    "scheduling:template_add": "client",
    "scheduling:template_edit": "template",
    "scheduling:template_remove": "template",
    "scheduling:template_apply": "template",
    "scheduling:service_type_edit": "service_type",
    "scheduling:service_type_archive": "service_type",
    "scheduling:service_type_unarchive": "archived_service_type",
}
URL_QUERIES = {"scheduling:visit_add": lambda w: {"client": w.objects["client"].pk}}
MADE_UP_TOKEN = "cz1q2w-0123456789abcdef0123456789abcdef"


def is_id(param: str) -> bool:
    return param == "pk" or param.endswith("_pk")


def _value_of(route: Route, param: str, w: World):
    if is_id(param):
        named = URL_OBJECTS[route.name]
        return w.objects[named[param] if isinstance(named, dict) else named].pk
    if param == "day":
        return w.monday
    if param == "uidb64":
        return urlsafe_base64_encode(force_bytes(w.logins[CLIENT].pk))
    if param == "token":
        return MADE_UP_TOKEN
    raise AssertionError(f"Teach the matrix what to put in <{param}> of {route.name}.")


def url_of(route: Route, w: World) -> str:
    """A concrete URL of ``route``: its ids point at the test data, its links are made up."""
    url = reverse(route.name, kwargs={param: _value_of(route, param, w) for param in route.params})
    if query := URL_QUERIES.get(route.name):
        url += "?" + urlencode(query(w))
    return url


# --- What each one sends --------------------------------------------------------------


def _own_details(w: World, persona: str) -> dict:
    client = w.logins[persona].client if persona in w.logins else None
    client = client or w.objects["client"]
    return {
        "name": client.name,
        "email": client.email,
        "phone": "(555) 010-9999",
        "address": "1 Harmless Lane",
    }


def _credentials(w: World, persona: str) -> dict:
    return {"username": EMAILS[persona], "password": factories.DEFAULT_PASSWORD}


# The body of a POST (and of a PUT, PATCH or DELETE): what a browser or the
# app would send to act, valid, so that a refusal is the refusal of the person
# and not of the form.
BODIES: dict[str, Callable[[World, str], dict]] = {
    "login": _credentials,
    "portal:login": _credentials,
    "clients:add": lambda w, who: {"name": "Nora New", "email": "nora@example.com"},
    "clients:edit": lambda w, who: {
        "name": "Pat Active",
        "email": EMAILS[CLIENT],
        "phone": "(555) 010-2222",
    },
    "clients:deactivate": lambda w, who: {
        "delete_future_events": "on",
        "delete_templates": "on",
        "reason": "Moved away",
    },
    "clients:reactivate": lambda w, who: {"reason": "Back in town"},
    "clients:pet_add": lambda w, who: {"name": "Rex", "species": "dog"},
    "clients:pet_edit": lambda w, who: {"name": "Biscuit", "species": "dog", "breed": "Beagle"},
    "clients:pet_archive": lambda w, who: {
        "reason": "passed_away",
        "delete_future_services": "on",
    },
    "scheduling:visit_add": lambda w, who: {
        "service_type": w.objects["service_type"].pk,
        "pets": [w.objects["pet"].pk],
        "sitter": "",
        "date": (_today() + timedelta(days=3)).isoformat(),
        "start_time": "10:00",
    },
    "scheduling:visit_edit": lambda w, who: {
        "service_type": w.objects["service_type"].pk,
        "pets": [w.objects["pet"].pk],
        "sitter": "",
        "date": (_today() + timedelta(days=4)).isoformat(),
        "start_time": "09:30",
        "notes": "The key is under the mat.",
    },
    "scheduling:visit_confirm": lambda w, who: {"sitter": w.logins[SITTER].pk},
    "scheduling:template_add": lambda w, who: {
        "service_type": w.objects["service_type"].pk,
        "sitter": "",
        "pets": [w.objects["pet"].pk],
        "weekdays": [1, 3],
        "time_of_day": "08:00",
        "first_date": _today().isoformat(),
    },
    "scheduling:template_edit": lambda w, who: {
        "service_type": w.objects["service_type"].pk,
        "sitter": "",
        "pets": [w.objects["pet"].pk],
        "weekdays": [0, 2],
        "time_of_day": "09:00",
        "first_date": _today().isoformat(),
    },
    "scheduling:template_apply": lambda w, who: {
        "start_date": (_today() + timedelta(days=1)).isoformat(),
        "end_date": (_today() + timedelta(days=7)).isoformat(),
    },
    "scheduling:service_type_add": lambda w, who: {
        "name": "Cat visit",
        "duration_minutes": 20,
        "price": "18.00",
    },
    "scheduling:service_type_edit": lambda w, who: {
        "name": "30 min dog walk",
        "duration_minutes": 30,
        "price": "26.00",
    },
    "portal:request_service": lambda w, who: {
        "service_type": w.objects["service_type"].pk,
        "pets": [w.objects["pet"].pk],
        "date": (_today() + timedelta(days=2)).isoformat(),
        "time": "10:00",
    },
    "portal:profile_edit": _own_details,
    "portal:password_change": lambda w, who: {
        "old_password": factories.DEFAULT_PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "portal:password_reset": lambda w, who: {"email": EMAILS[who]},
    "portal:password_reset_confirm": lambda w, who: {
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "portal:accept_invitation": lambda w, who: {
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "app_api:sign_in": lambda w, who: {
        "email": EMAILS[who],
        "password": factories.DEFAULT_PASSWORD,
    },
    "app_api:request_service": lambda w, who: {
        "service_type_id": w.objects["service_type"].pk,
        "pet_ids": [w.objects["pet"].pk],
        "starts_at": days_ahead(2, time(10)).isoformat(),
        "note": "",
    },
}


def _is_api(route: str) -> bool:
    return route.startswith("app_api:")


def send(w: World, route: str, persona: str, method: str, url: str):
    """The request of ``persona``: its session cookie, and on the app API its
    token (clients only: staff have none)."""
    browser = Browser()
    if persona in w.sessions:
        browser.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[persona]
    headers = {}
    if _is_api(route) and persona in w.tokens:
        headers["Authorization"] = f"Bearer {w.tokens[persona]}"
    if method in ("GET", "HEAD"):
        return browser.generic(method, url, headers=headers), browser
    data = BODIES[route](w, persona) if route in BODIES else {}
    if _is_api(route):
        body, content_type = json.dumps(data), "application/json"
    else:
        body, content_type = urlencode(data, doseq=True), "application/x-www-form-urlencoded"
    return browser.generic(method, url, body, content_type=content_type, headers=headers), browser


# Every table a refusal could touch, as the database holds it (columns that
# a read may refresh left out).
SNAPSHOT = {
    Client: (),
    Pet: (),
    ClientStatusChange: (),
    User: ("last_login",),
    User.groups.through: (),
    ActivityEntry: (),
    ServiceType: (),
    ScheduledEvent: (),
    EventPet: (),
    Template: (),
    TemplatePet: (),
    ApiToken: ("last_used_at",),
}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of those tables (plain SQL: this runs twice for each of
    thousands of cells, and the ORM's query building would be most of the time)."""
    with connection.cursor() as cursor:
        rows = {}
        for model, left_out in SNAPSHOT.items():
            quote = connection.ops.quote_name
            columns = ", ".join(
                quote(f.column) for f in model._meta.concrete_fields if f.attname not in left_out
            )
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk}")
            rows[model._meta.label] = cursor.fetchall()
    return rows


# --- The tests ------------------------------------------------------------------------


def test_every_route_has_a_row():
    """A new URL fails here until the matrix says who may use it."""
    routes = resolver_routes()
    assert [route.pattern for route in routes if route.name is None] == [], "name every URL"
    names = {route.name for route in routes}
    assert sorted(names - set(ROWS)) == [], "routes without a row in ROWS"
    assert sorted(set(ROWS) - names) == [], "rows of routes that are gone"


def test_every_id_of_a_url_points_at_an_object_of_the_test_data():
    for route in resolver_routes():
        if any(is_id(param) for param in route.params):
            assert route.name in URL_OBJECTS, route.name


def test_the_portal_and_the_app_take_no_ids():
    """Another client's objects can't even be named there: a client only ever
    reaches its own (the one-time links name a login, and need its token)."""
    for route in resolver_routes():
        if route.name.startswith(("portal:", "app_api:")):
            assert set(route.params) <= {"uidb64", "token"}, route


@pytest.mark.parametrize(("route", "persona", "method"), list(_cells()))
def test_authorization_matrix(world, route, persona, method):
    outcome = expected(route, persona, method)
    url = url_of(route_named(route), world)
    before = snapshot()

    response, browser = send(world, route, persona, method, url)

    if response.status_code != outcome.status:
        # Without a traceback: quicker to read, and to report for the xfailed cells.
        answer = (response.status_code, response.get("Location", ""))
        pytest.fail(f"{outcome!r} expected, got {answer}", pytrace=False)
    if outcome.signin:
        assert response["Location"] == redirect_to_login(url, outcome.signin).url
    if outcome.location:
        assert response["Location"] == outcome.location
    if outcome.shows and method != "HEAD":
        assert outcome.shows in response.content.decode()
    if _is_api(route) and route != "app_api:openapi-view" and response.status_code != 204:
        assert response["Content-Type"].startswith("application/json")
    writes = False if method in ("GET", "HEAD") else outcome.writes
    if writes is not None:
        changed = snapshot() != before
        assert changed is writes, "the data changed" if changed else "nothing was done"
    if outcome.notice:
        assert INACTIVE_TEXT in browser.get(PORTAL_SIGNIN_PAGE).content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", ["/admin/", "/admin/clients/client/"])
def test_only_the_admin_role_gets_past_the_django_admin(world, persona, url):
    """The office manager is flagged ``is_staff`` here too: the Admin group decides."""
    response, _ = send(world, "admin", persona, "GET", url)

    if persona == ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(url, "/admin/login/").url


@pytest.mark.parametrize("persona", [CLIENT, OTHER_CLIENT])
@pytest.mark.parametrize(
    "route",
    [
        "portal:dashboard",
        "portal:request_service",
        "portal:profile",
        "portal:profile_edit",
        "app_api:me",
        "app_api:upcoming_events",
    ],
)
def test_a_client_sees_its_own_data_only(world, route, persona):
    other = OTHER_CLIENT if persona == CLIENT else CLIENT

    response, _ = send(world, route, persona, "GET", url_of(route_named(route), world))

    page = response.content.decode()
    assert response.status_code == 200
    assert CLIENT_NAMES[persona] in page or PET_NAMES[persona] in page
    assert CLIENT_NAMES[other] not in page
    assert PET_NAMES[other] not in page


@pytest.mark.parametrize("persona", [CLIENT, OTHER_CLIENT])
@pytest.mark.parametrize("route", ["app_api:me", "app_api:upcoming_events", "app_api:sign_out"])
def test_a_session_alone_opens_no_door_of_the_app(world, route, persona):
    browser = Browser()
    browser.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    method = "POST" if route == "app_api:sign_out" else "GET"

    response = browser.generic(method, url_of(route_named(route), world))

    assert response.status_code == 401
    assert response.json()["detail"] == "not_authenticated"


@pytest.mark.parametrize(
    ("whose", "started", "answer"),
    [
        ("own", True, 302),
        ("own", False, 403),
        ("another sitter's", True, 403),
        ("nobody's", True, 403),
    ],
)
def test_a_sitter_completes_only_their_own_visit_once_started(world, whose, started, answer):
    if whose == "own":
        sitter = world.logins[SITTER]
    elif whose == "another sitter's":
        sitter = factories.SitterFactory(email="riley@example.com")
    else:
        sitter = None
    starts_at = timezone.now() + timedelta(minutes=-20 if started else 60)
    event = visit(world.objects["client"], starts_at, sitter=sitter)
    url = reverse("scheduling:visit_complete", args=[event.pk])
    before = snapshot()

    response, _ = send(world, "scheduling:visit_complete", SITTER, "POST", url)

    assert response.status_code == answer
    event.refresh_from_db()
    assert (event.status == EventStatus.COMPLETED) is (answer == 302)
    assert (snapshot() == before) is (answer != 302)
