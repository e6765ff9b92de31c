"""A sitter who has left, or is no longer a sitter, gets no visit (docs/design.md,
"Scheduling"): Apply skips those dates and names them, confirming a request
or editing a visit refuses that sitter."""

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from scheduling.models import EventStatus, ScheduledEvent
from scheduling.services.templates import apply_template
from scheduling.services.visits import confirm_request, update_event
from tests import factories, helpers
from tests.helpers import refusal_codes
from tests.scheduling.helpers import DAY, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=DAY)


def _leaves(sitter) -> None:
    type(sitter).objects.filter(pk=sitter.pk).update(is_active=False)


@pytest.fixture
def template_of_a_sitter_who_left(jordan, pets, walk, sitter):
    template = factories.TemplateFactory(
        client=jordan, service_type=walk, sitter=sitter, weekdays=[1, 3, 5], first_date=DAY
    )
    template.pets.add(*pets)
    _leaves(sitter)
    return template


def test_apply_skips_every_date_of_a_sitter_who_left_and_names_them(
    template_of_a_sitter_who_left, staff
):
    result = apply_template(
        template_of_a_sitter_who_left,
        start_date=DAY,
        end_date=DAY + timedelta(days=13),
        actor=staff,
        now=NOW,
    )

    assert result.created == 0
    assert len(result.sitter_left) == 6
    assert result.sitter_left[0] == DAY
    assert not ScheduledEvent.objects.exists()


def test_the_apply_message_names_the_skipped_dates_and_what_to_do(
    manager_client, jordan, pets, walk, sitter
):
    # Every day of the coming week, from tomorrow on the business's clock.
    start = timezone.localdate() + timedelta(days=1)
    template = factories.TemplateFactory(
        client=jordan, service_type=walk, sitter=sitter, weekdays=list(range(7)), first_date=start
    )
    template.pets.add(*pets)
    _leaves(sitter)

    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]),
        {"start_date": start.isoformat(), "end_date": (start + timedelta(days=6)).isoformat()},
        follow=True,
    )

    page = response.content.decode()
    first = format_date(start, "D, M j")
    assert f"No visit was made for 7 dates ({first};" in page
    assert "and 2 more)" in page
    assert f"{sitter.get_full_name()} can&#x27;t be given visits any more" in page
    assert not ScheduledEvent.objects.exists()


def test_confirming_a_request_whose_sitter_left_is_refused(jordan, staff, sitter):
    request = factories.ScheduledEventFactory(
        client=jordan, starts_at=at(9), status=EventStatus.REQUESTED, sitter=sitter
    )
    _leaves(sitter)

    with pytest.raises(ValidationError) as refused:
        confirm_request(request, actor=staff)

    assert refusal_codes(refused.value) == {"sitter": ["not_staff"]}
    assert ScheduledEvent.objects.get(pk=request.pk).status == EventStatus.REQUESTED


def test_editing_a_visit_keeps_no_sitter_who_left(jordan, pets, walk, staff, sitter):
    visit = factories.ScheduledEventFactory(client=jordan, starts_at=at(9), sitter=sitter)
    _leaves(sitter)

    with pytest.raises(ValidationError) as refused:
        update_event(
            visit, service_type=walk, pets=pets, sitter=sitter, starts_at=at(10), actor=staff
        )

    assert "can't be given visits" in refused.value.message_dict["sitter"][0]
    assert ScheduledEvent.objects.get(pk=visit.pk).starts_at == at(9)
