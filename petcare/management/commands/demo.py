"""``manage.py demo``: migrate, load the demo data, print the sign-ins, serve."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from petcare.management.demo_data import DemoLoad, load_demo_data, migrate_if_needed

DEFAULT_ADDRPORT = "127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data (once; running it again adds nothing), print the "
        f"demo sign-ins and serve on http://{DEFAULT_ADDRPORT}. For local use with DEBUG on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Load the data and print the sign-ins, but do not start the server.",
        )
        parser.add_argument(
            "--addrport",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port to serve on (default {DEFAULT_ADDRPORT}), as for runserver.",
        )

    def handle(self, *args, no_serve: bool, addrport: str, verbosity: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The demo is for local use with DEBUG on: it loads sample data with a "
                "published password and serves with the development server. "
                "Unset DEBUG (or set DEBUG=1) to run it."
            )
        # runserver's autoreloader re-runs this command in a child process (and
        # again after each code change); the parent has loaded and printed.
        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            migrate_if_needed(verbosity=verbosity, stdout=self.stdout)
            load = load_demo_data()
            self._report(load, url=_url_for(addrport))
        if not no_serve:
            # call_command skips system checks unless told; runserver alone runs them.
            call_command("runserver", addrport, skip_checks=False)

    def _report(self, load: DemoLoad, *, url: str) -> None:
        counts = load.counts
        if load.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {counts['clients']} clients "
                    f"({counts['inactive clients']} inactive), {counts['pets']} pets, "
                    f"{counts['service types']} service types, {counts['templates']} templates, "
                    f"{counts['visits']} visits."
                )
            )
        else:
            self.stdout.write("Demo data already loaded; sign-ins and passwords checked.")
        self.stdout.write("")
        self.stdout.write(f"Petcare demo: {url}")
        for label, name in [("Staff sign-in", "login"), ("Client portal", "portal:login")]:
            self.stdout.write(f"  {label}: {url.rstrip('/')}{reverse(name)}")
        self.stdout.write("")
        rows = [("Email", "Role", "Password")]
        rows += [(s.email, s.role_display, s.password) for s in load.sign_ins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        rows.insert(1, tuple("-" * w for w in widths))
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(f"  {line}".rstrip())
        self.stdout.write("")


def _url_for(addrport: str) -> str:
    # runserver reads a bare port as 127.0.0.1:<port>.
    if addrport.isdigit():
        addrport = f"127.0.0.1:{addrport}"
    return f"http://{addrport}/"
