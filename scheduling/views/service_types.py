"""The Service types screen: what the business sells, added, edited, archived."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from petcare import policy
from petcare.access import HtmxHttpRequest, staff_view
from petcare.http import get_or_404

from .. import selectors
from ..forms.service_types import ServiceTypeForm
from ..models import ServiceType
from ..services import service_types as services


@require_safe
@staff_view(policy.may_manage_service_types)
def service_type_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "scheduling/service_types.html",
        {"service_types": selectors.service_types_for_staff()},
    )


def _get_service_type(pk: int) -> ServiceType:
    return get_or_404(ServiceType.objects.get, pk=pk)


def _render_form(request, form, service_type) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scheduling/service_type_form.html",
        {"form": form, "service_type": service_type},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_manage_service_types)
def service_type_add(request: HtmxHttpRequest) -> HttpResponse:
    form = ServiceTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service_type = services.save_service_type(form.instance, actor=request.user)
        messages.success(request, f"Added “{service_type.name}”.")
        return redirect("scheduling:service_types")
    return _render_form(request, form, None)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(policy.may_manage_service_types)
def service_type_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    service_type = _get_service_type(pk)
    form = ServiceTypeForm(request.POST or None, instance=service_type)
    if request.method == "POST" and form.is_valid():
        services.save_service_type(form.instance, actor=request.user)
        messages.success(
            request,
            f"Saved “{service_type.name}”. Visits already booked keep their times.",
        )
        return redirect("scheduling:service_types")
    if request.method == "POST":
        service_type.refresh_from_db()
    return _render_form(request, form, service_type)


def _set_offered(request, pk: int, *, offered: bool) -> HttpResponse:
    service_type = _get_service_type(pk)
    services.set_service_type_offered(service_type, offered=offered, actor=request.user)
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
@staff_view(policy.may_manage_service_types)
def service_type_archive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _set_offered(request, pk, offered=False)


@require_POST
@staff_view(policy.may_manage_service_types)
def service_type_unarchive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _set_offered(request, pk, offered=True)
