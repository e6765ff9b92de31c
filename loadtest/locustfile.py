"""A bounded, self-stopping load test of Petcare's production server (locust).

Three kinds of simulated users, weighted 2 : 2 : 1:

- ``Staff`` signs in at /signin/ (admin@example.com or manager@example.com),
  adds two clients of its own in ``on_start`` and then browses the client list
  (tabs, pages), searches it (names and pet names seen on the list), opens
  profiles, and toggles its own two clients with Make Inactive / Re-Activate.
  Only the user that created a client touches it, so every outcome is known.
- ``PortalClient`` signs in at /portal/signin/ as client@example.com and reads
  the dashboard and its details, and requests services (POST /portal/request/).
- ``AppClient`` takes a token from the app API (/api/app/v1/auth/token) and
  reads ``me`` and ``events/upcoming`` and requests services
  (POST events/requests).

Every write that the server confirms is recorded in a ledger, written as JSON
when the test stops; ``loadtest/check.py`` then proves the database holds
exactly those writes (no lost write, no write that was refused). Requests that
the app answered differently from what it should (a refusal where a success was
due, an error, a 500) are locust failures with a message, so
``--exit-code-on-error 1`` (locust's default) makes the run fail.

Short run (CI), then the check, from the project root, with the server's
environment (DATABASE_URL, ...) for the checker:

    uv run locust -f loadtest/locustfile.py --config loadtest/locust.conf \\
        --host http://127.0.0.1:8000 --headless -u 10 -r 5 --run-time 30s \\
        --exit-code-on-error 1
    uv run python loadtest/check.py loadtest/ledger.json

Long run (capacity, leaks, lock contention):

    uv run locust -f loadtest/locustfile.py --config loadtest/locust.conf \\
        --host http://127.0.0.1:8000 --headless -u 50 -r 5 --run-time 10m
    uv run python loadtest/check.py loadtest/ledger.json

Environment:

- ``LOAD_RUN_ID``: marks this run's data (letters, digits, ``-``; default a
  random one). Clients get emails ``load-<run id>-<8 hex>@example.com``; the
  notes of requested visits and the reasons of status changes carry
  ``[load-<run id>]``.
- ``LOAD_LEDGER``: where the ledger goes (default ``loadtest/ledger.json``).
- ``LOAD_PASSWORD``: the demo password (default ``petcare-demo``).
- ``LOAD_TIMEZONE``: the business's time zone (default ``America/New_York``);
  requests are for 3 to 60 days ahead, between 09:00 and 17:45 local time,
  inside the default opening hours (07:00-20:00).
- ``LOAD_TIMEOUT``: seconds to wait for an answer (default 60).

Run it in one locust process (not ``--processes`` nor master/workers): the
ledger lives in that process. Give ``--stop-timeout`` (locust.conf sets 10 s)
so that a user finishes the request under way when the run time is up; a write
cut off without an answer is recorded as "uncertain", and the checker accepts
either outcome for it (and says so).

The sign-ins use the right passwords only: failed sign-ins are throttled per
account (5 in 15 minutes), and a failed one here stops that simulated user
instead of trying again. Password resets and invitations (rate-limited) are
not used.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task
from locust.exception import StopUser

log = logging.getLogger("petcare.loadtest")

HERE = Path(__file__).resolve().parent

RUN_ID = (os.environ.get("LOAD_RUN_ID") or uuid.uuid4().hex[:8]).strip().lower()
if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", RUN_ID):
    raise SystemExit(f"LOAD_RUN_ID must be letters, digits and '-' (up to 40), not {RUN_ID!r}.")
MARKER = f"[load-{RUN_ID}]"
LEDGER_PATH = Path(os.environ.get("LOAD_LEDGER") or HERE / "ledger.json")
PASSWORD = os.environ.get("LOAD_PASSWORD", "petcare-demo")
BUSINESS_TZ = ZoneInfo(os.environ.get("LOAD_TIMEZONE", "America/New_York"))
TIMEOUT = float(os.environ.get("LOAD_TIMEOUT", "60"))

STAFF_LOGINS = ["admin@example.com", "manager@example.com"]
CLIENT_LOGIN = "client@example.com"
CLIENTS_PER_STAFF_USER = 2
API = "/api/app/v1"


# --- The ledger --------------------------------------------------------------------------


@dataclass
class LedgerClient:
    id: int
    name: str
    email: str
    actions: list[str] = field(default_factory=lambda: ["create"])
    # A status change sent without an answer (cut off, timed out): it may or
    # may not have happened, and the client is not touched again.
    uncertain: str | None = None

    @property
    def is_active(self) -> bool:
        return self.actions[-1] != "deactivate"


@dataclass
class Ledger:
    """What the server confirmed, and what it may have done without saying."""

    run_id: str
    clients: dict[int, LedgerClient] = field(default_factory=dict)
    portal_requests: int = 0
    api_requests: int = 0
    uncertain_creates: int = 0
    uncertain_portal_requests: int = 0
    uncertain_api_requests: int = 0
    refusals_seen: int = 0
    started_at: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "marker": MARKER,
            "email_prefix": f"load-{self.run_id}-",
            "started_at": self.started_at,
            "written_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "clients": [
                {
                    "id": client.id,
                    "name": client.name,
                    "email": client.email,
                    "actions": client.actions,
                    "uncertain": client.uncertain,
                }
                for client in sorted(self.clients.values(), key=lambda c: c.id)
            ],
            "portal_requests": self.portal_requests,
            "api_requests": self.api_requests,
            "uncertain": {
                "creates": self.uncertain_creates,
                "portal_requests": self.uncertain_portal_requests,
                "api_requests": self.uncertain_api_requests,
                "status_changes": sum(1 for c in self.clients.values() if c.uncertain),
            },
            "expected_refusals_seen": self.refusals_seen,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.as_json(), indent=2) + "\n")
        tmp.replace(path)


LEDGER = Ledger(run_id=RUN_ID)


class Write:
    """The outcome of one write request, settled by whoever reads the answer.

    ``done()``: the server confirmed it. ``not_done()``: the server answered
    and nothing was written (a refusal, a 4xx, or a 5xx, whose transaction the
    app rolls back). Left unsettled (no answer: a connection error, a timeout,
    the user stopped mid-request): uncertain.
    """

    def __init__(self) -> None:
        self.state: str | None = None

    def done(self) -> None:
        self.state = "done"

    def not_done(self) -> None:
        self.state = "not_done"


@contextmanager
def write(on_done, on_uncertain) -> Iterator[Write]:
    outcome = Write()
    try:
        yield outcome
    finally:
        # Also on GreenletExit (the user stopped mid-request): uncertain.
        with LEDGER.lock:
            if outcome.state == "done":
                on_done()
            elif outcome.state is None:
                on_uncertain()


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs) -> None:
    LEDGER.started_at = datetime.now().astimezone().isoformat(timespec="seconds")
    log.info("Load run %s; ledger %s", RUN_ID, LEDGER_PATH)


@events.test_stop.add_listener
def _on_test_stop(environment, **_kwargs) -> None:
    """After every user has stopped: nothing changes the ledger any more."""
    try:
        LEDGER.write(LEDGER_PATH)
    except OSError as error:
        log.error("Could not write the ledger %s: %s", LEDGER_PATH, error)
        environment.process_exit_code = 1
        return
    data = LEDGER.as_json()
    uncertain = sum(data["uncertain"].values())
    log.info(
        "Ledger %s: run %s, %d clients, %d status changes, %d portal + %d API requests%s",
        LEDGER_PATH,
        RUN_ID,
        len(data["clients"]),
        sum(len(c["actions"]) - 1 for c in data["clients"]),
        data["portal_requests"],
        data["api_requests"],
        f", {uncertain} uncertain writes" if uncertain else "",
    )


# --- Reading the pages ---------------------------------------------------------------------

CLIENT_LINK = re.compile(r'href="/clients/(\d+)/"')
ROW_NAME = re.compile(
    r'<td data-label="Name"[^>]*><a href="/clients/\d+/"><strong>([^<]+)</strong>'
)
ROW_PETS = re.compile(r'<td data-label="Pets"[^>]*>([^<]*)</td>')
NEXT_LINK = re.compile(r'href="\?[^"]*&amp;after=([\w-]+)" rel="next"')
MESSAGE = re.compile(r'<p class="message message-(\w+)">(.*?)</p>', re.S)
SERVICE_RADIO = re.compile(r'name="service_type" value="(\d+)"')
PET_CHECKBOX = re.compile(r'name="pets" value="(\d+)"')

# Search terms seen on the list pages, shared by all staff users (a few to
# start with: a surname, a pet, part of a phone number, no match).
SEARCH_TERMS: set[str] = {"Castellano", "Biscuit", "555 01", "zzz-no-match"}
# Service types seen by the portal's request form or the API's visits.
SERVICE_TYPE_IDS: set[int] = set()


def messages_of(html: str) -> list[tuple[str, str]]:
    """The flash messages of a page or htmx answer: (level, text)."""
    return [(level, unescape(text).strip()) for level, text in MESSAGE.findall(html)]


def note_search_terms(html: str) -> None:
    for name in ROW_NAME.findall(html):
        name = unescape(name).strip()
        if name.startswith("Load "):
            continue
        # A household's surname, or the whole name.
        SEARCH_TERMS.add(name.split()[-1] if name.lower().startswith("the ") else name)
    for cell in ROW_PETS.findall(html):
        for pet in unescape(cell).split(","):
            if (pet := pet.strip()) and pet != "—":
                SEARCH_TERMS.add(pet)


def request_time() -> tuple[date, time]:
    """A date 3 to 60 days ahead, at a quarter hour between 09:00 and 17:45 local."""
    day = datetime.now(BUSINESS_TZ).date() + timedelta(days=random.randint(3, 60))
    return day, time(random.randint(9, 17), random.choice((0, 15, 30, 45)))


def note_text(kind: str) -> str:
    return f"{MARKER} {kind} request {uuid.uuid4().hex[:8]}: the gate code is 1234."


def location(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def no_answer(response) -> bool:
    """The request got no HTTP answer at all (connection error, timeout)."""
    return not response.status_code


# --- Signing in ----------------------------------------------------------------------------


class SignInMixin:
    """Cookie sign-in with Django's CSRF protection, as a browser does it."""

    def csrf_token(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def form_post(self, path: str, data: dict, *, referer: str, **kwargs):
        headers = {"Referer": self.host.rstrip("/") + referer, **kwargs.pop("headers", {})}
        return self.client.post(
            path,
            data={"csrfmiddlewaretoken": self.csrf_token(), **data},
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            timeout=TIMEOUT,
            **kwargs,
        )

    def get_page(self, path: str, *, name: str | None = None, **kwargs):
        return self.client.get(
            path,
            name=name or path,
            allow_redirects=False,
            catch_response=True,
            timeout=TIMEOUT,
            **kwargs,
        )

    def sign_in(self, path: str, email: str, *, expect_redirect_prefix: str) -> None:
        """Sign in, or stop this user: never retry a sign-in (throttling)."""
        with self.get_page(path) as page:
            if page.status_code != 200 or not self.csrf_token():
                problem = page.error if no_answer(page) else "or no csrftoken cookie"
                page.failure(f"sign-in page {path}: {page.status_code} {problem}")
                raise StopUser()
        with self.form_post(
            path,
            {"username": email, "password": PASSWORD},
            referer=path,
            name=f"{path} [POST]",
        ) as response:
            target = location(response)
            if response.status_code == 302 and target.startswith(expect_redirect_prefix):
                response.success()
                return
            answer = response.error if no_answer(response) else target or "no redirect"
            response.failure(
                f"sign-in as {email} failed: {response.status_code} -> {answer}"
                " (not retried: failed sign-ins are throttled)"
            )
        raise StopUser()


# --- Staff ---------------------------------------------------------------------------------

_staff_numbers = itertools.count()


class Staff(SignInMixin, HttpUser):
    """An admin or office manager: the client list, search, profiles, and Make
    Inactive / Re-Activate of the two clients this user added."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.login = STAFF_LOGINS[next(_staff_numbers) % len(STAFF_LOGINS)]
        self.own: list[LedgerClient] = []
        self.seen_ids: set[int] = set()
        # Where this user is in each tab: the "Next" link it last saw.
        self.next_links: dict[str, str | None] = {"active": None, "inactive": None, "all": None}
        self.sign_in("/signin/", self.login, expect_redirect_prefix="/clients/")
        for _ in range(CLIENTS_PER_STAFF_USER):
            self.add_client()

    # -- writes --

    def add_client(self) -> None:
        with self.get_page("/clients/add/") as page:
            if page.status_code != 200:
                page.failure(f"add client form: {page.status_code}")
                return
        key = uuid.uuid4().hex[:8]
        name = f"Load {key}"
        email = f"load-{RUN_ID}-{key}@example.com"
        data = {
            "name": name,
            "email": email,
            "phone": f"555 01{random.randint(0, 99):02d}",
            "address": f"{random.randint(1, 999)} Load Street\r\nSpringfield",
            "notes": f"Added by the load test {MARKER}.",
        }
        created: list[LedgerClient] = []

        def on_done() -> None:
            LEDGER.clients[created[0].id] = created[0]

        def on_uncertain() -> None:
            LEDGER.uncertain_creates += 1

        with (
            write(on_done, on_uncertain) as outcome,
            self.form_post(
                "/clients/add/", data, referer="/clients/add/", name="/clients/add/ [POST]"
            ) as response,
        ):
            if no_answer(response):
                response.failure(f"add client: no answer ({response.error})")
                return
            match = re.fullmatch(r"/clients/(\d+)/", location(response))
            if response.status_code == 302 and match:
                created.append(LedgerClient(id=int(match[1]), name=name, email=email))
                outcome.done()
                response.success()
            else:
                outcome.not_done()
                response.failure(f"add client {email}: {response.status_code}, not a redirect")
                return
        self.own.append(created[0])
        # The browser follows the redirect: the profile shows "Added …".
        self.open_profile(created[0].id, expect=created[0])

    def change_status(self, client: LedgerClient, action: str) -> None:
        """Make Inactive or Re-Activate, as htmx sends it from the profile's dialog.

        Both a success and a refusal ("already inactive") answer 200 with the
        profile partial and the message out of band, so the message decides.
        """
        expect_success = (action == "deactivate") == client.is_active
        data = {"reason": f"{MARKER} {action} by {self.login}"}
        if action == "deactivate":
            data |= {"delete_future_events": "on", "delete_templates": "on"}
        if action == "deactivate":
            success_text = f"{client.name} is now inactive."
        else:
            success_text = f"{client.name} is active again."
        refusal_text = (
            f"{client.name} is already {'inactive' if action == 'deactivate' else 'active'}. "
            "Nothing was changed."
        )
        label = f"/clients/[id]/{action}/ [POST{'' if expect_success else ', refusal expected'}]"

        def on_done() -> None:
            client.actions.append(action)

        def on_uncertain() -> None:
            client.uncertain = action

        profile = f"/clients/{client.id}/"
        with (
            write(on_done, on_uncertain) as outcome,
            self.form_post(
                f"{profile}{action}/",
                data,
                referer=profile,
                headers={"HX-Request": "true", "HX-Current-URL": self.host.rstrip("/") + profile},
                name=label,
            ) as response,
        ):
            if no_answer(response):
                response.failure(f"{action} client {client.id}: no answer ({response.error})")
                return
            found = messages_of(response.text) if response.status_code == 200 else []
            succeeded = any(lvl == "success" and txt.startswith(success_text) for lvl, txt in found)
            refused = any(lvl == "error" and txt == refusal_text for lvl, txt in found)
            if response.status_code != 200 or succeeded == refused:
                outcome.not_done()
                response.failure(
                    f"{action} client {client.id}: {response.status_code}, "
                    f"unclear answer, messages {found}"
                )
                return
            if succeeded:
                outcome.done()
            else:
                outcome.not_done()
                LEDGER.refusals_seen += 1
            # Done or refused, the client ends up as the action says.
            badge = "badge-inactive" if action == "deactivate" else "badge-active"
            if expect_success != succeeded:
                response.failure(
                    f"{action} client {client.id}: "
                    f"{'succeeded' if succeeded else 'refused'}, expected the opposite: {found}"
                )
            elif f'class="badge {badge}"' not in response.text:
                response.failure(f"{action} client {client.id}: the profile shows the wrong status")
            else:
                response.success()

    # -- reads --

    def open_profile(self, client_id: int, *, expect: LedgerClient | None = None) -> None:
        with self.get_page(f"/clients/{client_id}/", name="/clients/[id]/") as response:
            if response.status_code != 200:
                response.failure(f"profile {client_id}: {response.status_code}")
            elif expect is not None and expect.uncertain is None:
                badge = "badge-active" if expect.is_active else "badge-inactive"
                if f'class="badge {badge}"' not in response.text:
                    response.failure(
                        f"profile {client_id}: expected {badge} after {expect.actions}"
                    )
                else:
                    response.success()
            else:
                response.success()

    def list_page(self, params: dict, name: str, *, htmx: bool = False) -> str | None:
        headers = {"HX-Request": "true"} if htmx else {}
        with self.get_page("/clients/", name=name, params=params, headers=headers) as response:
            if response.status_code != 200 or 'id="results"' not in response.text:
                response.failure(f"client list {params}: {response.status_code}")
                return None
            response.success()
            self.seen_ids.update(int(pk) for pk in CLIENT_LINK.findall(response.text))
            return response.text

    @task(4)
    def browse_list(self) -> None:
        # Page by page, as people do: follow the "Next" link (keyset pages),
        # back to the first page after the last.
        status = random.choice(["active", "active", "inactive", "all"])
        params = {"status": status}
        if self.next_links[status]:
            params["after"] = self.next_links[status]
        html = self.list_page(params, f"/clients/?status={status}&after=...")
        if html is not None:
            match = NEXT_LINK.search(html)
            self.next_links[status] = match[1] if match else None
            note_search_terms(html)

    @task(3)
    def search(self) -> None:
        term = random.choice(sorted(SEARCH_TERMS))
        status = random.choice(["active", "all"])
        # Search as you type (htmx, the results only) or submitted (the page).
        htmx = random.random() < 0.5
        name = f"/clients/?status={status}&q=... [{'htmx' if htmx else 'page'}]"
        self.list_page({"status": status, "q": term}, name, htmx=htmx)

    @task(3)
    def profile(self) -> None:
        if self.own and random.random() < 0.3:
            client = random.choice(self.own)
            self.open_profile(client.id, expect=client)
        elif self.seen_ids:
            self.open_profile(random.choice(sorted(self.seen_ids)))

    @task(3)
    def toggle_status(self) -> None:
        candidates = [c for c in self.own if c.uncertain is None]
        if not candidates:
            return
        client = random.choice(candidates)
        self.change_status(client, "deactivate" if client.is_active else "reactivate")

    @task(1)
    def repeat_status_change(self) -> None:
        """A double click: the same action again must be refused, and not recorded."""
        candidates = [c for c in self.own if c.uncertain is None]
        if not candidates:
            return
        client = random.choice(candidates)
        self.change_status(client, "reactivate" if client.is_active else "deactivate")


# --- The client portal ---------------------------------------------------------------------


class PortalClient(SignInMixin, HttpUser):
    """client@example.com in the portal: dashboard, own details, request a service."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.sign_in("/portal/signin/", CLIENT_LOGIN, expect_redirect_prefix="/portal/")

    def portal_page(self, path: str, must_contain: str) -> str | None:
        with self.get_page(path) as response:
            if response.status_code != 200 or must_contain not in response.text:
                target = location(response)
                response.failure(
                    f"{path}: {response.status_code}"
                    + (f" -> {target} (session ended?)" if target else "")
                )
                return None
            response.success()
            return response.text

    @task(4)
    def dashboard(self) -> None:
        self.portal_page("/portal/", 'href="/portal/request/"')

    @task(2)
    def profile(self) -> None:
        self.portal_page("/portal/profile/", CLIENT_LOGIN)

    @task(2)
    def request_service(self) -> None:
        form = self.portal_page("/portal/request/", 'name="service_type"')
        if form is None:
            return
        services = [int(pk) for pk in SERVICE_RADIO.findall(form)]
        pets = PET_CHECKBOX.findall(form)
        if not services or not pets:
            log.warning("The request form offers no service or no pet; nothing requested.")
            return
        SERVICE_TYPE_IDS.update(services)
        day, at = request_time()
        data = {
            "service_type": str(random.choice(services)),
            "pets": random.sample(pets, random.randint(1, len(pets))),
            "date": day.isoformat(),
            "time": at.strftime("%H:%M"),
            "note": note_text("portal"),
        }

        def on_done() -> None:
            LEDGER.portal_requests += 1

        def on_uncertain() -> None:
            LEDGER.uncertain_portal_requests += 1

        with (
            write(on_done, on_uncertain) as outcome,
            self.form_post(
                "/portal/request/", data, referer="/portal/request/", name="/portal/request/ [POST]"
            ) as response,
        ):
            if no_answer(response):
                response.failure(f"portal request: no answer ({response.error})")
                return
            if response.status_code == 302 and location(response) == "/portal/":
                outcome.done()
                response.success()
            else:
                outcome.not_done()
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.text or "")
                response.failure(
                    f"portal request for {day} {at:%H:%M}: {response.status_code} -> "
                    f"{location(response) or 'no redirect'} {errors[:3]}"
                )
                return
        # The browser follows the redirect: the dashboard says "Thanks! …".
        with self.get_page("/portal/", name="/portal/ [after request]") as response:
            found = messages_of(response.text) if response.status_code == 200 else []
            if any(lvl == "success" and txt.startswith("Thanks!") for lvl, txt in found):
                response.success()
            else:
                response.failure(f"dashboard after a request: {response.status_code}, {found}")


# --- The app API ---------------------------------------------------------------------------


class AppClient(HttpUser):
    """client@example.com in the app: token, me, upcoming visits, request a service."""

    weight = 1
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.token = ""
        self.pet_ids: list[int] = []
        self.sign_in()

    def on_stop(self) -> None:
        if self.token:
            with self.api("post", "/auth/logout") as response:
                if response.status_code == 204:
                    response.success()
                else:
                    response.failure(f"sign out: {response.status_code}")
            self.token = ""

    def api(self, method: str, path: str, **kwargs):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.client.request(
            method,
            API + path,
            name=kwargs.pop("name", f"{API}{path}"),
            headers=headers,
            catch_response=True,
            allow_redirects=False,
            timeout=TIMEOUT,
            **kwargs,
        )

    def sign_in(self) -> None:
        """A token, or stop this user: never retry a sign-in (throttling)."""
        self.token = ""
        with self.api(
            "post", "/auth/token", json={"email": CLIENT_LOGIN, "password": PASSWORD}
        ) as response:
            body = self.json(response)
            if response.status_code == 200 and body.get("token"):
                self.token = body["token"]
                response.success()
                return
            response.failure(
                f"token for {CLIENT_LOGIN}: {response.status_code} {body.get('detail')}"
                " (not retried: failed sign-ins are throttled)"
            )
        raise StopUser()

    @staticmethod
    def json(response) -> dict | list:
        try:
            return response.json()
        except ValueError:
            return {}

    def expect_json(self, response, what: str):
        body = self.json(response)
        if response.status_code == 200:
            response.success()
            return body
        detail = body.get("detail") if isinstance(body, dict) else None
        response.failure(f"{what}: {response.status_code} {detail}")
        if response.status_code == 401:
            # The token ended (it should not during a run): one new one.
            self.sign_in()
        return None

    @task(2)
    def me(self) -> None:
        with self.api("get", "/me") as response:
            body = self.expect_json(response, "me")
            if isinstance(body, dict):
                self.pet_ids = [pet["id"] for pet in body.get("pets", [])]

    @task(3)
    def upcoming(self) -> None:
        # A page of at most 20 ({"items": [...], "next": cursor}); now and
        # then the next page too, as the app does when scrolled.
        with self.api("get", "/events/upcoming") as response:
            body = self.expect_json(response, "events/upcoming")
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            return
        SERVICE_TYPE_IDS.update(event["service"]["id"] for event in body["items"])
        if body.get("next") and random.random() < 0.3:
            with self.api(
                "get",
                "/events/upcoming",
                params={"cursor": body["next"]},
                name="/api/app/v1/events/upcoming?cursor=...",
            ) as response:
                self.expect_json(response, "events/upcoming, next page")

    @task(2)
    def request_service(self) -> None:
        if not self.pet_ids:
            self.me()
        if not self.pet_ids or not SERVICE_TYPE_IDS:
            # The service types come from the visits the client already has
            # (or from the portal's form): the API lists none of its own.
            self.upcoming()
        if not self.pet_ids or not SERVICE_TYPE_IDS:
            return
        day, at = request_time()
        starts_at = datetime.combine(day, at, tzinfo=BUSINESS_TZ)
        payload = {
            "service_type_id": random.choice(sorted(SERVICE_TYPE_IDS)),
            "pet_ids": random.sample(self.pet_ids, random.randint(1, len(self.pet_ids))),
            "starts_at": starts_at.isoformat(),
            "note": note_text("app"),
        }

        def on_done() -> None:
            LEDGER.api_requests += 1

        def on_uncertain() -> None:
            LEDGER.uncertain_api_requests += 1

        with (
            write(on_done, on_uncertain) as outcome,
            self.api("post", "/events/requests", json=payload) as response,
        ):
            if no_answer(response):
                response.failure(f"API request: no answer ({response.error})")
                return
            body = self.json(response)
            if (
                response.status_code == 201
                and isinstance(body, dict)
                and body.get("status") == "requested"
            ):
                outcome.done()
                response.success()
            else:
                outcome.not_done()
                response.failure(
                    f"API request {payload['starts_at']}: {response.status_code} {body}"
                )
