"""Writes of service types: what the business sells. Archived, never deleted."""

from django.db import transaction

from petcare import activity, policy
from petcare.logs import service_action

from ..models import ServiceType


@service_action("service_type.save")
def save_service_type(service_type: ServiceType, *, actor) -> ServiceType:
    """Validate and save a service type, new or edited (name unique, length
    and price not negative). Visits already booked keep their times. Refused
    when ``actor`` may not manage service types."""
    policy.require(policy.may_manage_service_types, actor)
    adding = service_type._state.adding
    service_type.full_clean()
    with transaction.atomic():
        service_type.save()
        activity.record(
            "service_type.added" if adding else "service_type.edited",
            service_type,
            actor=actor,
            changes={"service_type": service_type.name},
        )
    return service_type


@service_action("service_type.set_offered")
def set_service_type_offered(service_type: ServiceType, *, offered: bool, actor) -> ServiceType:
    """Archive a service type (no longer offered for new visits or requests)
    or offer it again. Never deleted: visits keep it. One UPDATE. Refused
    when ``actor`` may not manage service types."""
    policy.require(policy.may_manage_service_types, actor)
    with transaction.atomic():
        ServiceType.objects.filter(pk=service_type.pk).update(is_active=offered)
        activity.record(
            "service_type.offered" if offered else "service_type.archived",
            service_type,
            actor=actor,
            changes={"service_type": service_type.name},
        )
    service_type.is_active = offered
    return service_type
