"""The staff's template services (scheduling.services.templates): create,
update and delete a template, and apply it over a range of dates
(docs/design.md, "Scheduling" and "Scheduling for an inactive client"). Every
refusal, an inactive client's included, writes nothing; applying races Make
Inactive and itself safely (PostgreSQL)."""

from datetime import date, time, timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import ClientInactive
from clients.services import Deactivation, deactivate_client
from scheduling.models import EventPet, ScheduledEvent, Template, TemplatePet
from scheduling.services.templates import (
    MAX_APPLY_DAYS,
    TemplateApplication,
    apply_template,
    create_template,
    delete_template,
    update_template,
)
from tests import helpers
from tests.factories import (
    ClientFactory,
    ClientLoginFactory,
    OfficeManagerFactory,
    PetFactory,
    ServiceTypeFactory,
)
from tests.helpers import race, refusal_codes
from tests.scheduling.helpers import (
    DAY,
    FRI,
    INACTIVE_MESSAGE,
    MON,
    NOW,
    SAT,
    SUN,
    TUE,
    WED,
    db_state,
    schedule,
    template_fields,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=DAY)


# --- create_template ---------------------------------------------------------------


def test_create_template_saves_the_recurring_schedule_without_creating_visits(
    jordan, pets, walk, sitter, staff
):
    template = create_template(
        client=jordan, sitter=sitter, actor=staff, **template_fields(pets, walk)
    )

    template.refresh_from_db()
    assert template.client == jordan
    assert (template.service_type, template.sitter) == (walk, sitter)
    assert template.weekdays == [MON, WED, FRI]
    assert (template.time_of_day, template.first_date, template.last_date) == (
        time(9, 30),
        DAY,
        None,
    )
    assert sorted(p.name for p in template.pets.all()) == ["Biscuit", "Mochi"]
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"weekdays": []}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": [7]}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": ["mon"]}, "weekdays", "Choose at least one day of the week."),
        (
            {"last_date": DAY - timedelta(days=1)},
            "last_date",
            "The last date cannot be before the first date.",
        ),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"time_of_day": None}, "time_of_day", "This field cannot be null."),
    ],
    ids=["no-weekday", "weekday-7", "weekday-text", "last-before-first", "no-pets", "no-time"],
)
def test_create_template_refuses_bad_input_and_writes_nothing(
    jordan, pets, walk, staff, changes, field, message
):
    with pytest.raises(ValidationError) as refused:
        create_template(client=jordan, actor=staff, **(template_fields(pets, walk) | changes))

    assert refused.value.message_dict == {field: [message]}
    assert not Template.objects.exists()
    assert not TemplatePet.objects.exists()


def test_create_template_refuses_another_clients_pet_an_archived_service_and_a_non_staff_sitter(
    jordan, pets, staff
):
    taxi = ServiceTypeFactory(name="Pet taxi", is_active=False)

    with pytest.raises(ValidationError) as refused:
        create_template(
            client=jordan,
            sitter=ClientLoginFactory(),
            actor=staff,
            **template_fields([pets[0], PetFactory(client=ClientFactory())], taxi),
        )

    assert refusal_codes(refused.value) == {
        "service_type": ["archived"],
        "sitter": ["not_staff"],
        "pets": ["not_own_pet"],
    }
    assert not Template.objects.exists()


def test_create_template_refuses_an_inactive_client_with_the_message(jordan, pets, walk, staff):
    deactivate_client(jordan, actor=staff)

    with pytest.raises(ClientInactive) as refused:
        create_template(client=jordan, actor=staff, **template_fields(pets, walk))

    assert str(refused.value) == INACTIVE_MESSAGE
    assert not Template.objects.exists()


# --- update_template and delete_template -------------------------------------------


@pytest.fixture
def template(jordan, pets, walk, staff):
    return create_template(client=jordan, actor=staff, **template_fields(pets, walk))


def test_update_template_changes_it_and_leaves_its_visits_alone(
    template, pets, walk, sitter, staff
):
    made = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=6), actor=staff, now=NOW
    )
    visits_before = list(ScheduledEvent.objects.order_by("pk").values())
    hour = ServiceTypeFactory(name="60 min dog walk", duration=timedelta(hours=1))

    updated = update_template(
        template,
        actor=staff,
        sitter=sitter,
        **template_fields(
            pets[1:], hour, weekdays=[SAT], time_of_day=time(15), last_date=DAY + timedelta(30)
        ),
    )

    assert made.created == 3
    updated.refresh_from_db()
    assert (updated.service_type, updated.sitter, updated.weekdays) == (hour, sitter, [SAT])
    assert (updated.time_of_day, updated.last_date) == (time(15), DAY + timedelta(30))
    assert list(updated.pets.all()) == [pets[1]]
    assert list(ScheduledEvent.objects.order_by("pk").values()) == visits_before


def test_update_template_refuses_bad_input_and_changes_nothing(template, pets, walk, staff):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[]))

    assert refused.value.message_dict == {"weekdays": ["Choose at least one day of the week."]}
    assert db_state() == before


def test_update_template_refuses_an_inactive_client_with_the_message(
    template, jordan, pets, walk, staff
):
    deactivate_client(jordan, actor=staff, delete_templates=False)
    before = db_state()

    with pytest.raises(ClientInactive) as refused:
        update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[SUN]))

    assert str(refused.value) == INACTIVE_MESSAGE
    assert db_state() == before


def test_update_template_refuses_a_removed_template(template, pets, walk, staff):
    Template.objects.filter(pk=template.pk).delete()

    with pytest.raises(ValidationError, match="no longer exists"):
        update_template(template, actor=staff, **template_fields(pets, walk))

    assert not Template.objects.exists()


def test_delete_template_keeps_its_visits_and_empties_their_link(
    template, staff, django_assert_num_queries
):
    made = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=13), actor=staff, now=NOW
    )
    visits = ScheduledEvent.objects.filter(pk__in=[e.pk for e in made.events])
    before = list(visits.order_by("pk").values_list("starts_at", "status", "occurrence_date"))

    # The client lock, one DELETE and its line in the activity log (plus the
    # test's savepoint).
    with django_assert_num_queries(5):
        assert delete_template(template, actor=staff) is None

    assert not Template.objects.exists()
    assert not TemplatePet.objects.exists()
    assert visits.count() == made.created == 6
    assert not visits.filter(template__isnull=False).exists()
    assert (
        list(visits.order_by("pk").values_list("starts_at", "status", "occurrence_date")) == before
    )


def test_delete_template_is_allowed_for_an_inactive_client(template, jordan, staff):
    deactivate_client(jordan, actor=staff, delete_templates=False)

    delete_template(template, actor=staff)

    assert not Template.objects.exists()


# --- apply_template ----------------------------------------------------------------


def test_apply_template_returns_what_it_created(template, pets, staff):
    result = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(days=6), actor=staff, now=NOW
    )

    assert isinstance(result, TemplateApplication)
    assert (result.start_date, result.end_date) == (DAY, DAY + timedelta(days=6))
    assert (result.created, result.skipped, result.overlapping) == (3, 0, [])
    assert [e.occurrence_date for e in result.events] == [
        date(2031, 6, 11),
        date(2031, 6, 13),
        date(2031, 6, 16),
    ]
    assert set(EventPet.objects.values_list("event", "pet")) == {
        (e.pk, p.pk) for e in result.events for p in pets
    }


def test_apply_template_refuses_an_inactive_client_with_the_message(template, jordan, staff):
    deactivate_client(jordan, actor=staff, delete_templates=False)

    with pytest.raises(ClientInactive) as refused:
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(27), actor=staff, now=NOW)

    assert str(refused.value) == INACTIVE_MESSAGE
    assert not ScheduledEvent.objects.exists()


@pytest.mark.parametrize(
    "days,message",
    [
        (-1, "The end date cannot be before the start date."),
        (MAX_APPLY_DAYS, f"Apply a template over at most {MAX_APPLY_DAYS} days at a time."),
    ],
    ids=["end-before-start", "over-366-days"],
)
def test_apply_template_refuses_a_bad_range(template, staff, days, message):
    with pytest.raises(ValidationError) as refused:
        apply_template(
            template, start_date=DAY, end_date=DAY + timedelta(days), actor=staff, now=NOW
        )

    assert refused.value.message_dict == {"end_date": [message]}
    assert not ScheduledEvent.objects.exists()


def test_apply_template_takes_366_days(template, staff):
    result = apply_template(
        template,
        start_date=DAY,
        end_date=DAY + timedelta(MAX_APPLY_DAYS - 1),
        actor=staff,
        now=NOW,
    )

    assert result.created == 157


def test_apply_template_refuses_an_archived_service(template, walk, staff):
    walk.is_active = False
    walk.save()

    with pytest.raises(ValidationError, match="30 min dog walk is archived"):
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW)

    assert not ScheduledEvent.objects.exists()


def test_apply_template_refuses_a_template_without_pets(template, staff):
    TemplatePet.objects.filter(template=template).delete()

    with pytest.raises(ValidationError, match="no pets"):
        apply_template(template, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW)

    assert not ScheduledEvent.objects.exists()


def test_apply_template_creates_only_visits_still_to_come(jordan, pets, walk, staff):
    """Past dates of the range are history, not plans; today's visit only if
    its time hasn't come yet."""
    daily = {"weekdays": list(range(7)), "first_date": DAY - timedelta(days=30)}
    early = create_template(
        client=jordan, actor=staff, **template_fields(pets, walk, time_of_day=time(8), **daily)
    )
    late = create_template(
        client=jordan, actor=staff, **template_fields(pets, walk, time_of_day=time(16), **daily)
    )
    now = at(12)  # noon on DAY
    week = {"start_date": DAY - timedelta(days=3), "end_date": DAY + timedelta(days=3)}

    early_visits = apply_template(early, actor=staff, now=now, **week).events
    late_visits = apply_template(late, actor=staff, now=now, **week).events

    assert [e.occurrence_date for e in early_visits] == [DAY + timedelta(d) for d in (1, 2, 3)]
    assert [e.occurrence_date for e in late_visits] == [DAY + timedelta(d) for d in (0, 1, 2, 3)]


def test_apply_template_uses_the_template_as_saved_not_a_stale_copy(template, pets, walk, staff):
    stale = Template.objects.get(pk=template.pk)
    update_template(template, actor=staff, **template_fields(pets, walk, weekdays=[SUN]))

    result = apply_template(
        stale, start_date=DAY, end_date=DAY + timedelta(6), actor=staff, now=NOW
    )

    assert [e.occurrence_date.weekday() for e in result.events] == [SUN]


def test_apply_template_reports_the_visits_that_overlap_the_sitters_others(
    jordan, pets, walk, sitter, staff
):
    template = create_template(
        client=jordan,
        sitter=sitter,
        actor=staff,
        **template_fields(pets, walk, weekdays=[TUE, WED], time_of_day=time(9)),
    )
    other = ClientFactory()
    busy = schedule(
        other, [PetFactory(client=other)], walk, actor=staff, sitter=sitter, starts_at=at(9, 15)
    )
    # An overnight stay from the evening before that ends after 9:15 the next day.
    overnight = ServiceTypeFactory(name="Overnight stay", duration=timedelta(hours=15))
    schedule(
        other,
        [PetFactory(client=other)],
        overnight,
        actor=staff,
        sitter=sitter,
        starts_at=at(19, day=DAY),
    )

    result = apply_template(
        template, start_date=DAY, end_date=DAY + timedelta(1), actor=staff, now=NOW
    )

    assert result.created == 2
    assert [e.occurrence_date for e in result.overlapping] == [DAY, DAY + timedelta(1)]
    assert busy.pk not in {e.pk for e in result.events}


@pytest.mark.parametrize("weeks", [4, 26])
def test_apply_template_runs_the_same_queries_for_4_or_26_weeks(
    jordan, pets, walk, sitter, staff, weeks, django_assert_num_queries
):
    template = create_template(
        client=jordan, sitter=sitter, actor=staff, **template_fields(pets, walk)
    )

    # savepoint, client lock, template, its pets, taken dates, the sitter
    # (still able to take visits, locked), INSERT visits, INSERT their pets,
    # the sitter's other visits, the activity log, release.
    with django_assert_num_queries(11):
        result = apply_template(
            template,
            start_date=DAY,
            end_date=DAY + timedelta(weeks=weeks) - timedelta(1),
            actor=staff,
            now=NOW,
        )

    assert result.created == 3 * weeks
    assert EventPet.objects.count() == 2 * 3 * weeks


# --- Applying races (PostgreSQL: SQLite has no row locks) --------------------------


def daily_template(client, service, *, actor):
    """Every day at 10:00 from today, for a new pet of ``client``."""
    return create_template(
        client=client,
        service_type=service,
        pets=[PetFactory(client=client)],
        weekdays=list(range(7)),
        time_of_day=time(10),
        first_date=timezone.localdate(),
        actor=actor,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_apply_template_and_make_inactive_never_leave_a_visit_for_an_inactive_client(
    roles, walk
):
    actor = OfficeManagerFactory()
    outcomes = []
    tomorrow = timezone.localdate() + timedelta(days=1)
    for _ in range(10):
        client = ClientFactory(name="Jordan Reyes")
        template = daily_template(client, walk, actor=actor)

        deactivated, applied = race(
            partial(deactivate_client, client, actor=actor, delete_future_events=True),
            partial(
                apply_template,
                template,
                start_date=tomorrow,
                end_date=tomorrow + timedelta(days=27),
                actor=actor,
            ),
        )

        assert isinstance(deactivated, Deactivation), deactivated
        if isinstance(applied, TemplateApplication):
            assert applied.created == 28
            assert deactivated.events_removed == 28
            outcomes.append("applied, then removed")
        else:
            assert isinstance(applied, ClientInactive), applied
            assert deactivated.events_removed == 0
            outcomes.append("refused")
        assert not ScheduledEvent.objects.upcoming(now=timezone.now()).for_client(client).exists()
        assert not Template.objects.filter(client=client).exists()
    print("apply_template vs Make Inactive:", outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_applying_one_template_twice_at_once_creates_each_visit_once(roles, walk):
    actor = OfficeManagerFactory()
    client = ClientFactory()
    template = daily_template(client, walk, actor=actor)
    tomorrow = timezone.localdate() + timedelta(days=1)

    def apply():
        return apply_template(
            template, start_date=tomorrow, end_date=tomorrow + timedelta(days=13), actor=actor
        )

    first, second = race(apply, apply)

    assert sorted(r.created for r in (first, second)) == [0, 14]
    assert ScheduledEvent.objects.filter(template=template).count() == 14
