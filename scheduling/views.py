"""Staff screens of the schedule: the day and week views, visits and their
actions, a client's templates (reached from the profile) and service types."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateformat import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from clients.models import Client
from petcare.access import HtmxHttpRequest, staff_member_required

from . import selectors, services
from .forms import (
    ApplyTemplateForm,
    ClientPickerForm,
    ConfirmRequestForm,
    ScheduleFilterForm,
    ServiceTypeForm,
    TemplateForm,
    VisitForm,
    duration_display,
    inactive_message,
)
from .models import EventStatus, ScheduledEvent, ServiceType, Template

WEEK_DAYS = 7
DIALOG_SLOT = "#dialog-slot"


# --- Helpers --------------------------------------------------------------------------


def _get_or_404(getter, **lookup):
    try:
        return getter(**lookup)
    except ObjectDoesNotExist:
        raise Http404("Not found.") from None


def _next_url(request: HtmxHttpRequest, fallback: str) -> str:
    """Where to go after an action: the page it was started from (``next``,
    same site only), else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _done(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After an action from a dialog, htmx loads the page anew (with the
    message); a plain browser is redirected (post/redirect/get). ``url`` has
    no #fragment: htmx's redirect to the page it is on must reload it, and the
    message shows at the top."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _confirm(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A confirmation: a dialog for htmx, a page without JavaScript."""
    if request.htmx:
        response = render(request, f"{template}#dialog", context, status=status)
        return reswap(retarget(response, DIALOG_SLOT), "innerHTML")
    return render(request, template, context, status=status)


def _when(event: ScheduledEvent) -> str:
    starts = timezone.localtime(event.starts_at, selectors.business_timezone())
    return f"{format_date(starts, 'D, M j')} at {time_format(starts, 'g:i A')}"


def _describe(event: ScheduledEvent) -> str:
    return f"{event.service_type.name} for {event.client.name} on {_when(event)}"


# --- Day and week ---------------------------------------------------------------------


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


@require_GET
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
def schedule_index(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("scheduling:schedule")


def _schedule_page(request: HtmxHttpRequest, period: Period) -> HttpResponse:
    user = request.user
    filters = ScheduleFilterForm(
        request.GET,
        user=user,
        sitters=selectors.assignable_sitters(),
        # A sitter sees their own visits first; the filter switches to all.
        own_by_default=not user.has_perm("scheduling.change_scheduledevent"),
    )
    query = filters.query_string()
    if filters.is_valid() and filters.cleaned_data["date"]:
        jump = filters.cleaned_data["date"]
        day = _monday(jump) if period.kind == "week" else jump
        return redirect(f"{period.url(day)}?{query}")
    today = timezone.localdate(timezone=selectors.business_timezone())
    schedule = selectors.get_schedule(
        first_day=period.first_day, days=period.days, today=today, **filters.filters()
    )
    this = _monday(today) if period.kind == "week" else today
    # The Day toggle of a week opens today when the week holds it.
    focus = today if period.first_day <= today <= period.last_day else period.first_day
    context = {
        "period": period,
        "schedule": schedule,
        "filters": filters,
        "query": query,
        "previous_url": f"{period.url(period.first_day - period.step)}?{query}",
        "next_url": f"{period.url(period.first_day + period.step)}?{query}",
        "today_url": f"{period.url(this)}?{query}",
        "is_current": period.first_day == this,
        "week_url": f"{reverse('scheduling:week', args=[_monday(period.first_day)])}?{query}",
        "day_url": f"{reverse('scheduling:day', args=[focus])}?{query}",
        "can_add": user.has_perm("scheduling.add_scheduledevent"),
        "today": today,
    }
    return render(
        request,
        f"scheduling/{period.kind}.html",
        context,
        status=400 if filters.errors else 200,
    )


@require_GET
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
def schedule_week(request: HtmxHttpRequest, day: date | None = None) -> HttpResponse:
    """Every visit of a week (Monday to Sunday, in the business's time zone)."""
    if day is None:
        day = _monday(timezone.localdate(timezone=selectors.business_timezone()))
    elif day.weekday():
        query = request.GET.urlencode()
        url = reverse("scheduling:week", args=[_monday(day)])
        return redirect(f"{url}?{query}" if query else url)
    return _schedule_page(
        request, Period(kind="week", first_day=day, days=WEEK_DAYS, step=timedelta(weeks=1))
    )


@require_GET
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
def schedule_day(request: HtmxHttpRequest, day: date | None = None) -> HttpResponse:
    """Every visit of one day, in the business's time zone."""
    if day is None:
        day = timezone.localdate(timezone=selectors.business_timezone())
    return _schedule_page(
        request, Period(kind="day", first_day=day, days=1, step=timedelta(days=1))
    )


# --- Visits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitActions:
    """What this person may do with this visit now (what its page offers;
    each action's view checks again)."""

    edit: bool
    cancel: bool
    complete: bool
    confirm: bool
    decline: bool
    confirm_blocked: bool  # a request of an inactive client: decline only

    @property
    def any(self) -> bool:
        return self.edit or self.cancel or self.complete or self.confirm or self.decline


def _may_complete(user, event: ScheduledEvent, now) -> bool:
    """Office staff complete any scheduled visit; a sitter only their own,
    once it has started."""
    if event.status != EventStatus.SCHEDULED:
        return False
    if user.has_perm("scheduling.change_scheduledevent"):
        return True
    return event.sitter_id == user.pk and event.starts_at <= now


def _visit_actions(user, event: ScheduledEvent) -> VisitActions:
    staff = user.has_perm("scheduling.change_scheduledevent")
    requested = event.status == EventStatus.REQUESTED
    is_open = event.status in (EventStatus.REQUESTED, EventStatus.SCHEDULED)
    active = event.client.is_active
    return VisitActions(
        edit=staff and is_open and active,
        cancel=staff and event.status == EventStatus.SCHEDULED,
        complete=_may_complete(user, event, timezone.now()),
        confirm=staff and requested and active,
        decline=staff and requested,
        confirm_blocked=staff and requested and not active,
    )


def _get_event(pk: int) -> ScheduledEvent:
    return _get_or_404(selectors.get_event, event_id=pk)


@require_GET
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
def visit_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = _get_event(pk)
    actions = _visit_actions(request.user, event)
    return render(
        request,
        "scheduling/visit_detail.html",
        {
            "event": event,
            "actions": actions,
            "inactive_message": None if event.client.is_active else inactive_message(event.client),
        },
    )


def _render_visit_form(request, *, form, picker=None, client=None, event=None, status=200):
    return render(
        request,
        "scheduling/visit_form.html",
        {
            "form": form,
            "picker": picker,
            "client": client,
            "event": event,
            "next": _next_url(request, ""),
        },
        status=status,
    )


def _visit_saved(request, event: ScheduledEvent, verb: str) -> HttpResponse:
    messages.success(request, f"{verb} {_describe(event)}.")
    local = timezone.localtime(event.starts_at, selectors.business_timezone())
    return redirect(_next_url(request, reverse("scheduling:day", args=[local.date()])))


def _form_status(request, form: VisitForm) -> int:
    """400 for a refused form; 200 for a page, or for an overlap warning."""
    if request.method == "GET" or (form.overlaps and not form.errors):
        return 200
    return 400


def _save_visit(request, form: VisitForm, save) -> ScheduledEvent | None:
    """Call the service; turn its refusals into the form's errors or warning."""
    try:
        return save(**form.service_arguments(), actor=request.user)
    except services.ClientInactive as refusal:
        form.add_error(None, str(refusal))
    except services.SitterOverlap as warning:
        form.warn_overlap(warning)
    except services.InvalidTransition as refusal:
        form.add_error(None, str(refusal))
    except ValidationError as error:
        form.add_service_errors(error)
    return None


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.add_scheduledevent", raise_exception=True)
def visit_add(request: HtmxHttpRequest) -> HttpResponse:
    """Add visit: first the client (``?client=<pk>``, active clients only),
    then the visit with that client's pets."""
    picker = ClientPickerForm(
        request.GET if "client" in request.GET else None,
        initial={"date": request.GET.get("date", "")},
    )
    if not picker.is_valid():
        if request.method == "POST" and not picker.is_bound:
            picker = ClientPickerForm({})
            picker.is_valid()
        status = 400 if picker.is_bound else 200
        return _render_visit_form(request, form=None, picker=picker, status=status)
    client = picker.cleaned_data["client"]
    initial = {"date": picker.cleaned_data["date"] or timezone.localdate()}
    if request.method == "GET":
        form = VisitForm(client=client, initial=initial)
        return _render_visit_form(request, form=form, client=client)
    form = VisitForm(request.POST, client=client, initial=initial)
    if form.is_valid():
        event = _save_visit(
            request,
            form,
            lambda **arguments: services.schedule_event(client=client, **arguments),
        )
        if event is not None:
            return _visit_saved(request, event, "Scheduled")
    return _render_visit_form(request, form=form, client=client, status=_form_status(request, form))


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_scheduledevent", raise_exception=True)
def visit_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Edit a visit; its client stays (a visit never moves to another client)."""
    event = _get_event(pk)
    form = VisitForm(request.POST or None, client=event.client, event=event)
    if request.method == "POST" and form.is_valid():
        saved = _save_visit(
            request,
            form,
            lambda **arguments: services.update_event(event, **arguments),
        )
        if saved is not None:
            return _visit_saved(request, saved, "Saved")
        event = _get_event(pk)  # the page shows what is saved; the form what was typed
    return _render_visit_form(
        request, form=form, client=event.client, event=event, status=_form_status(request, form)
    )


# One confirmation page per action: its title, question, button and message.
VISIT_ACTIONS = {
    "cancel": {
        "title": "Cancel visit",
        "button": "Cancel visit",
        "danger": True,
        "done": "Canceled",
    },
    "complete": {
        "title": "Mark completed",
        "button": "Mark completed",
        "danger": False,
        "done": "Marked completed:",
    },
    "confirm": {
        "title": "Confirm request",
        "button": "Confirm",
        "danger": False,
        "done": "Confirmed",
    },
    "decline": {
        "title": "Decline request",
        "button": "Decline",
        "danger": True,
        "done": "Declined",
    },
}


def _visit_action(request: HtmxHttpRequest, pk: int, action: str, act, form=None):
    """GET: confirm (a dialog for htmx, else a page). POST: call ``act``; a
    refusal becomes a message, nothing changed; then back where it started."""
    event = _get_event(pk)
    back = _next_url(request, reverse("scheduling:visit", args=[event.pk]))
    context = {
        "event": event,
        "action": action,
        "words": VISIT_ACTIONS[action],
        "form": form,
        "next": back,
        "inactive_message": None if event.client.is_active else inactive_message(event.client),
    }
    if request.method == "GET":
        return _confirm(request, "scheduling/visit_action.html", context)
    if form is not None and not form.is_valid():
        return _confirm(request, "scheduling/visit_action.html", context, status=400)
    try:
        act(event)
    except services.SitterOverlap as warning:
        form.warn_overlap(warning)
        return _confirm(request, "scheduling/visit_action.html", context)
    except ValidationError as error:
        form.add_error("sitter" if "sitter" in getattr(error, "error_dict", {}) else None, error)
        return _confirm(request, "scheduling/visit_action.html", context, status=400)
    except (services.ClientInactive, services.InvalidTransition) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{VISIT_ACTIONS[action]['done']} {_describe(event)}.")
    return _done(request, back)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_scheduledevent", raise_exception=True)
@vary_on_headers("HX-Request")
def visit_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _visit_action(
        request, pk, "cancel", lambda event: services.cancel_event(event, actor=request.user)
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.view_scheduledevent", raise_exception=True)
@vary_on_headers("HX-Request")
def visit_complete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Office staff complete any visit; a sitter their own, once started."""
    event = _get_event(pk)
    if not request.user.has_perm("scheduling.change_scheduledevent") and not _may_complete(
        request.user, event, timezone.now()
    ):
        raise PermissionDenied("Sitters mark only their own visits completed, once started.")
    return _visit_action(
        request, pk, "complete", lambda event: services.complete_event(event, actor=request.user)
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_scheduledevent", raise_exception=True)
@vary_on_headers("HX-Request")
def visit_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Confirm a client's request, choosing the sitter; an overlap is warned about."""
    event = _get_event(pk)
    form = ConfirmRequestForm(request.POST if request.method == "POST" else None, event=event)

    def act(event):
        return services.confirm_request(
            event,
            actor=request.user,
            sitter=form.cleaned_data["sitter"],
            allow_overlap=form.cleaned_data["allow_overlap"],
        )

    return _visit_action(request, pk, "confirm", act, form=form)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_scheduledevent", raise_exception=True)
@vary_on_headers("HX-Request")
def visit_decline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _visit_action(
        request, pk, "decline", lambda event: services.decline_request(event, actor=request.user)
    )


# --- Templates (from the client's profile) ---------------------------------------------


def _get_client(pk: int) -> Client:
    return _get_or_404(Client.objects.get, pk=pk)


def _get_template(pk: int) -> Template:
    return _get_or_404(selectors.get_template, template_id=pk)


def _render_template_form(request, *, form, client, template=None, status=200):
    return render(
        request,
        "scheduling/template_form.html",
        {
            "form": form,
            "client": client,
            "template": template,
            "inactive_message": None if client.is_active else inactive_message(client),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.add_template", raise_exception=True)
def template_add(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = _get_client(client_pk)
    form = TemplateForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.create_template(
                client=client, **form.service_arguments(), actor=request.user
            )
        except services.ClientInactive as refusal:
            form.add_error(None, str(refusal))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"Added the template “{template}”. Apply it to put its visits on the schedule.",
            )
            return redirect(client.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return _render_template_form(request, form=form, client=client, status=status)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_template", raise_exception=True)
def template_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    template = _get_template(pk)
    client = template.client
    form = TemplateForm(request.POST or None, client=client, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_template(template, **form.service_arguments(), actor=request.user)
        except services.ClientInactive as refusal:
            form.add_error(None, str(refusal))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                "Saved the template. Visits it already made are unchanged; "
                "apply it again to add visits on new days.",
            )
            return redirect(client.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return _render_template_form(
        request, form=form, client=client, template=template, status=status
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.delete_template", raise_exception=True)
@vary_on_headers("HX-Request")
def template_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: confirm Remove (a dialog for htmx, else a page). POST: remove it;
    the visits it made stay."""
    template = _get_template(pk)
    client = template.client
    if request.method == "GET":
        return _confirm(
            request,
            "scheduling/template_confirm.html",
            {"template": template, "client": client, "action": "remove"},
        )
    services.delete_template(template, actor=request.user)
    messages.success(
        request, f"Removed the template “{template}”. Visits it already made stay on the schedule."
    )
    return _done(request, client.get_absolute_url())


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.add_scheduledevent", raise_exception=True)
@vary_on_headers("HX-Request")
def template_apply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the dates to apply the template over (today to four weeks on).
    POST: make its visits; those that already exist are not made again."""
    template = _get_template(pk)
    client = template.client
    form = ApplyTemplateForm(request.POST if request.method == "POST" else None)
    context = {
        "template": template,
        "client": client,
        "action": "apply",
        "form": form,
        "inactive_message": None if client.is_active else inactive_message(client),
    }
    if request.method == "GET":
        return _confirm(request, "scheduling/template_confirm.html", context)
    if not form.is_valid():
        return _confirm(request, "scheduling/template_confirm.html", context, status=400)
    try:
        result = services.apply_template(
            template,
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
            actor=request.user,
        )
    except services.ClientInactive as refusal:
        messages.error(request, str(refusal))
    except ValidationError as error:
        form.add_service_errors(error)
        return _confirm(request, "scheduling/template_confirm.html", context, status=400)
    else:
        # Overlaps are a warning to act on, not a refusal: the visits are made.
        notify = messages.warning if result.overlapping else messages.success
        notify(request, _applied_summary(result))
    return _done(request, client.get_absolute_url())


def _applied_summary(result: services.TemplateApplication) -> str:
    summary = (
        f"Created {result.created} visit{'' if result.created == 1 else 's'}; "
        f"{result.skipped} already existed."
    )
    if overlapping := len(result.overlapping):
        sitter = result.template.sitter
        who = sitter.get_full_name() or sitter.email if sitter else "the sitter"
        summary += (
            f" {overlapping} of them overlap{'s' if overlapping == 1 else ''} another visit "
            f"of {who}: check the schedule."
        )
    return summary


# --- Service types ----------------------------------------------------------------------


@require_GET
@staff_member_required
@permission_required("scheduling.change_servicetype", raise_exception=True)
def service_type_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "scheduling/service_types.html",
        {
            "service_types": [
                (service_type, duration_display(service_type.duration))
                for service_type in selectors.service_types_for_staff()
            ]
        },
    )


def _get_service_type(pk: int) -> ServiceType:
    return _get_or_404(ServiceType.objects.get, pk=pk)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.add_servicetype", raise_exception=True)
def service_type_add(request: HtmxHttpRequest) -> HttpResponse:
    form = ServiceTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service_type = services.save_service_type(form.instance)
        messages.success(request, f"Added “{service_type.name}”.")
        return redirect("scheduling:service_types")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/service_type_form.html",
        {"form": form, "service_type": None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("scheduling.change_servicetype", raise_exception=True)
def service_type_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    service_type = _get_service_type(pk)
    form = ServiceTypeForm(request.POST or None, instance=service_type)
    if request.method == "POST" and form.is_valid():
        services.save_service_type(form.instance)
        messages.success(
            request,
            f"Saved “{service_type.name}”. Visits already booked keep their times.",
        )
        return redirect("scheduling:service_types")
    if request.method == "POST":
        service_type.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/service_type_form.html",
        {"form": form, "service_type": service_type},
        status=status,
    )


def _set_offered(request, pk: int, *, offered: bool) -> HttpResponse:
    service_type = _get_service_type(pk)
    services.set_service_type_offered(service_type, offered=offered)
    if offered:
        messages.success(request, f"“{service_type.name}” is offered again.")
    else:
        messages.success(
            request,
            f"Archived “{service_type.name}”: it is no longer offered for new visits "
            "or requests. Visits already booked keep it.",
        )
    return redirect("scheduling:service_types")


@require_POST
@staff_member_required
@permission_required("scheduling.change_servicetype", raise_exception=True)
def service_type_archive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _set_offered(request, pk, offered=False)


@require_POST
@staff_member_required
@permission_required("scheduling.change_servicetype", raise_exception=True)
def service_type_unarchive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _set_offered(request, pk, offered=True)
