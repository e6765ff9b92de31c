"""The roles: groups with permissions, made by a data migration (docs/design.md,
"People and roles")."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from petcare.roles import ADMIN, CLIENT, OFFICE_MANAGER, SITTER, ensure_roles
from tests.factories import (
    AdminFactory,
    ClientLoginFactory,
    OfficeManagerFactory,
    SitterFactory,
)

pytestmark = pytest.mark.django_db

ROLE_NAMES = {ADMIN, OFFICE_MANAGER, SITTER, CLIENT}


def permissions_by_role() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def test_the_migrations_made_the_four_roles():
    # Non-transactional tests run before any table flush, on the migrated database.
    assert set(Group.objects.values_list("name", flat=True)) == ROLE_NAMES
    assert "clients.change_client_status" in permissions_by_role()[ADMIN]


def test_the_roles_migration_makes_the_roles_and_permissions_on_an_empty_database():
    Group.objects.all().delete()
    Permission.objects.filter(codename="change_client_status").delete()
    migration = importlib.import_module("petcare.migrations.0002_roles")
    historical_apps = MigrationLoader(connection).project_state(("petcare", "0002_roles")).apps

    migration.create_roles(historical_apps, SimpleNamespace(connection=connection))

    by_role = permissions_by_role()
    assert set(by_role) == ROLE_NAMES
    assert "clients.change_client_status" in by_role[OFFICE_MANAGER]


def test_only_admin_and_office_manager_may_change_a_clients_status(roles):
    with_permission = Group.objects.filter(
        permissions__content_type__app_label="clients",
        permissions__codename="change_client_status",
    )

    assert set(with_permission.values_list("name", flat=True)) == {
        ADMIN,
        OFFICE_MANAGER,
    }
    assert AdminFactory().has_perm("clients.change_client_status")
    assert OfficeManagerFactory().has_perm("clients.change_client_status")
    assert not SitterFactory().has_perm("clients.change_client_status")
    assert not ClientLoginFactory().has_perm("clients.change_client_status")


def test_a_sitter_may_only_view_clients_and_the_schedule(roles):
    sitter_permissions = permissions_by_role()[SITTER]

    assert sitter_permissions >= {"clients.view_client", "scheduling.view_scheduledevent"}
    assert all(perm.split(".")[1].startswith("view_") for perm in sitter_permissions)
    sitter = SitterFactory()
    assert sitter.has_perm("clients.view_client")
    assert not sitter.has_perm("clients.change_client")
    assert not sitter.has_perm("scheduling.add_scheduledevent")


def test_a_client_login_has_no_staff_permission(roles):
    assert permissions_by_role()[CLIENT] == set()
    assert not ClientLoginFactory().has_perm("clients.view_client")


def test_office_manager_manages_clients_and_schedule_but_not_logins(roles):
    by_role = permissions_by_role()

    assert {"clients.change_client", "scheduling.delete_scheduledevent"} <= by_role[OFFICE_MANAGER]
    assert not any(perm.startswith("petcare.") for perm in by_role[OFFICE_MANAGER])
    assert "petcare.change_user" in by_role[ADMIN]


def test_ensure_roles_is_idempotent(roles):
    before = permissions_by_role()

    ensure_roles(apps)
    ensure_roles(apps)

    assert permissions_by_role() == before
    assert Group.objects.count() == 4


def test_ensure_roles_restores_exactly_each_roles_permissions(roles):
    before = permissions_by_role()
    Group.objects.get(name=SITTER).permissions.add(
        Permission.objects.get(content_type__app_label="clients", codename="change_client_status")
    )

    ensure_roles(apps)

    assert permissions_by_role() == before
