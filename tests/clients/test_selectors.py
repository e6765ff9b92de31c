"""The reads behind the client list and the profile: what they find, and at a constant cost."""

from datetime import timedelta

import pytest

from clients.models import Client
from clients.selectors import (
    ClientFilter,
    get_client_profile,
    list_clients,
    page_clients,
    search_union,
)
from scheduling.models import EventStatus
from tests.factories import (
    ActivityEntryFactory,
    ClientFactory,
    InactiveClientFactory,
    PetFactory,
    ScheduledEventFactory,
    SitterFactory,
    TemplateFactory,
    UserFactory,
)
from tests.helpers import client_with_a_full_profile

pytestmark = pytest.mark.django_db


# --- The client list -------------------------------------------------------------------


@pytest.fixture
def jo():
    client = ClientFactory(name="Jo Park", email="jo.park@example.com", phone="(555) 010-1234")
    PetFactory(client=client, name="Biscuit")
    return client


@pytest.fixture
def former():
    client = InactiveClientFactory(
        name="Ana Former", email="ana@example.org", phone="(555) 020-9999"
    )
    PetFactory(client=client, name="Pepper")
    return client


def test_the_client_list_shows_active_clients_by_default(jo, former):
    assert list(list_clients()) == [jo]
    assert list(list_clients(status=ClientFilter.ACTIVE)) == [jo]


def test_the_inactive_list_shows_only_inactive_clients(jo, former):
    assert list(list_clients(status=ClientFilter.INACTIVE)) == [former]


def test_the_all_list_shows_every_client_by_name(jo, former):
    assert list(list_clients(status=ClientFilter.ALL)) == [former, jo]


SEARCHES_FOR_JO = {
    "name": "park",
    "name-any-case": "JO PA",
    "email-any-case": "Jo.Park@Example.COM",
    "email-part": "example.com",
    "phone-dashed": "555-0101",
    "phone-digits": "5550101",
    "phone-tail": "010-1234",
    "pet-name": "biscuit",
}


def found(search: str, status: str = ClientFilter.ACTIVE) -> list:
    """What the client list shows for ``search`` (its first page)."""
    return page_clients(status=status, search=search, size=25).items


@pytest.mark.parametrize("search", SEARCHES_FOR_JO.values(), ids=SEARCHES_FOR_JO.keys())
def test_search_finds_a_client_by_name_email_phone_or_pet(jo, former, search):
    ClientFactory(name="Sam Other", email="sam@example.net", phone="(444) 777-0000")

    assert found(search) == [jo]


@pytest.mark.parametrize("search", ["ana former", "ANA@EXAMPLE.ORG", "555 020 9999", "pepper"])
def test_search_finds_inactive_clients_in_the_inactive_and_all_lists(jo, former, search):
    assert found(search, ClientFilter.INACTIVE) == [former]
    assert found(search, ClientFilter.ALL) == [former]
    assert found(search) == []


def test_search_lists_a_client_once_when_several_pets_match(jo):
    PetFactory(client=jo, name="Biscuit Junior")

    assert found("biscuit") == [jo]


def test_search_with_few_digits_does_not_match_every_phone(jo):
    assert found("55") == []


def test_search_finds_nothing_for_an_unknown_term(jo, former):
    assert found("zebra", ClientFilter.ALL) == []


@pytest.mark.parametrize("clients", [5, 60], ids=["few-clients", "many-clients"])
@pytest.mark.parametrize("search", ["", "example"], ids=["no-search", "search"])
def test_a_page_of_the_client_list_costs_the_same_whatever_the_number_of_clients(
    django_assert_num_queries, clients, search
):
    for client in ClientFactory.create_batch(clients):
        PetFactory.create_batch(2, client=client)

    # The capped count, the page's clients, their pets (a search: the
    # matches counted and the page's keys in one, its clients, their pets):
    # on the first page and on the one after its last row.
    with django_assert_num_queries(3):
        page = page_clients(status="active", search=search, size=25)
        rows = [(client.name, [pet.name for pet in client.pets.all()]) for client in page.items]
    with django_assert_num_queries(3):
        later = page_clients(status="active", search=search, size=25, after=page.next_cursor)
        [list(client.pets.all()) for client in later.items]

    assert page.total == clients
    assert len(rows) == min(clients, 25)
    assert all(len(pets) == 2 for _, pets in rows)


def test_search_is_a_union_of_the_clients_columns_and_the_pets():
    sql = str(search_union(Client.objects.active(), "smith 555-0101").query).upper()

    assert sql.count(" UNION ") == 1
    assert " EXISTS" not in sql
    # name, email and phone digits: ORed within the clients' own SELECT.
    assert sql.count(" OR ") == 2


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("search", "index"),
    [
        ("smith", "client_name_trgm"),
        ("smith", "client_email_trgm"),
        ("smith", "pet_name_trgm"),
        ("555 0101", "client_phone_digits_trgm"),
    ],
)
def test_search_can_use_the_trigram_index_of_each_column(search, index):
    from django.db import connection

    from clients.models import Pet

    # Enough rows, with statistics, for the planner to weigh an index against
    # reading the table; seq scans off, and the btree indexes it could read
    # whole instead (the list's, the pets' client) dropped for this
    # transaction (at this size a full scan of one is cheaper than the
    # trigram index; at 100,000 clients it is not), so the plan shows whether
    # the query's shape can use this index at all.
    clients = Client.objects.bulk_create(
        Client(name=f"Person {i:05d}", email=f"p{i}@example.com", phone_digits=f"{i:010d}")
        for i in range(3000)
    )
    Pet.objects.bulk_create(Pet(client=client, name=f"Pet {client.pk}") for client in clients)
    sql, params = search_union(Client.objects.active(), search).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE clients_pet")
        cursor.execute("SET LOCAL enable_seqscan = off")
        pet_indexes = connection.introspection.get_constraints(cursor, "clients_pet")
        pets_by_client = [
            name
            for name, index in pet_indexes.items()
            if index["index"] and index["columns"] == ["client_id"]
        ]
        cursor.execute(
            "DROP INDEX client_name_id_idx, client_status_name_id_idx, " + ", ".join(pets_by_client)
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert f"Bitmap Index Scan on {index}" in plan, plan


# --- The client profile ----------------------------------------------------------------


def _visit(client, starts_at, status=EventStatus.SCHEDULED, **kwargs):
    return ScheduledEventFactory(
        client=client,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        **kwargs,
    )


def test_the_profile_shows_the_next_ten_visits_in_order_and_their_total(now):
    client = ClientFactory()
    upcoming = [
        _visit(client, now + timedelta(hours=h)) for h in (12, 3, 7, 1, 9, 2, 11, 4, 6, 8, 5, 10)
    ]
    _visit(client, now, EventStatus.REQUESTED)  # starts right now: still to come
    _visit(client, now - timedelta(minutes=1))
    _visit(client, now + timedelta(hours=1), EventStatus.CANCELED)
    _visit(client, now + timedelta(hours=1), EventStatus.COMPLETED)
    _visit(ClientFactory(), now + timedelta(hours=1))

    profile = get_client_profile(client=client, now=now)

    soonest = sorted(upcoming, key=lambda event: event.starts_at)
    assert [event.starts_at for event in profile.upcoming] == [now] + [
        event.starts_at for event in soonest[:9]
    ]
    assert profile.upcoming_total == 13


def test_the_profile_shows_pets_templates_and_whether_there_are_templates(now):
    client = ClientFactory()
    pets = [PetFactory(client=client, name=name) for name in ("Milo", "Biscuit")]
    templates = TemplateFactory.create_batch(2, client=client)
    TemplateFactory()  # another client's

    profile = get_client_profile(client=client, now=now)

    assert profile.pets == [pets[1], pets[0]]
    assert sorted(t.pk for t in profile.templates) == sorted(t.pk for t in templates)
    assert profile.has_templates is True
    assert get_client_profile(client=ClientFactory(), now=now).has_templates is False


def test_the_profile_shows_the_last_ten_lines_of_its_history_newest_first_and_their_total(now):
    client = ClientFactory()
    changes = [
        ActivityEntryFactory(client=client, at=now - timedelta(days=day)) for day in range(12)
    ]
    ActivityEntryFactory(at=now)  # another client's

    profile = get_client_profile(client=client, now=now)

    assert profile.history == changes[:10]
    assert profile.history_total == 12


@pytest.mark.parametrize(("visits", "history"), [(10, 3), (200, 30)], ids=["small", "large"])
def test_the_profile_costs_the_same_whatever_the_number_of_visits(
    now, django_assert_num_queries, visits, history
):
    client = client_with_a_full_profile(
        visits=visits,
        templates=3,
        pets=2,
        history=history,
        sitter=SitterFactory(),
        actor=UserFactory(),
        now=now,
    )

    # Pets; the next visits, their pets, their total; templates, their pets, their
    # total; history, its total; the portal login.
    with django_assert_num_queries(10):
        profile = get_client_profile(client=client, now=now)
        visits_shown = [
            (event.service_type, event.sitter, event.client, list(event.pets.all()))
            for event in profile.upcoming
        ]
        templates_shown = [
            (t.service_type, t.sitter, list(t.pets.all())) for t in profile.templates
        ]
        history_shown = [(entry.actor, entry.label) for entry in profile.history]

    assert profile.upcoming_total == visits
    assert profile.history_total == history
    assert len(visits_shown) == 10
    assert all(len(pets) == 2 for *_, pets in visits_shown + templates_shown)
    assert len(templates_shown) == 3
    assert len(history_shown) == min(history, 10)
