"""Staff screens of the client lifecycle: the list, the profile, add and edit,
Make Inactive, Re-Activate and Invite to portal; a client's pets: add, edit,
Archive pet."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from petcare import policy
from petcare.access import HtmxHttpRequest, staff_view
from petcare.forms import PositionForm
from petcare.http import get_or_404, render_dialog

from . import selectors, services
from .forms import (
    ArchivePetForm,
    ClientForm,
    ClientSearchForm,
    DeactivateForm,
    PetForm,
    PetRowFormSet,
    ReactivateForm,
)
from .models import Client, ClientInactive, Pet, PetArchived

CLIENTS_PER_PAGE = 25
SEE_ALL_PER_PAGE = 50


def _get_client(pk: int) -> Client:
    return get_or_404(selectors.get_client, client_id=pk)


def _get_pet(pk: int, pet_pk: int) -> Pet:
    """The pet ``pet_pk`` of client ``pk``: another client's pet is a 404."""
    return get_or_404(selectors.get_pet, client_id=pk, pet_id=pet_pk)


@require_safe
@staff_view(policy.may_view_clients)
@vary_on_headers("HX-Request")
def client_list(request: HtmxHttpRequest) -> HttpResponse:
    search = ClientSearchForm(request.GET)
    filters = search.filters()
    page = selectors.page_clients(**filters, **search.position(), size=CLIENTS_PER_PAGE)
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


def _profile_context(client: Client) -> dict:
    return {
        "profile": selectors.get_client_profile(client=client, now=timezone.now()),
        "client": client,
    }


@require_safe
@staff_view(policy.may_view_clients)
def client_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    return render(request, "clients/profile.html", _profile_context(client))


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


def _pet_rows(request: HtmxHttpRequest) -> PetRowFormSet:
    """The Add client form's pet rows. A submission without them (no
    management form: a script, an older page) adds the client alone."""
    if request.method == "POST" and "pets-TOTAL_FORMS" in request.POST:
        return PetRowFormSet(request.POST, prefix="pets")
    return PetRowFormSet(prefix="pets")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_add_client)
def client_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    pet_rows = _pet_rows(request)
    rows_valid = not pet_rows.is_bound or pet_rows.is_valid()
    if request.method == "POST" and form.is_valid() and rows_valid:
        pets = pet_rows.pets() if pet_rows.is_bound else []
        try:
            client = services.create_client(actor=request.user, **form.cleaned_data, pets=pets)
        except services.DuplicateClientEmail as error:
            _duplicate_email_error(form, error)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            names = " and ".join(pet["name"] for pet in pets)
            messages.success(request, f"Added {client.name}" + (f" with {names}." if pets else "."))
            return redirect(client)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "client": None, "pet_rows": pet_rows}
    return render(request, "clients/form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_edit_client)
def client_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    form = ClientForm(request.POST or None, initial=ClientForm.initial_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_client(client, actor=request.user, **form.cleaned_data)
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


def _deactivated_message(deactivation: services.Deactivation, *, templates_offered: bool) -> str:
    """ "Jordan Reyes is now inactive. Removed 14 upcoming services and 2 templates."

    Counts of nothing are left out; what staff chose to keep is said so;
    "Nothing was scheduled." when there was nothing to remove.
    """
    change = deactivation.status_change
    removed = []
    if deactivation.events_removed:
        removed.append(_plural(deactivation.events_removed, "upcoming service"))
    if deactivation.templates_removed:
        removed.append(_plural(deactivation.templates_removed, "template"))
    kept = []
    if not change.delete_future_events:
        kept.append("upcoming services")
    if templates_offered and not change.delete_templates:
        kept.append("templates")
    sentences = [f"{deactivation.client.name} is now inactive."]
    if removed:
        sentences.append(f"Removed {' and '.join(removed)}.")
    if kept:
        sentences.append(f"Kept their {' and '.join(kept)}.")
    if not removed and not kept:
        sentences.append("Nothing was scheduled.")
    return " ".join(sentences)


def _status_changed_response(request: HtmxHttpRequest, client: Client) -> HttpResponse:
    """After Make Inactive / Re-Activate / Invite (done or refused): the profile again.

    htmx gets the profile partial in place of the old one and an event that
    closes the dialog; a plain browser is redirected (post/redirect/get).
    """
    if not request.htmx:
        return redirect(client)
    client = _get_client(client.pk)
    response = render(request, "clients/profile.html#status-changed", _profile_context(client))
    response = retarget(response, "#profile")
    response = reswap(response, "outerHTML")
    return trigger_client_event(response, "petcare:dialog-close", after="settle")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_client_status)
@vary_on_headers("HX-Request")
def client_deactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the Make Inactive confirmation (a dialog for htmx, else a page). POST: do it."""
    client = _get_client(pk)
    form = DeactivateForm(
        request.POST if request.method == "POST" else None,
        has_templates=selectors.client_has_templates(client=client),
    )
    context = {"client": client, "form": form}
    if request.method != "POST":
        return render_dialog(request, "clients/deactivate.html", context)
    if not form.is_valid():
        return render_dialog(request, "clients/deactivate.html", context, status=400)
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
        messages.success(
            request,
            _deactivated_message(deactivation, templates_offered="delete_templates" in form.fields),
        )
    return _status_changed_response(request, client)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_client_status)
@vary_on_headers("HX-Request")
def client_reactivate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the Re-Activate confirmation (a dialog for htmx, else a page). POST: do it."""
    client = _get_client(pk)
    form = ReactivateForm(request.POST if request.method == "POST" else None)
    context = {"client": client, "form": form}
    if request.method != "POST":
        return render_dialog(request, "clients/reactivate.html", context)
    if not form.is_valid():
        return render_dialog(request, "clients/reactivate.html", context, status=400)
    try:
        services.reactivate_client(client, actor=request.user, reason=form.cleaned_data["reason"])
    except services.ClientAlreadyActive:
        messages.error(request, f"{client.name} is already active. Nothing was changed.")
    else:
        messages.success(
            request,
            f"{client.name} is active again. Their logins can sign in; "
            "removed services and templates do not come back by themselves.",
        )
    return _status_changed_response(request, client)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_invite_client)
@vary_on_headers("HX-Request")
def client_invite(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: confirm Invite to portal (a dialog for htmx, else a page). POST: send it."""
    client = _get_client(pk)
    if request.method != "POST":
        return render_dialog(
            request, "clients/invite.html", {"client": client, "form": forms.Form()}
        )
    try:
        services.invite_client(client, actor=request.user, base_url=request.build_absolute_uri("/"))
    except ClientInactive:
        messages.error(
            request, f"{client.name} is inactive: re-activate them before inviting them."
        )
    except services.CannotInvite as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Sent {client.name} an invitation at {client.email}. The link works for three days; "
            "send a new one from here if it expires.",
        )
    return _status_changed_response(request, client)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_manage_pets)
def pet_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    form = PetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pet = services.add_pet(client, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Added {pet.name} to {client.name}'s pets.")
            return redirect(client)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "client": client, "pet": None}
    return render(request, "clients/pet_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_manage_pets)
def pet_update(request: HtmxHttpRequest, pk: int, pet_pk: int) -> HttpResponse:
    pet = _get_pet(pk, pet_pk)
    form = PetForm(request.POST or None, initial=PetForm.initial_for(pet))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pet(pet, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"Saved {pet.name}'s details.")
            return redirect(pet.client)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "client": pet.client, "pet": pet}
    return render(request, "clients/pet_form.html", context, status=status)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _archived_summary(archival: services.PetArchival) -> str:
    """ "Archived Biscuit. Removed 3 upcoming services; Biscuit was taken off 2 shared ones." """
    name = archival.pet.name
    parts = []
    if archival.events_removed or archival.events_shared:
        parts.append(
            f"Removed {_plural(archival.events_removed, 'upcoming service')}; "
            f"{name} was taken off {archival.events_shared} shared "
            f"{'one' if archival.events_shared == 1 else 'ones'}."
        )
    elif archival.events_kept:
        parts.append(f"{_plural(archival.events_kept, 'upcoming service')} kept.")
    if archival.templates_removed or archival.templates_shared:
        parts.append(
            f"Removed {_plural(archival.templates_removed, 'template')}; "
            f"{name} was taken off {_plural(archival.templates_shared, 'shared template')}."
        )
    return " ".join([f"Archived {name}.", *parts])


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_manage_pets)
@vary_on_headers("HX-Request")
def pet_archive(request: HtmxHttpRequest, pk: int, pet_pk: int) -> HttpResponse:
    """GET: the Archive pet confirmation (a dialog for htmx, else a page). POST: do it."""
    pet = _get_pet(pk, pet_pk)
    preview = selectors.pet_archive_preview(pet=pet, now=timezone.now())
    form = ArchivePetForm(
        request.POST if request.method == "POST" else None,
        has_future_services=preview.has_future_services,
    )
    context = {"client": pet.client, "pet": pet, "form": form, "preview": preview}
    if request.method != "POST":
        return render_dialog(request, "clients/pet_archive.html", context)
    if not form.is_valid():
        return render_dialog(request, "clients/pet_archive.html", context, status=400)
    try:
        archival = services.archive_pet(pet, actor=request.user, **form.options)
    except PetArchived:
        messages.error(request, f"{pet.name} is already archived. Nothing was changed.")
    else:
        messages.success(request, _archived_summary(archival))
    return _status_changed_response(request, pet.client)


@require_safe
@staff_view(policy.may_view_clients)
def client_upcoming(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    page = selectors.page_upcoming_visits(
        client=client,
        now=timezone.now(),
        size=SEE_ALL_PER_PAGE,
        **PositionForm(request.GET).position(),
    )
    return render(request, "clients/upcoming.html", {"client": client, "page": page})


@require_safe
@staff_view(policy.may_view_clients)
def client_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    page = selectors.page_history(
        client=client, size=SEE_ALL_PER_PAGE, **PositionForm(request.GET).position()
    )
    return render(request, "clients/history.html", {"client": client, "page": page})


@require_safe
@staff_view(policy.may_view_clients)
def client_templates(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client(pk)
    page = Paginator(selectors.client_templates(client=client), SEE_ALL_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "clients/templates.html", {"client": client, "page": page})
