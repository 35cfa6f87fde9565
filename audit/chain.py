"""The chain: sealing committed events in batches, and verifying the seals against the stored rows.

A seal covers every event after the previous seal's ``(txn, id)`` up to and including its own, in
that order, and the per-person rows of those events. Its ``digest`` is a SHA-256 over the *stored
form* of those rows: each row rendered by the database itself with ``quote()`` (SQLite) or
``quote_nullable()`` (PostgreSQL) of every column, so a restyled value (an upper-case or dashed
``subject_id``, a ``T`` in ``occurred_at``, a number stored as text) changes the digest exactly as a
changed value does. Each seal's ``hash`` covers its own fields and the previous seal's hash.

Only one sealer works at a time (a non-blocking advisory lock on PostgreSQL; SQLite's write lock),
and ``seq`` and ``prev_hash`` are unique, so the chain never forks, however many application servers
and sealers run against one database.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections, transaction

GENESIS_HASH = "0" * 64
# Where the first seal's range starts: below every (txn, id) (on PostgreSQL every txn is above -1; on
# SQLite the first range has no lower bound), so that no row, not even one inserted with a made-up
# id, can sit before the first seal unseen.
GENESIS_TXN, GENESIS_ID = -1, -(2**63) + 1  # +1: "-9223372036854775808::bigint" overflows before the minus
SEAL_BATCH = 5000
# Any fixed 64-bit number, the same in every process: the key of the sealer's advisory lock.
SEALER_LOCK_KEY = 0x4C4F5453415F5345  # "LOTSA_SE"

# Every column of the two tables a seal covers, in the order their stored form is rendered.
# Adding a column to either table means adding it here, in a new version of the digest.
EVENT_COLUMNS = (
    "id",
    "txn",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_organisation_id",
    "actor_organisation",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "subject_id",
    "subject_count",
    "purpose",
    "legal_ground",
    "outcome",
    "reason",
    "request_id",
    "client_ip",
)
SUBJECT_COLUMNS = ("id", "event_id", "txn", "subject_id")
DIGEST_PREFIX = b"lotsa-seal-digest-v1\n"
SEAL_PREFIX = "lotsa-seal-v1"
EVENTS = "audit_accessevent"
SUBJECTS = "audit_accesseventsubject"
SEALS = "audit_seal"


def stored_form_sql(columns) -> str:
    """SQL for one row's stored form as text: every column quoted by the database, NULL as NULL."""
    if connection.vendor == "postgresql":
        return (
            "pg_catalog.concat_ws(',', " + ", ".join(f"pg_catalog.quote_nullable({c})" for c in columns) + ")"
        )
    return " || ',' || ".join(f"quote({c})" for c in columns)


def _digest_session(cursor) -> None:
    """The transaction's settings for rendering and hashing rows: PostgreSQL renders timestamps by
    session settings, so they are fixed; and no JIT, whose compiling of the digest queries costs more
    (a third of a second) than running them."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL TimeZone TO 'UTC'")
        cursor.execute("SET LOCAL DateStyle TO 'ISO, YMD'")
        cursor.execute("SET LOCAL jit = off")


def seal_hash(
    *, seq, sealed_at_us, last_txn, last_event_id, events, subjects, total, digest, prev_hash
) -> str:
    text = "|".join(
        str(v)
        for v in (
            SEAL_PREFIX,
            seq,
            sealed_at_us,
            last_txn,
            last_event_id,
            events,
            subjects,
            total,
            digest,
            prev_hash,
        )
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Range:
    """The events after ``(after_txn, after_id)`` up to and including ``(last_txn, last_id)``."""

    after_txn: int
    after_id: int
    last_txn: int
    last_id: int


def _pg_range_digest_sql(
    after_txn: str, after_id: str, last_txn: str, last_id: str, *, people: bool = True
) -> str:
    """PostgreSQL: (events, people rows, digest, events whose people rows disagree with them) of a
    range, computed by the database in one pass. The digest is over the same bytes as the streamed
    form below: prefix, each row and a newline, ``--``, each person row and a newline, ``--``."""
    parts = []
    for table, columns, key, order in (
        (EVENTS, EVENT_COLUMNS, "txn, id", "txn, id"),
        (SUBJECTS, SUBJECT_COLUMNS, "txn, event_id", "txn, event_id, subject_id, id"),
    ):
        parts.append(
            f"(SELECT count(*) AS n, coalesce(string_agg(f || E'\\n', '' ORDER BY {order}), '') AS t "
            f"FROM (SELECT {order}, {stored_form_sql(columns)} AS f FROM {table} "
            f"WHERE ({key}) > ({after_txn}, {after_id}) AND ({key}) <= ({last_txn}, {last_id})) AS r)"
        )
    # Each event commits to how many people it names: a row planted for it, before or after, or one
    # taken away, makes its count disagree; a row of no event in the range does too.
    bound = f"> ({after_txn}, {after_id}) AND " + "{key}" + f" <= ({last_txn}, {last_id})"
    disagreeing = (
        f"(SELECT count(*) AS n FROM (SELECT id, subject_count FROM {EVENTS} "
        f"WHERE (txn, id) {bound.format(key='(txn, id)')}) AS e FULL JOIN "
        f"(SELECT event_id, count(*) AS c FROM {SUBJECTS} WHERE (txn, event_id) "
        f"{bound.format(key='(txn, event_id)')} GROUP BY event_id) AS p ON p.event_id = e.id "
        f"WHERE coalesce(e.subject_count, -1) <> coalesce(p.c, 0))"
    )
    prefix = DIGEST_PREFIX.decode("ascii").rstrip("\n")
    digest = (
        f"SELECT ev.n, sb.n, encode(pg_catalog.sha256(convert_to('{prefix}' || E'\\n' || ev.t || "
        f"'--' || E'\\n' || sb.t || '--' || E'\\n', 'UTF8')), 'hex')"
    )
    if not people:  # the sealer: it seals what it finds, and verification judges it
        return f"{digest}, 0 FROM {parts[0]} AS ev, {parts[1]} AS sb"
    return f"{digest}, mm.n FROM {parts[0]} AS ev, {parts[1]} AS sb, {disagreeing} AS mm"


def _range_digest(cursor, span: Range, *, people: bool = True) -> tuple[int, int, str, int]:
    """(events, people rows, digest, events whose people rows disagree with their count) of a range,
    in the order a seal covers them. Without ``people`` (the sealer) the last is not counted: 0."""
    bounds = [span.after_txn, span.after_id, span.last_txn, span.last_id]
    if connection.vendor == "postgresql":
        sql = _pg_range_digest_sql("%s", "%s", "%s", "%s", people=people)
        cursor.execute(sql, bounds * (4 if people else 2))
        return cursor.fetchone()
    # SQLite: every txn is 0 (one writer at a time), so a range is a range of ids, which the primary
    # key's index serves (a row-value comparison would scan the table). A txn changed behind our
    # back stays inside its id range and changes the digest like any other column.
    digest = hashlib.sha256(DIGEST_PREFIX)
    counts = []
    has_lower = span.after_id > GENESIS_ID
    for table, columns, key, order in (
        (EVENTS, EVENT_COLUMNS, "id", "id"),
        (SUBJECTS, SUBJECT_COLUMNS, "event_id", "event_id, subject_id, id"),
    ):
        lower, params = (f"{key} > %s AND ", [span.after_id]) if has_lower else ("", [])
        cursor.execute(
            f"SELECT {stored_form_sql(columns)} FROM {table} WHERE {lower}{key} <= %s ORDER BY {order}",
            [*params, span.last_id],
        )
        count = 0
        while rows := cursor.fetchmany(2000):
            count += len(rows)
            digest.update("".join(row[0] + "\n" for row in rows).encode("utf-8"))
        digest.update(b"--\n")
        counts.append(count)
    if not people:
        return counts[0], counts[1], digest.hexdigest(), 0
    lower, params = ("{key} > %s AND ", [span.after_id]) if has_lower else ("", [])
    cursor.execute(
        f"SELECT count(*) FROM (SELECT id, subject_count FROM {EVENTS} "
        f"WHERE {lower.format(key='id')}id <= %s) AS e FULL JOIN "
        f"(SELECT event_id, count(*) AS c FROM {SUBJECTS} WHERE {lower.format(key='event_id')}event_id <= %s "
        f"GROUP BY event_id) AS p ON p.event_id = e.id "
        f"WHERE coalesce(e.subject_count, -1) <> coalesce(p.c, 0)",
        [*params, span.last_id, *params, span.last_id],
    )
    return counts[0], counts[1], digest.hexdigest(), cursor.fetchone()[0]


def _head(cursor) -> tuple[int, str, int, int, int]:
    cursor.execute(f"SELECT seq, hash, last_txn, last_event_id, total FROM {SEALS} ORDER BY seq DESC LIMIT 1")
    row = cursor.fetchone()
    return tuple(row) if row else (0, GENESIS_HASH, GENESIS_TXN, GENESIS_ID, 0)


# The lowest transaction id that may still write to this database's log: among the transactions
# running when the snapshot was taken, those known to work in another database cannot (a backend never
# changes database), so they do not hold sealing back; any other, or one gone meanwhile, counts. The
# snapshot is taken before pg_stat_activity is read (its values are cached from the first read in a
# transaction), so a transaction that began in between is in neither and lies above xmax anyway.
# backend_xid is 32 bits: compared with the low 32 bits of the 64-bit ids.
WATERMARK_SQL = (
    "SELECT coalesce(min(x::text::bigint), pg_snapshot_xmax(%s::pg_snapshot)::text::bigint) "
    "FROM pg_snapshot_xip(%s::pg_snapshot) AS x WHERE NOT EXISTS ("
    "SELECT 1 FROM pg_stat_activity AS a WHERE a.backend_xid::text::bigint = x::text::bigint %% 4294967296 "
    "AND a.datname IS NOT NULL AND a.datname <> current_database())"
)


def _sealable_upper_bound(cursor) -> tuple[str, list]:
    """The condition on ``txn`` for events whose transactions have ended (PostgreSQL).

    Below the oldest transaction that may still write to this database, every transaction has
    committed or rolled back, so no event can appear there later. Transactions in other databases of
    the cluster do not hold sealing back; a long one in this database does (``stalled_behind`` names
    it). A sealer called inside a transaction that has itself written (the test suite does this;
    ``audit_sealer`` runs in autocommit) also seals that transaction's own events, which it sees."""
    if connection.vendor != "postgresql":
        return "", []  # one writer at a time, and the sealer holds the write lock
    cursor.execute("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text::bigint")
    snapshot, own = cursor.fetchone()
    cursor.execute(WATERMARK_SQL, [snapshot, snapshot])
    watermark = cursor.fetchone()[0]
    if own is not None:
        return "AND (txn < %s OR txn = %s)", [watermark, own]
    return "AND txn < %s", [watermark]


def stalled_behind(cursor, oldest_waiting_txn: int) -> str | None:
    """PostgreSQL: what holds sealing back, if anything does: an open transaction of this database, or
    a prepared one, whose id is below the oldest event waiting to be sealed (the 32-bit ids of
    pg_stat_activity and pg_prepared_xacts widened to 64 bits against the current epoch)."""
    if connection.vendor != "postgresql":
        return None
    widen = (
        "(c.cur - c.cur %% 4294967296 + {x} - CASE WHEN {x} > c.cur %% 4294967296 THEN 4294967296 ELSE 0 END)"
    )
    held = widen.format(x="a.backend_xid::text::bigint")
    prepared = widen.format(x="p.transaction::text::bigint")
    cursor.execute(
        "WITH c AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS cur) "
        "SELECT what FROM ("
        f"SELECT 'a transaction open since ' || to_char(a.xact_start AT TIME ZONE 'UTC', "
        f"'YYYY-MM-DD HH24:MI:SS') || ' UTC (process ' || a.pid || ')' AS what, {held} AS x "
        "FROM pg_stat_activity AS a, c WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL "
        "AND a.pid <> pg_backend_pid() "
        f"UNION ALL SELECT 'the prepared transaction ' || p.gid, {prepared} "
        "FROM pg_prepared_xacts AS p, c WHERE p.database = current_database()"
        ") AS h WHERE x <= %s ORDER BY x LIMIT 1",
        [oldest_waiting_txn],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def seal_batch(batch_size: int = SEAL_BATCH) -> int:
    """Seal up to ``batch_size`` pending events into one new seal. Returns how many; 0 when nothing
    is pending or another sealer holds the lock."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return 0
        _digest_session(cursor)
        seq, prev_hash, after_txn, after_id, total = _head(cursor)
        bound, params = _sealable_upper_bound(cursor)
        if connection.vendor == "postgresql":
            pending_sql = f"SELECT txn, id FROM {EVENTS} WHERE (txn, id) > (%s, %s) {bound} ORDER BY "
            after, forward, backward = [after_txn, after_id, *params], "txn, id", "txn DESC, id DESC"
        else:  # every txn is 0: ids in the primary key's order (from the very first, before any seal)
            lower, after = ("WHERE id > %s ", [after_id]) if after_id > GENESIS_ID else ("", [])
            pending_sql = f"SELECT txn, id FROM {EVENTS} {lower}ORDER BY "
            forward, backward = "id", "id DESC"
        cursor.execute(pending_sql + forward + " LIMIT 1 OFFSET %s", [*after, batch_size - 1])
        last = cursor.fetchone()
        if last is None:
            cursor.execute(pending_sql + backward + " LIMIT 1", after)
            last = cursor.fetchone()
            if last is None:
                return 0
        span = Range(after_txn, after_id, last[0], last[1])
        # An event whose people rows disagree with it is sealed as it stands: verification names it.
        events, subjects, digest, _none = _range_digest(cursor, span, people=False)
        values = {
            "seq": seq + 1,
            "sealed_at_us": time.time_ns() // 1000,
            "last_txn": span.last_txn,
            "last_event_id": span.last_id,
            "events": events,
            "subjects": subjects,
            "total": total + events,
            "digest": digest,
            "prev_hash": prev_hash,
        }
        values["hash"] = seal_hash(**values)
        columns = list(values)
        cursor.execute(
            f"INSERT INTO {SEALS} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            [values[c] for c in columns],
        )
        return events


def seal_pending(batch_size: int = SEAL_BATCH) -> int:
    """Seal everything pending, batch by batch. Returns how many events were sealed."""
    sealed = 0
    while True:
        count = seal_batch(batch_size)
        sealed += count
        if count < batch_size:
            return sealed


# --- Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealRow:
    seq: int
    sealed_at_us: int
    last_txn: int
    last_event_id: int
    events: int
    subjects: int
    total: int
    digest: str
    prev_hash: str
    hash: str


SEAL_FIELDS = tuple(SealRow.__dataclass_fields__)


class ChainBroken(Exception):
    def __init__(self, message: str, seq: int | None = None):
        super().__init__(message)
        self.seq = seq


def seal_rows(
    cursor, since: int = 0, after: tuple[int, int] = (GENESIS_TXN, GENESIS_ID)
) -> Iterator[tuple[SealRow, tuple | None]]:
    """The seals from ``since`` on, in order; on PostgreSQL each with the digest of its range as the
    log holds it now, computed in the same query (the range runs from the previous seal's end; the
    first's from ``after`` when the seal before it is not in the log: the genesis, or pruned)."""
    fields = ", ".join(SEAL_FIELDS)
    if connection.vendor != "postgresql":
        # A cursor of its own: the caller's computes each range's digest between two pages of seals,
        # and a shared one would lose every seal after the first page.
        with connection.cursor() as own:
            own.execute(f"SELECT {fields} FROM {SEALS} WHERE seq >= %s ORDER BY seq", [since])
            while rows := own.fetchmany(1000):
                for row in rows:
                    yield SealRow(*row), None
        return
    digest = _pg_range_digest_sql("s.after_txn", "s.after_id", "s.last_txn", "s.last_event_id")
    cursor.execute(
        f"WITH s AS (SELECT {fields}, "
        "lag(last_txn, 1, %s::bigint) OVER (ORDER BY seq) AS after_txn, "
        "lag(last_event_id, 1, %s::bigint) OVER (ORDER BY seq) AS after_id "
        f"FROM {SEALS} WHERE seq >= %s - 1) "
        f"SELECT {', '.join('s.' + f for f in SEAL_FIELDS)}, d.* FROM s CROSS JOIN LATERAL ({digest}) AS d "
        f"WHERE s.seq >= %s ORDER BY s.seq",
        [after[0], after[1], since, since],
    )
    width = len(SEAL_FIELDS)
    while rows := cursor.fetchmany(200):
        for row in rows:
            yield SealRow(*row[:width]), tuple(row[width:])


def _digest_ranges(snapshot: str, ranges: list[tuple]) -> dict[int, tuple]:
    """In a worker thread, on its own connection and in the verifier's snapshot: the digest of each
    seal's range, ``{seq: (events, people rows, digest, events disagreeing with their people rows)}``,
    in one query."""
    worker = connections["default"]
    try:
        with transaction.atomic(), worker.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            _digest_session(cursor)
            values = ", ".join(["(%s::bigint, %s::bigint, %s::bigint, %s::bigint, %s::bigint)"] * len(ranges))
            digest = _pg_range_digest_sql("v.after_txn", "v.after_id", "v.last_txn", "v.last_id")
            cursor.execute(
                f"SELECT v.seq, d.* FROM (VALUES {values}) AS v(seq, after_txn, after_id, last_txn, last_id) "
                f"CROSS JOIN LATERAL ({digest}) AS d",
                [value for item in ranges for value in item],
            )
            return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    finally:
        worker.close()


def seal_rows_parallel(
    cursor, since: int, workers: int, chunk: int = 64, after: tuple[int, int] = (GENESIS_TXN, GENESIS_ID)
) -> Iterator[tuple[SealRow, tuple]]:
    """As :func:`seal_rows` on PostgreSQL, with the digests computed by ``workers`` connections at
    once, all in this transaction's snapshot (``pg_export_snapshot``): the database's cores, not one
    backend, set the pace. At most ``2 * workers`` chunks are in flight, so memory stays flat."""
    cursor.execute("SELECT pg_export_snapshot()")
    snapshot = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT last_txn, last_event_id FROM {SEALS} WHERE seq = %s - 1", [since]
    )  # where the first range starts
    before = cursor.fetchone() or after
    fields = ", ".join(SEAL_FIELDS)
    cursor.execute(f"SELECT {fields} FROM {SEALS} WHERE seq >= %s ORDER BY seq", [since])
    after = before
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * workers:
                rows = cursor.fetchmany(chunk)
                if not rows:
                    exhausted = True
                    break
                seals = [SealRow(*row) for row in rows]
                ranges = []
                for seal in seals:
                    ranges.append((seal.seq, after[0], after[1], seal.last_txn, seal.last_event_id))
                    after = (seal.last_txn, seal.last_event_id)
                pending.append((seals, pool.submit(_digest_ranges, snapshot, ranges)))
            if not pending:
                return
            seals, future = pending.popleft()
            digests = future.result()
            for seal in seals:
                yield seal, digests[seal.seq]


def _check_seal_form(seal: SealRow) -> None:
    for name in ("digest", "prev_hash", "hash"):
        value = getattr(seal, name)
        if not (isinstance(value, str) and len(value) == 64 and value == value.lower()):
            raise ChainBroken(f"seal #{seal.seq}: {name} is not in its stored form", seal.seq)
    for name in ("seq", "sealed_at_us", "last_txn", "last_event_id", "events", "subjects", "total"):
        if type(getattr(seal, name)) is not int:
            raise ChainBroken(f"seal #{seal.seq}: {name} is not stored as an integer", seal.seq)


@dataclass
class ChainState:
    """Where verification stands: the last good seal and the totals so far."""

    seq: int = 0
    hash: str = GENESIS_HASH
    last_txn: int = GENESIS_TXN
    last_event_id: int = GENESIS_ID
    total: int = 0
    seals: int = 0
    events: int = 0
    subjects: int = 0
    newest_sealed_at_us: int = 0


def verify_chain(
    cursor,
    *,
    start: ChainState | None = None,
    on_seal: Callable[[SealRow], None] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ChainState:
    """Walk the seals in order from ``start`` (the genesis, a trusted checkpoint, or the last seal a
    pruning record removed): continuity,
    links, hashes, and each seal's digest against the stored rows of its range. Raises
    :class:`ChainBroken` at the first fault; memory stays flat whatever the length. With ``workers``
    (PostgreSQL, in a repeatable-read transaction of its own) the digests are computed in parallel."""
    state = start or ChainState()
    start_bound = (state.last_txn, state.last_event_id)
    if workers and connection.vendor == "postgresql":
        stream = seal_rows_parallel(cursor, state.seq + 1, workers, after=start_bound)
    else:
        stream = seal_rows(cursor, since=state.seq + 1, after=start_bound)
    for seal, stored in stream:
        _check_seal_form(seal)
        if seal.seq != state.seq + 1:
            raise ChainBroken(
                f"seal #{state.seq + 1} is missing: the chain jumps to #{seal.seq}", state.seq + 1
            )
        if seal.prev_hash != state.hash:
            raise ChainBroken(
                f"seal #{seal.seq} does not follow seal #{state.seq}: seals removed, inserted or reordered",
                seal.seq,
            )
        fields = {name: getattr(seal, name) for name in SEAL_FIELDS if name != "hash"}
        if seal_hash(**fields) != seal.hash:
            raise ChainBroken(f"seal #{seal.seq} has been changed: its hash does not match", seal.seq)
        if seal.total != state.total + seal.events:
            raise ChainBroken(f"seal #{seal.seq}: its running total does not add up", seal.seq)
        if (seal.last_txn, seal.last_event_id) <= (state.last_txn, state.last_event_id):
            raise ChainBroken(f"seal #{seal.seq} goes backwards in the log", seal.seq)
        if stored is None:
            span = Range(state.last_txn, state.last_event_id, seal.last_txn, seal.last_event_id)
            stored = _range_digest(cursor, span)
        events, subjects, digest, disagreeing = stored
        if events != seal.events:
            raise ChainBroken(
                f"seal #{seal.seq} covers {seal.events} events, the log holds {events} in its range: "
                f"events {'removed' if events < seal.events else 'added'}",
                seal.seq,
            )
        if subjects != seal.subjects:
            raise ChainBroken(
                f"seal #{seal.seq} covers {seal.subjects} rows naming people, the log holds {subjects}: "
                f"rows {'removed' if subjects < seal.subjects else 'added'}",
                seal.seq,
            )
        if digest != seal.digest:
            raise ChainBroken(
                f"seal #{seal.seq}: an event or a row naming a person in it has been changed or restyled",
                seal.seq,
            )
        if disagreeing:
            raise ChainBroken(
                f"seal #{seal.seq}: {disagreeing} events disagree with the rows naming their people "
                f"(rows planted for them, or taken away, before they were sealed)",
                seal.seq,
            )
        state.seq, state.hash = seal.seq, seal.hash
        state.last_txn, state.last_event_id, state.total = seal.last_txn, seal.last_event_id, seal.total
        state.seals += 1
        state.events += events
        state.subjects += subjects
        state.newest_sealed_at_us = seal.sealed_at_us
        if on_seal is not None:
            on_seal(seal)
        if progress is not None:
            progress(events)
    return state


def prepare_reading(cursor, *, outermost: bool) -> None:
    """A read-only snapshot that sees one state of the log however long verification takes (when
    verification opened the transaction; inside a caller's, the caller's snapshot rules)."""
    if connection.vendor == "postgresql" and outermost:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    _digest_session(cursor)
