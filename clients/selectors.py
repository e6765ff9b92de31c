"""Reads of the client lifecycle, shaped for their screens (constant query counts).

A client's visits and templates are read through the client's reverse
relations (``client.events``, ``client.templates``) and the schedule's own
named querysets: the scheduling app builds on this one, so nothing here
imports it (docs/architecture.md).
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from petcare import activity
from petcare.models import ActivityEntry
from petcare.paging import KeysetPage, keyset_page, keyset_page_union

from . import schedule
from .models import Client, Pet, phone_digits

PROFILE_SECTION_SIZE = 10


class ClientFilter:
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"
    CHOICES = [(ACTIVE, "Active"), (INACTIVE, "Inactive"), (ALL, "All")]


def _search_branches(clients: QuerySet[Client], search: str) -> list[QuerySet[Client]]:
    """``clients`` whose name, email, phone (digits, three or more) or a
    pet's name contains ``search``, in any letter case, as two SELECTs to
    UNION: the client's own columns, whose trigram indexes PostgreSQL ORs
    into one bitmap (one pass over the matching rows), and the pets'
    (migration 0006). An ``OR EXISTS`` over the pets would read every row."""
    own = Q(name__icontains=search) | Q(email__icontains=search.lower())
    digits = phone_digits(search)
    if len(digits) >= 3:
        own |= Q(phone_digits__contains=digits)
    pets = Pet.objects.filter(name__icontains=search).values("client_id")
    return [clients.filter(own), clients.filter(pk__in=pets)]


SEARCH_KEYS = ("name", "id")
SEARCH_KEY_TYPES = (str, int)


def search_union(clients: QuerySet[Client], search: str) -> QuerySet:
    """The (name, id) of ``clients`` that ``search`` finds: the UNION that
    the client list and the Add visit picker page over (petcare.paging)."""
    first, *rest = (
        part.order_by().values_list(*SEARCH_KEYS) for part in _search_branches(clients, search)
    )
    return first.union(*rest)


def _with_status(status: str) -> QuerySet[Client]:
    if status == ClientFilter.ACTIVE:
        return Client.objects.active()
    if status == ClientFilter.INACTIVE:
        return Client.objects.inactive()
    return Client.objects.all()


def _with_pets(clients: QuerySet[Client]) -> QuerySet[Client]:
    # The list names the pets still with the family (search finds archived
    # ones too: staff may remember a client by a pet that is gone).
    return clients.prefetch_related(
        Prefetch("pets", queryset=Pet.objects.current().order_by("name", "pk"))
    )


def list_clients(*, status: str = ClientFilter.ACTIVE) -> QuerySet[Client]:
    """Clients for the list screen, by status (active by default), with
    their pets prefetched; a search goes through page_clients."""
    return _with_pets(_with_status(status))


def page_clients(
    *, status: str, search: str, after: str = "", before: str = "", size: int
) -> KeysetPage:
    """One page of the client list in name order, by keyset (the same cost
    on every page), with the total counted up to petcare.paging.COUNT_CAP.
    A position past the end (the list changed) gives the first page.

    A search pages over the UNION of its per-column SELECTs (each with its
    own index) and then reads the page's 25 clients: put the other way
    round, PostgreSQL reads every client to join it to the matches
    (docs/benchmarks.md)."""
    search = search.strip()
    if not search:
        return _page_or_first(
            list_clients(status=status),
            keys=("name", "pk"),
            types=(str, int),
            size=size,
            after=after,
            before=before,
        )
    matches = search_union(_with_status(status), search)

    def page_at(**position) -> KeysetPage:
        return keyset_page_union(
            matches, keys=SEARCH_KEYS, types=SEARCH_KEY_TYPES, size=size, **position
        )

    page = page_at(after=after, before=before)
    if not page.items and (after or before):
        page = page_at()
    return replace(page, items=clients_in_order(_with_pets(Client.objects), page.items))


def clients_in_order(clients: QuerySet[Client], keys: list[tuple]) -> list[Client]:
    """The clients of a page of (name, id) keys, in the page's order."""
    found = clients.in_bulk([pk for _, pk in keys])
    return [found[pk] for _, pk in keys if pk in found]


def first_matching_clients(
    clients: QuerySet[Client], *, search: str, size: int
) -> tuple[list[Client], bool]:
    """The first ``size`` of ``clients`` (by name) that ``search`` finds,
    and whether more do: a picker's choices, in two queries however many
    clients match."""
    page = keyset_page_union(
        search_union(clients, search), keys=SEARCH_KEYS, types=SEARCH_KEY_TYPES, size=size
    )
    return clients_in_order(clients, page.items), page.next_cursor is not None


def _page_or_first(queryset, *, keys, types, size, after, before) -> KeysetPage:
    page = keyset_page(queryset, keys=keys, types=types, size=size, after=after, before=before)
    if not page.items and (after or before):
        page = keyset_page(queryset, keys=keys, types=types, size=size)
    return page


def page_upcoming_visits(
    *, client: Client, now: datetime, size: int, after: str = "", before: str = ""
) -> KeysetPage:
    """ "See all" of the profile's upcoming visits, soonest first, by keyset:
    the 200th page of a client with 10,000 visits costs what the first does."""
    return _page_or_first(
        client_upcoming_visits(client=client, now=now),
        keys=("starts_at", "pk"),
        types=(datetime, int),
        size=size,
        after=after,
        before=before,
    )


def page_history(*, client: Client, size: int, after: str = "", before: str = "") -> KeysetPage:
    """ "See all" of the profile's history, newest first, by keyset."""
    return _page_or_first(
        client_history(client=client),
        keys=("-at", "-pk"),
        types=(datetime, int),
        size=size,
        after=after,
        before=before,
    )


@dataclass(frozen=True)
class ClientProfile:
    client: Client
    pets: list[Pet]
    upcoming: list
    upcoming_total: int
    templates: list
    templates_total: int
    # The client's activity log: its status changes, edits, invitations,
    # visits and templates, newest first.
    history: list[ActivityEntry]
    history_total: int
    portal_login: object | None = None
    # Pets no longer with the family, most recently archived first.
    archived_pets: tuple[Pet, ...] = ()

    @property
    def can_be_invited(self) -> bool:
        """An active client with an email whose login (if any) has no password yet."""
        login = self.portal_login
        return (
            self.client.is_active
            and bool(self.client.email)
            and (login is None or not login.has_usable_password())
        )

    @property
    def has_templates(self) -> bool:
        return bool(self.templates)


def client_upcoming_visits(*, client: Client, now: datetime) -> QuerySet:
    """The client's visits still to come, soonest first, ready to list."""
    return client.events.upcoming(now=now).for_display().order_by("starts_at", "pk")


def client_templates(*, client: Client) -> QuerySet:
    return client.templates.for_display()


def client_has_templates(*, client: Client) -> bool:
    return client.templates.exists()


def get_pet(*, client_id: int, pet_id: int) -> Pet:
    """One pet of one client (DoesNotExist for another client's pet)."""
    return Pet.objects.select_related("client").get(pk=pet_id, client_id=client_id)


@dataclass(frozen=True)
class PetArchivePreview:
    """What Archive pet's dialog says before anyone confirms."""

    has_future_services: bool
    templates: int


def pet_archive_preview(*, pet: Pet, now: datetime) -> PetArchivePreview:
    return PetArchivePreview(
        has_future_services=schedule.has_upcoming_visits(pet, now=now),
        templates=schedule.count_templates(pet),
    )


def get_client(*, client_id: int) -> Client:
    return Client.objects.select_related("deactivated_by").get(pk=client_id)


def client_history(*, client: Client) -> QuerySet[ActivityEntry]:
    """Everything done to the client and its schedule, newest first."""
    return activity.for_client(client)


def get_client_profile(*, client: Client, now: datetime) -> ClientProfile:
    """Everything the profile page shows, in a fixed number of queries however
    many visits and history rows the client has (the sections show the first
    ten and the total)."""
    upcoming = client_upcoming_visits(client=client, now=now)
    templates = client_templates(client=client)
    history = client_history(client=client)
    # One query for current and archived pets alike.
    pets = list(client.pets.select_related("archived_by").order_by("name", "pk"))
    archived = sorted((p for p in pets if p.is_archived), key=lambda p: p.archived_at, reverse=True)
    return ClientProfile(
        client=client,
        pets=[pet for pet in pets if not pet.is_archived],
        archived_pets=tuple(archived),
        upcoming=list(upcoming[:PROFILE_SECTION_SIZE]),
        upcoming_total=upcoming.count(),
        templates=list(templates[:PROFILE_SECTION_SIZE]),
        templates_total=templates.count(),
        history=list(history[:PROFILE_SECTION_SIZE]),
        history_total=history.count(),
        portal_login=client.logins.order_by("pk").first(),
    )
