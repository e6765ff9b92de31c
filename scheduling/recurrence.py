"""When a template's visits fall: pure date and time arithmetic, no database.

Daylight saving, in the business's time zone (docs/design.md, "Scheduling"):

- a time of day that does not exist on a date (the clocks jump over it, in
  spring) moves forward by the size of the jump: 02:30 on the spring-forward
  day in New York is 03:30 EDT;
- a time of day that exists twice (the clocks go back over it, in autumn)
  is the first of the two: 01:30 on the fall-back day in New York is 01:30 EDT
  (UTC-4), not EST;
- a visit lasts its real duration: its end is computed in UTC, so a 12-hour
  overnight stay across the change ends 12 hours later, whatever the wall
  clock says.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def occurrence_dates(
    *,
    weekdays: Iterable[int],
    first_date: date,
    last_date: date | None,
    start_date: date,
    end_date: date,
) -> list[date]:
    """The dates in [start_date, end_date] that are also within the template's
    [first_date, last_date] (no last date: open-ended) and fall on one of
    ``weekdays`` (Python's numbers, Monday = 0), in order."""
    wanted = set(weekdays)
    day = max(start_date, first_date)
    until = end_date if last_date is None else min(end_date, last_date)
    dates = []
    while day <= until:
        if day.weekday() in wanted:
            dates.append(day)
        day += timedelta(days=1)
    return dates


def local_start(day: date, time_: time, tz: tzinfo) -> datetime:
    """The moment ``time_`` on ``day`` in ``tz``, as an aware datetime in UTC:
    a time in the spring-forward gap moves forward by the gap, a time that
    happens twice in the fall-back overlap is the first (fold=0).

    In UTC rather than in ``tz`` because an aware datetime in ``tz`` that
    falls in the overlap never compares equal to one in another zone (PEP
    495), a trap for every caller; ``.astimezone(tz)`` gives the wall clock."""
    wall = datetime.combine(day, time_.replace(tzinfo=None, fold=0), tzinfo=tz)
    # zoneinfo gives a time in the gap (fold=0) the offset from before the
    # jump: 02:30 "EST" is 07:30 UTC, which is 03:30 EDT, forward by the gap.
    # An ambiguous time with fold=0 takes the first offset (EDT).
    return wall.astimezone(UTC)


def end_after(starts_at: datetime, duration: timedelta) -> datetime:
    """When a visit of ``duration`` that starts at ``starts_at`` ends, in real
    (elapsed) time: adding a timedelta to a zoneinfo datetime is wall-clock
    arithmetic, an hour off across a DST change, so add it in UTC."""
    if starts_at.tzinfo is None:
        raise ValueError("end_after() needs a time-zone aware start.")
    return starts_at.astimezone(UTC) + duration
