"""schemathesis against the app API's own OpenAPI schema (docs/design.md, "The
app API"): requests made from the schema, valid and not, to every operation,
signed in (the bearer token of an active client) and not. No answer is a
server error, every answer is one the schema documents, in the shape it
documents, and every refusal is JSON with a ``detail`` code.

The API runs in this process, through Django's WSGI handler (no server), on
the test database: each request happens in a transaction rolled back after
it, so no example sees another's visits or failed sign-ins (throttling is
on). A fixed seed makes every run make the same requests."""

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from tests.api.helpers import API, bearer

pytestmark = pytest.mark.django_db


class CountingApp:
    """The WSGI application, counting the requests it answers (those the
    checks send on their own included)."""

    def __init__(self, app):
        self.app = app
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


app = CountingApp(WSGIHandler())

# Examples per operation: schemathesis's fuzzing phase stops at this many
# (its coverage phase adds the boundary and type-violating cases it derives
# from the schema). Enough to find what broke this API, in a few seconds.
EXAMPLES = 25

config = schemathesis.Config.from_dict(
    {
        "seed": 20261202,
        "generation": {"max-examples": EXAMPLES},
        "checks": {
            # A well-formed request can still be refused by the rules (the
            # time is past, the pet isn't the client's: 400 validation_error,
            # documented), so 400 counts as an answer to valid data too.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"],
            },
        },
    }
)
schema = schemathesis.openapi.from_wsgi(API + "openapi.json", app, config=config)


def refusals_carry_a_detail_code(ctx, response, case):
    """Every refusal is JSON with a stable ``detail`` code (and a message)."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("message"), str), body
    return True


# Besides schemathesis's own (all of them: server errors, status codes,
# content types, headers and bodies as documented, valid data accepted and
# invalid data refused, authentication not ignored, unexpected methods).
CHECKS = [refusals_carry_a_detail_code]


@dataclass
class Tally:
    examples: int = 0  # requests generated from the schema
    calls: int = 0  # requests answered, the checks' own included


@pytest.fixture
def in_process(throttling, request):
    """Run the API here. Django's test client does the same: a request must
    not close the test's database connection, which holds its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    tally, before = Tally(), app.calls
    yield tally
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    tally.calls = app.calls - before
    # In a JUnit report (--junitxml, -o junit_family=xunit1), per operation.
    request.node.user_properties += [
        ("schemathesis_examples", tally.examples),
        ("schemathesis_calls", tally.calls),
    ]
    # Something was generated, and every example was answered.
    assert 0 < tally.examples <= tally.calls


@pytest.fixture
def bearer_token(token):
    return bearer(token)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# The examples share the test's fixtures on purpose (one database, one
# token): each one is rolled back, and no file of examples is kept.
EVERY_EXAMPLE_ROLLED_BACK = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)


@schema.parametrize()
@EVERY_EXAMPLE_ROLLED_BACK
def test_the_api_signed_in_keeps_to_its_schema(case, in_process, bearer_token):
    in_process.examples += 1
    with rolled_back():
        case.call_and_validate(headers=bearer_token, additional_checks=CHECKS)


@schema.parametrize()
@EVERY_EXAMPLE_ROLLED_BACK
def test_the_api_signed_out_keeps_to_its_schema(case, in_process):
    in_process.examples += 1
    with rolled_back():
        case.call_and_validate(additional_checks=CHECKS)
