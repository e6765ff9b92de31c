"""The smoke test: drive a running Petcare over HTTP as its people do.

    python deploy/smoke.py http://127.0.0.1:8000 /tmp/mailbox

Expects the demo sign-ins (``manage.py demo --no-serve`` loaded them) and a
worker sending mail to an SMTP server that drops each message into the
mailbox folder (deploy/smtp_sink.py). Checks, in order: the health check,
staff sign-in, Make Inactive, the portal refusing the inactive client,
Re-Activate and the client signing in again, a static file served compressed
with a year's cache, and an invitation delivered by the worker. Prints one
line per check; exits 1 at the first that fails.
"""

import re
import sys
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import brotli  # whitenoise[brotli]'s dependency

PASSWORD = "petcare-demo"
STAFF = "admin@example.com"
CLIENT_LOGIN = "client@example.com"


class NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and CSRF like a browser; redirects are checked, not followed."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar), NoRedirects)

    def request(self, method: str, path: str, data: dict | None = None, headers=None):
        body = None
        headers = dict(headers or {})
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.csrf_token()}
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + path
        request = Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict):
        return self.request("POST", path, data=data)

    def csrf_token(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")


def check(what: str, condition: bool, detail: str = "") -> None:
    print(f"{'ok  ' if condition else 'FAIL'} {what}{f': {detail}' if detail else ''}")
    if not condition:
        sys.exit(1)


def sign_in(browser: Browser, page: str, email: str) -> tuple[int, dict, bytes]:
    browser.get(page)  # the CSRF cookie
    return browser.post(page, {"username": email, "password": PASSWORD})


def main() -> None:
    base, mailbox = sys.argv[1], Path(sys.argv[2])

    status, headers, body = Browser(base).get("/healthz")
    check("GET /healthz answers ok", (status, body) == (200, b"ok\n"), f"{status} {body!r}")
    status, _, body = Browser(base).request("HEAD", "/healthz")
    check("HEAD /healthz answers 200 without a body", (status, body) == (200, b""))

    staff = Browser(base)
    status, headers, _ = sign_in(staff, "/signin/", STAFF)
    check("staff sign in", status == 302 and headers["Location"] == "/clients/", str(status))

    status, _, body = staff.get("/clients/?" + urlencode({"q": CLIENT_LOGIN}))
    found = re.search(rb'href="/clients/(\d+)/"', body)
    check("the client list finds the demo client", status == 200 and found is not None)
    profile = f"/clients/{int(found.group(1))}/"

    status, _, body = staff.get(profile + "deactivate/")
    check("the Make Inactive confirmation opens", status == 200 and b"Make Inactive" in body)
    status, headers, _ = staff.post(
        profile + "deactivate/", {"delete_future_events": "on", "delete_templates": "on"}
    )
    check("Make Inactive", status == 302 and headers["Location"] == profile, str(status))
    _, _, body = staff.get(profile)
    check("the profile shows the client as inactive", b"Inactive since" in body)

    client = Browser(base)
    status, _, body = sign_in(client, "/portal/signin/", CLIENT_LOGIN)
    check(
        "the portal refuses the inactive client, saying why",
        status == 200 and b"Your account is no longer active" in body,
        str(status),
    )

    status, headers, _ = staff.post(profile + "reactivate/", {})
    check("Re-Activate", status == 302 and headers["Location"] == profile, str(status))
    status, headers, _ = sign_in(Browser(base), "/portal/signin/", CLIENT_LOGIN)
    check("the re-activated client signs in", status == 302, str(status))

    _, _, body = staff.get("/clients/")
    stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
    check("pages link the hashed stylesheet", stylesheet is not None)
    status, headers, css = staff.get(stylesheet.group(1).decode(), **{"Accept-Encoding": "br"})
    check(
        "static files are served with brotli and cached for a year",
        status == 200
        and headers.get("Content-Encoding") == "br"
        and "max-age=315360000" in headers.get("Cache-Control", "")
        and "immutable" in headers.get("Cache-Control", ""),
        f"{status} {headers.get('Content-Encoding')} {headers.get('Cache-Control')}",
    )
    check("the brotli stylesheet decompresses to CSS", b"{" in brotli.decompress(css))

    email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
    status, headers, _ = staff.post(
        "/clients/add/", {"name": "Smoke Test", "email": email, "phone": "", "address": ""}
    )
    check("add a client", status == 302, str(status))
    new_profile = headers["Location"]
    status, headers, _ = staff.post(new_profile + "invite/", {})
    check("Invite to portal", status == 302, str(status))
    deadline = time.monotonic() + 30
    while not (sent := list(mailbox.glob(f"{email}-*.eml"))) and time.monotonic() < deadline:
        time.sleep(0.5)
    check("the worker delivers the invitation over SMTP", len(sent) == 1, f"{len(sent)} found")
    link = re.search(rb"https?://[^\s]+/portal/invitation/[^\s]+", sent[0].read_bytes())
    check("the invitation carries its one-time link", link is not None)
    print("smoke test passed")


if __name__ == "__main__":
    main()
