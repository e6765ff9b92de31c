"""Prove that the database holds exactly the writes a load run's ledger recorded.

    uv run python loadtest/check.py loadtest/ledger.json

Run it with the server's environment (DATABASE_URL, SECRET_KEY, ...), after
the locust run (loadtest/locustfile.py) has stopped. It only reads. It exits 1
with a message per mismatch, else prints one line of what matched:

- every client the ledger says was created exists, with its name and email,
  and the run made no other client (emails ``load-<run id>-…``);
- per client, its ``ClientStatusChange`` rows, oldest first, are exactly the
  successful Make Inactive / Re-Activate actions, in order, and carry the
  run's marker in their reason; its final ``is_active`` (and
  ``deactivated_at``) matches the last successful action;
- the visits in status ``requested`` whose note carries the run's marker are
  exactly as many as the successful portal and API requests.

A write the load test sent without getting an answer (cut off at the end of
the run, a timeout) is "uncertain" in the ledger: either outcome is accepted
for it, and the summary says how many there were.
"""

import json
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "petcare.settings")

import django  # noqa: E402

django.setup()

from clients.models import Client, ClientStatusChange  # noqa: E402
from scheduling.models import EventStatus, ScheduledEvent  # noqa: E402

ACTION_OF = {
    ClientStatusChange.Action.DEACTIVATED: "deactivate",
    ClientStatusChange.Action.REACTIVATED: "reactivate",
}


def check(ledger: dict) -> tuple[list[str], str]:
    """The mismatches, and the summary of what matched."""
    problems: list[str] = []
    if not ledger["clients"] and not ledger["portal_requests"] and not ledger["api_requests"]:
        problems.append("the ledger records no successful write: did the load test run?")
    marker = ledger["marker"]
    uncertain = ledger.get("uncertain", {})
    entries = ledger["clients"]
    by_id = {entry["id"]: entry for entry in entries}

    # Clients: each one created exists; no other client of this run.
    found = {client.pk: client for client in Client.objects.filter(pk__in=by_id)}
    for pk, entry in by_id.items():
        client = found.get(pk)
        if client is None:
            problems.append(
                f"client {pk} ({entry['email']}) was created but is not in the database"
            )
        elif (client.name, client.email) != (entry["name"], entry["email"]):
            problems.append(
                f"client {pk} is {client.name!r} <{client.email}>, "
                f"the ledger says {entry['name']!r} <{entry['email']}>"
            )
    run_clients = set(
        Client.objects.filter(email__startswith=ledger["email_prefix"]).values_list("pk", flat=True)
    )
    extra = sorted(run_clients - set(by_id))
    if len(extra) > uncertain.get("creates", 0):
        problems.append(
            f"{len(extra)} client(s) of this run are in the database but not in the ledger "
            f"(a refused or failed add that wrote anyway?): ids {extra[:20]}; "
            f"{uncertain.get('creates', 0)} add(s) got no answer"
        )

    # Status changes: the same ones, in the same order; the final status.
    changes: dict[int, list[ClientStatusChange]] = {pk: [] for pk in by_id}
    for change in ClientStatusChange.objects.filter(client__in=by_id).order_by("changed_at", "pk"):
        changes[change.client_id].append(change)
    status_changes = uncertain_changes = 0
    for pk, entry in by_id.items():
        client = found.get(pk)
        if client is None:
            continue
        expected = [action for action in entry["actions"] if action != "create"]
        actual = [ACTION_OF.get(change.action, change.action) for change in changes[pk]]
        accepted = [expected]
        if entry.get("uncertain"):
            uncertain_changes += 1
            accepted.append([*expected, entry["uncertain"]])
        if actual not in accepted:
            problems.append(
                f"client {pk}: the history has {len(actual)} status change(s) {actual}, "
                f"the ledger {len(expected)} {expected}"
                + (f" (+ uncertain {entry['uncertain']})" if entry.get("uncertain") else "")
            )
            continue
        status_changes += len(actual)
        if unmarked := [change.pk for change in changes[pk] if marker not in change.reason]:
            problems.append(f"client {pk}: status change(s) {unmarked} lack the reason {marker}")
        should_be_active = not actual or actual[-1] == "reactivate"
        if client.is_active != should_be_active:
            problems.append(
                f"client {pk}: is_active={client.is_active}, but the last successful action "
                f"was {(['create', *actual])[-1]}"
            )
        if client.is_active == (client.deactivated_at is not None):
            problems.append(
                f"client {pk}: is_active={client.is_active} with "
                f"deactivated_at={client.deactivated_at}"
            )

    # Requested visits with the marker: one per successful request.
    requested = ScheduledEvent.objects.filter(
        status=EventStatus.REQUESTED, notes__contains=marker
    ).count()
    confirmed = ledger["portal_requests"] + ledger["api_requests"]
    unanswered = uncertain.get("portal_requests", 0) + uncertain.get("api_requests", 0)
    if not confirmed <= requested <= confirmed + unanswered:
        problems.append(
            f"{requested} requested visit(s) carry {marker}, but the ledger has "
            f"{ledger['portal_requests']} portal + {ledger['api_requests']} API = "
            f"{confirmed} successful request(s)"
            + (f" and {unanswered} without an answer" if unanswered else "")
        )
    other = (
        ScheduledEvent.objects.filter(notes__contains=marker)
        .exclude(status=EventStatus.REQUESTED)
        .count()
    )
    if other:
        problems.append(f"{other} visit(s) with {marker} are no longer 'requested'")

    active = sum(1 for pk in by_id if pk in found and found[pk].is_active)
    total_uncertain = uncertain.get("creates", 0) + unanswered + uncertain_changes + len(extra)
    summary = (
        f"OK run {ledger['run_id']}: {len(found)}/{len(by_id)} clients exist "
        f"({active} active, {len(by_id) - active} inactive as their last action says), "
        f"{status_changes} status changes in ledger order; "
        f"{requested} requested visits with {marker} = "
        f"{ledger['portal_requests']} portal + {ledger['api_requests']} API requests; "
        f"{total_uncertain} uncertain writes"
    )
    return problems, summary


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print("usage: python loadtest/check.py [ledger.json]", file=sys.stderr)
        return 2
    path = Path(
        argv[1] if len(argv) == 2 else os.environ.get("LOAD_LEDGER", "loadtest/ledger.json")
    )
    try:
        ledger = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        print(f"FAIL: cannot read the ledger {path}: {error}", file=sys.stderr)
        return 1
    problems, summary = check(ledger)
    if problems:
        print(
            f"FAIL run {ledger['run_id']}: {len(problems)} mismatch(es) between {path} "
            "and the database:",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
