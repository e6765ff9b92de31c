"""Writes on the schedule, by concept: ``visits`` (a client's request, staff
scheduling and the visit's status changes), ``templates`` (recurring
schedules and applying them) and ``service_types``. ``checks`` holds the
refusals they share.

Everything that creates, moves or confirms a visit, and every change of a
template, first takes the client's row lock, the one Make Inactive
(clients.services.deactivate_client) takes, through
``Client.objects.lock_schedulable``, which re-reads the client's status under
it: a visit scheduled concurrently with Make Inactive either exists before it
(and is removed by it, when that option is chosen) or is refused after it.
Cancel, complete and decline need no lock: each is one conditional UPDATE,
and they are allowed for an inactive client's kept visits.

Every service that takes an ``actor`` enforces petcare.policy first: an actor
who may not do it gets Refused (a PermissionDenied), whoever calls.
"""
