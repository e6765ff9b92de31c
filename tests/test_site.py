"""Project-wide behaviour: staff sign-in, CSP, error pages, the admin, settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[1]


def sign_in(client, email, password=factories.DEFAULT_PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


# Staff sign-in -----------------------------------------------------------------


def test_staff_sign_in_page(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Staff sign-in</h1>" in html
    assert 'href="/portal/signin/"' in html


def test_staff_sign_in_is_case_insensitive_and_lands_on_clients(client, office_manager):
    response = sign_in(client, "Manager@Example.COM")
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:list")
    assert client.get(reverse("clients:list")).status_code == 200


def test_staff_sign_in_with_a_wrong_password_says_so(client, office_manager):
    response = sign_in(client, "manager@example.com", "wrong password")
    assert response.status_code == 200
    assert "don&#x27;t match a staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_sign_in_refuses_a_client_login_with_a_link_to_the_portal(client, roles):
    factories.ClientLoginFactory(email="pet.parent@example.com")

    response = sign_in(client, "pet.parent@example.com")

    assert response.status_code == 200
    html = response.content.decode()
    assert "This sign-in is for the business&#x27;s staff." in html
    assert '<a href="/portal/signin/">Go to the client portal</a>' in html
    assert "_auth_user_id" not in client.session


def test_anonymous_visitors_of_staff_pages_go_to_the_sign_in(client):
    for url in (reverse("clients:list"), reverse("scheduling:schedule"), reverse("clients:add")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin/?next=")


def test_a_client_login_on_any_staff_page_gets_a_403_that_links_to_the_portal(client, roles):
    login = factories.ClientLoginFactory()
    client.force_login(login)
    for url in (reverse("clients:list"), reverse("scheduling:schedule")):
        response = client.get(url)
        assert response.status_code == 403
        assert 'href="/portal/signin/"' in response.content.decode()


def test_sign_out_is_a_post_and_says_so(manager_client):
    assert manager_client.get(reverse("logout")).status_code == 405
    response = manager_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "You have signed out." in response.content.decode()
    assert manager_client.get(reverse("clients:list")).status_code == 302


def test_pages_are_never_stored_in_a_cache(client, manager_client):
    for browser, url in [(client, reverse("login")), (manager_client, reverse("clients:list"))]:
        cache_control = browser.get(url).headers["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_home_goes_to_the_client_list(manager_client):
    assert manager_client.get("/")["Location"] == reverse("clients:list")


def test_the_portal_sign_in_names_the_business(client, settings):
    settings.BUSINESS_NAME = "Waggy Walks"
    html = client.get(reverse("portal:login")).content.decode()
    assert "Waggy Walks" in html
    assert 'href="/signin/"' in html


# Content-Security-Policy and no inline code ----------------------------------------


def test_every_page_sends_a_strict_csp_and_carries_no_inline_script_or_style(manager_client):
    client_ = factories.ClientFactory()
    factories.TemplateFactory(client=client_)
    urls = [
        reverse("clients:list"),
        client_.get_absolute_url(),
        reverse("clients:deactivate", args=[client_.pk]),
        reverse("clients:add"),
        reverse("scheduling:schedule"),
    ]
    for url in urls:
        response = manager_client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert re.search(r"script-src 'self' 'nonce-[\w+/=-]+'", csp), csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        html = response.content.decode()
        nonce = re.search(r"'nonce-([\w+/=-]+)'", csp).group(1)
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts, url
        for tag in scripts:
            assert 'src="/static/' in tag, tag
            assert f'nonce="{nonce}"' in tag, tag
        assert not re.search(r"<script[^>]*>[^<]+</script>", html)
        assert " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)
        assert "http://" not in html.replace("http://127.0.0.1", "")
        assert '"allowEval": false' in html


def test_htmx_is_served_from_the_project(client):
    from django.contrib.staticfiles import finders

    assert finders.find("django_htmx/htmx-2.min.js")
    assert finders.find("js/app.js")
    assert finders.find("css/app.css")


# Error pages ---------------------------------------------------------------------


def test_unknown_pages_get_our_404(manager_client):
    response = manager_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn&#x27;t find that page" in response.content.decode()


# The Django admin ----------------------------------------------------------------


@pytest.mark.parametrize(
    "factory,allowed",
    [
        (factories.AdminFactory, True),
        (factories.OfficeManagerFactory, False),
        (factories.SitterFactory, False),
    ],
)
def test_only_the_admin_group_enters_the_django_admin(client, roles, factory, allowed):
    user = factory(is_staff=True)
    client.force_login(user)
    response = client.get("/admin/")
    assert (response.status_code == 200) is allowed


# Settings --------------------------------------------------------------------------


def run_manage(*args, timeout=60, **env):
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE: check --deploy rightly flags it.
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_debug_off_requires_a_secret_key_and_allowed_hosts():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="petcare.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
    result = run_manage("check", DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off." in result.stderr


def test_debug_off_passes_the_deployment_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "Z9!x" * 12,
        ALLOWED_HOSTS="petcare.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_database_url_parsing():
    from petcare.settings import database_from_url

    db = database_from_url(
        "postgres://pet%40care:s3cr%2Ft@db.example.com:6543/petcare?sslmode=require"
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "pet@care",
        "s3cr/t",
        "db.example.com",
        "6543",
        "petcare",
    )
    assert db["OPTIONS"] == {"options": "-c random_page_cost=1.1", "sslmode": "require"}
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_the_planner_setting_can_be_changed_or_left_to_the_server(monkeypatch):
    from petcare.settings import database_from_url

    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "2")
    assert database_from_url("postgres://db/p")["OPTIONS"] == {"options": "-c random_page_cost=2.0"}
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "")
    assert database_from_url("postgres://db/p")["OPTIONS"] == {}


@pytest.mark.postgres
def test_postgresql_sessions_plan_with_a_low_random_page_cost():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
