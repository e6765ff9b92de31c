"""The late-night run (docs/design.md, "Tests"): with PETCARE_FAKE_NOW, the
whole suite runs with the process clock started at that moment."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.conftest import FAKE_NOW


@pytest.mark.skipif(not FAKE_NOW, reason="the run's clock is not faked (PETCARE_FAKE_NOW)")
def test_the_run_starts_at_the_faked_moment_and_the_clock_ticks():
    started = datetime.fromisoformat(FAKE_NOW)

    now = timezone.now()

    assert started <= now < started + timedelta(hours=2)
    assert timezone.now() > now
