"""Where the client lifecycle reaches into the schedule, and nowhere else.

Make Inactive deletes a client's visits still to come and its templates;
Archive pet deletes the pet's own visits still to come and templates, and
takes it off the shared ones.
The scheduling app builds on this one (it imports clients, never the other
way round), so these deletes go through the client's reverse relations
(``client.events``, ``client.templates``) and the schedule's own named
querysets, with no import of the scheduling app (docs/architecture.md).
Each is one set-based DELETE: the database cascades the pet links and
empties the template link of the visits a template made (ON DELETE SET NULL).
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from .models import Client, Pet


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


def _split(rows: QuerySet, pet: Pet) -> tuple[QuerySet, QuerySet, type, str]:
    """``rows`` (visits or templates of the pet's client) that list ``pet``,
    split into those for it alone (no other current pet) and shared ones;
    with their pet links' model and the name of its link to ``rows``."""
    pets = rows.model._meta.get_field("pets")
    links, owner = pets.remote_field.through, pets.m2m_field_name()
    with_pet = _listing(rows, pet)
    others = links.objects.filter(
        **{f"{owner}_id": OuterRef("pk")}, pet__archived_at__isnull=True
    ).exclude(pet=pet)
    return with_pet.filter(~Exists(others)), with_pet.filter(Exists(others)), links, owner


def remove_pet_from_upcoming_visits(pet: Pet, *, now: datetime) -> tuple[int, int]:
    """Archive pet's rule for visits still to come (Make Inactive's:
    ``upcoming(now=…)``): a visit for this pet alone (no other current pet)
    is deleted; a shared one loses this pet and keeps the others. Past,
    canceled and completed visits keep the pet. Set-based: three statements
    whatever the number of visits. Returns (visits deleted, visits the pet
    was taken off)."""
    alone, shared, links, owner = _split(pet.client.events.upcoming(now=now), pet)
    # Taken off the shared ones first: the split doesn't depend on this
    # pet's links, so what is left for it alone stays the same.
    shared_count, _ = links.objects.filter(pet=pet, **{f"{owner}__in": shared}).delete()
    _, per_model = alone.delete()
    return per_model.get(alone.model._meta.label, 0), shared_count


def remove_pet_from_templates(pet: Pet) -> tuple[int, int]:
    """A template for this pet alone is deleted (its visits stay, with the
    template link emptied); a shared one loses this pet. Returns (templates
    deleted, templates the pet was taken off)."""
    alone, shared, links, owner = _split(pet.client.templates.all(), pet)
    shared_count, _ = links.objects.filter(pet=pet, **{f"{owner}__in": shared}).delete()
    _, per_model = alone.delete()
    return per_model.get(alone.model._meta.label, 0), shared_count


def _listing(rows: QuerySet, pet: Pet) -> QuerySet:
    pets = rows.model._meta.get_field("pets")
    links, owner = pets.remote_field.through, pets.m2m_field_name()
    return rows.filter(pk__in=links.objects.filter(pet=pet).values(f"{owner}_id"))


def has_upcoming_visits(pet: Pet, *, now: datetime) -> bool:
    """Whether the pet is on a visit still to come (the dialog offers to delete them)."""
    return _listing(pet.client.events.upcoming(now=now), pet).exists()


def count_upcoming_visits(pet: Pet, *, now: datetime) -> int:
    return _listing(pet.client.events.upcoming(now=now), pet).count()


def count_templates(pet: Pet) -> int:
    """How many of the client's templates list the pet."""
    return _listing(pet.client.templates.all(), pet).count()
