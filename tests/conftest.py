import os
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.utils import timezone

from clients.services import deactivate_client
from petcare.roles import ensure_roles

from . import factories

REQUIRE_POSTGRES = os.environ.get("PETCARE_REQUIRE_POSTGRES") == "1"
# Set by CI's late-night run: the whole session starts at this moment (an
# ISO time) and the clock runs on from there, so a test that reads "now"
# carelessly fails at any hour, not only between midnight and 5 a.m. UTC.
FAKE_NOW = os.environ.get("PETCARE_FAKE_NOW", "")


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    clock = f"; the clock starts at {FAKE_NOW}" if FAKE_NOW else ""
    return f"petcare database: {engine}{clock}"


@pytest.fixture(autouse=True, scope="session")
def clock_of_the_run():
    """PETCARE_FAKE_NOW: the process clock (time.time, datetime.now, ...) of
    the whole run starts there and ticks on (time-machine); the browser, the
    database server and other processes keep theirs."""
    if not FAKE_NOW:
        yield
        return
    with time_machine.travel(FAKE_NOW, tick=True):
        yield


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if REQUIRE_POSTGRES and not on_postgres:
        raise pytest.UsageError(
            "PETCARE_REQUIRE_POSTGRES=1 but DATABASE_URL does not point to PostgreSQL."
        )
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Real hashing is slow on purpose; tests need it correct, not slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_throttling(settings):
    """Every test signs in from 127.0.0.1; only the throttling tests count
    failures (they ask for the ``throttling`` fixture)."""
    settings.AXES_ENABLED = False


@pytest.fixture
def throttling(settings, db):
    from axes.models import AccessAttempt, AccessFailureLog

    settings.AXES_ENABLED = True
    AccessAttempt.objects.all().delete()
    AccessFailureLog.objects.all().delete()
    yield
    AccessAttempt.objects.all().delete()


@pytest.fixture
def roles(django_db_blocker):
    """The groups of the data migration; transactional tests flush them."""
    with django_db_blocker.unblock():
        ensure_roles(apps, using=connection.alias)


@pytest.fixture
def office_manager(db, roles):
    return factories.OfficeManagerFactory(email="manager@example.com")


@pytest.fixture
def admin_user(db, roles):
    return factories.AdminFactory(email="admin@example.com")


@pytest.fixture
def sitter(db, roles):
    return factories.SitterFactory(email="sitter@example.com")


@pytest.fixture
def manager_client(client, office_manager):
    """Django's test client signed in as an office manager."""
    client.force_login(office_manager)
    return client


@pytest.fixture
def password_hashes(monkeypatch):
    """Counts the password hashes computed (MD5 is the tests' hasher): Django's
    hasher, wrapped, not our code."""
    calls = []
    original = MD5PasswordHasher.encode

    def counting_encode(self, password, salt):
        calls.append(password)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting_encode)
    return calls


@pytest.fixture
def now():
    """One moment for the whole test."""
    return timezone.now()


@pytest.fixture
def business_in_new_york(settings):
    """The business's clock and opening hours, pinned: the tests' times are New York's."""
    settings.TIME_ZONE = "America/New_York"
    settings.BUSINESS_OPENING_HOURS = "07:00-20:00"


@pytest.fixture
def walk(db):
    return factories.ServiceTypeFactory(name="30 min dog walk", duration=timedelta(minutes=30))


@pytest.fixture
def active_login(roles):
    """Pat, the portal login of an active client."""
    return factories.ClientLoginFactory(
        email="pat@example.com", client__name="Pat Active", first_name="Pat"
    )


@pytest.fixture
def inactive_login(roles, office_manager):
    """The portal login of a client made inactive."""
    login = factories.ClientLoginFactory(email="gone@example.com", client__name="Gone Client")
    deactivate_client(login.client, actor=office_manager)
    login.refresh_from_db()
    return login
