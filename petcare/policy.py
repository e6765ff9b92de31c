"""Who may do what: the one place that says it (docs/architecture.md, "Policy").

Each rule is a function of the user (and, where it matters, the object) that
carries the words of its refusal. Views and templates ask a rule to offer an
action (``may.change_client_status`` in a template); views also check it
before acting (``petcare.access.staff_view``); and the services enforce it
with ``require`` whoever calls them, so a script, the Django admin or a new
screen can't go around it.

Rules answer "who", from the roles' permissions (petcare.roles) and, for a
visit, whose it is. "Is the object in a state that allows it" (a client that
can be scheduled, a visit still open) is the object's own rule, checked by the
service that changes it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Rule:
    name: str
    check: Callable[..., bool]
    refusal: str

    def __call__(self, user, *args, **kwargs) -> bool:
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return bool(self.check(user, *args, **kwargs))


RULES: dict[str, Rule] = {}


def rule(refusal: str):
    """Declare a rule; its name in templates is the function's, without ``may_``."""

    def declare(check: Callable[..., bool]) -> Rule:
        name = check.__name__.removeprefix("may_")
        RULES[name] = Rule(name=name, check=check, refusal=refusal)
        return RULES[name]

    return declare


class Refused(PermissionDenied):
    """A rule said no; the message says who may, so the person knows whom to ask."""


def require(rule_: Rule, user, *args, **kwargs) -> None:
    """Raise Refused (a PermissionDenied) unless ``rule_`` allows ``user``."""
    if not rule_(user, *args, **kwargs):
        raise Refused(rule_.refusal)


# --- Clients --------------------------------------------------------------------------


@rule("Only the business's staff can see clients.")
def may_view_clients(user) -> bool:
    return user.has_perm("clients.view_client")


@rule("Only an admin or an office manager can add clients.")
def may_add_client(user) -> bool:
    return user.has_perm("clients.add_client")


@rule("Only an admin or an office manager, or the client themselves, can edit a client's details.")
def may_edit_client(user, client=None) -> bool:
    """Staff who may change clients; for ``client``, also its own logins
    (the portal's own details)."""
    if user.has_perm("clients.change_client"):
        return True
    return client is not None and user.client_id == client.pk


@rule("Only an admin or an office manager can invite a client to the portal.")
def may_invite_client(user) -> bool:
    return user.has_perm("clients.change_client")


@rule("Only an admin or an office manager can add, edit or archive pets.")
def may_manage_pets(user) -> bool:
    """The right to change clients: a pet is part of the client's file."""
    return user.has_perm("clients.change_client")


@rule("Only an admin or an office manager can make a client inactive or re-activate them.")
def may_change_client_status(user) -> bool:
    return user.has_perm("clients.change_client_status")


# --- The schedule ---------------------------------------------------------------------


@rule("Only a client's own login can request a visit for that client.")
def may_request_visit(user, client) -> bool:
    return user.client_id is not None and user.client_id == client.pk


@rule("Only the business's staff can see the schedule.")
def may_view_schedule(user) -> bool:
    return user.has_perm("scheduling.view_scheduledevent")


@rule("Only an admin or an office manager can put visits on the schedule.")
def may_schedule_visits(user) -> bool:
    """Add a visit, or apply a template (which adds its visits)."""
    return user.has_perm("scheduling.add_scheduledevent")


@rule("Only an admin or an office manager can edit, cancel, confirm or decline visits.")
def may_change_visits(user) -> bool:
    return user.has_perm("scheduling.change_scheduledevent")


@rule(
    "Only office staff, or the visit's own sitter once it has started, can mark a visit completed."
)
def may_complete_visit(user, visit, *, now) -> bool:
    """Office staff complete any visit; a sitter only one assigned to them
    that has started."""
    if user.has_perm("scheduling.change_scheduledevent"):
        return True
    return visit.sitter_id == user.pk and visit.starts_at <= now


@rule("Only an admin or an office manager can add templates.")
def may_add_template(user) -> bool:
    return user.has_perm("scheduling.add_template")


@rule("Only an admin or an office manager can edit templates.")
def may_change_template(user) -> bool:
    return user.has_perm("scheduling.change_template")


@rule("Only an admin or an office manager can remove templates.")
def may_remove_template(user) -> bool:
    return user.has_perm("scheduling.delete_template")


@rule("Only an admin or an office manager can change the service types.")
def may_manage_service_types(user) -> bool:
    return user.has_perm("scheduling.change_servicetype")


class UserPolicy:
    """The rules that need only the user, asked by name: ``may.edit_client``
    in a template is ``may_edit_client(user)``. Each answer is cached for the
    request (``has_perm`` itself caches the permissions per user)."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        try:
            found = RULES[name]
        except KeyError:
            raise AttributeError(f"No rule named {name!r} in petcare.policy.") from None
        allowed = found(self._user)
        setattr(self, name, allowed)
        return allowed
