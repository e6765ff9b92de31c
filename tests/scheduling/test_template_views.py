"""The staff's screens of templates (scheduling.views.templates) through Django's
test client: templates on the client's profile, Add and Edit template, Remove
and Apply (docs/design.md, "The staff screens" and "Scheduling for an inactive
client")."""

import re
from datetime import date, time, timedelta
from functools import partial

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from scheduling.models import ScheduledEvent, Template
from tests import factories, helpers
from tests.helpers import HTMX, html_of, rendered, visit
from tests.scheduling.helpers import INACTIVE, MONDAY, nothing_written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=MONDAY)


def test_a_sitter_may_not_manage_templates_or_service_types(sitter_client, jane, biscuit, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    before = nothing_written()
    for url in [
        reverse("scheduling:template_add", args=[jane.pk]),
        reverse("scheduling:template_edit", args=[template.pk]),
        reverse("scheduling:template_remove", args=[template.pk]),
        reverse("scheduling:template_apply", args=[template.pk]),
        reverse("scheduling:service_type_add"),
        reverse("scheduling:service_type_edit", args=[walk.pk]),
    ]:
        assert sitter_client.get(url).status_code == 403, url
        assert sitter_client.post(url, {"name": "X"}).status_code == 403, url
    assert sitter_client.get(reverse("scheduling:service_types")).status_code == 403
    for url in [
        reverse("scheduling:service_type_archive", args=[walk.pk]),
        reverse("scheduling:service_type_unarchive", args=[walk.pk]),
    ]:
        assert sitter_client.post(url).status_code == 403, url
    assert nothing_written() == before
    walk.refresh_from_db()
    assert walk.is_active
    assert Template.objects.filter(pk=template.pk).exists()


# --- Templates on the profile ------------------------------------------------------


def template_data(pet_list, service, **changes):
    return {
        "service_type": service.pk,
        "sitter": "",
        "pets": [pet.pk for pet in pet_list],
        "weekdays": ["0", "2", "4"],
        "time_of_day": "09:30",
        "first_date": "2030-06-03",
        "last_date": "",
        **changes,
    }


def test_the_profile_offers_add_apply_edit_and_remove_for_an_active_client(
    manager_client, jane, walk
):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    html = html_of(manager_client.get(jane.get_absolute_url()))
    assert f'href="{reverse("scheduling:template_add", args=[jane.pk])}">Add template</a>' in html
    for name in ("template_apply", "template_edit", "template_remove"):
        assert f'href="{reverse(f"scheduling:{name}", args=[template.pk])}"' in html
    assert f'hx-get="{reverse("scheduling:template_apply", args=[template.pk])}"' in html
    add_visit = f'href="{reverse("scheduling:visit_add")}?client={jane.pk}'
    assert html.count(add_visit) == 2  # Quick Actions and Upcoming services


def test_the_profile_of_an_inactive_client_offers_no_add_template_apply_or_add_visit(
    manager_client, gone, walk
):
    template = factories.TemplateFactory(client=gone, service_type=walk)
    html = html_of(manager_client.get(gone.get_absolute_url()))
    assert ">Add template</a>" not in html
    assert reverse("scheduling:template_apply", args=[template.pk]) not in html
    assert reverse("scheduling:visit_add") not in html
    assert f'href="{reverse("scheduling:template_remove", args=[template.pk])}"' in html


def test_a_sitter_sees_templates_without_their_actions(sitter_client, jane, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    html = html_of(sitter_client.get(jane.get_absolute_url()))
    assert ">Add template</a>" not in html
    assert reverse("scheduling:template_remove", args=[template.pk]) not in html


# --- Add, edit and remove ----------------------------------------------------------


def test_add_template_form_offers_the_clients_pets_and_seven_days(
    manager_client, jane, biscuit, walk
):
    factories.PetFactory(name="Stranger")
    response = manager_client.get(reverse("scheduling:template_add", args=[jane.pk]))
    html = rendered(response, "scheduling/template_form.html")
    assert "Biscuit" in html and "Stranger" not in html
    for n, day in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]):
        assert re.search(
            rf'<input type="checkbox" name="weekdays" value="{n}"[^>]*><span>{day}', html
        )
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert ">Add template</button>" in html


def test_add_template_creates_it_and_says_so(manager_client, jane, biscuit, walk, sam):
    data = template_data([biscuit], walk, sitter=sam.pk, last_date="2030-12-31")
    response = manager_client.post(reverse("scheduling:template_add", args=[jane.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == jane.get_absolute_url()
    template = Template.objects.get()
    assert (template.client, template.service_type, template.sitter) == (jane, walk, sam)
    assert template.weekdays == [0, 2, 4]
    assert template.time_of_day == time(9, 30)
    assert (template.first_date, template.last_date) == (date(2030, 6, 3), date(2030, 12, 31))
    assert list(template.pets.all()) == [biscuit]
    assert not ScheduledEvent.objects.exists()  # applying makes visits
    page = html_of(manager_client.get(jane.get_absolute_url()))
    assert (
        "Added the template “" in page
        and "” for Jane Cooper." in page
        and "Mon, Wed, Fri at 9:30 AM" in page
    )


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"weekdays": []}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": ["7"]}, "weekdays", "Choose days from Mon to Sun."),
        ({"weekdays": ["mon"]}, "weekdays", "Choose days from Mon to Sun."),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"pets": ["999999"]}, "pets", "Choose pets of this client only."),
        ({"service_type": "999999"}, "service_type", "Choose one of the services offered."),
        ({"sitter": "999999"}, "sitter", "Choose a sitter from the list."),
        ({"time_of_day": "9 in the morning"}, "time_of_day", "Enter a time like 09:30."),
        ({"first_date": "2030-02-30"}, "first_date", "Enter a date like 2030-06-21."),
        (
            {"last_date": "2030-06-02"},
            "last_date",
            "The last date cannot be before the first date.",
        ),
    ],
)
def test_add_template_refuses_bad_input_and_writes_nothing(
    manager_client, jane, biscuit, walk, changes, field, message
):
    before = nothing_written()
    response = manager_client.post(
        reverse("scheduling:template_add", args=[jane.pk]),
        template_data([biscuit], walk, **changes),
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert nothing_written() == before


def test_add_template_refuses_pets_of_another_client(manager_client, jane, biscuit, walk):
    stranger = factories.PetFactory()
    before = nothing_written()
    response = manager_client.post(
        reverse("scheduling:template_add", args=[jane.pk]),
        template_data([biscuit, stranger], walk),
    )
    assert response.status_code == 400
    assert "Choose pets of this client only." in html_of(response)
    assert nothing_written() == before


def test_add_template_for_an_inactive_client_is_refused_with_the_message(
    manager_client, gone, walk
):
    pet = factories.PetFactory(client=gone)
    url = reverse("scheduling:template_add", args=[gone.pk])
    page = manager_client.get(url)
    assert f"Old Timer {INACTIVE}" in html_of(page)
    assert '<form method="post"' not in html_of(page).split('id="main"')[1]
    before = nothing_written()
    response = manager_client.post(url, template_data([pet], walk))
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    assert nothing_written() == before


def test_add_template_for_an_unknown_client_is_a_404(manager_client):
    assert manager_client.get(reverse("scheduling:template_add", args=[999999])).status_code == 404


def test_edit_template_changes_it(manager_client, jane, biscuit, luna, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk, weekdays=[0])
    template.pets.add(biscuit)
    url = reverse("scheduling:template_edit", args=[template.pk])
    html = html_of(manager_client.get(url))
    assert re.search(r'name="weekdays" value="0"[^>]*checked', html)
    assert ">Save template</button>" in html

    data = template_data([luna], walk, weekdays=["5", "6"], time_of_day="16:00")
    response = manager_client.post(url, data)

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.weekdays == [5, 6]
    assert template.time_of_day == time(16, 0)
    assert list(template.pets.all()) == [luna]


def test_edit_template_of_an_inactive_client_is_refused_with_the_message(
    manager_client, gone, walk
):
    pet = factories.PetFactory(client=gone)
    template = factories.TemplateFactory(client=gone, service_type=walk, weekdays=[0])
    response = manager_client.post(
        reverse("scheduling:template_edit", args=[template.pk]),
        template_data([pet], walk, weekdays=["3"]),
    )
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    template.refresh_from_db()
    assert template.weekdays == [0]


def test_remove_template_asks_then_removes_it_and_keeps_its_visits(
    manager_client, jane, biscuit, walk
):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    made = visit(jane, at(9), template=template, occurrence_date=MONDAY)
    url = reverse("scheduling:template_remove", args=[template.pk])

    dialog = manager_client.get(url, headers=HTMX)
    assert html_of(dialog).lstrip().startswith("<dialog")
    assert ">Remove template</button>" in html_of(dialog)
    assert "<html" in html_of(manager_client.get(url))

    response = manager_client.post(url, headers=HTMX)

    assert response.headers["HX-Redirect"] == jane.get_absolute_url()
    assert not Template.objects.exists()
    made.refresh_from_db()
    assert made.template is None
    assert "Visits it already made stay on the schedule." in html_of(
        manager_client.get(jane.get_absolute_url())
    )


def test_remove_template_needs_a_post_with_a_csrf_token(jane, walk, office_manager, manager_client):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    url = reverse("scheduling:template_remove", args=[template.pk])
    assert browser.post(url).status_code == 403
    assert manager_client.delete(url).status_code == 405
    assert Template.objects.exists()


# --- Apply -------------------------------------------------------------------------


def test_apply_offers_today_to_four_weeks_on(manager_client, jane, walk):
    template = factories.TemplateFactory(client=jane, service_type=walk)
    response = manager_client.get(
        reverse("scheduling:template_apply", args=[template.pk]), headers=HTMX
    )
    html = html_of(response)
    assert html.lstrip().startswith("<dialog")
    today = timezone.localdate()
    assert f'name="start_date" value="{today.isoformat()}"' in html
    assert f'name="end_date" value="{(today + timedelta(weeks=4)).isoformat()}"' in html
    assert ">Apply</button>" in html


def test_apply_creates_the_visits_once_and_says_how_many(manager_client, jane, biscuit, walk):
    template = factories.TemplateFactory(
        client=jane, service_type=walk, weekdays=[0, 2, 4], first_date=MONDAY
    )
    template.pets.add(biscuit)
    url = reverse("scheduling:template_apply", args=[template.pk])
    dates = {"start_date": "2030-06-03", "end_date": "2030-06-16"}

    response = manager_client.post(url, dates, follow=True)

    assert "Created 6 visits; 0 already existed." in html_of(response)
    assert ScheduledEvent.objects.filter(template=template).count() == 6
    response = manager_client.post(url, dates, follow=True)
    assert "Created 0 visits; 6 already existed." in html_of(response)
    assert ScheduledEvent.objects.filter(template=template).count() == 6


def test_apply_warns_when_new_visits_overlap_the_sitters_other_visits(
    manager_client, jane, biscuit, walk, sam
):
    template = factories.TemplateFactory(
        client=jane, service_type=walk, sitter=sam, weekdays=[0], time_of_day=time(9, 0)
    )
    template.pets.add(biscuit)
    visit(factories.ClientFactory(), at(9, 15), sitter=sam)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]),
        {"start_date": "2030-06-03", "end_date": "2030-06-10"},
        follow=True,
    )
    assert (
        '<p class="message message-warning">'
        "Applied “30 min dog walk Mon at 09:00” for Jane Cooper. "
        "Created 2 visits; 0 already existed. "
        "1 of them overlaps another visit of Sam Patel: check the schedule.</p>"
    ) in html_of(response)


@pytest.mark.parametrize(
    "dates,message",
    [
        ({"start_date": "2030-06-10", "end_date": "2030-06-03"}, "cannot be before the start"),
        ({"start_date": "2030-06-03", "end_date": "2031-06-30"}, "at most a year at a time"),
        ({"start_date": "soon", "end_date": "2030-06-03"}, "Enter a date like 2030-06-21."),
        ({"start_date": "2030-06-03"}, "Choose a date."),
    ],
)
def test_apply_refuses_a_bad_range_and_creates_nothing(
    manager_client, jane, biscuit, walk, dates, message
):
    template = factories.TemplateFactory(client=jane, service_type=walk, first_date=MONDAY)
    template.pets.add(biscuit)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]), dates, headers=HTMX
    )
    assert response.status_code == 400
    assert html_of(response).lstrip().startswith("<dialog")
    assert message in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_apply_for_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    template = factories.TemplateFactory(client=gone, service_type=walk, first_date=MONDAY)
    template.pets.add(factories.PetFactory(client=gone))
    url = reverse("scheduling:template_apply", args=[template.pk])
    page = html_of(manager_client.get(url))
    assert f"Old Timer {INACTIVE}" in page and ">Apply</button>" not in page

    response = manager_client.post(
        url, {"start_date": "2030-06-03", "end_date": "2030-06-30"}, follow=True
    )

    assert f"Old Timer {INACTIVE}" in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_apply_of_a_template_with_an_archived_service_says_why(manager_client, jane, biscuit):
    archived = factories.ServiceTypeFactory(name="Old walk", is_active=False)
    template = factories.TemplateFactory(client=jane, service_type=archived, first_date=MONDAY)
    template.pets.add(biscuit)
    response = manager_client.post(
        reverse("scheduling:template_apply", args=[template.pk]),
        {"start_date": "2030-06-03", "end_date": "2030-06-30"},
    )
    assert response.status_code == 400
    assert "Old walk is archived" in html_of(response)
    assert not ScheduledEvent.objects.exists()
