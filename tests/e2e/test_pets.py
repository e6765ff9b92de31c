"""Add pet, then Archive pet through its dialog, as an office manager does
them in Chromium (docs/design.md, "Pets")."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Pet
from scheduling.models import EventPet, ScheduledEvent
from tests import factories
from tests.helpers import visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_manager_adds_a_pet_and_archives_it(page, live_server, sign_in):
    jane = factories.ClientFactory(name="Jane Cooper")
    mochi = factories.PetFactory(client=jane, name="Mochi", species=Pet.Species.CAT)
    sign_in(page)
    page.goto(f"{live_server.url}/clients/{jane.pk}/")

    page.get_by_role("link", name="Add pet").click()
    expect(page.get_by_role("heading", name="Add pet", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Biscuit")
    page.get_by_label("Breed").fill("Beagle")
    page.get_by_label("Feeding").fill("One cup at 7 and at 6")
    page.get_by_role("button", name="Add pet").click()

    expect(page.get_by_role("status")).to_contain_text("Added Biscuit to Jane Cooper's pets.")
    biscuit = Pet.objects.get(client=jane, name="Biscuit")
    assert biscuit.feeding == "One cup at 7 and at 6"
    now = timezone.now()
    for days in (1, 2):
        visit(jane, now + timedelta(days=days), pets=[biscuit])
    shared = visit(jane, now + timedelta(days=3), pets=[biscuit, mochi])
    page.reload()

    page.get_by_role("link", name="Archive pet Biscuit").click()
    dialog = page.get_by_role("dialog", name="Archive pet")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("radio", name="Passed away")).to_be_focused()
    option = dialog.get_by_role("checkbox", name="Delete this pet's future services")
    expect(option).to_be_checked()
    dialog.get_by_role("radio", name="Passed away").check()
    url_before = page.url
    dialog.get_by_role("button", name="Archive pet").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text(
        "Archived Biscuit. Removed 2 upcoming services; Biscuit was taken off 1 shared one."
    )
    assert page.url == url_before  # the profile updated in place
    pets = page.locator("#pets")
    expect(pets.get_by_role("link", name="Archive pet Biscuit")).to_have_count(0)
    pets.get_by_text("Archived pets").click()
    expect(pets.get_by_text("Passed away, archived")).to_be_visible()
    assert page.console_errors == []

    biscuit.refresh_from_db()
    assert biscuit.is_archived
    assert list(ScheduledEvent.objects.filter(client=jane)) == [shared]
    assert list(EventPet.objects.filter(event=shared).values_list("pet", flat=True)) == [mochi.pk]
