"""Rate limits for what a request can make the app send: a key (an account,
an address) may be used ``limit`` times per ``window``. The uses are rows
(RateLimitHit), so every process counts the same ones; a check costs a
count and an insert, and clears that key's old rows."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import RateLimitHit


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window: timedelta

    def key(self, value: str) -> str:
        return f"{self.name}:{value.strip().lower()}"[:300]


# Password-reset emails: per account (its email) and per address.
RESET_PER_ACCOUNT = RateLimit("reset-account", limit=3, window=timedelta(hours=1))
RESET_PER_ADDRESS = RateLimit("reset-address", limit=20, window=timedelta(hours=1))
# Invitations: per client's email, and per staff member sending them.
INVITE_PER_RECIPIENT = RateLimit("invite-recipient", limit=3, window=timedelta(hours=1))
INVITE_PER_SENDER = RateLimit("invite-sender", limit=50, window=timedelta(hours=1))


def allow(*uses: tuple[RateLimit, str], now: datetime | None = None) -> bool:
    """Whether every (limit, value) has a use left; if so, count one use of
    each. Nothing is counted when any of them has none left."""
    now = now or timezone.now()
    with transaction.atomic():
        for limit, value in uses:
            key = limit.key(value)
            RateLimitHit.objects.filter(key=key, at__lte=now - limit.window).delete()
            if RateLimitHit.objects.filter(key=key).count() >= limit.limit:
                return False
        RateLimitHit.objects.bulk_create(
            [RateLimitHit(key=limit.key(value), at=now) for limit, value in uses]
        )
    return True
