"""Writes of service types: what the business sells. Archived, never deleted."""

from petcare import policy

from ..models import ServiceType


def save_service_type(service_type: ServiceType, *, actor) -> ServiceType:
    """Validate and save a service type, new or edited (name unique, length
    and price not negative). Visits already booked keep their times. Refused
    when ``actor`` may not manage service types."""
    policy.require(policy.may_manage_service_types, actor)
    service_type.full_clean()
    service_type.save()
    return service_type


def set_service_type_offered(service_type: ServiceType, *, offered: bool, actor) -> ServiceType:
    """Archive a service type (no longer offered for new visits or requests)
    or offer it again. Never deleted: visits keep it. One UPDATE. Refused
    when ``actor`` may not manage service types."""
    policy.require(policy.may_manage_service_types, actor)
    ServiceType.objects.filter(pk=service_type.pk).update(is_active=offered)
    service_type.is_active = offered
    return service_type
