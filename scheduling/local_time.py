"""The business's clock: its time zone, where its days begin, a local date
and time as a moment, and its opening hours (settings, docs/design.md)."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .recurrence import local_start


def business_timezone():
    """The business's time zone (settings.TIME_ZONE): days begin and end there."""
    return timezone.get_default_timezone()


def local_day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the business's time zone, aware."""
    return timezone.make_aware(datetime.combine(day, time.min), business_timezone())


def local_datetime(day: date, at: time) -> datetime:
    """``day`` at ``at`` in the business's time zone, aware (a time that
    daylight saving skips moves forward, one it repeats is the first)."""
    return local_start(day, at, business_timezone())


def business_opening_hours() -> tuple[time, time] | None:
    """The business's opening hours for requests from clients, from
    settings.BUSINESS_OPENING_HOURS ("HH:MM-HH:MM"); None when unset (any time)."""
    value = (getattr(settings, "BUSINESS_OPENING_HOURS", "") or "").strip()
    if not value:
        return None
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f'BUSINESS_OPENING_HOURS must look like "07:00-20:00", not {value!r}.'
        ) from None
    if opens >= closes:
        raise ImproperlyConfigured("BUSINESS_OPENING_HOURS must open before it closes.")
    return opens, closes


# How far from today a visit or a template may reach: a year back (a visit
# recorded afterwards) to five years ahead. Outside it a date is a typo, and
# the calendar arithmetic near year 9999 would overflow.
DAYS_BACK = 366
DAYS_AHEAD = 5 * 366


def usable_dates(today: date | None = None) -> tuple[date, date]:
    """The first and last dates the schedule takes, around today on the
    business's clock."""
    today = today or timezone.localdate(timezone=business_timezone())
    return today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)


def date_refusal(day: date, *, today: date | None = None) -> str:
    """Why ``day`` can't be on the schedule ("" when it can)."""
    first, last = usable_dates(today)
    if first <= day <= last:
        return ""
    return (
        f"Choose a date between {format_date(first, 'M j, Y')} and {format_date(last, 'M j, Y')}."
    )
