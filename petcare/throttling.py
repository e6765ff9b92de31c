"""django-axes glue: whose failures count, how many lock what, and what a
locked-out sign-in sees (docs/design.md, "Locked out").

Failed sign-ins are counted per account and, apart, per address, each
against its own limit: a guesser is stopped at one account quickly, and an
office or a carrier's shared address is stopped only by a volume of failures
no office makes. The counts live in django-axes' ``AccessAttempt`` rows (one
per account, address and browser), so every process sees the same ones, and
the Django admin lists and clears them.
"""

import operator
from dataclasses import dataclass
from functools import reduce

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q, Sum
from django.http import JsonResponse
from django.shortcuts import render

TOO_MANY_ATTEMPTS = "Too many attempts, try again in 15 minutes."

# Set on the request by the credentials backend (clients.backends) when the
# password was right but the login may not sign in (an inactive client's):
# the one failure whose message differs, and which is no guess to count.
INACTIVE_CLIENT_FLAG = "petcare_inactive_client_login"


def normalize_username(username) -> str | None:
    return username.strip().lower() if isinstance(username, str) else None


def username_from_request(request, credentials) -> str | None:
    """The account a failure counts against: the email, lower-cased, from the
    credentials, whether Django's authenticate() passed them (``username``)
    or django-axes' backend (under the user model's username field). Never
    from the request body: the app API sends JSON, and parsing a body as a
    form is the view's business, not the throttle's."""
    credentials = credentials or {}
    username = credentials.get("username")
    if username is None:
        username = credentials.get(str(settings.AXES_USERNAME_FORM_FIELD))
    return normalize_username(username)


def forget_failures(*, username: str) -> None:
    """A successful sign-in clears the failures counted against that account,
    not those of the address it came from."""
    if settings.AXES_ENABLED:
        reset(username=normalize_username(username))


def forget_failures_on_login(sender, request, user, **kwargs) -> None:
    forget_failures(username=user.get_username())


def is_refused_not_guessed(request) -> bool:
    """Whether the credentials backend refused a right password (an inactive
    client's: it flags the request with INACTIVE_CLIENT_FLAG). Such a refusal
    is no guess, and counts towards no limit."""
    return bool(getattr(request, INACTIVE_CLIENT_FLAG, False))


@dataclass(frozen=True)
class Failures:
    """The failures counted against one sign-in, in the last AXES_COOLOFF_TIME."""

    account: int
    address: int

    @property
    def lock_account(self) -> bool:
        return self.account >= settings.AXES_FAILURE_LIMIT

    @property
    def lock_address(self) -> bool:
        return self.address >= settings.AXES_ADDRESS_FAILURE_LIMIT


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler, with an account limit
    (``AXES_FAILURE_LIMIT``) and an address limit
    (``AXES_ADDRESS_FAILURE_LIMIT``) counted apart.

    Two rules are ours: an inactive client's right password is not counted,
    and a lock lasts AXES_COOLOFF_TIME from the failure that reached the
    limit, wherever the failures came from. Nothing tried while locked is
    counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`` is off): no
    password is checked then, so a right one and a wrong one look the same,
    and neither extends the lock."""

    def failures(self, request, credentials=None) -> Failures:
        """The account's and the address's recent failures, in one query."""
        username = get_client_username(request, credentials)
        address = Q(ip_address=request.axes_ip_address)
        # No account named (a sign-in without an email): a filter of no row.
        account = Q(username=username) if username else Q(pk__isnull=True)
        counts = AccessAttempt.objects.filter(
            account | address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(
            account=Sum("failures_since_start", filter=account, default=0),
            address=Sum("failures_since_start", filter=address, default=0),
        )
        return Failures(account=counts["account"], address=counts["address"])

    def get_failures(self, request, credentials=None) -> int:
        """What django-axes compares with AXES_FAILURE_LIMIT, before a
        password is checked and after a failure is recorded: the account's
        failures, or that limit itself once the address has reached its own."""
        failures = self.failures(request, credentials)
        if failures.lock_address:
            return max(failures.account, settings.AXES_FAILURE_LIMIT)
        return failures.account

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and is_refused_not_guessed(request):
            return
        locked_before = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and request.axes_locked_out and not locked_before:
            self.start_lock(request, credentials)

    def start_lock(self, request, credentials) -> None:
        """A lock starts now: the failures that reached a limit all count
        from this moment, so the lock lasts AXES_COOLOFF_TIME whether they
        came from one address or many (django-axes keeps each row's latest
        failure only)."""
        failures = self.failures(request, credentials)
        locked = []
        if failures.lock_account:
            locked.append(Q(username=get_client_username(request, credentials)))
        if failures.lock_address:
            locked.append(Q(ip_address=request.axes_ip_address))
        if locked:
            AccessAttempt.objects.filter(reduce(operator.or_, locked)).update(
                attempt_time=request.axes_attempt_time
            )


def lockout_response(request, original_response=None, credentials=None):
    """The same answer for every locked-out account, whoever it belongs to:
    it says nothing about whether the account exists or is active."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "too_many_attempts", "message": TOO_MANY_ATTEMPTS}, status=429
        )
    if request.path.startswith("/portal/"):
        template = "portal/login.html"
    else:
        template = "registration/login.html"
    context = {"form": AuthenticationForm(request), "throttled": TOO_MANY_ATTEMPTS}
    return render(request, template, context, status=429)
