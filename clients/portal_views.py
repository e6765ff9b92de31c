"""The client portal. For now its front door only: the portal itself, its
sign-in and the lock-out of inactive clients are the next piece of work."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def portal_home(request):
    return render(request, "portal/home.html")
