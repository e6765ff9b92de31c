"""Staff screens of the schedule."""

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from petcare.access import HtmxHttpRequest, staff_member_required

from .selectors import upcoming_schedule

VISITS_PER_PAGE = 50


@require_GET
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
def schedule(request: HtmxHttpRequest):
    """Every visit still to come, soonest first."""
    page = Paginator(upcoming_schedule(now=timezone.now()), VISITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "scheduling/schedule.html", {"page": page})
