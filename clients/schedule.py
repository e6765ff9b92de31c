"""Where the client lifecycle reaches into the schedule, and nowhere else.

Make Inactive deletes a client's visits still to come and its templates.
The scheduling app builds on this one (it imports clients, never the other
way round), so these deletes go through the client's reverse relations
(``client.events``, ``client.templates``) and the schedule's own named
querysets, with no import of the scheduling app (docs/architecture.md).
Each is one set-based DELETE: the database cascades the pet links and
empties the template link of the visits a template made (ON DELETE SET NULL).
"""

from datetime import datetime

from .models import Client


def delete_upcoming_visits(client: Client, *, now: datetime) -> int:
    """Delete the client's visits that start at or after ``now`` and are still
    requested or scheduled (``ScheduledEvent.objects.upcoming``); past,
    canceled and completed visits stay. Returns how many visits went, not
    counting the pet links the database removes with them."""
    visits = client.events.upcoming(now=now)
    _, per_model = visits.delete()
    return per_model.get(visits.model._meta.label, 0)


def delete_templates(client: Client) -> int:
    """Delete all of the client's templates; the visits they made stay, with
    their template link emptied. Returns how many templates went."""
    templates = client.templates.all()
    _, per_model = templates.delete()
    return per_model.get(templates.model._meta.label, 0)
