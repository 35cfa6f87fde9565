"""What is shown must be what was sealed (issue 26, items 1-3): every seal is verified, no row lies
outside every seal, and an event commits to the rows naming its people, so rows planted for it
before or after, or taken away, are refused or detected."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit import chain
from audit import services as audit
from audit.models import AccessEvent, AccessEventSubject, Seal
from audit.tests.test_audit import append_n, broken, log, seal_and_anchor, tamper, verify  # noqa: F401

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")

pytestmark = pytest.mark.django_db


def _plant_row(event_id: int, *, as_owner: bool) -> None:
    sql = "INSERT INTO audit_accesseventsubject (event_id, subject_id) VALUES (%s, %s)"
    subject = uuid.uuid4()
    value = subject.hex if connection.vendor == "sqlite" else subject
    if as_owner:
        tamper(sql, [event_id, value])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [event_id, value])


def _next_event_id() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT last_value, is_called FROM audit_accessevent_id_seq")
            last, called = cursor.fetchone()
            return last + 1 if called else last
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_accessevent'")
        row = cursor.fetchone()
        return (row[0] if row else 0) + 1


@pytest.mark.slow
def test_every_seal_is_verified_past_every_batch_and_page_size(log):  # noqa: F811
    """More seals than a page of seals (1 000 on SQLite, 200 on PostgreSQL) and a range of more rows
    than a page of rows (2 000): a change inside the very last seal is found."""
    append_n(1105)
    for _ in range(1105):
        assert chain.seal_batch(1) == 1
    append_n(2100)
    append_n(2, people=3)
    assert chain.seal_batch(5000) == 2102
    seal_and_anchor(log)
    result = verify()
    assert result.ok and "in 1106 seals intact" in result.message, result.message
    last = AccessEvent.objects.exclude(target_type=audit.MEMORY).order_by("-id").first()  # in seal #1106
    tamper("UPDATE audit_accessevent SET reason = %s WHERE id = %s", ["forged", last.pk])
    result = verify()
    assert broken(result, "seal #1106", "changed or restyled") and result.first_bad_seal == 1106


def test_a_row_below_the_first_seal_is_refused(log):  # noqa: F811
    """No transaction id is negative: a row that would lie below the first seal's range is refused by
    a CHECK constraint. On PostgreSQL even the owner, with the triggers switched off, is refused; on
    SQLite the application is (whoever holds the file can switch checks off)."""
    (event,) = append_n(1, people=1)

    def write(sql, params):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")  # undone with the savepoint
            cursor.execute(sql, params)

    with pytest.raises(IntegrityError), transaction.atomic():
        write("UPDATE audit_accessevent SET txn = -5 WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        write("UPDATE audit_accesseventsubject SET txn = -5 WHERE event_id = %s", [event.pk])


@postgres_only
def test_a_row_the_application_writes_takes_its_own_transaction(log):  # noqa: F811
    """Whatever the INSERT says, the row takes its writing transaction's id: the application's own
    role cannot place an event outside the seals' ranges, backdated below them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accessevent (txn, occurred_at, action, target_type, target_id, "
            "subject_count, outcome, reason, actor_username, actor_organisation, actor_role, purpose, "
            "legal_ground, request_id, client_ip) VALUES (5, now(), 'view', 't', '1', 0, 'allowed', "
            "'backdated', '', '', '', '', '', '', '') RETURNING id, txn"
        )
        event_id, txn = cursor.fetchone()
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        assert txn == cursor.fetchone()[0] != 5
    seal_and_anchor(log)
    assert Seal.objects.filter(last_event_id__gte=event_id).exists() and verify().ok


@postgres_only
def test_a_row_below_every_seal_fails_verification(log):  # noqa: F811
    """Should the owner drop the constraint and write below the first seal, verification fails: no
    row the desk could show lies outside every seal unnoticed."""
    append_n(2, people=1)
    seal_and_anchor(log)
    assert verify().ok
    tamper("SET CONSTRAINTS ALL IMMEDIATE")
    tamper("ALTER TABLE audit_accesseventsubject DROP CONSTRAINT audit_subject_txn_not_negative")
    event = AccessEvent.objects.first()
    tamper(
        "INSERT INTO audit_accesseventsubject (event_id, txn, subject_id) VALUES (%s, -7, %s)",
        [event.pk, uuid.uuid4()],
    )
    assert broken(verify(), "below the first seal")


@postgres_only
def test_the_application_cannot_plant_a_row_for_an_event_of_another_transaction(log):  # noqa: F811
    """A row naming a person is accepted only with its event, in the event's own transaction."""
    with pytest.raises(DatabaseError), transaction.atomic():
        _plant_row(_next_event_id() + 3, as_owner=False)  # an event not yet written
    (event,) = append_n(1, people=1)
    tamper("UPDATE audit_accessevent SET txn = txn - 1 WHERE id = %s", [event.pk])  # as if earlier
    with pytest.raises(DatabaseError), transaction.atomic():
        _plant_row(event.pk, as_owner=False)


def test_a_row_planted_for_an_event_not_yet_written_is_detected(log):  # noqa: F811
    """The attack found on SQLite: a row naming the victim planted for the next event id was sealed
    into the honest event later written with that id, so an honest user seemed to have read the
    victim. The event commits to how many people it names: the planted row makes it disagree."""
    append_n(1)
    seal_and_anchor(log)
    planted = _next_event_id()
    _plant_row(planted, as_owner=True)
    # Before the event exists, the row belongs to nothing waiting to be sealed.
    assert broken(verify(), "belong to no event waiting to be sealed")
    events = append_n(1) + append_n(1, people=2)
    assert planted in {event.pk for event in events}
    seal_and_anchor(log)
    assert broken(verify(), "seal #2", "disagree with the rows naming their people")


def test_a_row_added_to_an_event_before_it_is_sealed_is_detected(log):  # noqa: F811
    (event,) = append_n(1, people=2)
    _plant_row(event.pk, as_owner=True)
    seal_and_anchor(log)
    assert broken(verify(), "seal #1", "1 events disagree")


def test_a_row_taken_from_an_event_before_it_is_sealed_is_detected(log):  # noqa: F811
    (event,) = append_n(1, people=2)
    row = AccessEventSubject.objects.filter(event=event).first()
    tamper("DELETE FROM audit_accesseventsubject WHERE id = %s", [row.pk])
    seal_and_anchor(log)
    assert broken(verify(), "seal #1", "disagree with the rows naming their people")


def test_a_row_planted_after_sealing_for_a_sealed_event_is_detected(log):  # noqa: F811
    (event,) = append_n(1, people=1)
    seal_and_anchor(log)
    _plant_row(event.pk, as_owner=True)
    result = verify()
    assert not result.ok
    assert "rows added" in result.message or "belong to no event waiting" in result.message


def test_the_desk_marks_an_event_not_yet_sealed(log):  # noqa: F811
    (sealed,) = append_n(1)
    seal_and_anchor(log)
    (waiting,) = append_n(1)
    head = audit.SealedHead()
    assert head.covers(AccessEvent.objects.get(pk=sealed.pk))
    assert not head.covers(AccessEvent.objects.get(pk=waiting.pk))


# --- A long transaction (issue 26, item 9) ------------------------------------------------------------


def _open_transaction(database: str):
    """Another session holding a transaction with an id open, as a long report or a stuck job would."""
    import psycopg

    params = connection.settings_dict
    other = psycopg.connect(
        dbname=database,
        user=params["USER"],
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        password=params["PASSWORD"] or None,
    )
    other.execute("SELECT pg_current_xact_id()")  # psycopg opened the transaction; this gives it an id
    return other


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_in_another_database_does_not_stall_sealing(settings, tmp_path):
    """Transaction ids are cluster-wide, but a transaction in another database never writes this log:
    it no longer holds sealing back."""
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    other = _open_transaction("postgres")
    try:
        append_n(3)
        assert chain.seal_pending() == 3
    finally:
        other.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_in_this_database_is_reported_as_a_stall(settings, tmp_path):
    """One in this database may still write events below the ones waiting: sealing waits for it, and
    verification says so, naming the transaction, instead of 'never sealed'."""
    import time

    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    other = _open_transaction(connection.settings_dict["NAME"])
    try:
        append_n(2)
        assert chain.seal_pending() == 0
        result = audit.verify(now=time.time() + settings.LOTSA_AUDIT_SEAL_GRACE + 5, window=10**6)
        assert broken(result, "sealing is stalled", "2 events wait", "behind a transaction open since")
    finally:
        other.close()
    assert chain.seal_pending() == 2


# --- The log's memory of its anchors (review of issue 26) ----------------------------------------------


def test_a_forged_memory_of_an_anchor_is_reported_and_never_stops_the_sealer(log):  # noqa: F811
    """One bogus row the application's role could write must not end sealing for good: the sealer
    passes over it and goes on; verification names it."""
    append_n(1)
    log.tick(force_anchor=True)
    audit.append(
        [
            audit.Event(
                action=audit.Action.ANCHOR,
                target_type=audit.MEMORY,
                target_id="999999999999",
                reason="checkpoint 999999999999 1 " + "0" * 64 + " bm90IGEgc2lnbmF0dXJl",
            )
        ]
    )
    sealer = audit.Sealer()  # starts
    append_n(1)
    assert sealer.tick(force_anchor=True)["sealed"] >= 1
    assert broken(verify(), "forged")


def test_an_old_memory_replayed_pushes_nothing_out(log):  # noqa: F811
    """Copies of a genuine old memo, written again, do not hide the newest remembered anchor."""
    append_n(1)
    log.tick(force_anchor=True)
    first = AccessEvent.objects.filter(target_type=audit.MEMORY).order_by("id").first()
    for _ in range(3):
        append_n(1)
        log.tick(force_anchor=True)
    chain.seal_pending()  # the newest memo too
    newest = audit.remembered_anchor()
    assert newest.n == AccessEvent.objects.filter(target_type=audit.MEMORY).count()
    for _ in range(60):
        audit.append(
            [
                audit.Event(
                    action=audit.Action.ANCHOR,
                    target_type=audit.MEMORY,
                    target_id=first.target_id,
                    reason=first.reason,
                )
            ]
        )
    chain.seal_pending()
    assert audit.remembered_anchor() == newest
