"""The access log's own retention (issue 33, item 6): whole seals from the oldest leave the log under a
signed pruning record, verification of what remains still proves it complete, and every other way of
taking rows out is refused (PostgreSQL) or detected.

Time travels: the log is written over six years (a few seals), in the past, with time-machine; pruning
and verification run now, so PostgreSQL's own clock (which time-machine does not move) agrees.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
import time_machine
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import chain, pruning, retention
from audit.models import AccessEvent, AccessEventSubject, Action, Pruning, Seal
from audit.tests.test_audit import (  # noqa: F401
    APP_ROLE,
    ROOT,
    SEALER_ROLE,
    append_n,
    broken,
    log,
    postgres_only,
    roles_recipe,
    seal_and_anchor,
    tamper,
    verify,
)
from lotsa import keyfile

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def six_years(sealer) -> dt.datetime:
    """The log written over six years: at each moment two seals, an event (with the memory of the anchor
    before) and then a list naming two people, the second seal anchored; the last seal now. Seals 1-6
    hold only events older than five years; seal 7 holds the memory of seal 6's anchor (5 years and 100
    days old) and an event four years old, so it stays. Odd seals are never anchored."""
    now = timezone.now()
    for back in (6 * 365, 5 * 365 + 200, 5 * 365 + 100, 4 * 365, 365):
        with time_machine.travel(now - back * DAY, tick=False):
            append_n(1)
            chain.seal_pending()
            append_n(1, people=2)
            seal_and_anchor(sealer)
    seal_and_anchor(sealer)  # now: seals the memory of the last anchor, and anchors it
    return now


def private_key():
    return keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)


@pytest.fixture
def pruned(log):  # noqa: F811
    """The six years' log, pruned now, and sealed again (the pruning's own event)."""
    six_years(log)
    records = retention.prune_expired()
    seal_and_anchor(log)
    return log, records


def test_whole_seals_from_the_oldest_are_pruned_and_what_remains_verifies(log):  # noqa: F811
    six_years(log)
    before = {seal.seq: seal for seal in Seal.objects.all()}
    old = range(1, 7)
    (step,) = retention.pending()  # the dry run: seals 1 to 6, nothing removed yet
    assert (step.first_seal, step.through.seq) == (1, 6) and Seal.objects.filter(seq=1).exists()
    assert step.events == sum(before[s].events for s in old)

    (record,) = retention.prune_expired()
    assert (record.n, record.through_seal, record.seal_hash) == (1, 6, before[6].hash)
    assert (record.total, record.events, record.seals) == (before[6].total, step.events, 6)
    assert record.subjects == sum(before[s].subjects for s in old) == 6
    assert sorted(Seal.objects.values_list("seq", flat=True))[0] == 7
    # Every event up to the bound is gone with the rows naming its people; nothing after it is.
    assert not AccessEvent.objects.filter(id__lte=record.last_event_id).exists()
    assert not AccessEventSubject.objects.filter(event_id__lte=record.last_event_id).exists()
    assert AccessEventSubject.objects.count() == 4
    told = AccessEvent.objects.filter(action=Action.DELETE, target_type="audit.pruning", target_id="1")
    assert told.exists()  # the pruning is itself an access event, sealed after it
    assert retention.prune_expired() == []  # nothing more is due

    seal_and_anchor(log)
    result = verify()
    assert result.ok, result.message
    assert "intact after the signed pruning of seals #1 to #6" in result.message
    # The log goes on: a new seal after the pruning verifies; two years on, the next seals go.
    append_n(2)
    seal_and_anchor(log)
    assert verify().ok
    if connection.vendor == "sqlite":  # PostgreSQL's own clock stays in the present, and refuses it
        (second,) = retention.prune_expired(now=timezone.now() + 730 * DAY)
        assert (second.n, second.prev_hash, second.through_seal) == (2, record.hash, 8)
        seal_and_anchor(log)
        result = verify()
        assert result.ok and "seals #1 to #8" in result.message and "2 pruning records" in result.message


def test_the_newest_seal_and_any_seal_with_a_young_event_stay(log):  # noqa: F811
    six_years(log)
    head = Seal.objects.order_by("-seq").first().seq
    assert retention.next_step(now=timezone.now() + 50 * 365 * DAY).through.seq == head - 1
    assert retention.next_step(now=timezone.now() - 2 * 365 * DAY) is None  # nothing seven years old alone


def test_the_period_is_configured_and_never_below_five_years(log, settings):  # noqa: F811
    six_years(log)
    settings.LOTSA_AUDIT_RETENTION_YEARS = 7
    assert retention.pending() == []
    settings.LOTSA_AUDIT_RETENTION_YEARS = 3  # refused by the check; and never less than five anyway
    assert retention.next_step().through.seq == 6
    errors = [e.id for e in run_checks() if e.id.startswith("audit.")]
    assert errors == ["audit.E002"]
    settings.LOTSA_AUDIT_RETENTION_YEARS = 5
    assert "audit.E002" not in [e.id for e in run_checks()]


def test_the_command_is_a_dry_run_unless_told(log, capsys):  # noqa: F811
    six_years(log)
    call_command("audit_prune")
    out = capsys.readouterr().out
    assert "would prune seals #1 to #6" in out and "nothing changed" in out
    assert Seal.objects.filter(seq=1).exists() and not Pruning.objects.exists()
    call_command("audit_prune", "--apply")
    out = capsys.readouterr().out
    assert "pruning record #1: removed seals through #6" in out
    event = AccessEvent.objects.get(target_type="audit.pruning")
    assert event.actor_username.startswith("audit_prune (") and event.action == Action.DELETE
    call_command("audit_prune")
    assert "nothing to prune" in capsys.readouterr().out


def test_a_sealer_does_not_take_a_pruned_seal_for_a_cut_tail(log):  # noqa: F811
    six_years(log)
    log.seen = (2, Seal.objects.get(seq=2).hash)  # as if it had last seen seal 2
    retention.prune_expired()
    assert log.tick()["anchor"] != "alarm"


def test_a_pruning_record_not_signed_by_the_anchor_key_does_not_silence_the_alarm(log):  # noqa: F811
    """Whoever can put a record through the door without the anchor key cannot cut the tail quietly."""
    six_years(log)
    log.seen = (2, Seal.objects.get(seq=2).hash)
    retention.prune_expired(private=Ed25519PrivateKey.generate())  # a record signed by another key
    assert log.tick()["anchor"] == "alarm"


def test_nothing_due_needs_no_key(log, settings, tmp_path):  # noqa: F811
    """A pruning round with nothing due reads no key: the sealer's daily round, or audit_prune, does not
    fail for want of one when there is nothing to sign."""
    settings.LOTSA_AUDIT_ANCHOR_KEY_FILE = tmp_path / "no-such.key"
    assert retention.prune_expired() == []


def test_the_sealer_prunes_in_its_rounds(log, capsys):  # noqa: F811
    """The sealer, which alone holds the anchor key, does the pruning: on start and then every
    LOTSA_AUDIT_PRUNE_HOURS (no scheduled job holds the key)."""
    six_years(log)
    call_command("audit_sealer", "--once")
    assert "pruning record #1: seals through #6 removed" in capsys.readouterr().out
    assert not Seal.objects.filter(seq__lte=6).exists() and Pruning.objects.get().n == 1
    call_command("audit_sealer", "--once")
    assert "pruning record" not in capsys.readouterr().out  # nothing more is due


# --- Tampering: every variant fails verification --------------------------------------------------------


def _forge(fields: dict, private) -> None:
    """A pruning record written behind the application's back, signed with ``private``."""
    record = pruning.signed(fields, private)
    columns = ", ".join(record)
    tamper(
        f"INSERT INTO audit_pruning (txn, {columns}) VALUES (0, {', '.join(['%s'] * len(record))})",
        list(record.values()),
    )


def _remove_through(seq: int) -> None:
    """Seals up to ``seq`` and their rows removed with the triggers off, as a superuser could."""
    seal = Seal.objects.get(seq=seq)
    tamper("DELETE FROM audit_accesseventsubject WHERE event_id <= %s", [seal.last_event_id])
    tamper("DELETE FROM audit_accessevent WHERE id <= %s", [seal.last_event_id])
    tamper("DELETE FROM audit_seal WHERE seq <= %s", [seq])


def _next_record(through: int, *, first: Pruning, seal_hash: str | None = None) -> dict:
    seal = Seal.objects.get(seq=through)
    return {
        "n": first.n + 1,
        "through_seal": seal.seq,
        "seal_hash": seal_hash or seal.hash,
        "last_txn": seal.last_txn,
        "last_event_id": seal.last_event_id,
        "total": seal.total,
        "events": seal.total - first.total,
        "subjects": seal.subjects,
        "seals": 1,
        "cutoff_us": first.cutoff_us,
        "pruned_at_us": first.pruned_at_us + 1,
        "key_id": first.key_id,
        "prev_hash": first.hash,
    }


def test_a_seal_removed_in_the_middle_is_detected(pruned):
    tamper("DELETE FROM audit_seal WHERE seq = 8")
    assert broken(verify(), "seal #8 is missing")


def test_the_oldest_remaining_seal_removed_without_a_record_is_detected(pruned):
    _remove_through(7)  # a superuser, triggers off, as if pruning: but with no signed record
    assert broken(verify(), "seal #7 is missing")


def test_the_oldest_seals_removed_from_a_log_never_pruned_is_detected(log):  # noqa: F811
    six_years(log)
    _remove_through(2)
    assert broken(verify(), "seal #1 is missing")


def test_a_forged_pruning_record_is_detected(pruned):
    _, (first,) = pruned
    fields = _next_record(7, first=first)  # claims the installation's key, signed by another
    _remove_through(7)
    _forge(fields, Ed25519PrivateKey.generate())
    assert broken(verify(), "pruning record #2 is forged")


def test_a_pruning_record_not_naming_the_next_seals_predecessor_is_detected(pruned):
    """Signed with the real key (an insider holding it), but naming another hash than the one the first
    seal left names as its predecessor: the chain does not continue from it."""
    _, (first,) = pruned
    fields = _next_record(7, first=first, seal_hash=hashlib.sha256(b"another").hexdigest())
    _remove_through(7)  # seal 7 was never anchored: only the chain can tell
    _forge(fields, private_key())
    assert broken(verify(), "seal #8 does not follow seal #7")


def test_an_altered_pruning_record_is_detected(pruned):
    tamper("UPDATE audit_pruning SET events = events - 1, total = total - 1 WHERE n = 1")
    assert broken(verify(), "pruning record #1 has been changed")


def test_a_removed_pruning_record_is_detected(pruned):
    tamper("DELETE FROM audit_pruning")
    assert broken(verify(), "seal #1 is missing")


def test_an_event_put_back_below_the_pruned_bound_is_detected(pruned):
    _, (first,) = pruned
    event = AccessEvent.objects.filter(id__gt=first.last_event_id).order_by("id").first()
    columns = [f.column for f in AccessEvent._meta.concrete_fields if f.column not in ("id", "txn")]
    tamper(
        f"INSERT INTO audit_accessevent (id, txn, {', '.join(columns)}) "
        f"SELECT %s, txn, {', '.join(columns)} FROM audit_accessevent WHERE id = %s",
        [first.last_event_id, event.id],
    )
    assert broken(verify(), "at or below seal #6", "left behind or put back")


def test_a_pruning_record_disagreeing_with_the_anchors_is_detected(pruned):
    """An insider with the key rewrites the removed seals' last hash in the record: the anchor file
    named that seal otherwise."""
    _, (first,) = pruned
    tamper("DELETE FROM audit_pruning")
    fields = {name: getattr(first, name) for name in pruning.SIGNED_FIELDS}
    fields["seal_hash"] = hashlib.sha256(b"rewritten").hexdigest()
    _forge(fields, private_key())
    assert broken(verify(), "pruning record #1 names seal #6 otherwise than the anchor")


def test_the_signature_covers_every_field():
    private = Ed25519PrivateKey.generate()
    fields = dict.fromkeys(pruning.SIGNED_FIELDS, 1) | {"seal_hash": "a" * 64, "prev_hash": "0" * 64}
    record = pruning.signed(fields, private)
    for name in pruning.SIGNED_FIELDS:
        changed = {**fields, name: 2 if isinstance(fields[name], int) else "b" * 64}
        with pytest.raises(InvalidSignature):
            private.public_key().verify(base64.b64decode(record["signature"]), pruning.message(changed))


# --- PostgreSQL: the narrow door ---------------------------------------------------------------------------


def _refused(sql: str, params=()) -> str:
    """The database's refusal of ``sql`` (its message), or "" when it was done."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        return str(exc)
    return ""


@postgres_only
def test_a_delete_outside_the_door_is_refused(log):  # noqa: F811
    six_years(log)
    append_only = "append-only"
    oldest = "SELECT min(id) FROM audit_accessevent"
    assert append_only in _refused(f"DELETE FROM audit_accessevent WHERE id = ({oldest})")
    assert append_only in _refused("DELETE FROM audit_accesseventsubject")
    assert append_only in _refused("DELETE FROM audit_seal WHERE seq = 1")
    assert append_only in _refused("TRUNCATE audit_seal")
    # A record that does not name a seal as it stands, names the newest seal, or reaches an event
    # younger than five years, is refused by the database itself, signature or none.
    (step,) = retention.pending()
    head = Seal.objects.order_by("-seq").first()
    young = Seal.objects.get(seq=7)
    for seal, seal_hash, why in (
        (step.through, "f" * 64, "as it stands"),
        (head, head.hash, "newest seal"),
        (young, young.hash, "five years"),
    ):
        values = [seal.seq, seal_hash, seal.last_txn, seal.last_event_id, seal.total, seal.total]
        refusal = _refused(
            "SELECT audit_prune(1, %s, %s, %s, %s, %s, %s, 0, 1, 0, 0, 'k', %s, %s, 's')",
            [*values, "0" * 64, "x" * 64],
        )
        assert why in refusal, refusal
    assert not Pruning.objects.exists() and Seal.objects.filter(seq=1).exists()
    # Through the door, in its transaction: then nothing above its bound may go, nor the record itself.
    (record,) = retention.prune_expired()
    above = "above the pruning record's bound"
    assert above in _refused("DELETE FROM audit_accessevent WHERE id > %s", [record.last_event_id])
    assert above in _refused("DELETE FROM audit_seal WHERE seq = %s", [record.through_seal + 1])
    assert append_only in _refused("DELETE FROM audit_pruning")
    assert append_only in _refused("UPDATE audit_pruning SET events = 0")
    seal_and_anchor(log)
    assert verify().ok


@postgres_only
def test_only_the_sealers_role_prunes_and_only_through_the_door(log):  # noqa: F811
    """deploy/postgres-roles.sql: the application's role (the web servers, the worker) may neither
    delete from the log, nor insert a pruning record, nor call the door; the sealer's role calls the
    door, which prunes."""
    six_years(log)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') "
            f"THEN CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$"
        )
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(roles_recipe(app=APP_ROLE, owner=owner))
        cursor.execute(f"SET ROLE {APP_ROLE}")
    step = retention.next_step()
    try:
        assert "permission denied" in _refused("DELETE FROM audit_seal WHERE seq = 1")
        assert "permission denied" in _refused("INSERT INTO audit_pruning (n) VALUES (1)")
        assert "permission denied" in _refused("UPDATE audit_retention SET years = 5")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            retention.prune_step(step, private=private_key())
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"SET ROLE {SEALER_ROLE}")
        assert "permission denied" in _refused("DELETE FROM audit_seal WHERE seq = 1")
        record = retention.prune_step(step, private=private_key())
        assert record.through_seal == 6 and not Seal.objects.filter(seq__lte=6).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@postgres_only
def test_the_door_keeps_the_configured_period_not_only_the_laws(log, settings):  # noqa: F811
    """The period migrate stored (audit_retention) binds the door: with seven years configured, the
    seals six years old stay, whatever a caller asks; it is never stored below five."""
    six_years(log)
    (step,) = retention.pending()
    with connection.cursor() as cursor:
        cursor.execute("SELECT years FROM audit_retention")
        assert cursor.fetchone()[0] == 5  # migrate stored the setting
        cursor.execute("UPDATE audit_retention SET years = 7")
    refusal = _refused_call(lambda: retention.prune_step(step, private=private_key()))
    assert "kept 7 years" in refusal and Seal.objects.filter(seq=1).exists()
    assert "audit_retention_years_check" in _refused("UPDATE audit_retention SET years = 4")
    settings.LOTSA_AUDIT_RETENTION_YEARS = 8  # what migrate stores after the setting changed
    retention.store_period(sender=apps.get_app_config("audit"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT years FROM audit_retention")
        assert cursor.fetchone()[0] == 8


def _refused_call(call) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        call()
    return str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_audit_verify_after_pruning_in_its_own_snapshot(log, capsys):  # noqa: F811
    """As an operator runs them, committed: on PostgreSQL verification computes the digests in
    parallel connections, the first range starting at the pruning record's bound."""
    six_years(log)
    call_command("audit_prune", "--apply")
    seal_and_anchor(log)
    call_command("audit_verify")
    assert "intact after the signed pruning of seals #1 to #6" in capsys.readouterr().out
    with pytest.raises(CommandError, match="seal #8 is missing"):
        with transaction.atomic():  # SET LOCAL, for the superuser's switch
            tamper("DELETE FROM audit_seal WHERE seq = 8")
        call_command("audit_verify")


def test_a_checkpoint_naming_a_pruned_seal_is_no_starting_point(pruned):
    assert broken(verify(since=1), "checkpoint 1 names seal #2, which pruning record #1 removed")
    newest = max(
        int(n)
        for n in AccessEvent.objects.filter(target_type="audit.anchor").values_list("target_id", flat=True)
    )
    assert verify(since=newest).ok


def test_a_seal_changed_before_its_pruning_is_not_pruned(log):  # noqa: F811
    """Pruning checks what it removes as verification would: it never takes a change's evidence away."""
    six_years(log)
    tamper(
        "UPDATE audit_accessevent SET reason = 'forged' WHERE id = (SELECT min(id) FROM audit_accessevent)"
    )
    with pytest.raises(retention.LogDoesNotAddUp, match="seal #1 is not intact"):
        retention.prune_expired()
    assert not Pruning.objects.exists() and Seal.objects.filter(seq=1).exists()


def test_a_long_backlog_goes_in_steps_each_under_its_own_record(log, monkeypatch):  # noqa: F811
    six_years(log)
    monkeypatch.setattr(retention, "PRUNE_SEALS", 4)
    assert [(s.first_seal, s.through.seq) for s in retention.pending()] == [(1, 4), (5, 6)]
    first, second = retention.prune_expired()
    assert (first.through_seal, second.through_seal, second.prev_hash) == (4, 6, first.hash)
    seal_and_anchor(log)
    result = verify()
    assert result.ok and "2 pruning records" in result.message, result.message
