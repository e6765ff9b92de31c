"""GET events/upcoming, a page at a time (api.api): at most ``limit`` visits
(20 unless said, 1 to 100) ordered by (starts_at, id), and ``next``, a signed
cursor for the page after, null on the last page. A page starts right after
the last visit of the one before, so nothing is skipped or repeated, and it
costs the same queries whatever its size or the number of visits
(docs/design.md, "The app API")."""

from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.utils import timezone

from api import api
from api.schemas import MAX_ID
from api.tokens import issue_token
from clients.services import deactivate_client
from scheduling.models import EventStatus, ScheduledEvent
from tests import factories
from tests.api.helpers import ME_URL, UPCOMING_URL, bearer

pytestmark = pytest.mark.django_db


def add_visits(client_, starts, **fields) -> list[ScheduledEvent]:
    """Visits of ``client_`` starting at each of ``starts``, in one INSERT."""
    walk = factories.ServiceTypeFactory()
    return ScheduledEvent.objects.bulk_create(
        factories.ScheduledEventFactory.build(
            client=client_, service_type=walk, starts_at=starts_at, **fields
        )
        for starts_at in starts
    )


def hours_ahead(count: int, *, first: int = 1) -> list:
    now = timezone.now()
    return [now + timedelta(hours=first + n) for n in range(count)]


def in_order(visits) -> list[int]:
    """The ids of ``visits`` in the API's order: by start, then by id."""
    return [v.pk for v in sorted(visits, key=lambda v: (v.starts_at, v.pk))]


def get_page(http, token, **params):
    response = http.get(UPCOMING_URL, params, headers=bearer(token))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "next"}
    return body


def every_page(http, token, **params) -> list[dict]:
    """The pages one after another, following ``next`` until it is null."""
    pages = [get_page(http, token, **params)]
    while pages[-1]["next"] is not None:
        assert len(pages) < 20, "the pages never end"
        pages.append(get_page(http, token, cursor=pages[-1]["next"], **params))
    return pages


def ids(page: dict) -> list[int]:
    return [event["id"] for event in page["items"]]


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]


# --- The size of a page -------------------------------------------------------------


def test_a_page_holds_20_visits_unless_said(client, login, token):
    visits = add_visits(login.client, hours_ahead(25))

    page = get_page(client, token)

    assert ids(page) == in_order(visits)[:20]
    assert isinstance(page["next"], str) and page["next"]


def test_a_page_holds_up_to_100_visits(client, login, token):
    visits = add_visits(login.client, hours_ahead(101))

    first = get_page(client, token, limit=100)
    second = get_page(client, token, limit=100, cursor=first["next"])

    assert ids(first) == in_order(visits)[:100]
    assert ids(second) == in_order(visits)[100:]
    assert second["next"] is None


@pytest.mark.parametrize("count", [0, 1, 5])
def test_the_last_page_says_so_even_when_it_is_full(client, login, token, count):
    visits = add_visits(login.client, hours_ahead(count))

    page = get_page(client, token, limit=max(count, 1))

    assert ids(page) == in_order(visits)
    assert page["next"] is None  # no empty page after a full one


@pytest.mark.parametrize(
    "limit",
    [
        *("0", "-1", "101", "1000", "9" * 40),
        *("abc", "", "1.5", "1.0", "1e2", " 5", "+5", "2_0", "\u0665"),  # Arabic-Indic 5
    ],
)
def test_a_limit_that_is_not_a_whole_number_from_1_to_100_is_422(client, login, token, limit):
    add_visits(login.client, hours_ahead(3))

    response = client.get(UPCOMING_URL, {"limit": limit}, headers=bearer(token))

    assert refusal(response) == (422, "validation_error")
    errors = response.json()["errors"]
    assert list(errors) == ["limit"]
    assert all(isinstance(message, str) and message for message in errors["limit"])


@pytest.mark.parametrize("limit", ["1", "20", "100", "007"])
def test_limits_from_1_to_100_are_taken(client, login, token, limit):
    visits = add_visits(login.client, hours_ahead(3))
    assert ids(get_page(client, token, limit=limit)) == in_order(visits)[: int(limit)]


# --- Paging -------------------------------------------------------------------------


def test_paging_through_45_visits_by_20_yields_each_once_in_order(client, login, token):
    starts = hours_ahead(45)
    # The 19th to 21st start at the same time: the first page ends between
    # two of them, which only the id tells apart.
    starts[19] = starts[20] = starts[18]
    # Made latest first, so that ids run against start times.
    visits = add_visits(login.client, reversed(starts))
    expected = in_order(visits)
    by_id = {v.pk: v for v in visits}
    assert by_id[expected[19]].starts_at == by_id[expected[20]].starts_at

    pages = every_page(client, token, limit=20)

    assert [len(page["items"]) for page in pages] == [20, 20, 5]
    assert [page["next"] is None for page in pages] == [False, False, True]
    assert [pk for page in pages for pk in ids(page)] == expected
    starts = [datetime.fromisoformat(e["starts_at"]) for page in pages for e in page["items"]]
    assert starts == sorted(starts)


def test_the_same_start_for_every_visit_pages_by_id(client, login, token):
    visits = add_visits(login.client, hours_ahead(1) * 7)

    pages = every_page(client, token, limit=3)

    assert [ids(page) for page in pages] == [
        in_order(visits)[:3],
        in_order(visits)[3:6],
        in_order(visits)[6:],
    ]


def test_a_page_starts_after_the_last_visit_of_the_one_before(client, login, token):
    """Not at a count: visits that start, are canceled or are added meanwhile
    make no other visit skipped or repeated."""
    visits = add_visits(login.client, hours_ahead(12))
    expected = in_order(visits)
    first = get_page(client, token, limit=5)
    assert ids(first) == expected[:5]
    last = ScheduledEvent.objects.get(pk=expected[4])

    # Meanwhile: the first visit starts, the second is canceled (an offset
    # would now skip two visits), one is added before the end of the first
    # page (already passed), and one at the same time as its last visit
    # (after it, by id).
    ScheduledEvent.objects.filter(pk=expected[0]).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    ScheduledEvent.objects.filter(pk=expected[1]).update(status=EventStatus.CANCELED)
    (earlier,) = add_visits(login.client, [last.starts_at - timedelta(minutes=5)])
    (same_time,) = add_visits(login.client, [last.starts_at])

    second = get_page(client, token, limit=5, cursor=first["next"])

    assert ids(second) == [same_time.pk, *expected[5:9]]
    assert earlier.pk not in ids(second)
    rest = get_page(client, token, limit=5, cursor=second["next"])
    assert ids(rest) == expected[9:]
    assert rest["next"] is None


def test_only_the_clients_own_open_visits_still_to_come_are_paged(client, login, token):
    now = timezone.now()
    own = add_visits(login.client, hours_ahead(5)) + add_visits(
        login.client, hours_ahead(2, first=10), status=EventStatus.REQUESTED
    )
    add_visits(login.client, [now - timedelta(hours=1), now - timedelta(days=3)])
    for status in (EventStatus.CANCELED, EventStatus.COMPLETED):
        add_visits(login.client, hours_ahead(3), status=status)
    add_visits(factories.ClientFactory(name="Olive Other"), hours_ahead(6))

    pages = every_page(client, token, limit=2)

    assert [pk for page in pages for pk in ids(page)] == in_order(own)
    assert [len(page["items"]) for page in pages] == [2, 2, 2, 1]


def test_another_clients_visits_never_appear_whatever_the_cursor(client, login, token, roles):
    other = factories.ClientLoginFactory(email="olive@example.com", client__name="Olive")
    theirs = add_visits(other.client, hours_ahead(6))
    mine = add_visits(login.client, hours_ahead(6, first=3))
    their_token = issue_token(other).token
    their_pages = every_page(client, their_token, limit=2)

    my_pages = every_page(client, token, limit=2)

    assert [pk for page in their_pages for pk in ids(page)] == in_order(theirs)
    assert [pk for page in my_pages for pk in ids(page)] == in_order(mine)
    # Their cursor is theirs: refused, not read as a place in Pat's visits.
    response = client.get(UPCOMING_URL, {"cursor": their_pages[0]["next"]}, headers=bearer(token))
    assert refusal(response) == (400, "invalid_cursor")


# --- Cursors ------------------------------------------------------------------------


@pytest.fixture
def cursor(client, login, token):
    """The ``next`` of Pat's first page of 2 visits (5 to come)."""
    add_visits(login.client, hours_ahead(5))
    return get_page(client, token, limit=2)["next"]


def _other_char(char: str) -> str:
    return "A" if char != "A" else "B"


TAMPERED = {
    "garbage": lambda c: "garbage",
    "empty": lambda c: "",
    "payload changed": lambda c: _other_char(c[0]) + c[1:],
    "signature changed": lambda c: c[:-1] + _other_char(c[-1]),
    "signature cut off": lambda c: c.rsplit(":", 1)[0],
    "cut short": lambda c: c[:-5],
    "doubled": lambda c: c + c,
    "a NUL inside": lambda c: c[:3] + "\x00" + c[3:],
    "very long": lambda c: c + "A" * 10_000,
    "signed for another purpose": lambda c: signing.dumps(["2030-01-01T00:00:00+00:00", 1]),
    "unsigned": lambda c: signing.b64_encode(b'["2030-01-01T00:00:00+00:00",1]').decode(),
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_cursor_we_did_not_give_is_400_invalid_cursor(client, token, cursor, tamper):
    response = client.get(UPCOMING_URL, {"cursor": tamper(cursor)}, headers=bearer(token))

    assert refusal(response) == (400, "invalid_cursor")
    assert response.json() == {"detail": "invalid_cursor", "message": api.INVALID_CURSOR}


@pytest.mark.parametrize(
    "content",
    [
        {"starts_at": "2030-01-01T00:00:00+00:00", "id": 1},
        ["2030-01-01T00:00:00+00:00"],
        ["2030-01-01T00:00:00+00:00", 1, 2],
        ["not a time", 1],
        ["2030-01-01T00:00:00", 1],  # no offset
        [1893456000, 1],
        ["2030-01-01T00:00:00+00:00", "1"],
        ["2030-01-01T00:00:00+00:00", 0],
        ["2030-01-01T00:00:00+00:00", MAX_ID + 1],
        ["2030-01-01T00:00:00+00:00", True],
        ["2030-01-01T00:00:00+00:00", 1.0],
        None,
    ],
)
def test_even_a_signed_cursor_must_hold_a_time_and_an_id(client, login, token, content):
    """What only our key could sign is still read with care."""
    forged = api._cursor_signer(login.client).sign_object(content)

    response = client.get(UPCOMING_URL, {"cursor": forged}, headers=bearer(token))

    assert refusal(response) == (400, "invalid_cursor")


def test_a_cursor_is_opaque_url_safe_text(client, token, cursor):
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:")
    assert len(cursor) <= api.MAX_CURSOR_LENGTH


def test_a_cursor_survives_a_secret_key_rotation(client, token, cursor, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50

    page = get_page(client, token, limit=2, cursor=cursor)

    assert len(page["items"]) == 2


def test_the_token_is_checked_before_the_cursor(client, token, cursor):
    response = client.get(UPCOMING_URL, {"cursor": "garbage"})
    assert refusal(response) == (401, "not_authenticated")


def test_a_client_made_inactive_between_pages_gets_no_next_page(
    client, login, token, cursor, office_manager
):
    deactivate_client(login.client, actor=office_manager)

    response = client.get(UPCOMING_URL, {"cursor": cursor}, headers=bearer(token))

    assert refusal(response) == (401, "invalid_token")


def test_head_of_a_page_is_its_get_without_a_body(client, token, cursor):
    params = {"limit": 2, "cursor": cursor}
    get = client.get(UPCOMING_URL, params, headers=bearer(token))
    head = client.head(UPCOMING_URL, params, headers=bearer(token))

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    refused = client.head(UPCOMING_URL, {"limit": 0}, headers=bearer(token))
    assert (refused.status_code, refused.content) == (422, b"")


# --- Queries ------------------------------------------------------------------------


@pytest.mark.parametrize("visits", [5, 60])
@pytest.mark.parametrize("limit", [None, 1, 20, 100])
@pytest.mark.parametrize("following", [False, True], ids=["first page", "following page"])
def test_a_page_costs_the_same_queries_whatever_its_size_or_the_visits(
    client, login, token, visits, limit, following, django_assert_num_queries
):
    sitter = factories.SitterFactory()
    pets = factories.PetFactory.create_batch(2, client=login.client)
    for event in add_visits(login.client, hours_ahead(visits), sitter=sitter):
        event.pets.add(*pets)
    params = {} if limit is None else {"limit": limit}
    if following:
        params["cursor"] = get_page(client, token, limit=1)["next"]
    client.get(ME_URL, headers=bearer(token))  # records the token's first use

    # The token with its login and client; a page of visits with service
    # and sitter; their pets.
    with django_assert_num_queries(3):
        page = get_page(client, token, **params)

    expected = min(visits - following, limit or 20)
    assert len(page["items"]) == expected
    assert all(len(event["pets"]) == 2 and event["sitter"] for event in page["items"])
