"""Staff screens of the client lifecycle."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from petcare.access import HtmxHttpRequest, staff_member_required
from scheduling.selectors import client_has_templates, client_upcoming_events

from . import selectors, services
from .forms import ClientForm, ClientSearchForm, DeactivateForm, ReactivateForm
from .models import Client

CLIENTS_PER_PAGE = 25
SEE_ALL_PER_PAGE = 50


def _get_client(pk: int) -> Client:
    try:
        return selectors.get_client(client_id=pk)
    except Client.DoesNotExist:
        raise Http404("No client with this id.") from None


@require_GET
@staff_member_required
@permission_required("clients.view_client", raise_exception=True)
@vary_on_headers("HX-Request")
def client_list(request: HtmxHttpRequest) -> HttpResponse:
    search = ClientSearchForm(request.GET)
    filters = search.filters()
    page = Paginator(selectors.list_clients(**filters), CLIENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "clients/list.html"
    if request.htmx and not (request.htmx.boosted or request.htmx.history_restore_request):
        template += "#results"
    return render(
        request,
        template,
        {
            "search": search,
            "filters": filters,
            "page": page,
            "tabs": selectors.ClientFilter.CHOICES,
        },
    )


def _profile_context(request, client: Client) -> dict:
    return {
        "profile": selectors.get_client_profile(client=client, now=timezone.now()),
        "client": client,
        "can_change_status": request.user.has_perm("clients.change_client_status"),
        "can_edit": request.user.has_perm("clients.change_client"),
    }


@require_GET
@staff_member_required
@permission_required("clients.view_client", raise_exception=True)
def client_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    return render(request, "clients/profile.html", _profile_context(request, client))


def _duplicate_email_error(form: ClientForm, error: services.DuplicateClientEmail) -> None:
    existing = error.existing
    state = "" if existing.is_active else " (inactive: it can be re-activated from its profile)"
    form.add_error(
        "email",
        format_html(
            'A client with this email already exists: <a href="{}">{}</a>{}.',
            existing.get_absolute_url(),
            existing.name,
            state,
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("clients.add_client", raise_exception=True)
def client_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.create_client(**form.cleaned_data)
        except services.DuplicateClientEmail as error:
            _duplicate_email_error(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added {client.name}.")
            return redirect(client)
    status = 400 if request.method == "POST" else 200
    return render(request, "clients/form.html", {"form": form, "client": None}, status=status)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("clients.change_client", raise_exception=True)
def client_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    form = ClientForm(request.POST or None, initial=ClientForm.initial_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_client(client, **form.cleaned_data)
        except services.DuplicateClientEmail as error:
            _duplicate_email_error(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {client.name}'s details.")
            return redirect(client)
        client.refresh_from_db()  # the page shows what is saved; the form what was typed
    status = 400 if request.method == "POST" else 200
    return render(request, "clients/form.html", {"form": form, "client": client}, status=status)


def _removed_summary(deactivation: services.Deactivation) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    parts = []
    if deactivation.status_change.delete_future_events:
        parts.append(count(deactivation.events_removed, "upcoming service"))
    if deactivation.status_change.delete_templates:
        parts.append(count(deactivation.templates_removed, "template"))
    if not parts:
        return "Made inactive. Nothing was removed."
    return f"Made inactive. Removed {' and '.join(parts)}."


def _status_changed_response(request: HtmxHttpRequest, client: Client) -> HttpResponse:
    """After Make Inactive / Re-Activate (done or refused): the profile again.

    htmx gets the profile partial in place of the old one and an event that
    closes the dialog; a plain browser is redirected (post/redirect/get).
    """
    if not request.htmx:
        return redirect(client)
    client = _get_client(client.pk)
    response = render(
        request, "clients/profile.html#status-changed", _profile_context(request, client)
    )
    response = retarget(response, "#profile")
    response = reswap(response, "outerHTML")
    return trigger_client_event(response, "petcare:dialog-close", after="settle")


def _confirm_page(request, *, client, form, action: str, status: int = 200) -> HttpResponse:
    template = "clients/status_confirm.html"
    if request.htmx:
        template += "#dialog"
    return render(
        request, template, {"client": client, "form": form, "action": action}, status=status
    )


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("clients.change_client_status", raise_exception=True)
@vary_on_headers("HX-Request")
def client_deactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the Make Inactive confirmation (a dialog for htmx, else a page). POST: do it."""
    client = _get_client(pk)
    form = DeactivateForm(
        request.POST if request.method == "POST" else None,
        has_templates=client_has_templates(client=client),
    )
    if request.method == "GET":
        return _confirm_page(request, client=client, form=form, action="deactivate")
    if not form.is_valid():
        return _confirm_page(request, client=client, form=form, action="deactivate", status=400)
    try:
        deactivation = services.deactivate_client(
            client,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            **form.options,
        )
    except services.ClientAlreadyInactive:
        messages.error(request, f"{client.name} is already inactive. Nothing was changed.")
    else:
        messages.success(request, _removed_summary(deactivation))
    return _status_changed_response(request, client)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("clients.change_client_status", raise_exception=True)
@vary_on_headers("HX-Request")
def client_reactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the Re-Activate confirmation (a dialog for htmx, else a page). POST: do it."""
    client = _get_client(pk)
    form = ReactivateForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _confirm_page(request, client=client, form=form, action="reactivate")
    if not form.is_valid():
        return _confirm_page(request, client=client, form=form, action="reactivate", status=400)
    try:
        services.reactivate_client(client, actor=request.user, reason=form.cleaned_data["reason"])
    except services.ClientAlreadyActive:
        messages.error(request, f"{client.name} is already active. Nothing was changed.")
    else:
        messages.success(
            request,
            f"Re-activated {client.name}. Their logins can sign in again; "
            "removed services and templates do not come back by themselves.",
        )
    return _status_changed_response(request, client)


@require_http_methods(["GET", "POST"])
@staff_member_required
@permission_required("clients.change_client", raise_exception=True)
@vary_on_headers("HX-Request")
def client_invite(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: confirm Invite to portal (a dialog for htmx, else a page). POST: send it."""
    client = _get_client(pk)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _confirm_page(request, client=client, form=form, action="invite")
    try:
        services.invite_client(client, actor=request.user, build_url=request.build_absolute_uri)
    except services.ClientInactive:
        messages.error(
            request, f"{client.name} is inactive: re-activate them before inviting them."
        )
    except services.CannotInvite as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Invitation sent to {client.email}. The link works for three days; "
            "send a new one from here if it expires.",
        )
    return _status_changed_response(request, client)


@require_GET
@staff_member_required
@permission_required("clients.view_client", raise_exception=True)
def client_upcoming(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    events = client_upcoming_events(client=client, now=timezone.now())
    page = Paginator(events, SEE_ALL_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "clients/upcoming.html", {"client": client, "page": page})


@require_GET
@staff_member_required
@permission_required("clients.view_client", raise_exception=True)
def client_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    page = Paginator(selectors.client_history(client=client), SEE_ALL_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "clients/history.html", {"client": client, "page": page})
