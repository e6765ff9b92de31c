"""The activity log: who did what to which object, when, and what changed.

Every service that changes something calls ``record`` inside its own
transaction, so an entry exists exactly when the change committed. Screens
read it with ``for_client`` (a client's history) and ``for_object`` (a
visit's page); the Django admin lists it, read-only.

What changed is kept as field names, options and counts, never as the
personal details themselves: the log says that an email was edited, not
what it was.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import ActivityEntry


def record(
    action: str,
    obj,
    *,
    actor,
    client=None,
    changes: dict | None = None,
    at: datetime | None = None,
) -> ActivityEntry:
    """Write one entry: ``actor`` did ``action`` to ``obj`` (concerning
    ``client``, when it is about one). Call it inside the service's
    transaction. One INSERT."""
    if action not in ActivityEntry.ACTIONS:
        raise ValueError(f"Unknown action {action!r}: add it to ActivityEntry.ACTIONS.")
    return ActivityEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        client=client,
        changes=changes or {},
    )


def changed_fields(before: dict, after: dict) -> list[str]:
    """The names of the fields whose values differ, in ``after``'s order."""
    return [name for name, value in after.items() if before.get(name) != value]


def for_client(client) -> QuerySet[ActivityEntry]:
    """Everything done to a client or its visits, templates and logins, newest first."""
    return ActivityEntry.objects.filter(client=client).select_related("actor")


def for_object(obj) -> QuerySet[ActivityEntry]:
    """Everything done to one object (a visit, a template), newest first."""
    return ActivityEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=obj.pk
    ).select_related("actor")
