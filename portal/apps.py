from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        # The background worker builds these emails: register their composers.
        from . import emails  # noqa: F401
