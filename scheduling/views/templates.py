"""A client's templates, reached from the profile: add, edit, remove, apply."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from clients.models import Client, ClientInactive
from petcare import policy
from petcare.access import HtmxHttpRequest, staff_view
from petcare.http import done, get_or_404, render_dialog

from .. import selectors
from ..forms.templates import ApplyTemplateForm, TemplateForm
from ..models import Template
from ..services import templates as services

CONFIRM_TEMPLATE = "scheduling/template_confirm.html"


def _get_template(pk: int) -> Template:
    return get_or_404(selectors.get_template, template_id=pk)


def _render_template_form(request, *, form, client, template=None):
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/template_form.html",
        {"form": form, "client": client, "template": template},
        status=status,
    )


def _save_template(request, form: TemplateForm, save) -> Template | None:
    """Call the service; turn its refusals into the form's errors."""
    try:
        return save(**form.service_arguments(), actor=request.user)
    except ClientInactive as refusal:
        form.add_error(None, str(refusal))
    except ValidationError as error:
        form.add_service_errors(error)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_add_template)
def template_add(request: HtmxHttpRequest, client_pk: int) -> HttpResponse:
    client = get_or_404(Client.objects.get, pk=client_pk)
    form = TemplateForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        template = _save_template(
            request,
            form,
            lambda **arguments: services.create_template(client=client, **arguments),
        )
        if template is not None:
            messages.success(
                request,
                f"Added the template {_named(template)}. "
                "Apply it to put its visits on the schedule.",
            )
            return redirect(client.get_absolute_url())
    return _render_template_form(request, form=form, client=client)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_change_template)
def template_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    template = _get_template(pk)
    client = template.client
    form = TemplateForm(request.POST or None, client=client, template=template)
    if request.method == "POST" and form.is_valid():
        saved = _save_template(
            request,
            form,
            lambda **arguments: services.update_template(template, **arguments),
        )
        if saved is not None:
            messages.success(
                request,
                f"Saved the template {_named(saved)}. Visits it already made are unchanged; "
                "apply it again to add visits on new days.",
            )
            return redirect(client.get_absolute_url())
    return _render_template_form(request, form=form, client=client, template=template)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_remove_template)
@vary_on_headers("HX-Request")
def template_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: confirm Remove (a dialog for htmx, else a page). POST: remove it;
    the visits it made stay."""
    template = _get_template(pk)
    client = template.client
    if request.method != "POST":
        context = {"template": template, "client": client, "action": "remove"}
        return render_dialog(request, CONFIRM_TEMPLATE, context)
    services.delete_template(template, actor=request.user)
    messages.success(
        request,
        f"Removed the template {_named(template)}. Visits it already made stay on the schedule.",
    )
    return done(request, client.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_schedule_visits)
@vary_on_headers("HX-Request")
def template_apply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: the dates to apply the template over (today to four weeks on).
    POST: make its visits; those that already exist are not made again."""
    template = _get_template(pk)
    client = template.client
    form = ApplyTemplateForm(request.POST if request.method == "POST" else None)
    context = {"template": template, "client": client, "action": "apply", "form": form}
    if request.method != "POST":
        return render_dialog(request, CONFIRM_TEMPLATE, context)
    if not form.is_valid():
        return render_dialog(request, CONFIRM_TEMPLATE, context, status=400)
    try:
        result = services.apply_template(
            template,
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
            actor=request.user,
        )
    except ClientInactive as refusal:
        messages.error(request, str(refusal))
    except ValidationError as error:
        form.add_service_errors(error)
        return render_dialog(request, CONFIRM_TEMPLATE, context, status=400)
    else:
        # Overlaps and a sitter who left are warnings to act on, not refusals.
        notify = messages.warning if result.overlapping or result.sitter_left else messages.success
        notify(request, _applied_summary(result))
    return done(request, client.get_absolute_url())


# How many skipped dates a message names before it says "and N more".
NAMED_DATES = 5


def _named(template) -> str:
    """ "“Dog walk Mon, Wed at 09:00” for Jane Cooper": a template's name is not
    enough on its own, two clients may have the same one."""
    return f"“{template}” for {template.client.name}"


def _applied_summary(result: services.TemplateApplication) -> str:
    applied = f"Applied {_named(result.template)}."
    if left := result.sitter_left:
        sitter = result.template.sitter
        who = sitter.get_full_name() or sitter.email
        named = "; ".join(format_date(day, "D, M j") for day in left[:NAMED_DATES])
        more = f" and {len(left) - NAMED_DATES} more" if len(left) > NAMED_DATES else ""
        return (
            f"{applied} No visit was made for {len(left)} date{'' if len(left) == 1 else 's'} "
            f"({named}{more}): {who} can't be given visits any more. Edit the template "
            "to choose another sitter, then apply it again."
        )
    summary = (
        f"{applied} Created {result.created} visit{'' if result.created == 1 else 's'}; "
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
