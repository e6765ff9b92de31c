"""Email is background work (petcare.mail, docs/architecture.md "Background
work"): enqueued only after the change commits, built from ids when it runs,
not sent when it should no longer go, retried when the mail server fails,
and never undoing the change that asked for it."""

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import default_task_backend
from django.tasks.signals import task_enqueued
from django.test import TestCase
from django_tasks_db.models import DBTaskResult

from clients.models import Client
from clients.services import deactivate_client, invite_client
from petcare.mail import MAX_ATTEMPTS, deliver
from petcare.models import ActivityEntry
from tests import factories
from tests.flaky_mail import FlakyBackend

pytestmark = pytest.mark.django_db

BASE_URL = "https://petcare.example/"
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
FLAKY = {"default": {"BACKEND": "tests.flaky_mail.FlakyBackend"}}


@pytest.fixture
def flaky_mail(settings):
    settings.MAILERS = FLAKY
    FlakyBackend.failures = 0
    FlakyBackend.attempts = 0
    mail.outbox = []
    return FlakyBackend


@pytest.fixture
def enqueued():
    names = []

    def on_enqueued(sender, task_result, **kwargs):
        names.append((task_result.task.name, task_result.kwargs))

    task_enqueued.connect(on_enqueued)
    yield names
    task_enqueued.disconnect(on_enqueued)


def test_the_invitation_is_enqueued_only_when_the_change_commits(
    office_manager, enqueued, django_capture_on_commit_callbacks
):
    client = factories.ClientFactory(email="jo@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite_client(client, actor=office_manager, base_url=BASE_URL)

    # Not yet committed: nothing enqueued, nothing sent.
    assert enqueued == [] and mail.outbox == []
    for callback in callbacks:
        callback()
    assert [name for name, _ in enqueued] == ["deliver"]
    assert mail.outbox[0].to == ["jo@example.com"]


def test_a_rolled_back_invitation_enqueues_nothing(office_manager, enqueued):
    client = factories.ClientFactory(email="jo@example.com")

    with pytest.raises(RuntimeError), TestCase.captureOnCommitCallbacks(execute=True):
        from django.db import transaction

        with transaction.atomic():
            invite_client(client, actor=office_manager, base_url=BASE_URL)
            raise RuntimeError("the request failed after the service")

    assert enqueued == [] and mail.outbox == []
    assert not client.logins.exists()


def test_the_queue_holds_ids_not_the_one_time_link(
    office_manager, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    client = factories.ClientFactory(email="jo@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_client(client, actor=office_manager, base_url=BASE_URL)

    (queued,) = default_task_backend.results
    assert queued.kwargs == {
        "kind": "invitation",
        "params": {"login_id": invitation.login.pk, "base_url": BASE_URL},
        "attempt": 1,
    }
    assert mail.outbox == []


def test_an_invitation_queued_before_make_inactive_is_not_sent(
    office_manager, settings, django_capture_on_commit_callbacks, caplog
):
    settings.TASKS = DUMMY
    client = factories.ClientFactory(email="jo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite_client(client, actor=office_manager, base_url=BASE_URL)
    deactivate_client(client, actor=office_manager)
    (queued,) = default_task_backend.results

    with caplog.at_level(logging.INFO, logger="petcare.tasks"):
        outcome = deliver.call(**queued.kwargs)

    assert outcome == "skipped"
    assert mail.outbox == []
    assert "kind=invitation" in caplog.text and "outcome=skipped" in caplog.text


def test_a_reset_queued_before_make_inactive_is_not_sent(
    client, office_manager, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    login = factories.ClientLoginFactory(email="pat@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/password-reset/", {"email": "pat@example.com"})
    deactivate_client(login.client, actor=office_manager)
    (queued,) = default_task_backend.results

    assert deliver.call(**queued.kwargs) == "skipped"
    assert mail.outbox == []


def test_a_failed_delivery_is_retried_and_logged_then_sent(
    office_manager, flaky_mail, django_capture_on_commit_callbacks, caplog
):
    flaky_mail.failures = 2
    client = factories.ClientFactory(email="jo@example.com")

    with (
        caplog.at_level(logging.INFO, logger="petcare.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invite_client(client, actor=office_manager, base_url=BASE_URL)

    assert flaky_mail.attempts == 3
    assert [m.to for m in mail.outbox] == [["jo@example.com"]]
    lines = [r.getMessage() for r in caplog.records if r.name == "petcare.tasks"]
    assert [line.split("outcome=")[1] for line in lines] == [
        "retrying_in_60s:SMTPServerDisconnected",
        "retrying_in_300s:SMTPServerDisconnected",
        "sent",
    ]
    assert all("jo@example.com" not in line for line in lines)


def test_a_delivery_that_keeps_failing_gives_up_and_undoes_nothing(
    office_manager, flaky_mail, django_capture_on_commit_callbacks, caplog
):
    flaky_mail.failures = 100
    client = factories.ClientFactory(email="jo@example.com")

    with (
        caplog.at_level(logging.INFO, logger="petcare.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = invite_client(client, actor=office_manager, base_url=BASE_URL)

    assert flaky_mail.attempts == MAX_ATTEMPTS
    assert mail.outbox == []
    errors = [r for r in caplog.records if r.name == "petcare.tasks" and r.levelname == "ERROR"]
    assert [r.getMessage().split("outcome=")[1] for r in errors] == [
        "gave_up:SMTPServerDisconnected"
    ]
    # The invitation itself stands: the login exists, the history says so.
    assert Client.objects.get(pk=client.pk).logins.get() == invitation.login
    assert ActivityEntry.objects.filter(action="client.invited", object_id=client.pk).exists()


# The worker closes and reopens its connection between tasks, as in
# production: a real transaction per task, not the test's wrapping one.
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_the_database_queue_holds(
    office_manager, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE
    client = factories.ClientFactory(email="jo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite_client(client, actor=office_manager, base_url=BASE_URL)
    assert mail.outbox == []
    (queued,) = DBTaskResult.objects.all()
    assert queued.status == "READY"

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert [m.to for m in mail.outbox] == [["jo@example.com"]]
    assert "/portal/invitation/" in mail.outbox[0].body
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


# The worker closes and reopens its connection between tasks, as in
# production: a real transaction per task, not the test's wrapping one.
@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_a_failure_later_not_at_once(
    office_manager, settings, flaky_mail, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE
    flaky_mail.failures = 1
    client = factories.ClientFactory(email="jo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invite_client(client, actor=office_manager, base_url=BASE_URL)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "SUCCESSFUL"  # it ran, and queued its retry
    assert first.return_value == "retrying"
    assert retry.status == "READY" and retry.args_kwargs["kwargs"]["attempt"] == 2
    assert 59 <= (retry.run_after - first.finished_at).total_seconds() <= 61
    assert mail.outbox == []
