from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class PetcareConfig(AppConfig):
    name = "petcare"
    verbose_name = "Petcare"

    def ready(self) -> None:
        from .throttling import forget_failures_on_login

        user_logged_in.connect(forget_failures_on_login, dispatch_uid="petcare.forget_failures")
