"""The day and week views of the schedule."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from petcare import policy
from petcare.access import HtmxHttpRequest, staff_view
from petcare.forms import PositionForm

from .. import selectors
from ..forms.schedule import ScheduleFilterForm
from ..local_time import business_timezone

WEEK_DAYS = 7


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    """What the schedule page shows: a week or a day, and its neighbours."""

    kind: str  # "week" or "day"
    first_day: date
    days: int
    step: timedelta

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def url(self, day: date) -> str:
        return reverse(f"scheduling:{self.kind}", args=[day])


@require_safe
@staff_view(policy.may_view_schedule)
def schedule_index(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("scheduling:schedule")


def _schedule_page(request: HtmxHttpRequest, period: Period) -> HttpResponse:
    user = request.user
    sitters = list(selectors.assignable_sitters())
    filters = ScheduleFilterForm(
        request.GET,
        user=user,
        sitters=sitters,
        # A sitter sees their own visits first; the filter switches to all.
        own_by_default=not policy.may_change_visits(user),
    )
    query = filters.query_string()
    if filters.is_valid() and filters.cleaned_data["date"]:
        jump = filters.cleaned_data["date"]
        day = _monday(jump) if period.kind == "week" else jump
        return redirect(f"{period.url(day)}?{query}")
    today = timezone.localdate(timezone=business_timezone())
    if period.kind == "week":
        schedule = selectors.get_week_schedule(
            first_day=period.first_day,
            today=today,
            sitters=sitters,
            # A page of sitter rows; anything but a page number is the first.
            page=request.GET.get("page") or 1,
            **filters.filters(),
        )
    else:
        schedule = selectors.get_day_schedule(
            day=period.first_day,
            today=today,
            **filters.filters(),
            **PositionForm(request.GET).position(),
        )
    this = _monday(today) if period.kind == "week" else today
    # The Day toggle of a week opens today when the week holds it.
    focus = today if period.first_day <= today <= period.last_day else period.first_day
    context = {
        "period": period,
        "schedule": schedule,
        "filters": filters,
        "query": query,
        "all_statuses_query": filters.query_string(status=selectors.ANY_STATUS),
        "previous_url": f"{period.url(period.first_day - period.step)}?{query}",
        "next_url": f"{period.url(period.first_day + period.step)}?{query}",
        "today_url": f"{period.url(this)}?{query}",
        "is_current": period.first_day == this,
        "week_url": f"{reverse('scheduling:week', args=[_monday(period.first_day)])}?{query}",
        "day_url": f"{reverse('scheduling:day', args=[focus])}?{query}",
        "today": today,
    }
    return render(
        request,
        f"scheduling/{period.kind}.html",
        context,
        status=400 if filters.errors else 200,
    )


@require_safe
@staff_view(policy.may_view_schedule)
def schedule_week(request: HtmxHttpRequest, day: date | None = None) -> HttpResponse:
    """Every visit of a week (Monday to Sunday, in the business's time zone)."""
    if day is None:
        day = _monday(timezone.localdate(timezone=business_timezone()))
    elif day.weekday():
        query = request.GET.urlencode()
        url = reverse("scheduling:week", args=[_monday(day)])
        return redirect(f"{url}?{query}" if query else url)
    return _schedule_page(
        request, Period(kind="week", first_day=day, days=WEEK_DAYS, step=timedelta(weeks=1))
    )


@require_safe
@staff_view(policy.may_view_schedule)
def schedule_day(request: HtmxHttpRequest, day: date | None = None) -> HttpResponse:
    """Every visit of one day, in the business's time zone."""
    if day is None:
        day = timezone.localdate(timezone=business_timezone())
    return _schedule_page(
        request, Period(kind="day", first_day=day, days=1, step=timedelta(days=1))
    )
