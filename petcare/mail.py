"""Email as background work, on Django's tasks framework (docs/architecture.md,
"Background work").

A service that sends mail calls ``send_after_commit(kind, **params)`` inside
its transaction. Once (and only if) the transaction commits, the ``deliver``
task is enqueued with the kind and a few ids; in production a worker
(``manage.py db_worker``) runs it, in the demo and the tests it runs at once.

The queue holds ids, never a link or a token: the app that owns a kind
registers a composer (``@composer("invitation")``) that the task calls when it
runs, to build the message from the database as it is then. A composer
returns None when the email should no longer go (the client was made
inactive meanwhile, the password was set): a one-time link is then never
sent to an account that may not use it.

A delivery that fails (the mail server is down) is retried later, up to
MAX_ATTEMPTS, each try logged; it never undoes the change that asked for it,
which committed before the task was even enqueued.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

task_log = logging.getLogger("petcare.tasks")

MAX_ATTEMPTS = 5
# After the 1st, 2nd, 3rd and 4th failure: a blip, a restart, an outage.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)

Composer = Callable[..., EmailMessage | None]
COMPOSERS: dict[str, Composer] = {}


def composer(kind: str) -> Callable[[Composer], Composer]:
    """Register the function that builds the ``kind`` email from ids, when
    the task runs; it returns None when the email should no longer go."""

    def register(build: Composer) -> Composer:
        if kind in COMPOSERS and COMPOSERS[kind] is not build:
            raise ValueError(f"Two composers for the {kind!r} email.")
        COMPOSERS[kind] = build
        return build

    return register


def send_after_commit(kind: str, **params) -> None:
    """Send the ``kind`` email once the current transaction commits (at once
    outside one). ``params`` are ids and plain values (JSON), never secrets."""
    if kind not in COMPOSERS:
        raise ValueError(f"No composer for the {kind!r} email.")
    # robust: a queue that can't take the task (its database is down) is
    # logged; the committed change and its response stand.
    transaction.on_commit(partial(_enqueue, kind, params, attempt=1), robust=True)


def _enqueue(kind: str, params: dict, *, attempt: int, run_after=None) -> None:
    backend_task = deliver
    if run_after is not None and deliver.get_backend().supports_defer:
        backend_task = deliver.using(run_after=run_after)
    backend_task.enqueue(kind=kind, params=params, attempt=attempt)


@task()
def deliver(*, kind: str, params: dict, attempt: int = 1) -> str:
    """Build the ``kind`` email now and send it. Returns what happened:
    ``sent``, ``skipped`` (no longer to go), ``retrying``; raises after the
    last attempt, so the task is recorded as failed."""
    build = COMPOSERS[kind]
    message = build(**params)
    if message is None:
        _log(logging.INFO, kind, params, attempt, "skipped")
        return "skipped"
    try:
        message.send()
    except Exception as error:
        if attempt >= MAX_ATTEMPTS:
            _log(logging.ERROR, kind, params, attempt, f"gave_up:{type(error).__name__}")
            raise
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        _log(
            logging.WARNING,
            kind,
            params,
            attempt,
            f"retrying_in_{int(delay.total_seconds())}s:{type(error).__name__}",
        )
        _enqueue(kind, params, attempt=attempt + 1, run_after=timezone.now() + delay)
        return "retrying"
    _log(logging.INFO, kind, params, attempt, "sent")
    return "sent"


def _log(level: int, kind: str, params: dict, attempt: int, outcome: str) -> None:
    # Ids only: the params of every kind are ids (see send_after_commit).
    ids = " ".join(f"{key}={value}" for key, value in sorted(params.items()) if key.endswith("id"))
    task_log.log(
        level,
        "task=deliver kind=%s %s attempt=%s/%s outcome=%s",
        kind,
        ids or "-",
        attempt,
        MAX_ATTEMPTS,
        outcome,
    )
