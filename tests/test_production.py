"""What production needs beyond the pages (docs/deploy.md): the health check,
static files from the app server, the one switch for plain HTTP on loopback,
and the production defaults of storage and background work."""

import json
import re

import pytest
from django.db import OperationalError, connection
from django.test import Client as HttpClient
from django.test import override_settings

from tests.test_site import run_manage

pytestmark = pytest.mark.django_db

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 20 + "Z9!x" * 12}


# Health -----------------------------------------------------------------------------


def test_health_says_ok_with_one_query_and_nothing_else(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_health_answers_head_without_a_body(client):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_health_refuses_other_methods_and_says_which(client, method):
    response = getattr(client, method)("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.content == b"Use GET or HEAD.\n"


def test_health_answers_a_load_balancer_asking_by_address_over_plain_http(settings):
    # In production every other page is redirected to HTTPS and needs an
    # allowed host name; a balancer asks http://10.0.0.5/healthz.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["petcare.example.com"]
    http = HttpClient(HTTP_HOST="10.0.0.5")

    assert http.get("/healthz").status_code == 200
    assert http.get("/signin/").status_code == 400  # not an allowed host
    assert HttpClient(HTTP_HOST="petcare.example.com").get("/signin/").status_code == 301


def test_health_says_unavailable_when_the_database_is_down(client, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db" failed: secret detail')

    monkeypatch.setattr(connection, "cursor", refuse)  # Django's, standing in for the network
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content == b"unavailable\n"
    assert "secret detail" not in caplog.text
    assert "database unavailable (OperationalError)" in caplog.text


# Static files -----------------------------------------------------------------------


def test_collectstatic_writes_hashed_compressed_files_that_production_serves_for_a_year(
    tmp_path,
):
    # Our own files only: compressing the admin's and the API docs' files
    # takes about 40 s (deploy/smoke.sh collects everything, in CI).
    result = run_manage(
        "collectstatic",
        "--noinput",
        "--ignore=admin",
        "--ignore=ninja",
        STATIC_ROOT=str(tmp_path),
        ALLOWED_HOSTS="x",
        timeout=300,
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (tmp_path / (hashed + suffix)).is_file()

    with override_settings(
        STATIC_ROOT=tmp_path,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    ):
        http = HttpClient()
        brotli = http.get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip, br")
        gzip = http.get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")

    assert brotli.status_code == 200
    assert brotli["Content-Encoding"] == "br"
    assert brotli["Cache-Control"] == "max-age=315360000, public, immutable"
    assert gzip["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in brotli["Vary"]


# Settings ---------------------------------------------------------------------------


def production_setting(expression: str, **env) -> str:
    result = run_manage(
        "shell", "-c", f"from django.conf import settings; print({expression})", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_defaults_to_the_database_queue_and_hashed_static_files():
    env = {**PRODUCTION, "ALLOWED_HOSTS": "petcare.example.com"}

    assert production_setting("settings.TASKS['default']['BACKEND']", **env) == (
        "django_tasks_db.DatabaseBackend"
    )
    assert production_setting("settings.STORAGES['staticfiles']['BACKEND']", **env) == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_local_use_runs_tasks_at_once():
    from django.conf import settings

    assert settings.TASKS["default"]["BACKEND"] == (
        "django.tasks.backends.immediate.ImmediateBackend"
    )


def test_plain_http_on_loopback_relaxes_only_the_https_settings():
    env = {**PRODUCTION, "ALLOWED_HOSTS": "127.0.0.1,localhost", "PLAIN_HTTP_ON_LOOPBACK": "1"}
    names = [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
        "SESSION_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
    ]
    expression = "[" + ", ".join(f"settings.{name}" for name in names) + "]"

    assert production_setting(expression, **env) == (
        "[False, False, False, 31536000, False, True, 'DENY']"
    )
    assert production_setting(expression, **{**env, "PLAIN_HTTP_ON_LOOPBACK": "0"}) == (
        "[True, True, True, 31536000, False, True, 'DENY']"
    )


def test_plain_http_is_refused_for_a_server_other_machines_reach():
    result = run_manage(
        "check",
        **PRODUCTION,
        ALLOWED_HOSTS="127.0.0.1,petcare.example.com",
        PLAIN_HTTP_ON_LOOPBACK="1",
    )

    assert result.returncode != 0
    assert "PLAIN_HTTP_ON_LOOPBACK=1 is only for a server on this machine" in result.stderr


def test_the_connection_pool_is_on_only_when_sized(monkeypatch):
    from petcare.settings import database_from_url

    url = "postgres://petcare@db.example.com/petcare?sslmode=require"
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE", raising=False)
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "")
    assert database_from_url(url)["OPTIONS"] == {"sslmode": "require"}

    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "8")
    assert database_from_url(url)["OPTIONS"] == {
        "sslmode": "require",
        "pool": {"min_size": 1, "max_size": 8, "timeout": 10},
    }


def test_head_gets_the_headers_of_get_and_no_body(rf):
    from django.http import HttpResponse

    from petcare.middleware import HeadWithoutBodyMiddleware

    middleware = HeadWithoutBodyMiddleware(lambda request: HttpResponse("<p>the page</p>"))
    head, get = middleware(rf.head("/signin/")), middleware(rf.get("/signin/"))

    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content)) == "15"
    assert get.content == b"<p>the page</p>"
