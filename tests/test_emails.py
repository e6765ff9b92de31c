"""Plain-text emails read as written: no HTML escaping of names or
addresses (docs/design.md, "Locked out": invitations and password reset)."""

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories
from tests.helpers import invite

pytestmark = pytest.mark.django_db

NAME = "The O'Brien & Sons family"


def test_the_invitation_is_plain_text_without_html_escapes(
    manager_client, django_capture_on_commit_callbacks
):
    client = factories.ClientFactory(name=NAME, email="obrien@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        invite(manager_client, client)

    (sent,) = mail.outbox
    assert f"Hello {NAME}," in sent.body
    assert "&amp;" not in sent.body and "&#x27;" not in sent.body
    assert "&" not in sent.subject.replace(" & ", "")


def test_the_password_reset_email_is_plain_text_without_html_escapes(
    client, roles, settings, django_capture_on_commit_callbacks
):
    settings.BUSINESS_NAME = "Paws & Claws O'Hara"
    login = factories.ClientLoginFactory(
        email="pat@example.com", first_name="Pat", client__name=NAME
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": login.email})

    (sent,) = mail.outbox
    assert "Paws & Claws O'Hara" in sent.body
    assert "Paws & Claws O'Hara" in sent.subject
    assert "&amp;" not in sent.body and "&#x27;" not in sent.body
