"""What a request can make the app send is rate-limited (docs/design.md,
"Bad input"): password-reset emails per account and per address,
invitations per client and per staff member; and text boxes have limits
the services enforce whoever calls them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from clients.models import ADDRESS_MAX_LENGTH, REASON_MAX_LENGTH, Client
from clients.services import CannotInvite, deactivate_client, invite_client, update_client
from petcare import rate_limits
from petcare.models import RateLimitHit
from tests import factories

pytestmark = pytest.mark.django_db

RESET = "/portal/password-reset/"


def _ask_reset(email, address="203.0.113.7"):
    # The email is a task enqueued on commit: commit, as a real request does.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return HttpClient(REMOTE_ADDR=address).post(RESET, {"email": email})


def test_a_fourth_reset_within_the_hour_sends_nothing_and_reads_the_same(active_login):
    pages = [_ask_reset(active_login.email) for _ in range(4)]

    assert len(mail.outbox) == 3
    assert {page.status_code for page in pages} == {302}
    assert {page["Location"] for page in pages} == {reverse("portal:password_reset_done")}


def test_the_account_may_ask_again_an_hour_later(active_login, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    for _ in range(3):
        _ask_reset(active_login.email)
    time_machine.shift(timedelta(hours=1, minutes=1))

    _ask_reset(active_login.email)

    assert len(mail.outbox) == 4


def test_one_address_asking_for_many_accounts_is_limited_too(roles):
    logins = [factories.ClientLoginFactory() for _ in range(21)]

    for login in logins:
        _ask_reset(login.email, address="198.51.100.1")

    assert len(mail.outbox) == rate_limits.RESET_PER_ADDRESS.limit == 20


def test_an_unknown_email_counts_like_a_known_one(roles):
    for _ in range(4):
        _ask_reset("nobody@example.com")

    assert RateLimitHit.objects.filter(key="reset-account:nobody@example.com").count() == 3
    assert not mail.outbox


def test_a_fourth_invitation_within_the_hour_is_refused_with_a_reason(
    office_manager, django_capture_on_commit_callbacks
):
    client = factories.ClientFactory(email="jo@example.com")
    base_url = "https://petcare.example/"
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            invite_client(client, actor=office_manager, base_url=base_url)

    with pytest.raises(CannotInvite, match="wait an hour before sending another"):
        invite_client(client, actor=office_manager, base_url=base_url)

    assert len(mail.outbox) == 3


def test_the_services_refuse_text_beyond_its_limit_whoever_calls(office_manager):
    client = factories.ClientFactory()

    with pytest.raises(ValidationError) as refused:
        update_client(client, actor=office_manager, address="x" * (ADDRESS_MAX_LENGTH + 1))
    assert "address" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:
        deactivate_client(client, actor=office_manager, reason="x" * (REASON_MAX_LENGTH + 1))
    assert "reason" in refused.value.message_dict
    assert Client.objects.get(pk=client.pk).is_active


def test_the_client_form_refuses_a_huge_note_with_a_message(manager_client):
    response = manager_client.post(
        reverse("clients:add"), {"name": "Sam Lee", "notes": "x" * 2_000_000}
    )

    assert response.status_code == 400
    assert "Ensure this value has at most 5000 characters" in response.content.decode()
    assert not Client.objects.exists()
