"""The staff's screens of service types (scheduling.views.service_types) through
Django's test client: the list, add, edit, archive and unarchive, and who is
offered them (docs/design.md, "The staff screens")."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from scheduling.models import ServiceType
from tests import factories, helpers
from tests.helpers import html_of, rendered, visit
from tests.scheduling.helpers import MONDAY, nothing_written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_in_new_york")]


def test_the_sidebar_offers_service_types_only_to_those_who_manage_them(
    manager_client, client, sam
):
    link = f'href="{reverse("scheduling:service_types")}"'
    assert link in html_of(manager_client.get(reverse("scheduling:schedule")))
    client.force_login(sam)
    assert link not in html_of(client.get(reverse("scheduling:schedule")))


def test_service_types_lists_offered_then_archived(manager_client, walk):
    factories.ServiceTypeFactory(name="Cat sitting", is_active=False)
    response = manager_client.get(reverse("scheduling:service_types"))
    html = rendered(response, "scheduling/service_types.html")
    assert html.index("30 min dog walk") < html.index("Cat sitting")
    assert ">Offered</span>" in html and ">Archived</span>" in html
    assert "$25.00" in html and "30 min" in html
    assert ">Add service type</a>" in html


def test_add_service_type(manager_client):
    response = manager_client.post(
        reverse("scheduling:service_type_add"),
        {"name": "  Overnight   stay ", "duration_minutes": "720", "price": "95.50"},
    )
    assert response.status_code == 302
    service = ServiceType.objects.get()
    assert (service.name, service.duration, service.price) == (
        "Overnight stay",
        timedelta(hours=12),
        Decimal("95.50"),
    )
    assert service.is_active


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "30 min dog walk"}, "name", "A service type with this name already exists."),
        ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 5"),
        ({"duration_minutes": "abc"}, "duration_minutes", "Enter a whole number."),
        ({"price": "-1"}, "price", "The price can't be negative."),
        ({"price": "cheap"}, "price", "Enter a number."),
    ],
)
def test_add_service_type_refuses_bad_input(manager_client, walk, data, field, message):
    before = nothing_written()
    payload = {"name": "Cat visit", "duration_minutes": "30", "price": "20", **data}
    response = manager_client.post(reverse("scheduling:service_type_add"), payload)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert nothing_written() == before


def test_edit_service_type(manager_client, walk):
    url = reverse("scheduling:service_type_edit", args=[walk.pk])
    assert 'value="30"' in html_of(manager_client.get(url))
    response = manager_client.post(
        url, {"name": "45 min dog walk", "duration_minutes": "45", "price": "30"}
    )
    assert response.status_code == 302
    walk.refresh_from_db()
    assert (walk.name, walk.duration, walk.price) == ("45 min dog walk", timedelta(minutes=45), 30)


def test_archive_and_unarchive_a_service_type_never_delete_it(manager_client, jane, walk):
    booked = visit(jane, helpers.at(9, day=MONDAY), service_type=walk)
    archive = reverse("scheduling:service_type_archive", args=[walk.pk])
    assert manager_client.get(archive).status_code == 405

    response = manager_client.post(archive, follow=True)

    assert "Archived “30 min dog walk”" in html_of(response)
    walk.refresh_from_db()
    assert not walk.is_active
    booked.refresh_from_db()
    assert booked.service_type == walk
    assert "30 min dog walk" not in html_of(
        manager_client.get(reverse("scheduling:visit_add") + f"?client={jane.pk}")
    )

    manager_client.post(reverse("scheduling:service_type_unarchive", args=[walk.pk]))
    walk.refresh_from_db()
    assert walk.is_active


def test_archive_needs_a_csrf_token(walk, office_manager):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(office_manager)
    assert (
        browser.post(reverse("scheduling:service_type_archive", args=[walk.pk])).status_code == 403
    )
    walk.refresh_from_db()
    assert walk.is_active
