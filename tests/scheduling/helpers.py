"""Constants and steps the schedule's test modules share: the services' fixed
days, the screens' fixed week, and what a refusal could have written."""

from datetime import date, datetime, time

from django.urls import reverse

from scheduling.models import (
    EventPet,
    ScheduledEvent,
    ServiceType,
    Template,
    TemplatePet,
)
from scheduling.services.visits import schedule_event
from tests import helpers

# The services' tests: a fixed day in June (no DST change near), well in the future.
DAY = date(2031, 6, 10)  # a Tuesday
NOW = datetime(2031, 6, 2, 12, 0, tzinfo=helpers.NEW_YORK)  # the Monday of the week before
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# What staff read when they schedule for an inactive client.
INACTIVE = "is inactive. Re-Activate the client to schedule services."
INACTIVE_MESSAGE = f"Jordan Reyes {INACTIVE}"

# The screens' tests: a fixed week far enough ahead never to be "past", Monday to Sunday.
MONDAY = date(2030, 6, 3)


# --- The services ------------------------------------------------------------------------


def schedule(client, pets, service, *, actor, **kwargs) -> ScheduledEvent:
    """schedule_event, at 9:00 on DAY unless told otherwise."""
    values = {"starts_at": helpers.at(9, day=DAY)} | kwargs
    return schedule_event(client=client, service_type=service, pets=pets, actor=actor, **values)


def template_fields(pets, service, **changes) -> dict:
    """What create_template and update_template take: Mon, Wed, Fri at 9:30 from DAY."""
    return {
        "service_type": service,
        "pets": pets,
        "weekdays": [FRI, MON, WED],
        "time_of_day": time(9, 30),
        "first_date": DAY,
        "last_date": None,
    } | changes


def db_state() -> dict[str, list]:
    """Everything the schedule services write, to compare before and after a refusal."""
    return {
        "events": list(ScheduledEvent.objects.order_by("pk").values()),
        "event_pets": list(EventPet.objects.order_by("pk").values()),
        "templates": list(Template.objects.order_by("pk").values()),
        "template_pets": list(TemplatePet.objects.order_by("pk").values()),
    }


# --- The screens -------------------------------------------------------------------------


def day_url(day=MONDAY):
    return reverse("scheduling:day", args=[day])


def nothing_written():
    """What a refused form could have written, to compare before and after."""
    return (
        ScheduledEvent.objects.count(),
        EventPet.objects.count(),
        Template.objects.count(),
        ServiceType.objects.count(),
    )
