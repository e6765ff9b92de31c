"""No lost updates (docs/design.md, "Make Inactive"): a write that loaded a
client or a login before Make Inactive or Re-Activate and saves after it
never puts the old status or the old auth epoch back. The status after is
always the status of the last history row."""

from functools import partial

import pytest

from clients import views as client_views
from clients.models import Client, ClientStatusChange, StatusAction
from clients.services import deactivate_client, reactivate_client, update_client
from petcare.models import User
from tests import factories
from tests.helpers import db_row, race

pytestmark = pytest.mark.django_db


def _status_matches_history(client) -> bool:
    last = ClientStatusChange.objects.filter(client=client).order_by("-changed_at", "-pk").first()
    active = Client.objects.get(pk=client.pk).is_active
    return active == (last is None or last.action == StatusAction.REACTIVATED)


def test_a_client_loaded_before_make_inactive_and_saved_after_stays_inactive(office_manager):
    client = factories.ClientFactory(notes="")
    stale = Client.objects.get(pk=client.pk)
    deactivate_client(client, actor=office_manager)

    stale.notes = "Keys with the neighbour"
    stale.save()

    row = db_row(client)
    assert (row["is_active"], row["notes"]) == (False, "Keys with the neighbour")
    assert row["deactivated_at"] is not None
    assert _status_matches_history(client)


def test_a_client_loaded_before_reactivate_and_saved_after_stays_active(office_manager):
    client = factories.ClientFactory()
    deactivate_client(client, actor=office_manager)
    stale = Client.objects.get(pk=client.pk)
    reactivate_client(client, actor=office_manager)

    stale.phone = "(555) 010-2222"
    stale.save()

    row = db_row(client)
    assert (row["is_active"], row["deactivated_at"], row["phone_digits"]) == (
        True,
        None,
        "5550102222",
    )
    assert _status_matches_history(client)


def test_the_staff_edit_form_saved_after_make_inactive_leaves_the_client_inactive(
    manager_client, office_manager, monkeypatch
):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    real_update_client = client_views.services.update_client

    def made_inactive_meanwhile(stale, **changes):
        # The view loaded the client already; Make Inactive commits now.
        deactivate_client(Client.objects.get(pk=stale.pk), actor=office_manager)
        return real_update_client(stale, **changes)

    monkeypatch.setattr(client_views.services, "update_client", made_inactive_meanwhile)

    response = manager_client.post(
        client.get_absolute_url() + "edit/",
        {"name": "Jordan Reyes", "email": "jordan@example.com", "phone": "(555) 010-3333"},
    )

    assert response.status_code == 302
    row = db_row(client)
    assert (row["is_active"], row["phone"]) == (False, "(555) 010-3333")
    assert _status_matches_history(client)


def test_the_staff_edit_form_saved_after_reactivate_leaves_the_client_active(
    manager_client, office_manager, monkeypatch
):
    client = factories.ClientFactory(name="Jordan Reyes", email="jordan@example.com")
    deactivate_client(client, actor=office_manager)
    real_update_client = client_views.services.update_client

    def reactivated_meanwhile(stale, **changes):
        reactivate_client(Client.objects.get(pk=stale.pk), actor=office_manager)
        return real_update_client(stale, **changes)

    monkeypatch.setattr(client_views.services, "update_client", reactivated_meanwhile)

    manager_client.post(
        client.get_absolute_url() + "edit/",
        {"name": "Jordan Reyes", "email": "jordan@example.com", "notes": "Back from Spain"},
    )

    row = db_row(client)
    assert (row["is_active"], row["notes"]) == (True, "Back from Spain")
    assert _status_matches_history(client)


def test_a_login_saved_after_make_inactive_keeps_the_raised_auth_epoch(office_manager):
    login = factories.ClientLoginFactory()
    stale = User.objects.get(pk=login.pk)
    deactivate_client(login.client, actor=office_manager)
    raised = db_row(login)["auth_epoch"]

    # A password change, the admin's user form: a full save.
    stale.first_name = "Pat"
    stale.set_password("a brand new passphrase")
    stale.save()

    assert db_row(login)["auth_epoch"] == raised == stale.auth_epoch + 1


def test_update_client_writes_only_the_details_that_changed(
    office_manager, django_assert_num_queries
):
    client = factories.ClientFactory(phone="(555) 010-1234")
    assert office_manager.has_perm("clients.change_client")

    # Savepoint, lock, the UPDATE in a savepoint of its own (an email taken
    # meanwhile is a refusal, not an error), the log, release.
    with django_assert_num_queries(7) as captured:
        update_client(client, actor=office_manager, phone="(555) 010-9999")

    update = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE"))
    assert '"phone"' in update and '"phone_digits"' in update
    assert '"is_active"' not in update and '"name"' not in update and '"email"' not in update


# --- Races (PostgreSQL: SQLite has no row locks) ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["make inactive", "re-activate"])
def test_an_edit_racing_a_status_change_never_undoes_it(roles, change):
    actor = factories.OfficeManagerFactory()
    outcomes = []
    for round_ in range(10):
        client = factories.ClientFactory(notes="")
        if change == "re-activate":
            deactivate_client(client, actor=actor)
        # Both read the client before either writes.
        editing, changing = (Client.objects.get(pk=client.pk) for _ in range(2))
        status_change = (
            partial(deactivate_client, changing, actor=actor)
            if change == "make inactive"
            else partial(reactivate_client, changing, actor=actor)
        )

        edited, changed = race(
            partial(update_client, editing, actor=actor, notes=f"Round {round_}"),
            status_change,
        )

        assert not isinstance(edited, Exception), edited
        assert not isinstance(changed, Exception), changed
        row = db_row(client)
        assert row["notes"] == f"Round {round_}"
        assert row["is_active"] is (change == "re-activate")
        assert _status_matches_history(client)
        outcomes.append(row["is_active"])
    assert len(outcomes) == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stale_full_save_racing_make_inactive_never_undoes_it(roles):
    """The admin's and any form's full save, at the same moment as Make Inactive."""
    actor = factories.OfficeManagerFactory()
    for _ in range(10):
        client = factories.ClientFactory()
        stale = Client.objects.get(pk=client.pk)
        stale.notes = "Saved in full"

        race(stale.save, partial(deactivate_client, client, actor=actor))

        row = db_row(client)
        assert (row["is_active"], row["notes"]) == (False, "Saved in full")
        assert _status_matches_history(client)
