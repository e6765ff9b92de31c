"""The database refuses what the client rules refuse (constraints), whatever the door."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.models import Client, ClientStatusChange, Pet
from tests.factories import ClientFactory, ClientStatusChangeFactory, PetFactory

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    """Assert the database refuses the statement run in the block."""
    return pytest.raises(IntegrityError, **kwargs)


def test_client_email_not_in_lower_case_is_refused_by_the_database():
    client = ClientFactory(email="jo@example.com")

    with refused(), transaction.atomic():
        # .update() skips save(), which would lower-case it.
        Client.objects.filter(pk=client.pk).update(email="Jo@Example.com")


def test_two_clients_with_the_same_email_are_refused_by_the_database():
    ClientFactory(email="jo@example.com")
    other = ClientFactory(email="sam@example.com")

    with refused(), transaction.atomic():
        Client.objects.filter(pk=other.pk).update(email="jo@example.com")


def test_an_inactive_client_with_the_same_email_is_refused_by_the_database():
    ClientFactory(email="jo@example.com", is_active=False, deactivated_at=timezone.now())

    with refused(), transaction.atomic():
        Client.objects.bulk_create([Client(name="Jo", email="jo@example.com")])


def test_several_clients_without_email_are_allowed_by_the_database():
    Client.objects.bulk_create([Client(name="Old One", email=""), Client(name="Old Two", email="")])

    assert Client.objects.filter(email="").count() == 2


def test_an_inactive_client_without_deactivated_at_is_refused_by_the_database():
    client = ClientFactory()

    with refused(), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(is_active=False)


def test_an_active_client_with_deactivated_at_is_refused_by_the_database():
    client = ClientFactory()

    with refused(), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(deactivated_at=timezone.now())


def test_saving_a_client_lower_cases_its_email_and_keeps_phone_digits():
    client = Client(name="Jo", email=" Jo@Example.COM ", phone="(555) 010-1234")
    client.save()

    row = Client.objects.filter(pk=client.pk).values("email", "phone_digits").get()
    assert row == {"email": "jo@example.com", "phone_digits": "5550101234"}


def test_a_client_with_pets_cannot_be_deleted():
    client = ClientFactory()
    PetFactory(client=client)

    with refused(), transaction.atomic():
        Client.objects.filter(pk=client.pk).delete()
        # The foreign keys are checked at commit; check them now.
        connection.check_constraints()


def test_a_pet_of_an_unknown_species_is_refused_by_the_database():
    pet = PetFactory()

    with refused(), transaction.atomic():
        Pet.objects.filter(pk=pet.pk).update(species="dragon")


def test_a_status_change_with_an_unknown_action_is_refused_by_the_database():
    change = ClientStatusChangeFactory()

    with refused(), transaction.atomic():
        ClientStatusChange.objects.filter(pk=change.pk).update(action="deleted")


def test_active_and_inactive_querysets_split_clients_by_status():
    active = ClientFactory()
    inactive = ClientFactory(is_active=False, deactivated_at=timezone.now())

    assert list(Client.objects.active()) == [active]
    assert list(Client.objects.inactive()) == [inactive]
