"""Writes on the schedule. Callers hold the client's row lock where it matters."""

from datetime import datetime

from .models import ScheduledEvent, Template


def delete_upcoming_events(*, client, now: datetime) -> int:
    """Delete the client's visits that start at or after ``now`` and are still
    requested or scheduled; past, canceled and completed visits stay. One DELETE."""
    _, per_model = ScheduledEvent.objects.upcoming(now=now).for_client(client).delete()
    return per_model.get(ScheduledEvent._meta.label, 0)


def delete_client_templates(*, client) -> int:
    """Delete all of the client's templates. The database empties the template
    link of the visits they made (ON DELETE SET NULL); no visit is touched otherwise."""
    _, per_model = Template.objects.filter(client=client).delete()
    return per_model.get(Template._meta.label, 0)
