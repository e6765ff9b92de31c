"""What reaches the log (petcare.logs): a refusal is one line, a server
error keeps its traceback."""

import logging

import pytest
from django.test import Client as HttpClient

from petcare.logs import OneLineRefusals
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_403_is_logged_as_one_line_without_a_traceback(client, sitter, caplog):
    client.force_login(sitter)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/clients/add/")

    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /clients/add/"
    assert record.exc_info is None


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: /", None, None
    )
    record.status_code = 500
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        record.exc_info = (type(error), error, error.__traceback__)

    assert OneLineRefusals().filter(record)
    assert record.exc_info is not None


def test_a_404_is_one_line_too(caplog, roles):
    http = HttpClient()
    http.force_login(factories.OfficeManagerFactory())

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert http.get("/clients/987654/").status_code == 404

    assert all(r.exc_info is None for r in caplog.records if r.name == "django.request")


# One line per request, per service action (petcare.logs) ---------------------------

SECRET_NAME = "Zebulon Quackenbush"


def _lines(caplog, logger):
    return [r.getMessage() for r in caplog.records if r.name == logger]


def test_each_request_is_one_line_with_ids_and_no_query_string(manager_client, caplog):
    from django.urls import reverse

    factories.ClientFactory(name=SECRET_NAME, email="zq@example.com")
    user_id = manager_client.session["_auth_user_id"]

    with caplog.at_level(logging.INFO, logger="petcare.requests"):
        manager_client.get(reverse("clients:list"), {"q": SECRET_NAME})

    (line,) = _lines(caplog, "petcare.requests")
    assert line.startswith("method=GET path=/clients/ status=200 ms=")
    assert line.endswith(f" user={user_id}")
    assert "Zebulon" not in caplog.text and "zq@" not in caplog.text


def test_a_one_time_link_is_logged_without_its_token(client, roles, caplog):
    with caplog.at_level(logging.INFO, logger="petcare.requests"):
        client.get("/portal/reset/MQ/abc123-secret-token/")

    (line,) = _lines(caplog, "petcare.requests")
    assert "secret-token" not in line
    assert "path=/portal/reset/<uidb64>/<token>/" in line


def test_a_service_action_is_logged_once_it_commits_with_ids_only(
    manager_client, office_manager, django_capture_on_commit_callbacks, caplog
):
    from django.urls import reverse

    client = factories.ClientFactory(name=SECRET_NAME, email="zq@example.com")
    url = reverse("clients:deactivate", args=[client.pk])

    with caplog.at_level(logging.INFO, logger="petcare.services"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            manager_client.post(url, {"delete_future_events": "on"})
        assert _lines(caplog, "petcare.services") == []  # not committed yet
        for callback in callbacks:
            callback()
        manager_client.post(url, {"delete_future_events": "on"})  # already inactive

    first, second = _lines(caplog, "petcare.services")
    assert first.startswith(
        f"action=client.deactivate actor={office_manager.pk} object=client:{client.pk} outcome=ok"
    )
    assert second.startswith(
        f"action=client.deactivate actor={office_manager.pk} object=client:{client.pk} "
        "outcome=refused:ClientAlreadyInactive"
    )
    assert "Zebulon" not in caplog.text and "zq@" not in caplog.text


def test_a_service_that_fails_logs_failed_and_never_ok(
    office_manager, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from clients.models import ClientStatusChange
    from clients.services import deactivate_client

    client = factories.ClientFactory()

    def fail(**kwargs):
        raise RuntimeError("the history insert failed")

    # Django's manager, not the code under test.
    monkeypatch.setattr(ClientStatusChange.objects, "create", fail)
    with (
        caplog.at_level(logging.INFO, logger="petcare.services"),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        deactivate_client(client, actor=office_manager)

    (line,) = _lines(caplog, "petcare.services")
    assert f"object=client:{client.pk} outcome=failed:RuntimeError" in line


def test_an_app_api_request_is_logged_with_the_tokens_user(client, roles, caplog):
    from api.tokens import issue_token

    login = factories.ClientLoginFactory(client__name=SECRET_NAME)
    token = issue_token(login).token

    with caplog.at_level(logging.INFO, logger="petcare.requests"):
        response = client.get("/api/app/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    (line,) = _lines(caplog, "petcare.requests")
    assert line.startswith("method=GET path=/api/app/v1/me status=200 ms=")
    assert line.endswith(f" user={login.pk}")
    assert token not in caplog.text and "Zebulon" not in caplog.text
