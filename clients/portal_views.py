"""The client portal's pages for a signed-in client."""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from petcare.access import client_login_required


@require_GET
@client_login_required
def dashboard(request):
    return render(request, "portal/dashboard.html", {"client": request.user.client})


@require_http_methods(["GET", "POST"])
@client_login_required
def request_service(request):
    return render(request, "portal/dashboard.html", {"client": request.user.client})


@require_GET
@client_login_required
def profile(request):
    return render(request, "portal/dashboard.html", {"client": request.user.client})


@require_http_methods(["GET", "POST"])
@client_login_required
def profile_edit(request):
    return render(request, "portal/dashboard.html", {"client": request.user.client})
