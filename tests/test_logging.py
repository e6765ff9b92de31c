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
