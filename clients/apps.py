from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        # The background worker builds these emails: register their composers.
        from . import emails  # noqa: F401
