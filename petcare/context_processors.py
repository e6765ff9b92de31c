from django.conf import settings

from .policy import UserPolicy


def business_details() -> dict[str, str]:
    """The business's name and contact, for pages and emails alike."""
    return {
        "name": settings.BUSINESS_NAME,
        "email": settings.BUSINESS_EMAIL,
        "phone": settings.BUSINESS_PHONE,
    }


def business(request):
    return {"business": business_details()}


def policy(request):
    """``may``: the policy's rules for the signed-in user, by name
    (``{% if may.change_client_status %}``)."""
    return {"may": UserPolicy(getattr(request, "user", None))}
