"""Reads of the client lifecycle, shaped for their screens (constant query counts).

A client's visits and templates are read through the client's reverse
relations (``client.events``, ``client.templates``) and the schedule's own
named querysets: the scheduling app builds on this one, so nothing here
imports it (docs/architecture.md).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from petcare import activity
from petcare.models import ActivityEntry

from .models import Client, Pet, phone_digits

PROFILE_SECTION_SIZE = 10


class ClientFilter:
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"
    CHOICES = [(ACTIVE, "Active"), (INACTIVE, "Inactive"), (ALL, "All")]


def list_clients(*, status: str = ClientFilter.ACTIVE, search: str = "") -> QuerySet[Client]:
    """Clients for the list screen: by status (active by default), searched by
    name, email, phone (digits) and pet name, with their pets prefetched."""
    clients = Client.objects.all()
    if status == ClientFilter.ACTIVE:
        clients = clients.active()
    elif status == ClientFilter.INACTIVE:
        clients = clients.inactive()
    search = search.strip()
    if search:
        matches = Q(name__icontains=search) | Q(email__icontains=search.lower())
        digits = phone_digits(search)
        if len(digits) >= 3:
            matches |= Q(phone_digits__contains=digits)
        matches |= Exists(Pet.objects.filter(client=OuterRef("pk"), name__icontains=search))
        clients = clients.filter(matches)
    return clients.prefetch_related(Prefetch("pets", queryset=Pet.objects.order_by("name", "pk")))


@dataclass(frozen=True)
class ClientProfile:
    client: Client
    pets: list[Pet]
    upcoming: list
    upcoming_total: int
    templates: list
    # The client's activity log: its status changes, edits, invitations,
    # visits and templates, newest first.
    history: list[ActivityEntry]
    history_total: int
    portal_login: object | None = None

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
    history = client_history(client=client)
    return ClientProfile(
        client=client,
        pets=list(client.pets.order_by("name", "pk")),
        upcoming=list(upcoming[:PROFILE_SECTION_SIZE]),
        upcoming_total=upcoming.count(),
        templates=list(client_templates(client=client)),
        history=list(history[:PROFILE_SECTION_SIZE]),
        history_total=history.count(),
        portal_login=client.logins.order_by("pk").first(),
    )
