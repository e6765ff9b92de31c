"""The roles: Django groups with permissions, created by a data migration.

``ensure_roles`` takes an app registry so the migration can pass its
historical one and tests (whose transactional flushes empty the tables) the
live one.
"""

ADMIN = "Admin"
OFFICE_MANAGER = "Office Manager"
SITTER = "Sitter"
CLIENT = "Client"

# The staff who can be given a visit (a template's or a visit's sitter): the
# Sitter group. An owner or office manager who also walks dogs is put in it
# too (a login may be in several groups); otherwise the sitter pickers would
# offer everyone in the office (docs/design.md, "The sitter").
ASSIGNABLE_ROLES = (SITTER,)

_MODELS = {
    "clients": ["client", "pet", "clientstatuschange"],
    "scheduling": ["servicetype", "scheduledevent", "template"],
}


def _perms(apps_labels, actions):
    return [
        (app, f"{action}_{model}")
        for app in apps_labels
        for model in _MODELS[app]
        for action in actions
    ]


ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    ADMIN: [
        *_perms(["clients", "scheduling"], ["view", "add", "change", "delete"]),
        ("clients", "change_client_status"),
        ("petcare", "view_user"),
        ("petcare", "add_user"),
        ("petcare", "change_user"),
        # The back office (the Django admin): the activity log, the app's
        # sign-ins, and the sign-in lock-outs to see and clear.
        ("petcare", "view_activityentry"),
        ("api", "view_apitoken"),
        ("api", "change_apitoken"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accessfailurelog"),
        ("axes", "view_accesslog"),
    ],
    OFFICE_MANAGER: [
        *_perms(["clients", "scheduling"], ["view", "add", "change", "delete"]),
        ("clients", "change_client_status"),
    ],
    SITTER: _perms(["clients", "scheduling"], ["view"]),
    CLIENT: [],
}


def ensure_roles(apps, using="default", *, only_existing: bool = False) -> None:
    """Create the four groups and give each exactly its permissions (idempotent).

    ``only_existing``: for a migration that runs with the models as they were
    then, skip the permissions of models that come later (a later migration
    runs this again, strictly)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate (post_migrate); make sure
    # they exist now.
    for app_config in apps.get_app_configs():
        if getattr(app_config, "models_module", None) is None:  # historical registry
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission").objects.using(using)
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        perms = []
        for app, codename in wanted:
            found = Permission.filter(content_type__app_label=app, codename=codename).first()
            if found is None and not only_existing:
                raise Permission.model.DoesNotExist(f"No permission {app}.{codename}.")
            if found is not None:
                perms.append(found)
        group.permissions.set(perms)
