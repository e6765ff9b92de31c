"""Reads of the client portal: a signed-in client's own data, in a fixed
number of queries however many visits the client has."""

from dataclasses import dataclass
from datetime import datetime

from clients.models import Client, Pet
from scheduling.models import ScheduledEvent
from scheduling.selectors import client_pets, client_visits_for_portal

DASHBOARD_VISITS = 20


@dataclass(frozen=True)
class PortalDashboard:
    upcoming: list[ScheduledEvent]
    upcoming_total: int
    pets: list[Pet]

    @property
    def more_visits(self) -> int:
        return self.upcoming_total - len(self.upcoming)


def get_portal_dashboard(*, client: Client, now: datetime) -> PortalDashboard:
    """The dashboard: the client's next visits (with their total) and pets."""
    visits = client_visits_for_portal(client=client, now=now)
    return PortalDashboard(
        upcoming=list(visits[:DASHBOARD_VISITS]),
        upcoming_total=visits.count(),
        pets=list(client_pets(client=client)),
    )
