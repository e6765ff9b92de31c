"""The client portal's pages for a signed-in client: dashboard, request a
service, own profile. Every page shows the signed-in client's own data only."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_http_methods, require_safe

from clients.models import ClientInactive
from petcare.access import HtmxHttpRequest
from scheduling.local_time import business_timezone
from scheduling.models import ScheduledEvent
from scheduling.services.visits import request_visit

from . import selectors, services
from .access import INACTIVE_NOTICE, client_login_required
from .forms import ProfileForm, RequestServiceForm, opening_hours_display


def _signed_out_as_inactive(request: HtmxHttpRequest) -> HttpResponse:
    """The client was made inactive while this request was under way: end the
    session as the next request would, and say why on the sign-in page."""
    logout(request)
    request.session[INACTIVE_NOTICE] = True
    return redirect("portal:login")


@require_safe
@client_login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    client = request.user.client
    now = timezone.now()
    today = timezone.localdate(now, business_timezone())
    return render(
        request,
        "portal/dashboard.html",
        {
            "client": client,
            "dashboard": selectors.get_portal_dashboard(client=client, now=now),
            # Compared with each visit's local date: "Today", "Tomorrow".
            "today": today.isoformat(),
            "tomorrow": (today + timedelta(days=1)).isoformat(),
        },
    )


def _request_sent_message(event: ScheduledEvent) -> str:
    starts_at = timezone.localtime(event.starts_at, business_timezone())
    return (
        f"Thanks! Your request for {event.service_type.name} on "
        f"{format_date(starts_at, 'l, F j')} at {format_date(starts_at, 'g:i A')} was sent to "
        f"{settings.BUSINESS_NAME}. We'll confirm it soon."
    )


@require_http_methods(["GET", "HEAD", "POST"])
@client_login_required
def request_service(request: HtmxHttpRequest) -> HttpResponse:
    client = request.user.client
    form = RequestServiceForm(request.POST if request.method == "POST" else None, client=client)
    if form.is_bound and form.is_valid():
        try:
            event = request_visit(client, actor=request.user, **form.request_arguments())
        except ClientInactive:
            return _signed_out_as_inactive(request)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _request_sent_message(event))
            return redirect("portal:dashboard")
    return render(
        request,
        "portal/request_service.html",
        {"form": form, "opening_hours": opening_hours_display()},
        status=400 if form.is_bound else 200,
    )


@require_safe
@client_login_required
def profile(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "portal/profile.html", {"client": request.user.client})


@require_http_methods(["GET", "HEAD", "POST"])
@client_login_required
def profile_edit(request: HtmxHttpRequest) -> HttpResponse:
    client = request.user.client
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial=ProfileForm.initial_for(client),
        login=request.user,
        request=request,
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_own_details(request.user, **form.details)
        except ClientInactive:
            return _signed_out_as_inactive(request)
        except services.EmailUnavailable:
            form.unavailable_email()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("portal:profile")
    return render(
        request,
        "portal/profile_edit.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
