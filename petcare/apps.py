from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class PetcareConfig(AppConfig):
    name = "petcare"
    verbose_name = "Petcare"

    def ready(self) -> None:
        from django.urls import register_converter

        from .converters import IdConverter
        from .throttling import forget_failures_on_login

        # <id:pk> in every app's URLs.
        register_converter(IdConverter, "id")

        user_logged_in.connect(forget_failures_on_login, dispatch_uid="petcare.forget_failures")
