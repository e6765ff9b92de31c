"""factory-boy factories for every model; the default password is DEFAULT_PASSWORD."""

from datetime import time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from clients.models import Client, ClientStatusChange, Pet
from petcare import roles
from petcare.models import ActivityEntry, User
from scheduling.models import EventStatus, ScheduledEvent, ServiceType, Template

DEFAULT_PASSWORD = "correct horse battery staple"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone = factory.Sequence(lambda n: f"(555) 01{n % 10}-{n:04d}")
    address = factory.Faker("address")


class InactiveClientFactory(ClientFactory):
    is_active = False
    deactivated_at = factory.LazyFunction(timezone.now)


class PetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pet

    client = factory.SubFactory(ClientFactory)
    name = factory.Iterator(["Biscuit", "Luna", "Max", "Pepper", "Olive", "Milo"])
    species = Pet.Species.DOG
    breed = "Labrador"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    role = None  # a group name, e.g. roles.SITTER

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        role = getattr(instance, "_factory_role", None)
        if create and role:
            instance.groups.add(Group.objects.get(name=role))

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        user._factory_role = role
        return user


class AdminFactory(UserFactory):
    role = roles.ADMIN


class OfficeManagerFactory(UserFactory):
    role = roles.OFFICE_MANAGER


class SitterFactory(UserFactory):
    role = roles.SITTER


class ClientLoginFactory(UserFactory):
    client = factory.SubFactory(ClientFactory)
    role = roles.CLIENT


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ["name"]

    name = "30 min dog walk"
    duration = timedelta(minutes=30)
    price = Decimal("25.00")


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    client = factory.SubFactory(ClientFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)
    weekdays = [0, 2, 4]
    time_of_day = time(9, 0)
    first_date = factory.LazyFunction(lambda: timezone.localdate())


class ScheduledEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduledEvent

    client = factory.SubFactory(ClientFactory)
    service_type = factory.SubFactory(ServiceTypeFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=30))
    status = EventStatus.SCHEDULED


class ClientStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientStatusChange

    client = factory.SubFactory(ClientFactory)
    action = ClientStatusChange.Action.DEACTIVATED
    changed_at = factory.LazyFunction(timezone.now)


class ActivityEntryFactory(factory.django.DjangoModelFactory):
    """A line of a client's activity log; by default, a Make Inactive."""

    class Meta:
        model = ActivityEntry

    client = factory.SubFactory(ClientFactory)
    action = "client.deactivated"
    object_type = "clients.client"
    object_id = factory.LazyAttribute(lambda o: o.client.pk)
    at = factory.LazyFunction(timezone.now)
    changes = factory.LazyFunction(
        lambda: {
            "delete_future_events": True,
            "delete_templates": True,
            "events_removed": 0,
            "templates_removed": 0,
        }
    )
