"""A visit's page, Add visit, Edit visit, and the visit's status changes
(cancel, complete, confirm, decline), each confirmed in a dialog."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateformat import time_format
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from clients.models import ClientInactive
from petcare import policy
from petcare.access import HtmxHttpRequest, staff_view
from petcare.http import done, get_or_404, next_url, render_dialog

from .. import selectors
from ..forms.visits import ClientPickerForm, ClientSearchForm, ConfirmRequestForm, VisitForm
from ..local_time import business_timezone
from ..models import ScheduledEvent
from ..services import visits as services

ACTION_TEMPLATE = "scheduling/visit_action.html"


def _when(event: ScheduledEvent) -> str:
    starts = timezone.localtime(event.starts_at, business_timezone())
    return f"{format_date(starts, 'D, M j')} at {time_format(starts, 'g:i A')}"


def _describe(event: ScheduledEvent) -> str:
    return f"{event.service_type.name} for {event.client.name} on {_when(event)}"


def _get_event(pk: int) -> ScheduledEvent:
    return get_or_404(selectors.get_event, event_id=pk)


@require_safe
@staff_view(policy.may_view_schedule)
def visit_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = _get_event(pk)
    actions = selectors.visit_actions(user=request.user, event=event, now=timezone.now())
    history = selectors.visit_history(event=event)
    return render(
        request,
        "scheduling/visit_detail.html",
        {"event": event, "actions": actions, "history": history},
    )


def _render_visit_form(request, *, form, picker=None, client=None, event=None, status=200):
    context = {
        "form": form,
        "picker": picker,
        "client": client,
        "event": event,
        "next": next_url(request, ""),
    }
    template = "scheduling/visit_form.html"
    if picker is not None:
        search = ClientSearchForm(request.GET)
        context["search"] = search
        context["choices"] = selectors.find_schedulable_clients(search=search.search())
        if request.htmx and not request.htmx.boosted:
            template += "#client-choices"
    return render(request, template, context, status=status)


def _visit_saved(request, event: ScheduledEvent, verb: str) -> HttpResponse:
    messages.success(request, f"{verb} {_describe(event)}.")
    local = timezone.localtime(event.starts_at, business_timezone())
    return redirect(next_url(request, reverse("scheduling:day", args=[local.date()])))


def _form_status(request, form: VisitForm) -> int:
    """400 for a refused form; 200 for a page, or for an overlap warning."""
    if request.method != "POST" or (form.overlaps and not form.errors):
        return 200
    return 400


def _save_visit(request, form: VisitForm, save) -> ScheduledEvent | None:
    """Call the service; turn its refusals into the form's errors or warning."""
    try:
        return save(**form.service_arguments(), actor=request.user)
    except (ClientInactive, services.InvalidTransition) as refusal:
        form.add_error(None, str(refusal))
    except services.SitterOverlap as warning:
        form.warn_overlap(warning)
    except ValidationError as error:
        form.add_service_errors(error)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_schedule_visits)
@vary_on_headers("HX-Request")
def visit_add(request: HtmxHttpRequest) -> HttpResponse:
    """Add visit: first the client (``?client=<pk>``, clients that can be
    scheduled only), then the visit with that client's pets."""
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
    if request.method != "POST":
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


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_visits)
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


# One confirmation per action: its title, buttons and message.
VISIT_ACTIONS = {
    "cancel": {
        "title": "Cancel visit",
        "button": "Cancel visit",
        "back": "Keep visit",
        "danger": True,
        "done": "Canceled",
    },
    "complete": {
        "title": "Mark completed",
        "button": "Mark completed",
        "back": "Back",
        "danger": False,
        "done": "Marked completed:",
    },
    "confirm": {
        "title": "Confirm request",
        "button": "Confirm",
        "back": "Back",
        "danger": False,
        "done": "Confirmed",
    },
    "decline": {
        "title": "Decline request",
        "button": "Decline",
        "back": "Back",
        "danger": True,
        "done": "Declined",
    },
}


def _visit_action(request: HtmxHttpRequest, event: ScheduledEvent, action: str, act, form=None):
    """GET: confirm (a dialog for htmx, else a page). POST: call the service
    ``act(event, actor=...)``; a refusal becomes a message, nothing changed;
    then back where it started."""
    back = next_url(request, reverse("scheduling:visit", args=[event.pk]))
    context = {
        "event": event,
        "action": action,
        "words": VISIT_ACTIONS[action],
        "form": form,
        "next": back,
    }
    if request.method != "POST":
        return render_dialog(request, ACTION_TEMPLATE, context)
    if form is not None and not form.is_valid():
        return render_dialog(request, ACTION_TEMPLATE, context, status=400)
    try:
        act(event, actor=request.user)
    except services.SitterOverlap as warning:
        form.warn_overlap(warning)
        return render_dialog(request, ACTION_TEMPLATE, context)
    except ValidationError as error:
        form.add_error("sitter" if "sitter" in getattr(error, "error_dict", {}) else None, error)
        return render_dialog(request, ACTION_TEMPLATE, context, status=400)
    except ClientInactive as refusal:
        messages.error(request, str(refusal))
    except services.InvalidTransition as refusal:
        messages.error(request, f"{_describe(event)}: {refusal}")
    else:
        messages.success(request, f"{VISIT_ACTIONS[action]['done']} {_describe(event)}.")
    return done(request, back)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_visits)
@vary_on_headers("HX-Request")
def visit_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, _get_event(pk), "cancel", services.cancel_event)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_view_schedule)
@vary_on_headers("HX-Request")
def visit_complete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Office staff complete any visit; a sitter their own, once started."""
    event = _get_event(pk)
    policy.require(policy.may_complete_visit, request.user, event, now=timezone.now())
    return _visit_action(request, event, "complete", services.complete_event)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_visits)
@vary_on_headers("HX-Request")
def visit_confirm(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Confirm a client's request, choosing the sitter; an overlap is warned about."""
    event = _get_event(pk)
    form = ConfirmRequestForm(request.POST if request.method == "POST" else None, event=event)

    def act(event, *, actor):
        return services.confirm_request(
            event,
            actor=actor,
            sitter=form.cleaned_data["sitter"],
            allow_overlap=form.cleaned_data["allow_overlap"],
        )

    return _visit_action(request, event, "confirm", act, form=form)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_visits)
@vary_on_headers("HX-Request")
def visit_decline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, _get_event(pk), "decline", services.decline_request)
