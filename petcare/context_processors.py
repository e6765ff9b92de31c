from django.conf import settings


def business(request):
    return {
        "business": {
            "name": settings.BUSINESS_NAME,
            "email": settings.BUSINESS_EMAIL,
            "phone": settings.BUSINESS_PHONE,
        }
    }
