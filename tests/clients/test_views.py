"""The staff screens of the client lifecycle (clients.views), through Django's test
client: Make Inactive and Re-Activate, the profile, the client list, add and
edit, Invite to portal (docs/design.md, "Make Inactive", "Re-Activate" and
"The staff screens")."""

import re
from datetime import datetime

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientStatusChange
from petcare.paging import encode_cursor
from scheduling.models import ScheduledEvent, Template
from tests import factories
from tests.helpers import (
    HTMX,
    NEW_YORK,
    client_with_a_full_profile,
    client_with_a_schedule,
    comparable,
    invite,
    rendered,
)

pytestmark = pytest.mark.django_db

BOTH = {"delete_future_events": "on", "delete_templates": "on"}


@pytest.fixture
def jane(db):
    """Jane Cooper with Biscuit, a template, 12 upcoming visits and a past one."""
    return client_with_a_schedule(upcoming=12)


def deactivate_url(client):
    return reverse("clients:deactivate", args=[client.pk])


def reactivate_url(client):
    return reverse("clients:reactivate", args=[client.pk])


def snapshot(client):
    """What Make Inactive could change, to prove a refusal changed nothing."""
    client.refresh_from_db()
    return (
        client.is_active,
        client.deactivated_at,
        ScheduledEvent.objects.filter(client=client).count(),
        Template.objects.filter(client=client).count(),
        ClientStatusChange.objects.filter(client=client).count(),
    )


# The confirmation (GET) ---------------------------------------------------


def test_make_inactive_dialog_for_htmx_is_a_dialog_with_both_options_checked(manager_client, jane):
    response = manager_client.get(deactivate_url(jane), headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<dialog")
    assert "data-autoopen" in html
    assert "<html" not in html
    assert re.search(r'<input type="checkbox" name="delete_future_events"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="delete_templates"[^>]*checked', html)
    assert ">Delete all future scheduled services</label>" in html
    assert ">Delete templates</label>" in html
    assert f'hx-post="{deactivate_url(jane)}"' in html
    assert response.headers["Vary"].startswith("HX-Request")


def test_make_inactive_page_without_javascript_is_a_full_page_with_the_same_form(
    manager_client, jane
):
    response = manager_client.get(deactivate_url(jane))

    html = rendered(response, "clients/deactivate.html")
    assert "<html" in html
    assert "<dialog" not in html
    assert f'<form method="post" action="{deactivate_url(jane)}"' in html
    assert "hx-post" not in html.split('<form method="post" action="/clients/')[1].split(">")[0]
    assert ">Delete all future scheduled services</label>" in html
    assert ">Delete templates</label>" in html


def test_delete_templates_option_is_absent_when_the_client_has_no_template(manager_client):
    client = factories.ClientFactory()
    factories.ScheduledEventFactory(client=client)

    html = manager_client.get(deactivate_url(client), headers=HTMX).content.decode()

    assert "Delete all future scheduled services" in html
    assert "Delete templates" not in html
    assert 'name="delete_templates"' not in html


def test_make_inactive_dialog_of_an_inactive_client_says_it_is_already_inactive(manager_client):
    client = factories.InactiveClientFactory(name="Old Timer")

    response = manager_client.get(deactivate_url(client), headers=HTMX)

    assert response.status_code == 200
    assert "Old Timer</strong> is already inactive" in response.content.decode()
    assert "<form" not in response.content.decode()


# Acting (POST) -------------------------------------------------------------


def test_make_inactive_through_htmx_answers_with_the_updated_profile(
    manager_client, jane, office_manager
):
    response = manager_client.post(deactivate_url(jane), BOTH, headers=HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#profile"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert "petcare:dialog-close" in response.headers["HX-Trigger-After-Settle"]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="profile"')
    assert "Jane Cooper is now inactive. Removed 12 upcoming services and 1 template." in html
    assert "Inactive since" in html
    assert "No upcoming services." in html
    assert "No recurring templates." in html
    assert ">Re-Activate</a>" in html
    jane.refresh_from_db()
    assert not jane.is_active
    assert jane.deactivated_by == office_manager
    assert ScheduledEvent.objects.filter(client=jane).count() == 1
    change = ClientStatusChange.objects.get(client=jane)
    assert (change.events_removed, change.templates_removed) == (12, 1)


def test_make_inactive_without_javascript_redirects_to_the_profile_with_a_message(
    manager_client, jane
):
    response = manager_client.post(deactivate_url(jane), BOTH)

    assert response.status_code == 302
    assert response["Location"] == jane.get_absolute_url()
    page = manager_client.get(response["Location"])
    html = page.content.decode()
    assert "Jane Cooper is now inactive. Removed 12 upcoming services and 1 template." in html
    assert "Inactive since" in html


def test_unchecked_options_keep_services_and_templates(manager_client, jane):
    response = manager_client.post(deactivate_url(jane), {"reason": "Moved away"})

    assert response.status_code == 302
    jane.refresh_from_db()
    assert not jane.is_active
    assert ScheduledEvent.objects.filter(client=jane).count() == 13
    assert Template.objects.filter(client=jane).count() == 1
    change = ClientStatusChange.objects.get(client=jane)
    assert (change.delete_future_events, change.delete_templates) == (False, False)
    assert change.reason == "Moved away"
    page = manager_client.get(jane.get_absolute_url()).content.decode()
    assert "Jane Cooper is now inactive. Kept their upcoming services and templates." in page


def test_a_second_make_inactive_changes_nothing_and_says_already_inactive(manager_client, jane):
    manager_client.post(deactivate_url(jane), BOTH)
    before = snapshot(jane)

    response = manager_client.post(deactivate_url(jane), BOTH, headers=HTMX)

    assert response.status_code == 200
    assert "Jane Cooper is already inactive. Nothing was changed." in response.content.decode()
    assert snapshot(jane) == before


@pytest.mark.parametrize("value", ["", "yes", "true", "1", "off", "ON", "on "])
@pytest.mark.parametrize("option", ["delete_future_events", "delete_templates"])
def test_a_malformed_option_is_refused_and_changes_nothing(manager_client, jane, option, value):
    before = snapshot(jane)
    data = {**BOTH, option: value}

    response = manager_client.post(deactivate_url(jane), data, headers=HTMX)

    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith("<dialog")
    assert "must be &quot;on&quot; or left out; nothing was changed." in html
    assert snapshot(jane) == before
    assert manager_client.post(deactivate_url(jane), data).status_code == 400
    assert snapshot(jane) == before


def test_a_reason_counts_a_line_break_as_one_character(manager_client, jane):
    reason = "\r\n".join(["x" * 49] * 10)  # 490 characters and 9 CRLF line breaks
    response = manager_client.post(deactivate_url(jane), {**BOTH, "reason": reason})
    assert response.status_code == 302
    assert ClientStatusChange.objects.get(client=jane).reason == reason.replace("\r\n", "\n")


def test_a_client_without_templates_keeps_none_and_the_message_says_only_services(
    manager_client,
):
    client = factories.ClientFactory(name="No Templates")
    factories.ScheduledEventFactory(client=client)

    # A browser cannot send the option it was not shown; a forged one is ignored.
    response = manager_client.post(deactivate_url(client), BOTH, headers=HTMX)

    html = response.content.decode()
    assert "No Templates is now inactive. Removed 1 upcoming service." in html
    assert "no templates removed" in html
    change = ClientStatusChange.objects.get(client=client)
    assert (change.delete_future_events, change.delete_templates) == (True, False)


def test_make_inactive_of_a_client_with_nothing_scheduled_says_so(manager_client):
    client = factories.ClientFactory(name="Jordan Reyes")

    response = manager_client.post(deactivate_url(client), BOTH, headers=HTMX)

    assert "Jordan Reyes is now inactive. Nothing was scheduled." in response.content.decode()


def test_make_inactive_names_only_what_it_removed_and_what_it_kept(manager_client):
    client = factories.ClientFactory(name="Jordan Reyes")
    factories.TemplateFactory(client=client)
    factories.ScheduledEventFactory(client=client)

    response = manager_client.post(deactivate_url(client), {"delete_templates": "on"}, headers=HTMX)

    assert (
        "Jordan Reyes is now inactive. Removed 1 template. Kept their upcoming services."
        in response.content.decode()
    )


def test_a_too_long_reason_is_refused_and_changes_nothing(manager_client, jane):
    before = snapshot(jane)
    response = manager_client.post(deactivate_url(jane), {**BOTH, "reason": "x" * 501})
    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters" in response.content.decode()
    assert snapshot(jane) == before


def test_reactivate_dialog_and_post(manager_client, jane):
    manager_client.post(deactivate_url(jane), BOTH)

    dialog = manager_client.get(reactivate_url(jane), headers=HTMX)
    assert dialog.status_code == 200
    assert dialog.content.decode().lstrip().startswith("<dialog")
    assert ">Re-Activate</button>" in dialog.content.decode()

    response = manager_client.post(reactivate_url(jane), {"reason": "Back in town"}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Jane Cooper is active again." in html
    assert ">Make Inactive</a>" in html
    jane.refresh_from_db()
    assert jane.is_active
    assert jane.deactivated_at is None
    assert ScheduledEvent.objects.filter(client=jane).count() == 1  # nothing came back


def test_reactivate_without_javascript_redirects(manager_client):
    client = factories.InactiveClientFactory()
    response = manager_client.post(reactivate_url(client))
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    client.refresh_from_db()
    assert client.is_active


def test_reactivating_an_active_client_changes_nothing_and_says_so(manager_client, jane):
    before = snapshot(jane)
    response = manager_client.post(reactivate_url(jane), headers=HTMX)
    assert "Jane Cooper is already active. Nothing was changed." in response.content.decode()
    assert snapshot(jane) == before


# Refusals ------------------------------------------------------------------


@pytest.mark.parametrize("url_for", [deactivate_url, reactivate_url])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_sitter_may_not_change_a_client_status(client, sitter, jane, url_for, method):
    client.force_login(sitter)
    if url_for is reactivate_url:
        # Only Make Inactive writes the status; the arrangement does it by hand.
        Client.objects.filter(pk=jane.pk).update(is_active=False, deactivated_at=timezone.now())
    before = snapshot(jane)

    response = getattr(client, method)(url_for(jane), BOTH)

    assert response.status_code == 403
    assert "You don&#x27;t have access to this" in response.content.decode()
    assert snapshot(jane) == before


def test_a_sitter_does_not_see_quick_actions_status_changes(client, sitter, jane):
    client.force_login(sitter)
    html = client.get(jane.get_absolute_url()).content.decode()
    assert "Make Inactive" not in html
    assert "Quick Actions" not in html


@pytest.mark.parametrize("url_for", [deactivate_url, reactivate_url])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, jane, url_for, method):
    before = snapshot(jane)
    response = getattr(client, method)(url_for(jane), BOTH if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={url_for(jane)}"
    assert snapshot(jane) == before


def test_an_htmx_request_without_a_session_is_redirected_as_a_whole_page(client, jane):
    response = client.get(deactivate_url(jane), headers=HTMX)
    assert response.headers["HX-Redirect"] == f"/signin/?next={deactivate_url(jane)}"
    assert response.content == b""


def test_after_signing_in_again_an_htmx_request_returns_to_the_page_it_came_from(client, jane):
    profile = f"http://testserver{jane.get_absolute_url()}"
    response = client.post(deactivate_url(jane), BOTH, headers={**HTMX, "HX-Current-URL": profile})
    assert response.headers["HX-Redirect"] == f"/signin/?next={jane.get_absolute_url()}"
    elsewhere = client.get(
        deactivate_url(jane), headers={**HTMX, "HX-Current-URL": "https://evil.example/x"}
    )
    assert elsewhere.headers["HX-Redirect"] == f"/signin/?next={deactivate_url(jane)}"


@pytest.mark.parametrize("url_for", [deactivate_url, reactivate_url])
def test_a_signed_in_client_gets_a_403_page_that_links_to_the_portal(client, roles, jane, url_for):
    login = factories.ClientLoginFactory(client=jane)
    client.force_login(login)
    before = snapshot(jane)

    for response in (client.get(url_for(jane)), client.post(url_for(jane), BOTH)):
        assert response.status_code == 403
        html = response.content.decode()
        assert "signed in as a client" in html
        assert 'href="/portal/signin/"' in html
    assert snapshot(jane) == before


@pytest.mark.parametrize("url_for", [deactivate_url, reactivate_url])
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_get_405(manager_client, jane, url_for, method):
    before = snapshot(jane)
    response = getattr(manager_client, method)(url_for(jane))
    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD", "POST"]
    assert snapshot(jane) == before


@pytest.mark.parametrize("url_for", [deactivate_url, reactivate_url])
def test_a_post_without_csrf_token_is_refused(office_manager, jane, url_for):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    before = snapshot(jane)

    response = browser.post(url_for(jane), BOTH)

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert snapshot(jane) == before


def test_a_post_with_the_csrf_token_in_the_htmx_header_is_accepted(office_manager, jane):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    page = browser.get(jane.get_absolute_url()).content.decode()
    token = re.search(r'"x-csrftoken": "([^"]+)"', page).group(1)

    response = browser.post(deactivate_url(jane), BOTH, headers={**HTMX, "X-CSRFToken": token})

    assert response.status_code == 200
    jane.refresh_from_db()
    assert not jane.is_active


@pytest.mark.parametrize("name", ["clients:deactivate", "clients:reactivate", "clients:detail"])
def test_an_unknown_client_id_is_a_404(manager_client, name):
    url = reverse(name, args=[999999])
    response = manager_client.get(url)
    assert response.status_code == 404
    assert "We couldn&#x27;t find that page" in response.content.decode()
    if name != "clients:detail":
        assert manager_client.post(url, BOTH).status_code == 404


def test_an_htmx_refusal_comes_back_as_a_dialog_in_the_dialog_slot(client, sitter, jane):
    client.force_login(sitter)
    response = client.get(deactivate_url(jane), headers=HTMX)
    assert response.status_code == 403
    html = response.content.decode()
    assert html.lstrip().startswith("<dialog")
    assert "You don&#x27;t have access to this" in html
    assert response.headers["HX-Retarget"] == "#dialog-slot"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Request" in response.headers["Vary"]


def test_an_htmx_404_from_the_search_box_also_opens_a_dialog(manager_client):
    response = manager_client.get(reverse("clients:detail", args=[999999]), headers=HTMX)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#dialog-slot"
    assert "HX-Request" in response.headers["Vary"]


# The profile ----------------------------------------------------------------


def test_profile_shows_details_sections_and_quick_actions(manager_client, jane):
    response = manager_client.get(jane.get_absolute_url())

    html = rendered(response, "clients/profile.html")
    assert "<h1>Jane Cooper</h1>" in html
    assert "jane@example.com" in html
    assert '<span class="badge badge-active">Active</span>' in html
    assert 'id="quick-actions-button"' in html
    # The live region exists before a message arrives, so it is announced.
    assert '<div id="messages" class="messages" role="status" aria-live="polite"></div>' in html
    assert "Quick Actions" in html
    assert ">Make Inactive</a>" in html
    assert ">Re-Activate</a>" not in html
    for heading in ("Pets", "Upcoming services", "Templates", "History"):
        assert f'>{heading} <span class="count">' in html
    assert "Biscuit" in html
    # 12 upcoming: the first ten, the total and a link to all of them.
    assert html.count('<td data-label="Date" class="cell-lead">') == 10
    assert "Showing the next 10 of 12." in html
    assert f'href="{reverse("clients:upcoming", args=[jane.pk])}">See all 12</a>' in html


def test_profile_of_an_inactive_client_shows_since_when_and_offers_reactivate(manager_client):
    # Afternoon in New York, so the date is Mar 14 there whatever the hour now.
    client = factories.InactiveClientFactory(
        name="Gone Fishing", deactivated_at=datetime(2026, 3, 14, 15, 0, tzinfo=NEW_YORK)
    )

    html = manager_client.get(client.get_absolute_url()).content.decode()

    assert "Inactive since Mar 14, 2026" in html
    assert ">Re-Activate</a>" in html
    assert ">Make Inactive</a>" not in html


def profile_queries(manager_client, client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert manager_client.get(client.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("events,changes,templates,pets", [(10, 2, 1, 1), (300, 40, 12, 5)])
def test_profile_costs_the_same_number_of_queries_whatever_the_data_size(
    manager_client, office_manager, django_assert_num_queries, events, changes, templates, pets
):
    client = client_with_a_full_profile(
        visits=events,
        templates=templates,
        pets=pets,
        history=changes,
        sitter=office_manager,
        actor=office_manager,
    )
    # session, user, client, pets, upcoming + their pets, upcoming count,
    # templates + their pets, templates count, history, history count,
    # portal login, permissions (2).
    profile_queries(manager_client, client, django_assert_num_queries, 15)


def test_profile_shows_the_first_ten_templates_and_links_to_all(manager_client, office_manager):
    client = client_with_a_full_profile(
        visits=0, templates=12, pets=1, history=0, sitter=office_manager, actor=office_manager
    )
    html = manager_client.get(client.get_absolute_url()).content.decode()
    section = html[html.index('id="templates"') : html.index('id="upcoming"')]

    assert section.count("<li>") == 10
    assert 'Templates <span class="count">12</span>' in section
    assert f'<a href="/clients/{client.pk}/templates/">See all 12</a>' in section


def test_see_all_templates_lists_every_template_with_its_actions(manager_client, office_manager):
    client = client_with_a_full_profile(
        visits=0, templates=12, pets=1, history=0, sitter=office_manager, actor=office_manager
    )
    response = manager_client.get(reverse("clients:templates", args=[client.pk]))

    assert response.status_code == 200
    assert "clients/templates.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert html.count("<li>\n    <strong>") == 12
    assert html.count(">Apply<span") == 12


def test_see_all_templates_is_for_staff_and_a_real_client(client, roles):
    client_ = factories.ClientFactory()
    url = reverse("clients:templates", args=[client_.pk])
    assert client.get(url).status_code == 302  # to the sign-in
    client.force_login(factories.ClientLoginFactory())
    assert client.get(url).status_code == 403
    client.force_login(factories.SitterFactory())
    assert client.get(url).status_code == 200
    assert client.get(reverse("clients:templates", args=[987654])).status_code == 404
    assert client.post(url).status_code == 405


# The client list --------------------------------------------------------------


def test_client_list_shows_active_clients_by_default(manager_client):
    factories.ClientFactory(name="Active Annie")
    factories.InactiveClientFactory(name="Inactive Ivan")

    response = manager_client.get(reverse("clients:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Active Annie" in html
    assert "Inactive Ivan" not in html
    assert re.search(r'<a href="\?status=active"\s+aria-current="page">Active</a>', html)


@pytest.mark.parametrize(
    "status,shown,hidden",
    [
        ("inactive", ["Inactive Ivan"], ["Active Annie"]),
        ("all", ["Inactive Ivan", "Active Annie"], []),
    ],
)
def test_client_list_tabs(manager_client, status, shown, hidden):
    factories.ClientFactory(name="Active Annie")
    factories.InactiveClientFactory(name="Inactive Ivan")

    html = manager_client.get(reverse("clients:list"), {"status": status}).content.decode()

    for name in shown:
        assert name in html
    for name in hidden:
        assert name not in html


@pytest.mark.parametrize("query", ["ivan", "IVAN@EXAMPLE", "555-0199", "5550199", "rex"])
def test_inactive_clients_are_found_by_name_email_phone_and_pet(manager_client, query):
    ivan = factories.InactiveClientFactory(
        name="Ivan Petrov", email="ivan@example.com", phone="(555) 019-9000"
    )
    factories.PetFactory(client=ivan, name="Rex")
    factories.ClientFactory(name="Someone Else", phone="(555) 123-4567")

    html = manager_client.get(
        reverse("clients:list"), {"status": "inactive", "q": query}
    ).content.decode()

    assert "Ivan Petrov" in html
    assert "Someone Else" not in html


def test_client_list_search_through_htmx_returns_the_results_and_updated_tabs(manager_client):
    factories.ClientFactory(name="Annie Hall")
    response = manager_client.get(reverse("clients:list"), {"q": "annie"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "Annie Hall" in html
    assert "<html" not in html
    assert 'id="status-tabs" aria-label="Client status" hx-swap-oob="true"' in html
    assert 'href="?status=inactive&amp;q=annie"' in html
    assert response.headers["Vary"].startswith("HX-Request")


def test_client_list_history_restore_gets_the_whole_page(manager_client):
    response = manager_client.get(
        reverse("clients:list"),
        {"q": "annie"},
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


NAME_CELL = '<td data-label="Name" class="cell-primary">'


def _names(html: str) -> list[str]:
    return re.findall(r'cell-primary"><a href="[^"]+"><strong>([^<]+)</strong>', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("search", ["", "?q=client"], ids=["list", "search"])
def test_client_list_pages_by_position_forward_and_back(manager_client, search):
    """The plain list pages through its index; a search through the UNION
    of its per-column SELECTs (petcare.paging.keyset_page_union)."""
    # Two clients share a name across the page boundary: the id breaks the tie.
    for number in range(1, 61):
        factories.ClientFactory(name=f"Client {number:02d}")
    factories.ClientFactory(name="Client 25")
    # Found by the list, not the search.
    factories.ClientFactory(name="Someone Else", email="someone@example.com")
    url = reverse("clients:list")
    first = manager_client.get(url + search).content.decode()
    assert ("61 active clients match" if search else "62 active clients") in first
    assert _link(first, "prev") is None

    second = manager_client.get(url + _link(first, "next")).content.decode()
    third = manager_client.get(url + _link(second, "next")).content.decode()
    assert _link(third, "next") is None
    pages = [_names(first), _names(second), _names(third)]
    assert [len(names) for names in pages] == [25, 25, 11 if search else 12]
    everyone = [name for names in pages for name in names]
    assert everyone == sorted(everyone) and len(everyone) == (61 if search else 62)
    assert everyone.count("Client 25") == 2

    back = manager_client.get(url + _link(third, "prev")).content.decode()
    assert _names(back) == _names(second)
    back_again = manager_client.get(url + _link(back, "prev")).content.decode()
    assert _names(back_again) == _names(first)
    assert _link(back_again, "prev") is None


def test_client_list_pages_keep_the_tab_and_the_search(manager_client):
    for number in range(30):
        factory = factories.ClientFactory if number % 2 else factories.InactiveClientFactory
        factory(name=f"Smith {number:02d}")
    html = manager_client.get(reverse("clients:list"), {"q": "smith", "status": "all"})
    html = html.content.decode()

    assert "30 clients match “smith”" in html
    assert _link(html, "next").startswith("?status=all&q=smith&after=")


def test_client_list_counts_up_to_a_cap(manager_client, monkeypatch):
    from petcare import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 20)  # the cap, not the code under test
    factories.ClientFactory.create_batch(21)

    html = manager_client.get(reverse("clients:list")).content.decode()
    assert "More than 20 active clients" in html


def test_client_list_with_a_malformed_position_or_status_shows_the_first_page(manager_client):
    factories.ClientFactory(name="Annie Hall")
    for bad in ({"after": "abc", "status": "nope"}, {"before": "!!"}, {"after": "W10"}):
        response = manager_client.get(reverse("clients:list"), bad)
        assert response.status_code == 200
        assert "Annie Hall" in response.content.decode()


def test_client_list_past_its_end_shows_the_first_page(manager_client):
    factories.ClientFactory(name="Annie Hall")
    response = manager_client.get(reverse("clients:list"), {"after": encode_cursor(("zzz", 9))})
    assert "Annie Hall" in response.content.decode()


@pytest.mark.parametrize("clients", [3, 60])
def test_client_list_costs_the_same_number_of_queries_whatever_the_data_size(
    manager_client, django_assert_num_queries, clients
):
    for client in factories.ClientFactory.create_batch(clients):
        factories.PetFactory.create_batch(2, client=client)
    # session, user, capped count, page of clients, their pets, add_client permission (2).
    with django_assert_num_queries(7):
        assert manager_client.get(reverse("clients:list")).status_code == 200
    second_page = {"after": encode_cursor(("Client", 1))}
    with django_assert_num_queries(7):
        assert manager_client.get(reverse("clients:list"), second_page).status_code == 200


# Add and edit ------------------------------------------------------------------


def test_add_client(manager_client):
    response = manager_client.post(
        reverse("clients:add"),
        {"name": "New Person", "email": "New@Example.com", "phone": "555 1234"},
    )
    client = Client.objects.get(name="New Person")
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    assert client.email == "new@example.com"


@pytest.mark.parametrize(
    "existing_factory", [factories.ClientFactory, factories.InactiveClientFactory]
)
def test_adding_a_client_with_an_existing_email_is_refused_with_a_link(
    manager_client, existing_factory
):
    existing = existing_factory(name="Already Here", email="taken@example.com")

    response = manager_client.post(
        reverse("clients:add"), {"name": "Copy Cat", "email": "TAKEN@example.com"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "A client with this email already exists" in html
    assert f'<a href="{existing.get_absolute_url()}">Already Here</a>' in html
    assert ("can be re-activated" in html) is (not existing.is_active)
    assert not Client.objects.filter(name="Copy Cat").exists()


def test_adding_a_client_without_a_name_is_refused(manager_client):
    response = manager_client.post(reverse("clients:add"), {"name": "", "email": "x@example.com"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Client.objects.exists()


def test_edit_an_inactive_clients_details(manager_client):
    client = factories.InactiveClientFactory(name="Old Name")
    response = manager_client.post(
        reverse("clients:edit", args=[client.pk]), {"name": "New Name", "email": client.email}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.name == "New Name"
    assert not client.is_active


def test_editing_to_another_clients_email_is_refused(manager_client):
    factories.ClientFactory(email="taken@example.com")
    client = factories.ClientFactory(name="Saved Name", email="mine@example.com")
    response = manager_client.post(
        reverse("clients:edit", args=[client.pk]),
        {"name": "Typed Name", "email": "taken@example.com"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Typed Name"' in html  # the form keeps what was typed
    assert '">Saved Name</a>' in html  # the breadcrumb shows what is saved
    client.refresh_from_db()
    assert (client.name, client.email) == ("Saved Name", "mine@example.com")


def test_a_sitter_may_not_add_or_edit_clients(client, sitter):
    client.force_login(sitter)
    existing = factories.ClientFactory(name="Unchanged")
    assert client.get(reverse("clients:add")).status_code == 403
    assert client.post(reverse("clients:add"), {"name": "X"}).status_code == 403
    edit = reverse("clients:edit", args=[existing.pk])
    assert client.post(edit, {"name": "Changed"}).status_code == 403
    existing.refresh_from_db()
    assert existing.name == "Unchanged"
    assert Client.objects.count() == 1


def test_a_sitter_sees_clients_and_the_schedule(client, sitter, jane):
    client.force_login(sitter)
    assert client.get(reverse("clients:list")).status_code == 200
    assert client.get(jane.get_absolute_url()).status_code == 200
    assert client.get(reverse("scheduling:schedule")).status_code == 200


# See all ---------------------------------------------------------------------


def test_see_all_upcoming_and_history(manager_client, jane, office_manager):
    factories.ActivityEntryFactory.create_batch(12, client=jane, actor=office_manager)
    upcoming = manager_client.get(reverse("clients:upcoming", args=[jane.pk])).content.decode()
    assert upcoming.count('<td data-label="Date" class="cell-lead">') == 12
    assert "12 in all" in upcoming
    history = manager_client.get(reverse("clients:history", args=[jane.pk])).content.decode()
    assert history.count('<li class="history-deactivated">') == 12


def test_see_all_pages_by_position_through_visits_and_history(manager_client, office_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_ = client_with_a_full_profile(
        visits=120, templates=0, pets=1, history=120, sitter=None, actor=office_manager
    )
    for name, row in (
        ("clients:upcoming", 'class="cell-lead"'),
        ("clients:history", '<li class="history-'),
    ):
        url = reverse(name, args=[client_.pk])
        with CaptureQueriesContext(connection) as first_queries:
            first = manager_client.get(url)
        second = manager_client.get(url + _link(first.content.decode(), "next"))
        with CaptureQueriesContext(connection) as third_queries:
            third = manager_client.get(url + _link(second.content.decode(), "next"))
        pages = [response.content.decode() for response in (first, second, third)]

        assert [page.count(row) for page in pages] == [50, 50, 20]
        assert _link(pages[2], "next") is None and "120 in all" in pages[2]
        assert len(third_queries) == len(first_queries)
        back = manager_client.get(url + _link(pages[2], "prev"))
        assert comparable(back) == comparable(second)


# Invite to portal (the link itself: tests/portal/test_auth.py) ----------------


def test_an_inactive_client_cannot_be_invited_and_nothing_is_sent(
    manager_client, django_capture_on_commit_callbacks
):
    client_ = factories.InactiveClientFactory(email="inactive@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = invite(manager_client, client_)
    assert callbacks == []
    assert response.status_code == 302
    assert mail.outbox == []
    page = manager_client.get(client_.get_absolute_url()).content.decode()
    assert "is inactive: re-activate them before inviting them." in page
    assert not client_.logins.exists()


def test_a_client_without_email_cannot_be_invited(manager_client):
    client_ = factories.ClientFactory(email="")
    invite(manager_client, client_)
    assert mail.outbox == []
    page = manager_client.get(client_.get_absolute_url()).content.decode()
    assert "has no email address. Add one with Edit details, then invite." in page


def test_a_sitter_cannot_invite(client, sitter):
    client_ = factories.ClientFactory()
    client.force_login(sitter)
    assert invite(client, client_).status_code == 403
    assert mail.outbox == []


def test_invite_to_portal_is_offered_only_to_active_clients_without_a_login(manager_client, roles):
    without = factories.ClientFactory()
    with_login = factories.ClientLoginFactory().client
    inactive = factories.InactiveClientFactory()
    assert "Invite to portal" in manager_client.get(without.get_absolute_url()).content.decode()
    for client_ in (with_login, inactive):
        assert (
            "Invite to portal"
            not in manager_client.get(client_.get_absolute_url()).content.decode()
        )
