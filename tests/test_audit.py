"""The access log: chaining, tamper detection, anchors, append-only, concurrency and memory."""

from __future__ import annotations

import itertools
import json
import threading
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from audit import services as audit
from audit.chain import event_hash
from audit.models import AccessEvent, Action, Outcome

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


def append_n(n: int) -> None:
    audit.append(
        audit.Event(action=Action.VIEW, target_type="t", target_id=str(i), reason="r") for i in range(n)
    )


def tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def verify_command():
    """Run audit_verify; return (exit code, message)."""
    try:
        call_command("audit_verify", stdout=_Capture())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return settings.LOTSA_AUDIT_ANCHOR_FILE


pytestmark = pytest.mark.django_db


def test_events_are_chained_and_verify(anchor_file):
    append_n(5)
    events = list(AccessEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == AccessEvent.GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert verify_command() == (0, "")


def test_a_changed_event_is_detected(anchor_file):
    append_n(5)
    tamper("UPDATE audit_accessevent SET outcome = %s WHERE seq = 3", ["denied"])
    code, message = verify_command()
    assert code != 0 and "#3" in message and "changed" in message


def test_a_changed_event_with_a_recomputed_hash_is_detected(anchor_file):
    append_n(5)
    row = AccessEvent.objects.filter(seq=3).values().get()
    row["outcome"] = "denied"
    tamper("UPDATE audit_accessevent SET outcome = %s, hash = %s WHERE seq = 3", ["denied", event_hash(row)])
    code, message = verify_command()
    assert code != 0 and "#4" in message


def test_a_deleted_event_is_detected(anchor_file):
    append_n(5)
    tamper("DELETE FROM audit_accessevent WHERE seq = 2")
    code, message = verify_command()
    assert code != 0 and "#2" in message and "missing" in message


def test_two_swapped_events_are_detected(anchor_file):
    append_n(5)
    tamper("UPDATE audit_accessevent SET seq = -1 WHERE seq = 2")
    tamper("UPDATE audit_accessevent SET seq = 2 WHERE seq = 3")
    tamper("UPDATE audit_accessevent SET seq = 3 WHERE seq = -1")
    code, message = verify_command()
    assert code != 0 and "#2" in message


def test_an_inserted_event_is_detected(anchor_file):
    append_n(3)
    tamper("UPDATE audit_accessevent SET seq = -(seq + 1) WHERE seq >= 2")
    tamper("UPDATE audit_accessevent SET seq = -seq WHERE seq < 0")
    forged = AccessEvent.objects.filter(seq=1).values().get()
    forged.update(seq=2, reason="forged", id=None)
    forged["hash"] = event_hash(forged)
    forged["prev_hash"] = "f" * 64
    forged.pop("id")
    AccessEvent.objects.bulk_create([AccessEvent(**forged)])
    code, message = verify_command()
    assert code != 0 and "#2" in message


def test_a_tail_cut_below_an_anchored_head_is_detected(anchor_file):
    append_n(4)
    call_command("audit_anchor", stdout=_Capture())
    append_n(2)
    assert verify_command() == (0, "")
    tamper("DELETE FROM audit_accessevent WHERE seq >= 4")
    code, message = verify_command()
    assert code != 0 and "anchored" in message and "#4" in message


def test_a_forged_anchor_is_refused(anchor_file):
    append_n(2)
    call_command("audit_anchor", stdout=_Capture())
    line = json.loads(anchor_file.read_text())
    line["seq"] = 1
    anchor_file.write_text(json.dumps(line) + "\n")
    code, message = verify_command()
    assert code == 2 and "signature" in message


def test_an_empty_chain_verifies(anchor_file):
    assert verify_command() == (0, "")


def test_the_application_cannot_change_or_delete_events():
    event = audit.record(action=Action.VIEW)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AccessEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        AccessEvent.objects.all().delete()


@postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_accessevent SET reason = 'x'",
        "DELETE FROM audit_accessevent",
        "TRUNCATE audit_accessevent",
    ],
)
def test_postgres_trigger_refuses_update_delete_truncate(statement):
    audit.record(action=Action.VIEW)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessEvent.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(anchor_file):
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    errors = []

    def write():
        try:
            barrier.wait()
            for _ in range(per_writer):
                audit.record(action=Action.VIEW, reason="concurrent")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AccessEvent.objects.count() == writers * per_writer
    assert verify_command() == (0, "")
    hashes = list(AccessEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes))  # no two events claim the same predecessor


def _peak_verify_memory(n: int) -> int:
    existing = AccessEvent.objects.count()
    append_n(n - existing)
    tracemalloc.start()
    result = audit.verify(chunk_size=500)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.ok and result.checked == n
    return peak


def test_verification_memory_does_not_grow_with_the_chain(anchor_file):
    small = _peak_verify_memory(2_000)
    large = _peak_verify_memory(20_000)
    # Ten times the events; a verifier that kept them would need about ten times the memory.
    assert large < small * 2, (small, large)


def test_events_keep_their_snapshot_of_the_actor():
    from tests.factories import UserFactory

    user = UserFactory(username="snapshot", roles=["social_worker", "vbe_team"])
    event = audit.record(action=Action.VIEW, actor=user, outcome=Outcome.ALLOWED)
    user.username = "renamed"
    user.save()
    event = AccessEvent.objects.get(pk=event.pk)
    assert event.actor_username == "snapshot"
    assert event.actor_organisation == user.organisation.name
    assert event.actor_role == "social_worker,vbe_team"


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
