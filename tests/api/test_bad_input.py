"""The app API under bad input (api.schemas, api.errors): it reads a body only
as JSON, refuses any other media type with 415, and refuses text with a NUL
character, integers no id can be and times outside the schedule's range
with a JSON refusal naming the field, never a 500, on SQLite and PostgreSQL
alike (docs/design.md, "The app API")."""

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client as HttpClient

from api.models import ApiToken
from api.schemas import MAX_ID
from scheduling.models import ScheduledEvent
from tests.api.helpers import REQUESTS_URL, TOKEN_URL, bearer, post_json, sign_in, visit_request
from tests.factories import DEFAULT_PASSWORD as PASSWORD

pytestmark = pytest.mark.django_db

NUL_REFUSED = "Remove the NUL character (\\u0000) from this text."
CREDENTIALS = json.dumps({"email": "pat@example.com", "password": PASSWORD})


@pytest.fixture
def http():
    """A client that answers a server error as a response, to assert on it."""
    return HttpClient(raise_request_exception=False)


# --- Media types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",  # no boundary: Django's form parser raises
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
    ],
)
def test_a_sign_in_not_sent_as_json_is_415_and_counts_nothing(
    http, throttling, login, content_type
):
    # The right password, in a JSON body, under another media type.
    response = http.post(TOKEN_URL, CREDENTIALS, content_type=content_type)

    assert response.status_code == 415
    assert response.json()["detail"] == "unsupported_media_type"
    assert not ApiToken.objects.exists()
    assert not AccessAttempt.objects.exists()


def test_a_sign_in_posted_as_a_form_is_415(http, throttling, login):
    # Django's test client sends a dict as multipart/form-data.
    response = http.post(TOKEN_URL, {"email": "pat@example.com", "password": PASSWORD})

    assert (response.status_code, response.json()["detail"]) == (415, "unsupported_media_type")
    assert not ApiToken.objects.exists()


def test_json_with_a_charset_is_json(http, login):
    response = http.post(TOKEN_URL, CREDENTIALS, content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_a_visit_request_not_sent_as_json_is_415(http, login, token, walk):
    data = json.dumps(visit_request(login, walk))

    response = http.post(REQUESTS_URL, data, content_type="text/plain", headers=bearer(token))

    assert (response.status_code, response.json()["detail"]) == (415, "unsupported_media_type")
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("body", [b"\xff\xfe{", b"[" * 100_000, b'{"email": '])
def test_a_body_that_is_not_json_is_400_malformed_json(http, body):
    response = http.post(TOKEN_URL, body, content_type="application/json")
    assert (response.status_code, response.json()["detail"]) == (400, "malformed_json")


# --- NUL characters and broken text ---------------------------------------------------


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_nul_character_in_a_sign_in_is_422_and_counts_nothing(http, throttling, login, field):
    credentials = {"email": "pat@example.com", "password": PASSWORD}
    credentials[field] += "\x00"

    response = post_json(http, TOKEN_URL, credentials)

    assert response.status_code == 422
    assert response.json()["errors"] == {field: [NUL_REFUSED]}
    assert not AccessAttempt.objects.exists()


def test_a_nul_character_in_a_note_is_422_and_writes_nothing(http, login, token, walk):
    data = visit_request(login, walk, note="Key under\x00the mat")

    response = post_json(http, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["errors"] == {"note": [NUL_REFUSED]}
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_lone_surrogate_is_422(http, field):
    # Valid JSON escapes, but no text: nothing can encode it.
    body = json.dumps({"email": "pat@example.com", "password": "x"}).replace(
        f'"{field}": "', f'"{field}": "\\ud800'
    )
    response = http.post(TOKEN_URL, body, content_type="application/json")
    assert (response.status_code, list(response.json()["errors"])) == (422, [field])


def test_a_note_of_1000_characters_is_taken(http, login, token, walk):
    data = visit_request(login, walk, note="x" * 1000)
    assert post_json(http, REQUESTS_URL, data, headers=bearer(token)).status_code == 201


@pytest.mark.parametrize(("field", "length"), [("email", 255), ("password", 4097)])
def test_sign_in_text_has_a_length_limit(http, field, length):
    credentials = {"email": "pat@example.com", "password": PASSWORD, field: "x" * length}
    response = post_json(http, TOKEN_URL, credentials)
    assert (response.status_code, list(response.json()["errors"])) == (422, [field])


# --- Integers -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [10**30, MAX_ID + 1, 1e30, 0, -1, 1.5, "12", True, None])
@pytest.mark.parametrize("field", ["service_type_id", "pet_ids"])
def test_an_id_is_a_json_integer_in_the_databases_range(http, login, token, walk, field, value):
    data = visit_request(login, walk)
    data[field] = [value] if field == "pet_ids" else value

    response = post_json(http, REQUESTS_URL, data, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["detail"] == "validation_error"
    assert [name.split(".")[0] for name in response.json()["errors"]] == [field]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("field", ["service_type_id", "pet_ids"])
def test_the_largest_id_is_an_id_of_nothing(http, login, token, walk, field):
    data = visit_request(login, walk)
    data[field] = [MAX_ID] if field == "pet_ids" else MAX_ID

    response = post_json(http, REQUESTS_URL, data, headers=bearer(token))

    assert (response.status_code, response.json()["detail"]) == (400, "validation_error")
    assert list(response.json()["errors"]) == [field]


# --- Times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    [
        "9999-12-31T23:59:59-14:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "2200-01-01T10:00:00Z",
        "1999-01-01T10:00:00Z",
    ],
)
def test_a_time_far_outside_the_schedule_is_400_validation_error(
    http, login, token, walk, starts_at
):
    data = visit_request(login, walk, starts_at=starts_at)

    response = post_json(http, REQUESTS_URL, data, headers=bearer(token))

    assert (response.status_code, response.json()["detail"]) == (400, "validation_error")
    assert list(response.json()["errors"]) == ["starts_at"]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize("starts_at", [1900000000, "1900000000", 1.9e9, "2030-05-06", []])
def test_a_time_is_text_with_an_offset_not_a_number(http, login, token, walk, starts_at):
    data = visit_request(login, walk, starts_at=starts_at)

    response = post_json(http, REQUESTS_URL, data, headers=bearer(token))

    assert (response.status_code, list(response.json()["errors"])) == (422, ["starts_at"])


def test_a_sign_in_with_fields_of_the_wrong_type_is_422(http, login):
    response = sign_in(http, 42, ["x"])
    assert (response.status_code, set(response.json()["errors"])) == (422, {"email", "password"})
