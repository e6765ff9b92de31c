"""The staff's screens of a visit (scheduling.views.visits) through Django's
test client: the visit page, Add visit, Edit visit, and cancel, complete,
confirm and decline (docs/design.md, "The staff screens" and "Scheduling for
an inactive client")."""

import re
from datetime import date, timedelta
from functools import partial

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from scheduling.models import EventStatus, ScheduledEvent
from tests import factories, helpers
from tests.helpers import HTMX, html_of, rendered, visit
from tests.scheduling.helpers import INACTIVE, MONDAY, day_url, nothing_written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]

at = partial(helpers.at, day=MONDAY)


def test_a_sitter_may_not_add_edit_cancel_confirm_or_decline_visits(
    sitter_client, jane, biscuit, walk, sam
):
    scheduled = visit(jane, at(9), pets=[biscuit], sitter=sam)
    requested = visit(jane, at(11), pets=[biscuit], status=EventStatus.REQUESTED)
    before = nothing_written()
    refused = [
        reverse("scheduling:visit_add") + f"?client={jane.pk}",
        reverse("scheduling:visit_edit", args=[scheduled.pk]),
        reverse("scheduling:visit_cancel", args=[scheduled.pk]),
        reverse("scheduling:visit_confirm", args=[requested.pk]),
        reverse("scheduling:visit_decline", args=[requested.pk]),
    ]
    data = {
        "service_type": walk.pk,
        "pets": [biscuit.pk],
        "date": "2030-06-04",
        "start_time": "10:00",
    }
    for url in refused:
        assert sitter_client.get(url).status_code == 403, url
        assert sitter_client.post(url, data).status_code == 403, url
    assert nothing_written() == before
    scheduled.refresh_from_db()
    requested.refresh_from_db()
    assert (scheduled.status, requested.status) == (EventStatus.SCHEDULED, EventStatus.REQUESTED)


# --- A visit -----------------------------------------------------------------------


def test_visit_page_shows_the_visit_and_what_office_staff_may_do(
    manager_client, jane, biscuit, sam
):
    event = visit(jane, at(9), pets=[biscuit], sitter=sam, notes="Gate code 1234")
    response = manager_client.get(reverse("scheduling:visit", args=[event.pk]))
    html = rendered(response, "scheduling/visit_detail.html")
    when = "9:00 AM\N{EN DASH}9:30 AM"
    for text in ("Jane Cooper", "Biscuit", "Sam Patel", "Gate code 1234", when):
        assert text in html
    for button in (">Edit visit</a>", ">Cancel visit</a>", ">Mark completed</a>"):
        assert button in html
    assert ">Confirm</a>" not in html and ">Decline</a>" not in html
    cancel = reverse("scheduling:visit_cancel", args=[event.pk])
    assert re.search(rf'<a class="[^"]*" href="{cancel}\?next=[^"]+" hx-get="{cancel}', html)


def test_visit_page_of_an_unknown_visit_is_a_404(manager_client):
    assert manager_client.get(reverse("scheduling:visit", args=[999999])).status_code == 404


def test_a_sitter_sees_a_visit_but_no_office_actions(sitter_client, jane, sam):
    future = visit(jane, timezone.now() + timedelta(days=1), sitter=sam)
    html = html_of(sitter_client.get(reverse("scheduling:visit", args=[future.pk])))
    assert ">Edit visit</a>" not in html and ">Cancel visit</a>" not in html
    assert ">Mark completed</a>" not in html  # not started yet
    started = visit(jane, timezone.now() - timedelta(minutes=10), sitter=sam)
    html = html_of(sitter_client.get(reverse("scheduling:visit", args=[started.pk])))
    assert ">Mark completed</a>" in html


# --- Add visit ---------------------------------------------------------------------


def add_url(client=None, **params):
    url = reverse("scheduling:visit_add")
    query = {**({"client": client.pk} if client else {}), **params}
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def visit_data(pet_list, service, **changes):
    return {
        "service_type": service.pk,
        "pets": [pet.pk for pet in pet_list],
        "sitter": "",
        "date": "2030-06-04",
        "start_time": "10:00",
        "end_time": "",
        "notes": "",
        **changes,
    }


def test_add_visit_first_asks_for_an_active_client(manager_client, jane, gone):
    response = manager_client.get(reverse("scheduling:visit_add"))
    html = rendered(response, "scheduling/visit_form.html")
    assert f'href="{reverse("scheduling:visit_add")}?client={jane.pk}"><strong>Jane Cooper' in html
    assert "Old Timer" not in html
    assert '<label for="id_q">Find a client</label>' in html
    assert "<select" not in html.split('id="client-choices"')[0].split("<h1>")[1]


def test_the_client_picker_searches_as_you_type_and_offers_active_clients_only(
    manager_client, jane, gone
):
    factories.ClientFactory(name="Jack Sprat")
    factories.PetFactory(client=jane, name="Waffles")
    url = reverse("scheduling:visit_add")

    by_pet = manager_client.get(url, {"q": "waffles"}, headers={"HX-Request": "true"})
    html = by_pet.content.decode()
    assert html.lstrip().startswith('<div id="client-choices"')
    assert "Jane Cooper" in html and "Jack Sprat" not in html
    assert by_pet["Vary"].startswith("HX-Request") or "HX-Request" in by_pet["Vary"]

    inactive = html_of(manager_client.get(url, {"q": "old timer"}))
    assert "Old Timer" not in inactive
    assert "No active client matches “old timer”" in inactive


def test_the_client_picker_shows_twenty_and_asks_for_more_letters(
    manager_client, django_assert_num_queries
):
    factories.ClientFactory.create_batch(25, name="Pat Smith")
    url = reverse("scheduling:visit_add")
    manager_client.get(url)  # warm the session

    # session, user, the permission check (2), the keys of the first 21
    # matches (one SELECT per column, UNIONed), those clients.
    with django_assert_num_queries(6):
        html = html_of(manager_client.get(url, {"q": "smith"}))

    assert html.count("<strong>Pat Smith</strong>") == 20
    assert "The first 20 are shown: type more" in html


def test_the_client_picker_refuses_a_malformed_search_and_still_answers(manager_client, jane):
    response = manager_client.get(reverse("scheduling:visit_add"), {"q": "ja\x00ne"})
    assert response.status_code == 200
    assert "Null characters are not allowed." in html_of(response)
    assert "Jane Cooper" in html_of(response)


def test_add_visit_from_a_day_carries_that_day_through_the_client_picker(manager_client, jane):
    html = html_of(manager_client.get(add_url(date="2030-06-04")))
    assert '<input type="hidden" name="date" value="2030-06-04">' in html
    html = html_of(manager_client.get(add_url(jane, date="2030-06-04")))
    assert 'name="date" value="2030-06-04"' in html
    response = manager_client.get(add_url(jane, date="2030-02-30"))
    assert response.status_code == 400
    assert "Date: Enter a date like 2030-06-21." in html_of(response)


def test_add_visit_for_a_client_offers_that_clients_pets_and_active_services(
    manager_client, jane, biscuit, luna, walk, sam
):
    other = factories.PetFactory(name="Stranger")
    archived = factories.ServiceTypeFactory(name="Old service", is_active=False)
    response = manager_client.get(add_url(jane, date="2030-06-04"))
    assert response.status_code == 200
    html = html_of(response)
    assert "Jane Cooper" in html
    assert "Biscuit" in html and "Luna" in html and "Stranger" not in html
    assert "30 min dog walk · 30 min" in html and archived.name not in html
    assert f'<option value="{sam.pk}">Sam Patel</option>' in html
    assert 'value="2030-06-04"' in html
    assert ">Add visit</button>" in html
    assert other.client.name not in html


def test_the_visit_form_of_a_client_without_pets_says_so(manager_client, walk):
    petless = factories.ClientFactory(name="No Pets Yet")
    response = manager_client.get(f"/schedule/visits/add/?client={petless.pk}")
    assert response.status_code == 200
    assert (
        "No Pets Yet has no pets on file. Add them to the client&#x27;s details first."
        in response.content.decode()
    )


def test_add_visit_offers_sitters_only_not_the_admin_or_the_office_manager(
    manager_client, jane, sam, office_manager, admin_user
):
    response = manager_client.get(add_url(jane))
    sitters = response.context["form"].fields["sitter"].queryset
    assert list(sitters) == [sam]
    select = re.search(r'<select name="sitter".*?</select>', html_of(response), re.S).group()
    assert f'value="{sam.pk}"' in select
    assert f'value="{office_manager.pk}"' not in select
    assert f'value="{admin_user.pk}"' not in select


def test_add_visit_schedules_it_and_ends_after_the_services_length(
    manager_client, jane, biscuit, luna, walk, sam, office_manager
):
    data = visit_data([biscuit, luna], walk, sitter=sam.pk, notes="Side gate\r\nThanks")
    response = manager_client.post(add_url(jane), data)

    assert response.status_code == 302
    assert response["Location"] == day_url(date(2030, 6, 4))
    event = ScheduledEvent.objects.get()
    assert (event.client, event.service_type, event.sitter) == (jane, walk, sam)
    assert event.status == EventStatus.SCHEDULED
    assert event.starts_at == at(10, day=date(2030, 6, 4))
    assert event.ends_at == at(10, 30, day=date(2030, 6, 4))
    assert set(event.pets.all()) == {biscuit, luna}
    assert event.notes == "Side gate\nThanks"
    page = html_of(manager_client.get(response["Location"]))
    assert "Scheduled 30 min dog walk for Jane Cooper on Tue, Jun 4 at 10:00 AM." in page


def test_add_visit_with_an_end_time_and_back_to_where_it_started(
    manager_client, jane, biscuit, walk
):
    data = visit_data([biscuit], walk, end_time="11:15", next=jane.get_absolute_url())
    response = manager_client.post(add_url(jane), data)
    assert response["Location"] == jane.get_absolute_url()
    assert ScheduledEvent.objects.get().ends_at == at(11, 15, day=date(2030, 6, 4))


def test_add_visit_never_redirects_to_another_site(manager_client, jane, biscuit, walk):
    data = visit_data([biscuit], walk, next="https://evil.example/")
    response = manager_client.post(add_url(jane), data)
    assert response["Location"] == day_url(date(2030, 6, 4))


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"end_time": "09:30"}, "end_time", "The visit must end after it starts."),
        ({"end_time": "10:00"}, "end_time", "The visit must end after it starts."),
        ({"pets": []}, "pets", "Choose at least one pet."),
        ({"pets": ["999999"]}, "pets", "Choose pets of this client only."),
        ({"pets": ["abc"]}, "pets", "Choose pets of this client only."),
        ({"service_type": "999999"}, "service_type", "Choose one of the services offered."),
        ({"service_type": ""}, "service_type", "Choose a service."),
        ({"sitter": "999999"}, "sitter", "Choose a sitter from the list."),
        ({"date": "2030-02-30"}, "date", "Enter a date like 2030-06-21."),
        ({"date": "June 4th"}, "date", "Enter a date like 2030-06-21."),
        ({"start_time": "25:00"}, "start_time", "Enter a time like 09:30."),
        ({"start_time": ""}, "start_time", "Choose a time."),
    ],
)
def test_add_visit_refuses_bad_input_with_a_clear_error_and_writes_nothing(
    manager_client, jane, biscuit, walk, changes, field, message
):
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit], walk, **changes))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in html_of(response)
    assert "nothing was saved" in html_of(response)
    assert nothing_written() == before


def test_add_visit_refuses_pets_of_another_client(manager_client, jane, biscuit, walk):
    stranger = factories.PetFactory(name="Stranger")
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit, stranger], walk))
    assert response.status_code == 400
    assert "Choose pets of this client only." in html_of(response)
    assert nothing_written() == before


def test_add_visit_refuses_a_sitter_who_is_not_staff_in_a_scheduling_role(
    manager_client, jane, biscuit, walk
):
    login = factories.ClientLoginFactory()
    before = nothing_written()
    response = manager_client.post(add_url(jane), visit_data([biscuit], walk, sitter=login.pk))
    assert response.status_code == 400
    assert "Choose a sitter from the list." in html_of(response)
    assert nothing_written() == before


@pytest.mark.parametrize("client_id", ["999999", "abc", ""])
def test_add_visit_for_an_unknown_client_is_refused(manager_client, walk, client_id):
    before = nothing_written()
    url = reverse("scheduling:visit_add") + f"?client={client_id}"
    for response in (manager_client.get(url), manager_client.post(url, {"service_type": walk.pk})):
        assert response.status_code == 400
        assert response.context["form"] is None
        assert re.search(r"Choose a client( from the list)?\.", html_of(response))
    assert nothing_written() == before


def test_add_visit_post_without_a_client_is_refused(manager_client, jane, biscuit, walk):
    before = nothing_written()
    response = manager_client.post(reverse("scheduling:visit_add"), visit_data([biscuit], walk))
    assert response.status_code == 400
    assert "Choose a client." in html_of(response)
    assert nothing_written() == before


def test_add_visit_for_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    pet = factories.PetFactory(client=gone)
    before = nothing_written()
    for response in (
        manager_client.get(add_url(gone)),
        manager_client.post(add_url(gone), visit_data([pet], walk)),
    ):
        assert response.status_code == 400
        assert f"Old Timer {INACTIVE}" in html_of(response)
        assert response.context["form"] is None
    assert nothing_written() == before


def test_an_overlap_is_warned_about_and_scheduled_anyway_when_ticked(
    manager_client, jane, biscuit, walk, sam
):
    other = factories.ClientFactory(name="Henry Walsh")
    busy = visit(other, at(9, 45, day=date(2030, 6, 4)), sitter=sam, service_type=walk)
    data = visit_data([biscuit], walk, sitter=sam.pk)

    response = manager_client.post(add_url(jane), data)

    assert response.status_code == 200
    html = html_of(response)
    assert "Sam Patel already has 1 visit at that time:" in html
    assert f'href="{reverse("scheduling:visit", args=[busy.pk])}"' in html
    assert "Henry Walsh" in html
    assert '<label for="id_allow_overlap">Schedule anyway</label>' in html
    assert ScheduledEvent.objects.count() == 1

    response = manager_client.post(add_url(jane), {**data, "allow_overlap": "on"})
    assert response.status_code == 302
    assert ScheduledEvent.objects.filter(client=jane, sitter=sam).count() == 1


def test_add_visit_needs_a_csrf_token(jane, biscuit, walk, office_manager):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    response = browser.post(add_url(jane), visit_data([biscuit], walk))
    assert response.status_code == 403
    assert "This form has expired" in html_of(response)
    assert not ScheduledEvent.objects.exists()


def test_add_visit_answers_only_get_and_post(manager_client):
    assert manager_client.put(reverse("scheduling:visit_add")).status_code == 405


# --- Edit visit --------------------------------------------------------------------


def test_edit_visit_shows_the_client_without_a_way_to_change_it(
    manager_client, jane, biscuit, walk, sam
):
    event = visit(jane, at(9), pets=[biscuit], sitter=sam, service_type=walk)
    response = manager_client.get(reverse("scheduling:visit_edit", args=[event.pk]))
    assert response.status_code == 200
    html = html_of(response)
    assert "Jane Cooper" in html and 'name="client"' not in html
    assert 'value="2030-06-03"' in html and 'value="09:00"' in html
    assert re.search(rf'value="{biscuit.pk}"[^>]*checked', html)
    assert ">Save changes</button>" in html


def test_edit_visit_shows_when_the_visit_ends(manager_client, jane, biscuit, walk):
    event = visit(jane, at(9), pets=[biscuit], service_type=walk, minutes=45)
    response = manager_client.get(reverse("scheduling:visit_edit", args=[event.pk]))
    assert re.search(r'<input[^>]*name="end_time"[^>]*value="09:45"', html_of(response))


def test_edit_visit_past_midnight_leaves_the_end_empty_to_keep_its_length(
    manager_client, jane, biscuit, walk
):
    event = visit(jane, at(23, 30), pets=[biscuit], service_type=walk, minutes=60)
    response = manager_client.get(reverse("scheduling:visit_edit", args=[event.pk]))
    end_input = re.search(r'<input[^>]*name="end_time"[^>]*>', html_of(response)).group()
    assert "value=" not in end_input


def test_edit_visit_breadcrumbs_end_with_the_visit_not_a_separator(
    manager_client, jane, biscuit, walk
):
    event = visit(jane, at(9), pets=[biscuit], service_type=walk)
    response = manager_client.get(reverse("scheduling:visit_edit", args=[event.pk]))
    crumbs = re.search(r'<p class="breadcrumbs">(.*?)</p>', html_of(response)).group(1)
    assert crumbs.endswith(">Visit</a>")
    assert crumbs.count("\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}") == 1


def test_edit_visit_moves_it_and_keeps_its_length_and_client(
    manager_client, jane, biscuit, luna, walk, sam
):
    event = visit(jane, at(9), pets=[biscuit], sitter=sam, service_type=walk, minutes=45)
    other = factories.ClientFactory()
    data = visit_data([luna], walk, sitter=sam.pk, date="2030-06-05", start_time="14:00")
    data["client"] = other.pk  # ignored: a visit never moves to another client

    response = manager_client.post(reverse("scheduling:visit_edit", args=[event.pk]), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.client == jane
    assert event.starts_at == at(14, day=date(2030, 6, 5))
    assert event.ends_at == at(14, 45, day=date(2030, 6, 5))
    assert list(event.pets.all()) == [luna]


def test_edit_visit_refuses_end_before_start_and_changes_nothing(
    manager_client, jane, biscuit, walk
):
    event = visit(jane, at(9), pets=[biscuit], service_type=walk)
    data = visit_data([biscuit], walk, date="2030-06-03", start_time="11:00", end_time="10:00")
    response = manager_client.post(reverse("scheduling:visit_edit", args=[event.pk]), data)
    assert response.status_code == 400
    assert "The visit must end after it starts." in html_of(response)
    event.refresh_from_db()
    assert event.starts_at == at(9)


def test_edit_visit_of_an_inactive_client_is_refused_with_the_message(manager_client, gone, walk):
    pet = factories.PetFactory(client=gone)
    event = visit(gone, at(9), pets=[pet], service_type=walk)
    assert ">Edit visit</a>" not in html_of(
        manager_client.get(reverse("scheduling:visit", args=[event.pk]))
    )
    response = manager_client.post(
        reverse("scheduling:visit_edit", args=[event.pk]),
        visit_data([pet], walk, start_time="15:00"),
    )
    assert response.status_code == 400
    assert f"Old Timer {INACTIVE}" in html_of(response)
    event.refresh_from_db()
    assert event.starts_at == at(9)


def test_edit_of_a_canceled_visit_is_refused(manager_client, jane, biscuit, walk):
    event = visit(jane, at(9), pets=[biscuit], status=EventStatus.CANCELED)
    response = manager_client.post(
        reverse("scheduling:visit_edit", args=[event.pk]), visit_data([biscuit], walk)
    )
    assert response.status_code == 400
    assert "This visit is already canceled; nothing was changed." in html_of(response)


# --- Cancel, complete, confirm, decline --------------------------------------------


def action_url(name, event, next_url=None):
    url = reverse(f"scheduling:visit_{name}", args=[event.pk])
    return f"{url}?next={next_url}" if next_url else url


def test_cancel_asks_first_as_a_dialog_or_a_page(manager_client, jane, biscuit):
    event = visit(jane, at(9), pets=[biscuit])
    dialog = manager_client.get(action_url("cancel", event), headers=HTMX)
    assert dialog.status_code == 200
    assert html_of(dialog).lstrip().startswith("<dialog")
    assert dialog.headers["HX-Retarget"] == "#dialog-slot"
    assert "HX-Request" in dialog.headers["Vary"]
    assert f'hx-post="{action_url("cancel", event)}"' in html_of(dialog)
    page = manager_client.get(action_url("cancel", event))
    assert "<html" in html_of(page) and "<dialog" not in html_of(page)
    assert ">Cancel visit</button>" in html_of(page) and ">Keep visit</a>" in html_of(page)
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_cancel_cancels_and_says_so(manager_client, jane, biscuit):
    event = visit(jane, at(9), pets=[biscuit])
    response = manager_client.post(action_url("cancel", event), {"next": day_url()})
    assert response.status_code == 302
    assert response["Location"] == day_url()
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELED
    assert "Canceled 30 min dog walk for Jane Cooper on Mon, Jun 3 at 9:00 AM." in html_of(
        manager_client.get(day_url())
    )


def test_cancel_through_htmx_reloads_the_page_it_came_from(manager_client, jane):
    event = visit(jane, at(9))
    response = manager_client.post(action_url("cancel", event), {"next": day_url()}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == day_url()


def test_cancel_of_a_visit_already_canceled_says_so_and_changes_nothing(manager_client, jane):
    event = visit(jane, at(9), status=EventStatus.COMPLETED)
    response = manager_client.post(action_url("cancel", event), follow=True)
    assert (
        "30 min dog walk for Jane Cooper on Mon, Jun 3 at 9:00 AM: "
        "This visit is already completed; nothing was changed."
    ) in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED


def test_cancel_needs_a_csrf_token_and_a_post(jane, office_manager, manager_client):
    event = visit(jane, at(9))
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    assert browser.post(action_url("cancel", event)).status_code == 403
    assert manager_client.put(action_url("cancel", event)).status_code == 405
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_office_staff_and_the_inactive_clients_kept_visits_can_be_canceled_and_completed(
    manager_client, gone
):
    kept = visit(gone, at(9))
    other = visit(gone, at(11))
    manager_client.post(action_url("cancel", kept))
    manager_client.post(action_url("complete", other))
    kept.refresh_from_db()
    other.refresh_from_db()
    assert (kept.status, other.status) == (EventStatus.CANCELED, EventStatus.COMPLETED)


def test_a_sitter_marks_their_own_started_visit_completed(sitter_client, jane, sam):
    event = visit(jane, timezone.now() - timedelta(minutes=20), sitter=sam)
    assert sitter_client.get(action_url("complete", event)).status_code == 200
    response = sitter_client.post(action_url("complete", event), follow=True)
    assert "Marked completed: 30 min dog walk for Jane Cooper" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.COMPLETED


def test_a_sitter_may_not_complete_a_visit_not_theirs_or_not_started(
    sitter_client, jane, sam, riley
):
    not_started = visit(jane, timezone.now() + timedelta(hours=2), sitter=sam)
    not_theirs = visit(jane, timezone.now() - timedelta(hours=1), sitter=riley)
    unassigned = visit(jane, timezone.now() - timedelta(hours=1))
    for event in (not_started, not_theirs, unassigned):
        assert sitter_client.post(action_url("complete", event)).status_code == 403
        event.refresh_from_db()
        assert event.status == EventStatus.SCHEDULED


def test_confirm_a_request_with_a_sitter(manager_client, jane, biscuit, sam):
    event = visit(jane, at(9), pets=[biscuit], status=EventStatus.REQUESTED)
    detail = html_of(manager_client.get(reverse("scheduling:visit", args=[event.pk])))
    assert ">Confirm</a>" in detail and ">Decline</a>" in detail
    assert ">Cancel visit</a>" not in detail and ">Mark completed</a>" not in detail
    page = html_of(manager_client.get(action_url("confirm", event)))
    assert f'<option value="{sam.pk}">Sam Patel</option>' in page

    response = manager_client.post(action_url("confirm", event), {"sitter": sam.pk}, follow=True)

    event.refresh_from_db()
    assert (event.status, event.sitter) == (EventStatus.SCHEDULED, sam)
    assert "Confirmed 30 min dog walk for Jane Cooper" in html_of(response)


def test_confirm_warns_about_an_overlap_and_confirms_anyway_when_ticked(manager_client, jane, sam):
    visit(factories.ClientFactory(), at(9, 15), sitter=sam)
    event = visit(jane, at(9), status=EventStatus.REQUESTED)

    response = manager_client.post(action_url("confirm", event), {"sitter": sam.pk}, headers=HTMX)

    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith("<dialog")
    assert "Sam Patel already has 1 visit at that time:" in html
    assert ">Schedule anyway</label>" in html
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED

    manager_client.post(action_url("confirm", event), {"sitter": sam.pk, "allow_overlap": "on"})
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED


def test_confirm_refuses_an_unknown_sitter(manager_client, jane):
    event = visit(jane, at(9), status=EventStatus.REQUESTED)
    response = manager_client.post(action_url("confirm", event), {"sitter": "999999"})
    assert response.status_code == 400
    assert "Choose a sitter from the list." in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED


def test_an_inactive_clients_request_can_be_declined_but_not_confirmed(manager_client, gone):
    event = visit(gone, at(9), status=EventStatus.REQUESTED)
    detail = html_of(manager_client.get(reverse("scheduling:visit", args=[event.pk])))
    assert ">Confirm</a>" not in detail and ">Decline</a>" in detail
    assert f"Old Timer {INACTIVE}" in detail
    assert f"Old Timer {INACTIVE}" in html_of(manager_client.get(action_url("confirm", event)))

    response = manager_client.post(action_url("confirm", event), follow=True)
    assert f"Old Timer {INACTIVE}" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.REQUESTED

    response = manager_client.post(action_url("decline", event), follow=True)
    assert "Declined 30 min dog walk for Old Timer" in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELED


def test_decline_of_a_scheduled_visit_is_refused_with_a_message(manager_client, jane):
    event = visit(jane, at(9))
    response = manager_client.post(action_url("decline", event), follow=True)
    assert "This visit is already confirmed: cancel it instead." in html_of(response)
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED
