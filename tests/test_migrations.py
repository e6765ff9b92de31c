"""The schema is released (docs/design.md, "Running it"): a database migrated
by the previous release migrates forward with nothing lost."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The last migrations of the release before the portal and the API became
# apps of their own (the app API's tokens still lived in clients).
PREVIOUS_RELEASE = [("clients", "0003_api_token"), ("api", None), ("petcare", "0002_roles")]


def _migrate(targets):
    """Migrate to ``targets``; the models as they are then."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    graph, applied = executor.loader.graph, executor.loader.applied_migrations
    # Each app's last applied migration.
    nodes = [
        node
        for node in applied
        if not any(
            child in applied and child[0] == node[0] for child in graph.node_map[node].children
        )
    ]
    return executor.loader.project_state(nodes).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_previous_release_keeps_its_rows_and_its_app_tokens(roles):
    old = _migrate(PREVIOUS_RELEASE)
    try:
        now = timezone.now()
        client = old.get_model("clients", "Client").objects.create(
            name="Jordan Reyes", email="jordan@example.com", phone="555 0101"
        )
        pet = old.get_model("clients", "Pet").objects.create(client=client, name="Biscuit")
        login = old.get_model("petcare", "User").objects.create(
            email="jordan@example.com", password=make_password("a long passphrase"), client=client
        )
        raw_token = "a-token-the-app-keeps"
        token = old.get_model("clients", "ApiToken").objects.create(
            user=login,
            key_hash=hashlib.sha256(raw_token.encode()).hexdigest(),
            created_at=now,
            expires_at=now + timedelta(days=30),
        )
        signed_out = old.get_model("clients", "ApiToken").objects.create(
            user=login,
            key_hash=hashlib.sha256(b"signed-out").hexdigest(),
            created_at=now,
            expires_at=now + timedelta(days=30),
            revoked_at=now,
        )
    finally:
        # Whatever happened, the database ends at the latest schema for the
        # tests that follow.
        _migrate(_latest())

    from api.models import ApiToken
    from api.tokens import credentials_hash, verify_token
    from clients.models import Client, Pet
    from petcare.models import User

    assert Client.objects.get(pk=client.pk).email == "jordan@example.com"
    assert Pet.objects.get(pk=pet.pk).client_id == client.pk
    moved = ApiToken.objects.get(pk=token.pk)
    assert (moved.user_id, moved.key_hash, moved.created_at, moved.expires_at) == (
        login.pk,
        token.key_hash,
        token.created_at,
        token.expires_at,
    )
    assert moved.credentials_hash == credentials_hash(User.objects.get(pk=login.pk))
    # The app that signed in before the upgrade is still signed in; the one
    # that signed out stays out.
    assert verify_token(raw_token).pk == token.pk
    assert verify_token("signed-out") is None
    assert ApiToken.objects.get(pk=signed_out.pk).revoked_at is not None
    assert ApiToken._meta.db_table == "api_apitoken"
    assert "clients_apitoken" not in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_token_permissions_follow_the_model_to_its_app(roles):
    from django.contrib.auth.models import Permission

    old = _migrate(PREVIOUS_RELEASE)
    try:
        ContentType = old.get_model("contenttypes", "ContentType")
        old_type, _ = ContentType.objects.get_or_create(app_label="clients", model="apitoken")
    finally:
        _migrate(_latest())

    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    CurrentContentType.objects.clear_cache()
    moved = CurrentContentType.objects.get(pk=old_type.pk)
    assert (moved.app_label, moved.model) == ("api", "apitoken")
    assert not CurrentContentType.objects.filter(app_label="clients", model="apitoken").exists()
    assert not Permission.objects.filter(
        content_type__app_label="clients", codename__contains="apitoken"
    ).exists()
