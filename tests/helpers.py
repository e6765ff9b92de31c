"""Plain helpers that test modules of more than one app share: times on the
business's clock, rows as the database holds them, visits and clients with a
schedule, the portal's sign-in, and threads for the PostgreSQL races.

Fixtures live in conftest.py, factories in factories.py; what only one folder's
modules share lives in that folder's conftest.py or helpers.py.
"""

import re
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from scheduling.models import EventPet, EventStatus, ScheduledEvent
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")  # the business's time zone in the tests
HTMX = {"HX-Request": "true"}
PORTAL_LOGIN = "/portal/signin/"
INACTIVE_TEXT = "Your account is no longer active. To use the portal again, contact"


# --- Time ------------------------------------------------------------------------------


def at(hour: int, minute: int = 0, *, day: date, tz=NEW_YORK) -> datetime:
    """``hour:minute`` on ``day`` on the wall clock of ``tz``. A module whose tests
    share one day binds it once: ``at = partial(helpers.at, day=DAY)``."""
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def days_ahead(days: int, at: time) -> datetime:
    """``at`` o'clock ``days`` from today on the business's clock (settings.TIME_ZONE),
    for code that reads the clock itself."""
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), at),
        timezone.get_default_timezone(),
    )


# --- What the database holds and refuses -----------------------------------------------


def db_row(obj) -> dict:
    """The object's row as the database holds it now."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def refusal_codes(error: ValidationError) -> dict[str, list[str]]:
    """The codes of a ValidationError, by field."""
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def html_of(response) -> str:
    return response.content.decode()


def rendered(response, template: str) -> str:
    """The HTML of a page that answered 200, rendered from ``template``."""
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    return html_of(response)


# --- Visits and clients with a schedule ------------------------------------------------


def visit(client, starts_at: datetime, *, pets=(), minutes: int = 30, **kwargs) -> ScheduledEvent:
    """A visit of ``client`` from ``starts_at``, ``minutes`` long, for ``pets``."""
    event = factories.ScheduledEventFactory(
        client=client,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        **kwargs,
    )
    if pets:
        event.pets.add(*pets)
    return event


def client_with_a_schedule(*, upcoming: int) -> Client:
    """Jane Cooper with her dog Biscuit, a template for him, ``upcoming`` visits
    still to come (one a day from tomorrow) and one completed three days ago:
    what Make Inactive removes and what it keeps."""
    client = factories.ClientFactory(name="Jane Cooper", email="jane@example.com")
    pet = factories.PetFactory(client=client, name="Biscuit")
    template = factories.TemplateFactory(client=client)
    template.pets.add(pet)
    now = timezone.now()
    for days in range(1, upcoming + 1):
        visit(client, now + timedelta(days=days), pets=[pet])
    visit(client, now - timedelta(days=3), pets=[pet], status=EventStatus.COMPLETED)
    return client


def client_with_a_full_profile(
    *, visits: int, templates: int, pets: int, history: int, sitter, actor, now=None
) -> Client:
    """A client with ``pets`` pets, ``templates`` templates and ``visits`` upcoming
    visits (one an hour from ``now``), each for every pet and with ``sitter``,
    and ``history`` lines of its activity log by ``actor``: all a profile
    shows, in bulk."""
    now = now or timezone.now()
    client = factories.ClientFactory()
    client_pets = factories.PetFactory.create_batch(pets, client=client)
    service_type = factories.ServiceTypeFactory()
    for template in factories.TemplateFactory.create_batch(
        templates, client=client, service_type=service_type, sitter=sitter
    ):
        template.pets.add(*client_pets)
    events = ScheduledEvent.objects.bulk_create(
        ScheduledEvent(
            client=client,
            service_type=service_type,
            sitter=sitter,
            starts_at=now + timedelta(hours=i + 1),
            ends_at=now + timedelta(hours=i + 1, minutes=30),
        )
        for i in range(visits)
    )
    EventPet.objects.bulk_create(
        EventPet(event=event, pet=pet) for event in events for pet in client_pets
    )
    factories.ActivityEntryFactory.create_batch(history, client=client, actor=actor)
    return client


# --- The portal's doors ---------------------------------------------------------------


def portal_sign_in(http, email, password=factories.DEFAULT_PASSWORD):
    return http.post(PORTAL_LOGIN, {"username": email, "password": password})


def invite(http, client_):
    """Staff's Invite to portal for ``client_``."""
    return http.post(reverse("clients:invite", args=[client_.pk]))


def comparable(response) -> str:
    """The page without what differs on every render (CSRF token, CSP nonce)."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'"x-csrftoken": "[^"]+"', "", html)


# --- Threads, for the PostgreSQL races -------------------------------------------------
# Each thread has a database connection of its own, so the tests that use them
# are transactional (django_db(transaction=True)) and ask for the ``roles``
# fixture: a transactional test flushes the groups.


def run_in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list]:
    """Starts ``target`` in a thread of its own; the list receives what it
    returned or the exception it raised. Its connection is closed at the end."""
    outcome: list = []

    def run():
        try:
            outcome.append(target())
        except Exception as exc:  # collected, asserted by the test
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _outcome(thread: threading.Thread, outcome: list) -> object:
    assert not thread.is_alive(), "a thread of the test did not finish in time"
    return outcome[0]


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[object, object]:
    """Runs ``first`` and ``second`` at the same moment, each in a thread of its
    own, released together by a barrier; returns what each returned or raised."""
    barrier = threading.Barrier(2)

    def behind_the_barrier(target):
        def run():
            barrier.wait(timeout=10)
            return target()

        return run

    runs = [run_in_thread(behind_the_barrier(target)) for target in (first, second)]
    for thread, _ in runs:
        thread.join(timeout=20)
    return _outcome(*runs[0]), _outcome(*runs[1])


def run_while_held(
    holder: Callable[[], object], waiter: Callable[[], object]
) -> tuple[object, object, bool]:
    """Runs ``holder`` in a transaction of its own thread and keeps that
    transaction open while ``waiter`` starts in another thread, then commits.
    Returns what each returned or raised, and whether ``waiter`` was still
    waiting (for the row lock ``holder`` took) half a second after it started."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            result = holder()
            locked.set()
            release.wait(timeout=10)
        return result

    holding, held = run_in_thread(hold)
    assert locked.wait(timeout=10), held
    waiting, waited = run_in_thread(waiter)
    waiting.join(timeout=0.5)
    was_waiting = waiting.is_alive()
    release.set()
    holding.join(timeout=10)
    waiting.join(timeout=10)
    return _outcome(holding, held), _outcome(waiting, waited), was_waiting
