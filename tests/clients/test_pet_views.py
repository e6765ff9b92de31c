"""The staff screens of pets (docs/design.md, "Pets"): Add pet and Edit on the
profile, the Archive pet dialog (htmx) and its page (no JavaScript), the pet
rows of Add client, the care notes on the visit; and every refusal."""

from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse

from clients.models import Client, Pet
from petcare.models import ActivityEntry
from scheduling.models import EventPet, EventStatus, ScheduledEvent
from tests import factories
from tests.helpers import HTMX, db_row, html_of, rendered, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def coopers(db):
    client = factories.ClientFactory(name="Jane Cooper")
    biscuit = factories.PetFactory(client=client, name="Biscuit", feeding="One cup at 7")
    mochi = factories.PetFactory(client=client, name="Mochi", species=Pet.Species.CAT)
    return client, biscuit, mochi


def archive_url(pet) -> str:
    return reverse("clients:pet_archive", args=[pet.client_id, pet.pk])


def edit_url(pet) -> str:
    return reverse("clients:pet_edit", args=[pet.client_id, pet.pk])


# --- The profile --------------------------------------------------------------------------


def test_the_profile_offers_add_pet_edit_and_archive_pet(manager_client, coopers):
    client, biscuit, _ = coopers

    html = rendered(manager_client.get(client.get_absolute_url()), "clients/profile.html")

    assert f'href="{reverse("clients:pet_add", args=[client.pk])}">Add pet</a>' in html
    assert f'href="{edit_url(biscuit)}">Edit<span class="visually-hidden"> Biscuit</span>' in html
    assert f'hx-get="{archive_url(biscuit)}"' in html
    assert 'Archive pet<span class="visually-hidden"> Biscuit</span>' in html


def test_a_sitter_sees_the_pets_but_no_pet_actions(client, sitter, coopers):
    jane, _, _ = coopers
    client.force_login(sitter)

    html = rendered(client.get(jane.get_absolute_url()), "clients/profile.html")

    assert "Biscuit" in html
    assert "Add pet" not in html
    assert "Archive pet" not in html


def test_archived_pets_are_listed_apart_with_reason_and_date(manager_client, coopers, now):
    client, biscuit, _ = coopers
    from clients.services import archive_pet

    archive_pet(
        biscuit,
        actor=factories.OfficeManagerFactory(first_name="Morgan"),
        reason=Pet.ArchiveReason.REHOMED,
        note="With the neighbours",
    )

    html = rendered(manager_client.get(client.get_absolute_url()), "clients/profile.html")

    current, archived = html.split('<details class="archived-pets">')
    assert "Biscuit" not in current.split('id="pets"')[1]
    assert "Archived pets" in archived
    assert "Rehomed, archived" in archived
    assert "With the neighbours" in archived


# --- Add and edit -----------------------------------------------------------------------


def test_add_pet_saves_it_and_says_so(manager_client, coopers):
    client, _, _ = coopers
    url = reverse("clients:pet_add", args=[client.pk])
    assert "Care notes" in rendered(manager_client.get(url), "clients/pet_form.html")

    response = manager_client.post(
        url,
        {
            "name": "Pepper",
            "species": "dog",
            "breed": "Poodle",
            "date_of_birth": "2021-03-04",
            "medication": "Half a tablet",
        },
        follow=True,
    )

    pet = client.pets.get(name="Pepper")
    assert (pet.breed, str(pet.date_of_birth), pet.medication) == (
        "Poodle",
        "2021-03-04",
        "Half a tablet",
    )
    assert "Added Pepper to Jane Cooper&#x27;s pets." in html_of(response)


def test_a_date_of_birth_in_the_future_is_refused_with_a_message(manager_client, coopers):
    client, _, _ = coopers

    response = manager_client.post(
        reverse("clients:pet_add", args=[client.pk]),
        {"name": "Pepper", "species": "dog", "date_of_birth": "2999-01-01"},
    )

    assert response.status_code == 400
    assert "The date of birth can&#x27;t be in the future." in html_of(response)
    assert not client.pets.filter(name="Pepper").exists()


def test_edit_pet_shows_its_details_and_saves_the_care_notes(manager_client, coopers):
    _, biscuit, _ = coopers
    html = rendered(manager_client.get(edit_url(biscuit)), "clients/pet_form.html")
    assert "One cup at 7" in html

    response = manager_client.post(
        edit_url(biscuit),
        {"name": "Biscuit", "species": "dog", "feeding": "Two cups", "access": "Lockbox 1234"},
    )

    assert response.status_code == 302
    row = db_row(biscuit)
    assert (row["feeding"], row["access"]) == ("Two cups", "Lockbox 1234")
    assert ActivityEntry.objects.get(action="pet.edited").changes["fields"] == [
        "breed",
        "feeding",
        "access",
    ]


def test_add_client_with_two_pets_in_one_submission(manager_client):
    html = rendered(manager_client.get(reverse("clients:add")), "clients/form.html")
    assert 'name="pets-0-name"' in html and 'name="pets-1-name"' in html

    response = manager_client.post(
        reverse("clients:add"),
        {
            "name": "Sam Lee",
            "pets-TOTAL_FORMS": "3",
            "pets-INITIAL_FORMS": "0",
            "pets-0-name": "Rex",
            "pets-0-species": "dog",
            "pets-1-name": "Tibbles",
            "pets-1-species": "cat",
            "pets-1-date_of_birth": "2019-02-03",
            "pets-2-name": "",
            "pets-2-species": "dog",
        },
        follow=True,
    )

    client = Client.objects.get(name="Sam Lee")
    assert sorted(client.pets.values_list("name", flat=True)) == ["Rex", "Tibbles"]
    assert "Added Sam Lee with Rex and Tibbles." in html_of(response)


def test_a_bad_pet_row_adds_neither_the_client_nor_its_pets(manager_client):
    response = manager_client.post(
        reverse("clients:add"),
        {
            "name": "Sam Lee",
            "pets-TOTAL_FORMS": "2",
            "pets-INITIAL_FORMS": "0",
            "pets-0-name": "Rex",
            "pets-0-species": "dog",
            "pets-1-name": "",
            "pets-1-species": "dog",
            "pets-1-breed": "Boxer",  # a row with a breed and no name
        },
    )

    assert response.status_code == 400
    assert not Client.objects.filter(name="Sam Lee").exists()
    assert not Pet.objects.exists()


# --- Archive pet --------------------------------------------------------------------------


def test_archive_pet_opens_as_a_dialog_for_htmx_and_a_page_without(manager_client, coopers, now):
    client, biscuit, _ = coopers
    visit(client, now + timedelta(days=1), pets=[biscuit])

    dialog = manager_client.get(archive_url(biscuit), headers=HTMX)
    page = manager_client.get(archive_url(biscuit))

    assert dialog.status_code == page.status_code == 200
    assert html_of(dialog).strip().startswith("<dialog")
    assert "data-autoopen" in html_of(dialog)
    assert dialog["HX-Retarget"] == "#dialog-slot"
    assert '<h1 id="dialog-title"' in rendered(page, "clients/pet_archive.html")
    for html in (html_of(dialog), html_of(page)):
        assert "Delete this pet&#x27;s future services" in html
        for reason in ("Passed away", "Rehomed", "Other"):
            assert reason in html


def test_the_delete_option_is_shown_only_when_the_pet_has_future_services(
    manager_client, coopers, now
):
    client, biscuit, _ = coopers
    visit(client, now - timedelta(days=1), pets=[biscuit])  # a past one doesn't count

    html = rendered(manager_client.get(archive_url(biscuit)), "clients/pet_archive.html")

    assert "Delete this pet" not in html
    assert 'name="delete_future_services"' not in html


def test_archive_pet_through_htmx_swaps_the_profile_and_names_the_counts(
    manager_client, coopers, now
):
    client, biscuit, mochi = coopers
    for days in (1, 2, 3):
        visit(client, now + timedelta(days=days), pets=[biscuit])
    shared = [visit(client, now + timedelta(days=d), pets=[biscuit, mochi]) for d in (4, 5)]

    response = manager_client.post(
        archive_url(biscuit),
        {"reason": "passed_away", "delete_future_services": "on", "note": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#profile"
    assert "petcare:dialog-close" in response["HX-Trigger-After-Settle"]
    html = html_of(response)
    assert (
        "Archived Biscuit. Removed 3 upcoming services; Biscuit was taken off 2 shared ones."
        in html
    )
    assert "Archived pets" in html
    assert ScheduledEvent.objects.count() == 2
    assert set(EventPet.objects.filter(event__in=shared).values_list("pet", flat=True)) == {
        mochi.pk
    }


def test_archive_pet_without_javascript_redirects_to_the_profile(manager_client, coopers):
    client, biscuit, _ = coopers

    response = manager_client.post(archive_url(biscuit), {"reason": "rehomed"})

    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    assert db_row(biscuit)["archive_reason"] == "rehomed"


def test_archiving_an_archived_pet_says_so_and_changes_nothing(manager_client, coopers):
    _, biscuit, _ = coopers
    manager_client.post(archive_url(biscuit), {"reason": "rehomed"})
    before = db_row(biscuit)

    response = manager_client.post(archive_url(biscuit), {"reason": "other"}, follow=True)

    assert "Biscuit is already archived. Nothing was changed." in html_of(response)
    assert db_row(biscuit) == before


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "dead"},
        {"reason": ""},
        {},
        {"reason": "passed_away", "delete_future_services": "yes"},
        {"reason": "passed_away", "delete_future_services": ""},
        {"reason": "passed_away", "note": "x" * 501},
    ],
    ids=["unknown reason", "empty reason", "no reason", "option yes", "option empty", "long note"],
)
def test_malformed_input_is_a_400_that_changes_nothing(manager_client, coopers, now, data):
    client, biscuit, _ = coopers
    upcoming = visit(client, now + timedelta(days=1), pets=[biscuit])

    response = manager_client.post(archive_url(biscuit), data)

    assert response.status_code == 400
    assert db_row(biscuit)["archived_at"] is None
    assert ScheduledEvent.objects.filter(pk=upcoming.pk).exists()


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("url_of", [archive_url, edit_url], ids=["archive", "edit"])
def test_a_sitter_gets_403_and_nothing_changes(client, sitter, coopers, url_of):
    _, biscuit, _ = coopers
    client.force_login(sitter)

    assert client.get(url_of(biscuit)).status_code == 403
    assert client.post(url_of(biscuit), {"reason": "other", "name": "Rex"}).status_code == 403
    row = db_row(biscuit)
    assert (row["name"], row["archived_at"]) == ("Biscuit", None)


def test_a_client_login_gets_403(client, coopers, roles):
    jane, biscuit, _ = coopers
    client.force_login(factories.ClientLoginFactory(client=jane))

    assert client.post(archive_url(biscuit), {"reason": "other"}).status_code == 403
    assert db_row(biscuit)["archived_at"] is None


def test_anonymous_visitors_are_sent_to_sign_in(client, coopers):
    _, biscuit, _ = coopers

    response = client.get(archive_url(biscuit))

    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")


def test_another_clients_pet_under_this_clients_url_is_a_404(manager_client, coopers):
    jane, _, _ = coopers
    other = factories.PetFactory(name="Pepper")
    for name in ("clients:pet_archive", "clients:pet_edit"):
        url = reverse(name, args=[jane.pk, other.pk])
        assert manager_client.get(url).status_code == 404
        assert manager_client.post(url, {"reason": "other", "name": "X"}).status_code == 404
    assert manager_client.get(reverse("clients:pet_add", args=[999999])).status_code == 404
    assert db_row(other)["archived_at"] is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(manager_client, coopers, method):
    _, biscuit, _ = coopers
    assert getattr(manager_client, method)(archive_url(biscuit)).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(office_manager, coopers):
    _, biscuit, _ = coopers
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(office_manager)

    response = browser.post(archive_url(biscuit), {"reason": "other"})

    assert response.status_code == 403
    assert db_row(biscuit)["archived_at"] is None


# --- The visit's care notes, and the pickers -----------------------------------------------


def test_the_visit_page_shows_the_care_notes_to_sitters(client, sitter, coopers, now):
    jane, biscuit, mochi = coopers
    Pet.objects.filter(pk=biscuit.pk).update(medication="Apoquel", vet="Dr. Patel")
    event = visit(jane, now + timedelta(days=1), pets=[biscuit, mochi], sitter=sitter)
    client.force_login(sitter)

    html = rendered(
        client.get(reverse("scheduling:visit", args=[event.pk])), "scheduling/visit_detail.html"
    )

    care = html.split('id="care-notes-heading"')[1]
    for text in ("Feeding", "One cup at 7", "Medication", "Apoquel", "Vet", "Dr. Patel"):
        assert text in care
    assert "No care notes on file." in care  # Mochi's


def test_archived_pets_leave_the_add_visit_picker(manager_client, coopers, now, walk):
    client, biscuit, mochi = coopers
    past = visit(client, now - timedelta(days=2), pets=[biscuit], status=EventStatus.COMPLETED)
    manager_client.post(archive_url(biscuit), {"reason": "passed_away"})

    html = html_of(manager_client.get(reverse("scheduling:visit_add") + f"?client={client.pk}"))
    detail = html_of(manager_client.get(reverse("scheduling:visit", args=[past.pk])))

    assert f'name="pets" value="{mochi.pk}"' in html
    assert f'name="pets" value="{biscuit.pk}"' not in html
    assert 'Biscuit <span class="muted">(archived)</span>' in detail
