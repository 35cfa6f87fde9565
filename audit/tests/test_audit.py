"""The access log: sealing, tamper detection (every kind the issue names), anchors and their freshness,
append-only, concurrency and memory."""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from audit import anchors, chain
from audit import services as audit
from audit.models import AccessEvent, AccessEventSubject, AccessOutcome, Action, Seal

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def append_n(n: int, *, people: int = 0) -> list[AccessEvent]:
    return audit.append(
        audit.Event(
            action=Action.LIST if people else Action.VIEW,
            target_type="t",
            target_id=str(i),
            reason="r",
            subjects=[uuid.uuid4() for _ in range(people)],
        )
        for i in range(n)
    )


def tamper(sql: str, params=()) -> None:
    """Change the tables behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("PRAGMA ignore_check_constraints = 1")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                cursor.execute("PRAGMA ignore_check_constraints = 0")


@pytest.fixture
def log(settings, tmp_path):
    """A sealer writing to a fresh anchor file."""
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return audit.Sealer()


def seal_and_anchor(sealer) -> None:
    sealer.tick(force_anchor=True)


def verify(**kwargs) -> audit.VerifyResult:
    return audit.verify(**kwargs)


def broken(result, *words) -> bool:
    return (not result.ok) and all(word in result.message for word in words)


def three_seals(sealer) -> list[AccessEvent]:
    """Three seals (two events each, the second a list naming two people), all anchored."""
    events = []
    for _ in range(3):
        events += append_n(1) + append_n(1, people=2)
        seal_and_anchor(sealer)
    return events


# --- Sealing ------------------------------------------------------------------------------------


def test_events_are_sealed_in_batches_and_verify(log):
    append_n(7)
    assert chain.seal_pending(batch_size=3) == 7
    seals = list(Seal.objects.order_by("seq"))
    assert [s.events for s in seals] == [3, 3, 1] and seals[-1].total == 7
    assert seals[0].prev_hash == chain.GENESIS_HASH and seals[1].prev_hash == seals[0].hash
    seal_and_anchor(log)
    result = verify()
    assert result.ok, result.message
    assert "7 events in 3 seals intact; 7 anchored" in result.message


def test_a_list_is_one_event_with_one_indexed_row_per_person(log):
    (event,) = append_n(1, people=3)
    assert event.subject_count == 3 and AccessEventSubject.objects.filter(event=event).count() == 3
    person = AccessEventSubject.objects.filter(event=event).first().subject_id
    assert list(AccessEvent.objects.naming(person)) == [event]
    seal_and_anchor(log)
    assert Seal.objects.get().subjects == 3 and verify().ok


def test_an_empty_log_verifies():
    assert verify().ok


def test_an_event_never_sealed_is_reported(log, settings):
    append_n(2)
    seal_and_anchor(log)
    append_n(1)  # written, but the sealer never runs again
    assert verify().ok  # within the grace period
    result = verify(now=time.time() + settings.LOTSA_AUDIT_SEAL_GRACE + 1, window=10**6)
    # That one, and the log's own record of the checkpoint (sealed by the sealer's next round).
    assert broken(result, "2 events were never sealed")


# --- Tampering with events, rows naming people and seals -----------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("outcome", "denied"),
        ("reason", "forged"),
        ("actor_id", 999),
        ("subject_id", uuid.UUID(int=7)),
        ("purpose", "anything"),
        ("client_ip", "6.6.6.6"),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_changing_any_field_of_a_sealed_event_is_detected(log, column, value):
    events = three_seals(log)
    if column == "subject_id" and connection.vendor == "sqlite":
        value = value.hex
    tamper(f"UPDATE audit_accessevent SET {column} = %s WHERE id = %s", [value, events[2].pk])
    assert broken(verify(), "seal #2", "changed or restyled")


def test_a_deleted_event_is_detected(log):
    events = three_seals(log)
    tamper("DELETE FROM audit_accessevent WHERE id = %s", [events[2].pk])
    assert broken(verify(), "seal #2", "events removed")


def test_an_event_inserted_into_a_sealed_range_is_detected(log):
    events = three_seals(log)
    # An id below the first event's, in its transaction: inside the range of seal #1.
    tamper(
        "INSERT INTO audit_accessevent (id, txn, occurred_at, action, target_type, target_id, subject_count, "
        "outcome, reason, actor_username, actor_organisation, actor_role, purpose, legal_ground, "
        "request_id, client_ip) SELECT -1, txn, occurred_at, action, target_type, target_id, 0, outcome, "
        "'forged', '', '', '', '', '', '', '' FROM audit_accessevent WHERE id = %s",
        [events[0].pk],
    )
    assert broken(verify(), "seal #1", "events added")


def test_two_swapped_events_are_detected(log):
    events = three_seals(log)
    first, second = events[0].pk, events[2].pk
    times = dict(AccessEvent.objects.filter(pk__in=[first, second]).values_list("pk", "occurred_at"))
    assert times[first] != times[second]
    tamper("UPDATE audit_accessevent SET occurred_at = %s WHERE id = %s", [times[second], first])
    tamper("UPDATE audit_accessevent SET occurred_at = %s WHERE id = %s", [times[first], second])
    assert broken(verify(), "seal #1", "changed or restyled")


def test_reordering_events_between_seals_is_detected(log):
    events = three_seals(log)
    # Move an event of seal #3 into the range of seal #1 by giving it seal #1's transaction.
    tamper(
        "UPDATE audit_accessevent SET txn = (SELECT txn FROM audit_accessevent WHERE id = %s) - 1 "
        "WHERE id = %s",
        [events[0].pk, events[4].pk],
    )
    assert not verify().ok


def test_a_deleted_added_or_altered_row_naming_a_person_is_detected(log):
    events = three_seals(log)
    listed = events[3]
    row = AccessEventSubject.objects.filter(event=listed).order_by("subject_id").first()
    tamper("DELETE FROM audit_accesseventsubject WHERE id = %s", [row.pk])
    assert broken(verify(), "seal #2", "rows removed")


def test_an_added_row_naming_a_person_is_detected(log):
    events = three_seals(log)
    AccessEventSubject.objects.create(event=events[3], subject_id=uuid.uuid4())
    assert not verify().ok


def test_an_altered_row_naming_a_person_is_detected(log):
    events = three_seals(log)
    row = AccessEventSubject.objects.filter(event=events[5]).first()
    value = uuid.uuid4()
    tamper(
        "UPDATE audit_accesseventsubject SET subject_id = %s WHERE id = %s",
        [value.hex if connection.vendor == "sqlite" else value, row.pk],
    )
    assert broken(verify(), "seal #3", "changed or restyled")


@sqlite_only
@pytest.mark.parametrize(
    ("column", "restyle"),
    [
        ("subject_id", "upper(subject_id)"),
        ("subject_id", "substr(subject_id, 1, 8) || '-' || substr(subject_id, 9)"),
        ("occurred_at", "replace(occurred_at, ' ', 'T')"),
        ("occurred_at", "occurred_at || '+00:00'"),
    ],
)
def test_restyling_a_stored_value_is_detected(log, column, restyle):
    from tests.factories import UserFactory

    user = UserFactory()
    audit.record(action=Action.VIEW, actor=user, subject_id=uuid.uuid4(), reason="r")
    seal_and_anchor(log)
    assert verify().ok
    tamper(f"UPDATE audit_accessevent SET {column} = {restyle}")
    assert broken(verify(), "seal #1", "changed or restyled")


@sqlite_only
@pytest.mark.parametrize(
    "value",
    [
        ("subject_id", "0123456789ABCDEF0123456789ABCDEF"),
        ("subject_id", "01234567-89ab-cdef-0123-456789abcdef"),
        ("occurred_at", "2026-12-05T10:00:00.000000"),
        ("occurred_at", "2026-12-05 10:00:00+00:00"),
    ],
)
def test_a_restyled_value_is_refused_on_write(value):
    column, styled = value
    (event,) = append_n(1)
    with pytest.raises(IntegrityError, match="CHECK"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_accessevent SET {column} = %s WHERE id = %s", [styled, event.pk])


def test_a_changed_seal_is_detected(log):
    three_seals(log)
    tamper("UPDATE audit_seal SET events = events + 1 WHERE seq = 2")
    assert broken(verify(), "seal #2", "changed")


def test_a_rewritten_chain_disagrees_with_its_anchors(log):
    """Rewrite from seal #2 on: change an event, recompute every later seal consistently."""
    events = three_seals(log)
    tamper("UPDATE audit_accessevent SET outcome = 'denied' WHERE id = %s", [events[2].pk])
    _reseal_from(2)
    result = verify()
    assert broken(result, "seal #2", "disagrees with the anchor")


def _reseal_from(seq: int) -> None:
    """What an attacker with database access and the code would do: recompute digests and hashes."""
    with connection.cursor() as cursor:
        chain._digest_session(cursor)
        before = Seal.objects.filter(seq=seq - 1).first()
        state = chain.ChainState()
        if before:
            state = chain.ChainState(
                seq=before.seq, hash=before.hash, last_txn=before.last_txn,
                last_event_id=before.last_event_id, total=before.total,
            )  # fmt: skip
        for seal in Seal.objects.filter(seq__gte=seq).order_by("seq"):
            span = chain.Range(state.last_txn, state.last_event_id, seal.last_txn, seal.last_event_id)
            events, subjects, digest, _disagreeing = chain._range_digest(cursor, span)
            values = {
                "seq": seal.seq, "sealed_at_us": seal.sealed_at_us, "last_txn": seal.last_txn,
                "last_event_id": seal.last_event_id, "events": events, "subjects": subjects,
                "total": state.total + events, "digest": digest, "prev_hash": state.hash,
            }  # fmt: skip
            values["hash"] = chain.seal_hash(**values)
            tamper(
                "UPDATE audit_seal SET events=%s, subjects=%s, total=%s, digest=%s, prev_hash=%s, hash=%s "
                "WHERE seq = %s",
                [events, subjects, values["total"], digest, "x" + str(seal.seq), values["hash"], seal.seq],
            )
            tamper("UPDATE audit_seal SET prev_hash = %s WHERE seq = %s", [state.hash, seal.seq])
            state.seq, state.hash, state.total = seal.seq, values["hash"], values["total"]
            state.last_txn, state.last_event_id = seal.last_txn, seal.last_event_id


# --- Truncation, above and below the newest anchor -----------------------------------------------------


def _cut_from(seq: int) -> None:
    first = Seal.objects.filter(seq=seq - 1).first()
    after = (first.last_txn, first.last_event_id) if first else (-1, 0)
    tamper("DELETE FROM audit_seal WHERE seq >= %s", [seq])
    tamper("DELETE FROM audit_accesseventsubject WHERE (txn, event_id) > (%s, %s)", list(after))
    tamper("DELETE FROM audit_accessevent WHERE (txn, id) > (%s, %s)", list(after))


def test_a_tail_cut_below_the_newest_anchor_is_detected(log):
    three_seals(log)
    _cut_from(2)
    assert broken(verify(), "the log ends at seal #1", "cut off")


def test_a_tail_cut_above_the_newest_anchor_is_seen_by_the_sealer(log, settings):
    settings.LOTSA_AUDIT_ANCHOR_INTERVAL = 3600
    settings.LOTSA_AUDIT_ANCHOR_EVERY_SEALS = 100
    three_seals(log)
    append_n(2)
    # Seal #4: the two, and the log's own record of checkpoint 3; not yet anchored.
    assert log.tick()["sealed"] == 3 and log.tick()["anchor"] is None
    assert verify().ok
    _cut_from(4)
    assert verify().ok  # the database alone cannot tell: the chain up to the anchor is intact
    assert log.tick()["anchor"] == anchors.ALARM  # but the sealer remembers seal #4
    assert broken(verify(), "alarm", "seal #4", "cut or rewritten")


def test_a_tail_cut_while_no_sealer_watched_shows_against_the_clock(log, settings):
    three_seals(log)
    chain.seal_pending()  # the sealer's last round: its record of checkpoint 3
    later = time.time() + settings.LOTSA_AUDIT_ANCHOR_WINDOW + 1
    assert broken(verify(now=later), "newest anchor", "old")


# --- The anchor file ------------------------------------------------------------------------------------


def test_deleting_the_anchor_file_is_detected(log):
    three_seals(log)
    audit.anchor_path().unlink()
    assert broken(verify(), "anchor file is missing or empty")


def test_emptying_the_anchor_file_is_detected(log):
    three_seals(log)
    audit.anchor_path().write_text("")
    assert broken(verify(), "anchor file is missing or empty")


def test_a_missing_anchor_line_is_detected(log):
    three_seals(log)
    lines = audit.anchor_path().read_text().splitlines(keepends=True)
    audit.anchor_path().write_text(lines[0] + lines[2])
    assert broken(verify(), "line 2", "anchors are missing")


def test_a_forged_anchor_is_refused(log):
    three_seals(log)
    lines = audit.anchor_path().read_text().splitlines()
    record = json.loads(lines[-1])
    record["seal"] = 2
    audit.anchor_path().write_text("\n".join([*lines[:-1], json.dumps(record)]) + "\n")
    assert broken(verify(), "line 3", "signature fails")


def _append_signed(fields: dict) -> None:
    """Append a correctly signed record by hand (the writer would never write it)."""
    import base64

    from lotsa import keyfile

    private = keyfile.load_anchor_private(audit.settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
    lines = audit.anchor_path().read_text().splitlines()
    last = json.loads(lines[-1])
    record = {**last, "n": last["n"] + 1, "prev": anchors.line_hash(lines[-1]), **fields}
    record.pop("sig")
    record["sig"] = base64.b64encode(private.sign(anchors._message(record))).decode("ascii")
    with audit.anchor_path().open("a") as handle:
        handle.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")


def test_anchors_going_backwards_are_refused(log):
    three_seals(log)
    _append_signed({"kind": anchors.CHECKPOINT, "seal": 1})
    assert broken(verify(), "line 4", "goes backwards")


def test_the_writer_turns_a_checkpoint_below_the_newest_anchor_into_an_alarm(log):
    three_seals(log)
    record = log.writer.write(anchors.CHECKPOINT, seal=1, seal_hash="0" * 64, total=2, now=time.time())
    assert record.kind == anchors.ALARM and "below seal #3" in record.reason
    assert broken(verify(), "alarm", "line 4")


def test_an_anchor_signed_with_another_key_is_refused(log):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    append_n(1)
    audit.Sealer(private=Ed25519PrivateKey.generate()).tick(force_anchor=True)
    assert broken(verify(), "signature fails")


def test_the_sealer_anchors_by_count_by_time_and_when_idle(log, settings):
    settings.LOTSA_AUDIT_ANCHOR_EVERY_SEALS = 2
    settings.LOTSA_AUDIT_ANCHOR_INTERVAL = 30
    settings.LOTSA_AUDIT_HEARTBEAT = 60
    now = time.time()
    append_n(1)
    assert log.tick(now)["anchor"] == anchors.CHECKPOINT  # the first seal is anchored at once
    append_n(1)
    assert log.tick(now + 1)["anchor"] is None  # one seal since: not due yet
    append_n(1)
    assert log.tick(now + 2)["anchor"] == anchors.CHECKPOINT  # two seals since
    append_n(1)
    assert log.tick(now + 3)["anchor"] is None
    assert log.tick(now + 33)["anchor"] == anchors.CHECKPOINT  # the head moved 30 s ago
    assert log.tick(now + 60)["anchor"] is None
    assert log.tick(now + 94)["anchor"] == anchors.HEARTBEAT  # idle: a heartbeat
    kinds = [json.loads(line)["kind"] for line in audit.anchor_path().read_text().splitlines()]
    assert kinds == ["checkpoint", "checkpoint", "checkpoint", "heartbeat"]


def test_verification_from_a_checkpoint_covers_only_what_follows(log):
    three_seals(log)
    full = verify()
    since = verify(since=2)
    assert full.ok and since.ok and since.seals == 1 and full.seals == 3
    assert broken(verify(since=99), "no checkpoint number 99")


def test_the_commands_seal_anchor_and_verify(log):
    append_n(3)
    call_command("audit_sealer", "--once", stdout=_Capture())
    call_command("audit_anchor", stdout=_Capture())
    out = _Capture()
    call_command("audit_verify", stdout=out)
    # The three, and the log's own record of the first checkpoint (sealed by audit_anchor).
    assert "4 events in 2 seals intact" in out.text
    tamper("UPDATE audit_accessevent SET reason = 'x'")
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("audit_verify", stdout=_Capture())


# --- Append-only -------------------------------------------------------------------------------------


def test_the_application_cannot_change_or_delete_any_row_of_the_log(log):
    event = append_n(1, people=2)[0]
    seal_and_anchor(log)
    for row, queryset in (
        (event, AccessEvent.objects.all()),
        (AccessEventSubject.objects.first(), AccessEventSubject.objects.all()),
        (Seal.objects.first(), Seal.objects.all()),
    ):
        with pytest.raises(TypeError):
            row.save()
        with pytest.raises(TypeError):
            row.delete()
        with pytest.raises(TypeError):
            queryset.update(pk=1)
        with pytest.raises(TypeError):
            queryset.delete()


@postgres_only
@pytest.mark.parametrize("table", ["audit_accessevent", "audit_accesseventsubject", "audit_seal"])
@pytest.mark.parametrize("statement", ["UPDATE {} SET id = id", "DELETE FROM {}", "TRUNCATE {}"])
def test_postgres_triggers_refuse_update_delete_truncate(log, table, statement):
    append_n(1, people=2)
    seal_and_anchor(log)
    # TRUNCATE of a table with rows naming people may be refused by the foreign key first.
    refusal = "append-only" if "TRUNCATE" not in statement else "append-only|foreign key|pending trigger"
    with (
        pytest.raises(DatabaseError, match=refusal),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table))
    assert AccessEvent.objects.exclude(target_type=audit.MEMORY).count() == 1


# --- Concurrency and memory ----------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_never_fork_the_chain(settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers + 2)
    errors = []
    done = threading.Event()

    def write():
        try:
            barrier.wait()
            for _ in range(per_writer):
                audit.record(action=Action.VIEW, reason="concurrent")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def seal():
        try:
            barrier.wait()
            while not done.is_set():
                chain.seal_pending(batch_size=7)
            chain.seal_pending(batch_size=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    sealers = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads + sealers:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in sealers:
        thread.join()
    assert errors == []
    chain.seal_pending()
    audit.Sealer().tick(force_anchor=True)
    result = verify()
    assert result.ok, result.message
    written = AccessEvent.objects.exclude(target_type=audit.MEMORY).count()
    assert Seal.objects.order_by("-seq").first().total == writers * per_writer == written


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_parallel_verifier_agrees_and_detects_tampering(settings, tmp_path):
    """Outside a caller's transaction, audit_verify shares the digests among connections in one
    exported snapshot; it must see exactly what the single connection sees."""
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    settings.LOTSA_AUDIT_VERIFY_WORKERS = 2
    for _ in range(5):
        append_n(30)
        append_n(3, people=4)
        chain.seal_pending(batch_size=11)
    audit.Sealer().tick(force_anchor=True)
    result = audit.verify()
    assert result.ok and result.events == 165 and result.seals == 15, result.message
    victim = AccessEvent.objects.order_by("id")[100]
    with transaction.atomic():
        tamper("UPDATE audit_accessevent SET reason = 'forged' WHERE id = %s", [victim.pk])
    assert broken(audit.verify(), "changed or restyled")


def _peak_verify_memory(n: int, sealer) -> int:
    existing = AccessEvent.objects.count()
    append_n(n - existing)
    chain.seal_pending(batch_size=500)
    sealer.tick(force_anchor=True)
    tracemalloc.start()
    result = audit.verify()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.ok and result.events == n, result.message
    return peak


def test_verification_memory_does_not_grow_with_the_log(log):
    small = _peak_verify_memory(2_000, log)
    large = _peak_verify_memory(20_000, log)
    # Ten times the events; a verifier that kept them would need about ten times the memory.
    assert large < small * 2, (small, large)


def test_events_keep_their_snapshot_of_the_actor():
    from tests.factories import UserFactory

    user = UserFactory(username="snapshot", roles=["social_worker", "vbe_team"])
    event = audit.record(action=Action.VIEW, actor=user, outcome=AccessOutcome.ALLOWED)
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


# --- The locked-down database role (PostgreSQL) ---------------------------------------------------------

APP_ROLE = "lotsa_app_ci"
SEALER_ROLE = "lotsa_sealer_ci"


def roles_recipe(*, app: str, owner: str) -> str:
    """deploy/postgres-roles.sql for these roles, the sealer's role made first when missing."""
    recipe = (ROOT / "deploy" / "postgres-roles.sql").read_text()
    recipe = recipe.replace(':"app"', f'"{app}"').replace(':"owner"', f'"{owner}"')
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{SEALER_ROLE}') "
        f"THEN CREATE ROLE {SEALER_ROLE} LOGIN; END IF; END $$;\n"
        + recipe.replace(':"sealer"', f'"{SEALER_ROLE}"')
    )


def _connect(user: str):
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=user,
        autocommit=True,
    )


@postgres_only
def test_the_application_role_of_the_recipe_cannot_undo_the_log():
    """deploy/postgres-roles.sql, applied as docs/operations.md says; then, as that ordinary role, every
    way to change, remove or unprotect the log is refused, and the deploy check is satisfied."""
    import psycopg

    from audit.checks import role_problems

    owner = connection.settings_dict["USER"]
    recipe = roles_recipe(app=APP_ROLE, owner=owner)
    with _connect(owner) as admin:
        admin.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
            f"THEN CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$"
        )
        admin.execute(recipe)
    with _connect(APP_ROLE) as app:
        with app.cursor() as cursor:
            assert role_problems(cursor) == []
            cursor.execute("SELECT has_table_privilege('audit_accessevent', 'INSERT')")
            assert cursor.fetchone()[0]
        for statement in (
            "UPDATE audit_accessevent SET reason = 'x'",
            "DELETE FROM audit_accesseventsubject",
            "TRUNCATE audit_seal",
            "ALTER TABLE audit_accessevent DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_accessevent_no_change ON audit_accessevent",
            "DROP FUNCTION audit_accessevent_append_only() CASCADE",
            "CREATE TABLE audit_shadow (id int)",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)


@postgres_only
def test_the_deploy_check_fails_for_a_superuser_that_owns_the_log():
    from audit.checks import access_log_role_is_locked_down

    messages = [error.msg for error in access_log_role_is_locked_down(None)]
    assert any("superuser" in m for m in messages)
    assert any("owns audit_accessevent" in m for m in messages)
    assert any("trigger function" in m for m in messages)


def test_the_deploy_check_warns_about_sqlite_in_production():
    from audit.checks import production_database_is_postgresql

    ids = [message.id for message in production_database_is_postgresql(None)]
    assert ids == (["audit.W001"] if connection.vendor == "sqlite" else [])


def _roles_test_role(name: str, *extra: str):
    owner = connection.settings_dict["USER"]
    recipe = roles_recipe(app=name, owner=owner)
    with _connect(owner) as admin:
        admin.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') "
            f"THEN CREATE ROLE {name} LOGIN NOINHERIT; END IF; END $$"
        )
        admin.execute(recipe)
        for statement in extra:
            admin.execute(statement)
    return owner


@postgres_only
@pytest.mark.postgres
def test_the_deploy_check_fails_for_an_application_role_that_is_a_member_of_the_owner():
    """Even NOINHERIT: a member can SET ROLE to the owner and switch the log's triggers off."""
    from audit.checks import role_problems

    name = "lotsa_small_member_ci"
    owner = _roles_test_role(name)
    with _connect(owner) as admin:
        admin.execute(f'GRANT "{owner}" TO {name}')
    try:
        with _connect(name) as app, app.cursor() as cursor:
            problems = role_problems(cursor)
        assert any(f"member of {owner}" in problem for problem in problems), problems
    finally:
        with _connect(owner) as admin:
            admin.execute(f'REVOKE "{owner}" FROM {name}')
    with _connect(name) as app, app.cursor() as cursor:
        assert role_problems(cursor) == []


@postgres_only
@pytest.mark.postgres
def test_the_deploy_check_fails_for_an_application_role_that_may_create_in_the_database():
    from audit.checks import role_problems

    name = "lotsa_small_creator_ci"
    database = connection.settings_dict["NAME"]
    owner = _roles_test_role(name)
    with _connect(owner) as admin:
        admin.execute(f'GRANT CREATE ON DATABASE "{database}" TO {name}')
    try:
        with _connect(name) as app, app.cursor() as cursor:
            problems = role_problems(cursor)
        assert any("CREATE in the database" in problem for problem in problems), problems
    finally:
        with _connect(owner) as admin:
            admin.execute(f'REVOKE CREATE ON DATABASE "{database}" FROM {name}')


# --- Anchors that survive their file (issue 26, item 4) --------------------------------------------------


def _four_anchors(log) -> list[str]:
    """Three anchored seals, then a round that seals the log's record of the third checkpoint: the log
    remembers checkpoints 1 to 3. Returns the anchor file's lines."""
    three_seals(log)
    log.tick()
    return audit.anchor_path().read_text().splitlines(keepends=True)


@pytest.mark.parametrize("damage", ["delete", "empty", "rewind", "truncate"])
def test_a_lost_anchor_file_stops_the_sealer_and_verification(log, damage):
    lines = _four_anchors(log)
    path = audit.anchor_path()
    if damage == "delete":
        path.unlink()
    elif damage == "empty":
        path.write_text("")
    elif damage == "rewind":  # an older copy of the file put back
        path.write_text(lines[0])
    else:  # cut at a line's end: the last records gone
        path.write_text(lines[0] + lines[1])
    with pytest.raises(anchors.AnchorError, match="remembers anchor 3"):
        audit.Sealer()
    result = verify()
    assert not result.ok and "remembers anchor 3" in result.message, result.message
    assert audit.remembered_anchor().n == 3


def test_a_rewrite_hidden_by_deleting_the_anchor_file_is_not_forgotten(log):
    """Rewrite the chain from seal #2, delete the anchor file: a restarted sealer would have anchored
    the rewritten head as if nothing happened. It refuses; a restart is explicit and logged."""
    events = _four_anchors(log)
    del events
    tamper("UPDATE audit_accessevent SET outcome = 'denied' WHERE target_type = 't'")
    _reseal_from(1)
    audit.anchor_path().unlink()
    with pytest.raises(anchors.AnchorError, match="deleted, emptied, rewound or truncated"):
        audit.Sealer()


def test_a_new_anchor_file_is_started_only_by_the_logged_restart_command(log):
    _four_anchors(log)
    path = audit.anchor_path()
    path.write_text("")
    with pytest.raises(CommandError):
        call_command("audit_anchor_recover", "restart", stdout=_Capture(), stderr=_Capture())  # no reason
    out = _Capture()
    call_command("audit_anchor_recover", "restart", reason="disk replaced, ticket 4711", stdout=out)
    first = json.loads(path.read_text().splitlines()[0])
    assert first["kind"] == anchors.RESTART and first["n"] == 4 and "ticket 4711" in first["reason"]
    event = AccessEvent.objects.get(target_type=audit.RECOVERY)
    assert (
        event.action == Action.ANCHOR and "ticket 4711" in event.reason and "new anchor file" in event.reason
    )
    assert audit.remembered_anchor().n == 4  # the restart itself is remembered, and sealed
    sealer = audit.Sealer()  # starts again
    append_n(2)
    sealer.tick(force_anchor=True)
    result = verify()
    assert result.ok and "restarted at anchor 4" in result.message, result.message


# --- Two sealers sharing one anchor file (item 7) ----------------------------------------------------------


def test_two_writers_on_one_file_never_repeat_a_number(log):
    other = audit.Sealer()  # a second sealer, started on the same file
    for _ in range(3):
        append_n(1)
        log.tick(force_anchor=True)
        append_n(1)
        other.tick(force_anchor=True)
    numbers = [json.loads(line)["n"] for line in audit.anchor_path().read_text().splitlines()]
    assert numbers == list(range(1, 7))
    result = verify()
    assert result.ok, result.message


_LOAD = """
import time, uuid
from audit import services
end = time.time() + {seconds}
while time.time() < end:
    services.append([services.Event(action="view", target_type="t", reason="load") for _ in range(5)])
    time.sleep(0.02)
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_sealer_processes_share_one_anchor_file_under_load(tmp_path):
    """Two `audit_sealer` processes on one database and one anchor file, anchoring as often as they
    can, while a third process writes events, for 20 s: no number repeats, and the log verifies."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    db = connection.settings_dict
    if connection.vendor == "sqlite":  # the test database lives in memory: hand a copy to the processes
        target = tmp_path / "log.sqlite3"
        with sqlite3.connect(target) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        url = f"sqlite:///{target}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    path = tmp_path / "anchors.jsonl"
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "LOTSA_AUDIT_ANCHOR_FILE": str(path), "LOTSA_AUDIT_ANCHOR_EVERY_SEALS": "1",
        "LOTSA_AUDIT_ANCHOR_INTERVAL": "0.05", "LOTSA_AUDIT_HEARTBEAT": "0.2",
    }  # fmt: skip
    manage = [sys.executable, str(ROOT / "manage.py")]

    def start(*args):
        return subprocess.Popen(
            [*manage, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    # Rounds of 0.1 s: two sealers racing for the lock and the file as often as the load allows.
    sealers = [start("audit_sealer", "--interval", "0.1") for _ in range(2)]
    load = start("shell", "-c", _LOAD.format(seconds=20))
    try:
        assert load.wait(timeout=120) == 0, load.stderr.read()
    finally:
        for sealer in sealers:
            sealer.send_signal(signal.SIGTERM)
        outcomes = [(sealer.wait(timeout=60), sealer.stderr.read()) for sealer in sealers]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    numbers = [json.loads(line)["n"] for line in path.read_text().splitlines()]
    assert len(numbers) > 50 and numbers == list(range(1, len(numbers) + 1))
    assert (tmp_path / "anchors.witness.jsonl").read_text() == path.read_text()  # the witness, in step
    final = subprocess.run(
        [*manage, "audit_anchor"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert final.returncode == 0, final.stderr
    verified = subprocess.run(
        [*manage, "audit_verify"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


# --- A sealer that survives clock steps, torn lines and alarms (item 8) ----------------------------------


def test_an_ntp_step_back_within_the_tolerance_is_accepted_and_noted(log, settings):
    import time_machine

    settings.LOTSA_AUDIT_CLOCK_TOLERANCE = 60
    append_n(1)
    with time_machine.travel(time.time() + 20, tick=True):
        log.tick(force_anchor=True)  # the clock 20 s ahead
    append_n(1)
    log.tick(force_anchor=True)  # stepped back by NTP
    assert audit.Sealer()  # starts
    result = verify()
    assert result.ok and "the clock went back" in result.message and "within the tolerance" in result.message


def test_an_anchor_written_an_hour_ahead_is_reported_and_recovered(log, settings):
    import time_machine

    settings.LOTSA_AUDIT_CLOCK_TOLERANCE = 60
    append_n(1)
    log.tick(force_anchor=True)
    with time_machine.travel(time.time() + 3600, tick=True):
        append_n(1)
        log.tick(force_anchor=True)
    # While the future anchor is the newest, freshness must not be masked: the sealer is gone, and
    # a tail may be cut; verification says so.
    assert broken(verify(), "line 2", "in the future")
    # The clock is stepped back and the sealer restarted: it starts, and keeps anchoring.
    sealer = audit.Sealer()
    append_n(1)
    assert sealer.tick()["anchor"] == anchors.CHECKPOINT  # due at once: the clock went back
    assert json.loads(audit.anchor_path().read_text().splitlines()[-1])["clock_back"] > 3500
    assert broken(verify(), "line 2", "in the future", "clock-step")
    assert broken(verify(now=time.time() + 3600), "line 3", "goes back in time by", "clock-step")
    call_command("audit_anchor_recover", "clock-step", reason="NTP stepped 1 h, ticket 7", stdout=_Capture())
    result = verify()
    assert result.ok and "(examined)" in result.message, result.message
    assert AccessEvent.objects.filter(target_type=audit.RECOVERY, reason__contains="ticket 7").exists()
    # The sealer goes on at the corrected time: its next anchors do not go back behind the examined one.
    append_n(1)
    assert sealer.tick(force_anchor=True)["anchor"] == anchors.CHECKPOINT
    result = verify()
    assert result.ok, result.message
    with pytest.raises(CommandError, match="nothing changed"):  # nothing left to acknowledge
        call_command("audit_anchor_recover", "clock-step", reason="again", stdout=_Capture())


def test_a_torn_last_line_is_recovered_by_the_command(log):
    three_seals(log)
    with audit.anchor_path().open("a") as handle:
        handle.write('{"at":"2026-01-01T00:00:00.000000Z","kind":"checkp')  # the write was cut short
    with pytest.raises(anchors.TornLine):
        audit.Sealer()
    assert broken(verify(), "torn", "audit_anchor_recover torn-line")
    call_command("audit_anchor_recover", "torn-line", reason="power cut at 03:12", stdout=_Capture())
    aside = list(audit.anchor_path().parent.glob("anchors.jsonl.torn-*"))
    assert len(aside) == 1 and aside[0].read_text().endswith('"kind":"checkp')
    last = json.loads(audit.anchor_path().read_text().splitlines()[-1])
    assert last["kind"] == anchors.REPAIR and last["n"] == 4 and "power cut" in last["reason"]
    audit.Sealer().tick(force_anchor=True)
    result = verify()
    assert result.ok, result.message


def test_the_alarm_after_a_stale_backup_is_restored_is_reported_and_recovered(log):
    three_seals(log)
    _cut_from(3)  # a backup taken after seal #2 is restored
    assert log.tick()["anchor"] == anchors.ALARM  # rightly: seal #3, which it saw, is gone
    result = verify()
    assert broken(result, "alarm", "cut or rewritten") and "goes backwards" not in result.message
    sealer = audit.Sealer()  # starts, and verification still fails until someone examines the alarm
    append_n(1)
    sealer.tick(force_anchor=True)
    assert broken(verify(), "alarm")
    call_command(
        "audit_anchor_recover", "restart", reason="restored backup of 02:00, ticket 9", stdout=_Capture()
    )
    result = verify()
    assert result.ok and "an alarm before that restart" in result.message, result.message
    assert AccessEvent.objects.filter(target_type=audit.RECOVERY, reason__contains="ticket 9").exists()
