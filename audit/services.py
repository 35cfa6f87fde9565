"""Writing to the access log, sealing it, anchoring it and verifying it.

A request appends its events in its own transaction, with no global lock: they are durable before
any data is shown (the callers show nothing if the append fails). The sealer (``audit_sealer``)
then chains them in batches and signs checkpoints to the anchor file.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import logging.handlers
import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from audit import anchors, chain, pruning
from audit.models import AccessEvent, AccessEventSubject, AccessOutcome, Action, Pruning, Seal
from lotsa import context, keyfile

# The actor of an act Lotsa carries out itself on one record because of a decision recorded on another
# (protection raised in every unit's record of a person): the decision's own event names who decided;
# this one names no user or unit, so a record's readers do not learn which other board holds the person.
SYSTEM = "lotsa"


@dataclass
class Event:
    """An event not yet chained. Reason, purpose and ground are codes or short texts, never personal data."""

    action: str
    outcome: str = AccessOutcome.ALLOWED
    actor: object | None = None
    target_type: str = ""
    target_id: str = ""
    subject_id: object | None = None
    purpose: str = ""
    legal_ground: str = ""
    reason: str = ""
    actor_username: str | None = None
    # The people a list showed: one event names them all, one indexed row each.
    subjects: list = field(default_factory=list)


def _actor_snapshot(actor, username_override: str | None) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {
            "actor_id": None,
            "actor_username": (username_override or "")[:150],
            "actor_organisation_id": None,
            "actor_organisation": "",
            "actor_role": "",
        }
    organisation = getattr(actor, "organisation", None)
    roles = actor.role_codes() if hasattr(actor, "role_codes") else []
    return {
        "actor_id": actor.pk,
        "actor_username": actor.get_username()[:150],
        "actor_organisation_id": getattr(organisation, "pk", None),
        "actor_organisation": (organisation.name if organisation else "")[:200],
        "actor_role": ",".join(sorted(roles))[:200],
    }


def _values(event: Event, info) -> dict:
    if event.actor == SYSTEM:
        values = _actor_snapshot(None, SYSTEM)
    else:
        actor = event.actor if event.actor is not None else (info.user if info else None)
        values = _actor_snapshot(actor, event.actor_username)
    subjects = sorted({str(subject) for subject in event.subjects if subject is not None})
    values.update(
        occurred_at=timezone.now(),
        action=str(event.action),
        target_type=event.target_type[:100],
        target_id=str(event.target_id)[:64],
        subject_id=event.subject_id,
        subject_count=len(subjects),
        purpose=str(event.purpose)[:100],
        legal_ground=str(event.legal_ground)[:100],
        outcome=str(event.outcome),
        reason=str(event.reason)[:300],
        request_id=(info.request_id if info else "")[:64],
        client_ip=(info.client_ip if info else "")[:45],
    )
    return values, subjects


def append(events: Iterable[Event]) -> list[AccessEvent]:
    """Insert events, atomically, in the caller's transaction if there is one. No lock is taken:
    the sealer chains them after commit. One event (a page's decision) is one INSERT statement, and
    outside a transaction it commits by itself: one round trip to the database.

    If anything fails, the exception propagates and nothing is written: callers must then show no
    data (the access kernel and the views rely on that).
    """
    events = list(events)
    if not events:
        return []
    info = context.current()
    prepared = [_values(event, info) for event in events]
    single_statement = len(prepared) <= _EVENT_BATCH and not any(subjects for _, subjects in prepared)
    with contextlib.nullcontext() if single_statement else transaction.atomic():
        ids = _insert_events([values for values, _ in prepared])
        named = [
            (pk, subject) for pk, (_, subjects) in zip(ids, prepared, strict=True) for subject in subjects
        ]
        if named:
            _insert_subjects(named)
    rows = []
    for pk, (values, _) in zip(ids, prepared, strict=True):
        row = AccessEvent(id=pk, **values)
        row._state.adding, row._state.db = False, connection.alias
        rows.append(row)
    return rows


_EVENT_BATCH = 500
_EVENT_FIELDS = [f for f in AccessEvent._meta.concrete_fields if f.column not in ("id", "txn")]


def _insert_events(rows: list[dict]) -> list[int]:
    """Multi-row INSERTs returning the ids, in order; ``txn`` takes its column default."""
    table = AccessEvent._meta.db_table
    columns = ", ".join(field.column for field in _EVENT_FIELDS)
    one = "(" + ", ".join(["%s"] * len(_EVENT_FIELDS)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _EVENT_BATCH):
            batch = rows[start : start + _EVENT_BATCH]
            params = [
                field.get_db_prep_save(values[field.attname], connection)
                for values in batch
                for field in _EVENT_FIELDS
            ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))} RETURNING id",  # noqa: S608
                params,
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


_SUBJECT_BATCH = 500


def _insert_subjects(named: list[tuple[int, str]]) -> None:
    """The rows naming a list's people, in multi-row INSERTs (a list of a hundred people is one
    statement, not a hundred model instances); ``txn`` takes its column default."""
    field = AccessEventSubject._meta.get_field("subject_id")
    table = AccessEventSubject._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(named), _SUBJECT_BATCH):
            batch = named[start : start + _SUBJECT_BATCH]
            params = []
            for event_id, subject in batch:
                params += [event_id, field.get_db_prep_value(uuid.UUID(subject), connection)]
            values = ", ".join(["(%s, %s)"] * len(batch))
            cursor.execute(f"INSERT INTO {table} (event_id, subject_id) VALUES {values}", params)  # noqa: S608


def record(**kwargs) -> AccessEvent:
    """Append one event: ``record(action=Action.VIEW, actor=user, target=obj, ...)``."""
    target = kwargs.pop("target", None)
    if target is not None:
        kwargs.setdefault("target_type", target._meta.label_lower)
        kwargs.setdefault("target_id", str(target.pk))
    return append([Event(**kwargs)])[0]


def record_denial(*, action: str, reason: str, **kwargs) -> AccessEvent:
    return record(action=action, outcome=AccessOutcome.DENIED, reason=reason, **kwargs)


def token(event: AccessEvent) -> str:
    """Names one written event for the rest of the request (ids alone may be reused after a rollback)."""
    return f"{event.pk}@{event.occurred_at.isoformat()}"


def present(tokens) -> set[str]:
    """Which of these events are in the log (not rolled back)."""
    tokens = list(tokens)
    ids = [int(t.split("@", 1)[0]) for t in tokens]
    rows = AccessEvent.objects.filter(pk__in=ids).values_list("pk", "occurred_at")
    written = {f"{pk}@{occurred_at.isoformat()}" for pk, occurred_at in rows}
    return {t for t in tokens if t in written}


# --- Sealing, anchoring and verification ------------------------------------------------------------


def anchor_path() -> Path:
    return Path(settings.LOTSA_AUDIT_ANCHOR_FILE)


def witness_path(path: Path | None = None) -> Path:
    """The witness file: ``LOTSA_AUDIT_ANCHOR_WITNESS_FILE``, else beside the anchor file under its own
    name (``audit-anchors.jsonl`` is witnessed by ``audit-anchors.witness.jsonl``)."""
    configured = settings.LOTSA_AUDIT_ANCHOR_WITNESS_FILE
    if configured:
        return Path(configured)
    path = path or anchor_path()
    return path.with_name(f"{path.stem}.witness{path.suffix}" if path.suffix else f"{path.name}.witness")


def _public_key():
    return keyfile.load_anchor_public(settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE)


_syslog_handlers: dict[str, logging.Handler] = {}


def publish(record: anchors.Record) -> None:
    """Send the record's line to the system log at ``LOTSA_AUDIT_ANCHOR_SYSLOG`` (off by default): a
    copy for an outside party to compare with the anchor file. Lotsa never reads it back, and a copy
    that cannot be sent does not stop the sealer (the handler reports it on stderr)."""
    address = settings.LOTSA_AUDIT_ANCHOR_SYSLOG
    if not address:
        return
    logger = logging.getLogger("lotsa.audit.anchors")
    handler = _syslog_handlers.get(address)
    if handler is None:
        if address.startswith("/"):
            handler = logging.handlers.SysLogHandler(address=address)
        else:
            kind = socket.SOCK_STREAM if address.startswith("tcp://") else socket.SOCK_DGRAM
            host, _, port = address.removeprefix("tcp://").removeprefix("udp://").rpartition(":")
            handler = logging.handlers.SysLogHandler(address=(host, int(port)), socktype=kind)
        handler.setFormatter(logging.Formatter("lotsa-anchor: %(message)s"))
        _syslog_handlers[address] = handler
    logger.setLevel(logging.INFO)
    handler.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, record.text, (), None))


# The access log remembers every record the sealer writes to the anchor file (but heartbeats) as an
# event with this target type, whose reason is the record's signed memo (anchors.memo).
MEMORY = "audit.anchor"
RECOVERY = "audit.anchor_recovery"
_MEMORY_SCAN = 50  # how many of the newest remembered records are read to find the highest number


def _event_bound(last_txn: int, last_id: int, *, above: bool, key: str = "id") -> Q:
    """Rows after (``above``) or up to and including a seal's ``(txn, id)``; ``key`` is the column
    holding the event's id (``event_id`` for the rows naming people). From the genesis, every row."""
    if connection.vendor == "postgresql":
        if above:
            return Q(txn__gt=last_txn) | Q(txn=last_txn, **{f"{key}__gt": last_id})
        return Q(txn__lt=last_txn) | Q(txn=last_txn, **{f"{key}__lte": last_id})
    return Q(**{f"{key}__gt": last_id}) if above else Q(**{f"{key}__lte": last_id})  # every txn is 0


def remember(record: anchors.Record, private, *, actor_username: str = "audit_sealer") -> None:
    """Write the access log's own record of an anchor: a later seal covers it."""
    append([
        Event(
            action=Action.ANCHOR, target_type=MEMORY, target_id=f"{record.n:012d}",
            reason=anchors.memo(record, private), actor_username=actor_username,
        )
    ])  # fmt: skip


def remembered_anchor(
    *, up_to: tuple[int, int] | None = None, public=None, strict: bool = False
) -> anchors.Memo | None:
    """The highest-numbered anchor the access log remembers among its sealed events (up to the seal
    ending at ``up_to``, else the head), its signed memo checked. The memos are found by their number
    (``target_id``, zero-padded, through a partial index), so copies of old memos replayed later push
    nothing out; a malformed or forged one is passed over, and with ``strict`` (verification) it is
    reported as an AnchorError, while the sealer and its recovery go on with the genuine ones."""
    if up_to is None:
        head = Seal.objects.order_by("-seq").values_list("last_txn", "last_event_id").first()
        if head is None:
            return None
        up_to = head
    rows = (
        AccessEvent.objects.filter(_event_bound(*up_to, above=False), target_type=MEMORY)
        .filter(action=Action.ANCHOR)
        .order_by("-target_id")
        .values_list("target_id", "reason")[:_MEMORY_SCAN]
    )
    public = public or _public_key()
    forged = 0
    for number, text in rows:
        try:
            memo = anchors.parse_memo(text, public)
        except anchors.AnchorError:
            forged += 1
            continue
        if str(memo.n).zfill(12) != number:
            forged += 1  # a genuine memo copied under another number
            continue
        if strict and forged:
            break
        return memo
    if strict and forged:
        raise anchors.AnchorError(
            f"{forged} records of anchors in the access log are malformed, forged or copied under another "
            f"number: someone wrote to the log as if they were the sealer"
        )
    return None


def check_against_memory(path: Path, remembered: anchors.Memo | None, public) -> None:
    """A file holding fewer anchors than the access log remembers, or another record under a
    remembered number, has been deleted, emptied, rewound, truncated or replaced: AnchorError. The
    remembered record is looked up by its number, in the active file or the archive that holds it
    (:func:`anchors.find`), without reading the records before it."""
    if remembered is None:
        return
    restart = f"`manage.py audit_anchor_recover restart --reason ...` starts a new one ({path})"
    held = anchors.find(path, public, remembered.n)
    if held is None:
        if anchors.opens_anew_after(path, remembered.n):
            return  # the file was started anew, by audit_anchor_recover, after the remembered anchor
        newest = anchors.last(path, public)
        if newest is not None and remembered.n < newest.n:
            raise anchors.AnchorError(
                f"the access log remembers anchor {remembered.n} (a {remembered.kind} of seal "
                f"#{remembered.seal}), but neither the anchor file nor an archive beside it holds it: "
                f"an archive was lost; restore it from its copy"
            )
        holds = f"ends at anchor {newest.n}" if newest else "holds no anchor"
        raise anchors.AnchorError(
            f"the anchor file {holds}, but the access log remembers anchor {remembered.n} "
            f"(a {remembered.kind} of seal #{remembered.seal}): the file was deleted, emptied, rewound or "
            f"truncated; {restart}"
        )
    if (held.kind, held.seal, held.seal_hash) != (remembered.kind, remembered.seal, remembered.seal_hash):
        raise anchors.AnchorError(
            f"anchor {remembered.n} on {held.where} is not the one the access log remembers: "
            f"the file was replaced; {restart}"
        )


class Sealer:
    """The sequencer: seals what is pending, witnesses the head, and writes checkpoints.

    One runs in ``audit_sealer`` (``make demo`` starts it); several may run against one database and
    share one anchor file: sealing takes a non-blocking lock, and each append to the file an
    exclusive one. It refuses to start on a file holding fewer anchors than the access log remembers.
    Starting reads the file's last line and the one record the log remembers, whatever the file's
    length (verification reads the rest)."""

    def __init__(self, *, path: Path | None = None, private=None):
        private = private or keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
        self.private = private
        path = path or anchor_path()
        self.writer = anchors.Writer(
            path, private, rotate=settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS, witness=witness_path(path)
        )
        public = private.public_key()
        remembered = remembered_anchor(public=public)
        check_against_memory(self.writer.path, remembered, public)
        agreed = anchors.compare_now(path, self.writer.witness, public, remembered)
        if agreed.problem:
            raise anchors.AnchorError(agreed.problem)  # a lag of one line is repaired by the next write
        last = self.writer.last
        self.seen = (last.seal, last.seal_hash) if last and last.kind != anchors.ALARM else None
        self.anchored_at = last.at if last else 0.0
        self.anchored_seal = last.seal if last else 0

    @staticmethod
    def _head() -> tuple[int, str, int]:
        head = Seal.objects.order_by("-seq").values_list("seq", "hash", "total").first()
        return head if head else (0, chain.GENESIS_HASH, 0)

    def _moved(self, seq: int) -> bool:
        """Whether the seals after the anchored one hold any event but the log's own memory of
        anchors (which would otherwise keep an idle log anchoring itself for ever)."""
        if seq <= self.anchored_seal:
            return False
        if self.anchored_seal == 0:
            return True
        bounds = {
            row[0]: row[1:]
            for row in Seal.objects.filter(seq__in=[self.anchored_seal, seq]).values_list(
                "seq", "last_txn", "last_event_id"
            )
        }
        if self.anchored_seal not in bounds:
            return True  # the anchored seal is gone: the witness reports it
        after = _event_bound(*bounds[self.anchored_seal], above=True)
        upto = _event_bound(*bounds[seq], above=False)
        return AccessEvent.objects.filter(after, upto).exclude(target_type=MEMORY).exists()

    def _pruned(self, seq: int) -> bool:
        """Whether a pruning record signed by the anchor key removed seal ``seq``: a record without
        that signature (inserted through the door by whoever holds the database) silences nothing."""
        public = self.private.public_key()
        records = Pruning.objects.filter(through_seal__gte=seq).order_by("n")
        return any(pruning.signed_by(record, public) for record in records)

    def write(self, kind: str, *, now: float, reason: str = "", first_n: int = 1) -> anchors.Record:
        """Append a record naming the head as it is under the file's lock; remember it in the log."""
        record = self.writer.write(kind, head=self._head, now=now, reason=reason, first_n=first_n)
        publish(record)
        if record.kind != anchors.HEARTBEAT:
            remember(record, self.private)
        self.anchored_at, self.anchored_seal = now, record.seal
        return record

    def tick(self, now: float | None = None, *, force_anchor: bool = False) -> dict:
        """One round: seal, witness, anchor if due (or if forced). Returns what it did."""
        now = time.time() if now is None else now
        sealed = chain.seal_pending()
        seq, head_hash, _ = self._head()
        done = {"sealed": sealed, "anchor": None}
        if self.seen is not None:
            seen_seq, seen_hash = self.seen
            if (
                seen_seq
                and not Seal.objects.filter(seq=seen_seq, hash=seen_hash).exists()
                and not self._pruned(seen_seq)
            ):  # a seal a signed pruning record removed is not a cut tail
                record = self.write(
                    anchors.ALARM,
                    now=now,
                    reason=f"seal #{seen_seq} that this sealer saw is no longer in the log: "
                    f"the tail was cut or rewritten",
                )
                done["anchor"] = anchors.ALARM
                self.seen = (record.seal, record.seal_hash)
                return done
        self.seen = (seq, head_hash)
        moved = self._moved(seq)
        # The clock was stepped back behind the last record: anchor now, and the record says so.
        stepped = now < self.anchored_at
        due = moved and (
            stepped
            or seq - self.anchored_seal >= settings.LOTSA_AUDIT_ANCHOR_EVERY_SEALS
            or now - self.anchored_at >= settings.LOTSA_AUDIT_ANCHOR_INTERVAL
            or self.anchored_seal == 0
        )
        kind = anchors.CHECKPOINT if due or force_anchor else None
        if kind is None and (stepped or now - self.anchored_at >= settings.LOTSA_AUDIT_HEARTBEAT):
            kind = anchors.HEARTBEAT
        if kind:
            record = self.write(kind, now=now)
            done["anchor"] = record.kind
            if record.kind == anchors.ALARM:
                self.seen = (record.seal, record.seal_hash)
        return done


# --- Recovering the anchor file (audit_anchor_recover) ------------------------------------------------

TORN_LINE, CLOCK_STEP, RESTART = "torn-line", "clock-step", "restart"


class RecoveryRefused(Exception):
    """The anchor file is not in the state the recovery is for; nothing was changed."""


def _aside(path: Path, what: str, now: float) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return path.with_name(f"{path.name}.{what}-{stamp}")


def _realign_witness(
    path: Path, witness: Path, last: anchors.Record | None, public, now: float
) -> tuple[str, bool]:
    """For a restart: a witness that disagrees with the anchor file as it now stands is moved aside,
    under both locks, and starts anew with the restart record; one that agrees (or lacks only the
    file's last line, which the write repairs) goes on. Says what was done, for the record's reason,
    and whether the witness starts anew."""
    agreed = anchors.compare(last, witness, public)
    if not agreed.problem:
        return "", False
    moved = ""
    with anchors.locked(path), anchors.locked(witness):  # created empty if it was missing
        if witness.stat().st_size:
            aside = _aside(witness, "replaced", now)
            witness.rename(aside)
            moved = f", the old witness moved to {aside.name}"
    why = agreed.problem.split(":")[0]
    return f"; the witness disagreed ({why}) and starts anew with this record{moved}", True


def anchor_recover(*, situation: str, reason: str, operator: str, now: float | None = None) -> anchors.Record:
    """Bring the anchor file out of a state in which the sealer refuses to start or verification fails
    for a reason an operator has examined, and record what was done and why: a signed record in the
    file (which the log also remembers) and an access event.

    * ``torn-line``: the last line was cut short by an interrupted write. It is moved to a file beside
      the anchor file, and a ``repair`` record says how many bytes it held and their hash.
    * ``clock-step``: the sealer's clock was stepped (an anchor goes back in time, or lies in the
      future, beyond the tolerance). A ``clock`` record says the steps before it were examined.
    * ``restart``: the file was lost (deleted, emptied, rewound, truncated or unreadable: it is moved
      aside and a new one started) or an alarm was examined (a backup restored, say). A ``restart``
      record anchors the log's head anew, numbered after every anchor the log remembers; the records
      before it are kept but no longer compared with the chain.
    """
    reason = reason.strip()
    if not reason:
        raise RecoveryRefused("a reason is required")
    now = time.time() if now is None else now
    private = keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
    public = private.public_key()
    path = anchor_path()
    witness = witness_path(path)
    witness_anew = False
    chain.seal_pending()
    if situation == TORN_LINE:
        # Under the file's lock, so that no sealer sharing the file is writing a line this judges torn;
        # what would be left is read before anything changes.
        with anchors.locked(path) as fd:
            data = anchors.read_all(fd)
            if not data or data.endswith(b"\n"):
                raise RecoveryRefused(f"the last line of {path} is not torn")
            keep = data[: data.rfind(b"\n") + 1]
            torn = data[len(keep) :]
            kept = anchors.check_text(keep, public, path)
            agreed = anchors.compare(kept[-1] if kept else None, witness, public)
            if agreed.problem:
                raise RecoveryRefused(agreed.problem)
            aside = _aside(path, "torn", now)
            aside.write_bytes(torn)
            os.ftruncate(fd, len(keep))
            os.fsync(fd)
        kind = anchors.REPAIR
        what = (
            f"removed a torn last line ({len(torn)} bytes, sha256 {hashlib.sha256(torn).hexdigest()}) "
            f"to {aside.name}"
        )
    elif situation == CLOCK_STEP:
        tolerance = settings.LOTSA_AUDIT_CLOCK_TOLERANCE
        problem, _ = _clock(anchors.scan(path, public), now)
        if not problem:
            raise RecoveryRefused(
                f"no anchor goes back in time, or lies ahead, by more than {tolerance:.0f} s"
            )
        agreed = anchors.compare(anchors.last(path, public), witness, public)
        if agreed.problem:
            raise RecoveryRefused(agreed.problem)
        kind, what = anchors.CLOCK, f"examined a clock step: {problem.split(': check')[0]}"
    elif situation == RESTART:
        remembered = remembered_anchor(public=public)
        count, newest = 0, 0  # the file is streamed: its records are counted, not kept
        try:
            for record in anchors.scan(path, public):
                count, newest = count + 1, record.n
        except anchors.AnchorError:
            count, lost = 0, "unreadable"
        else:
            lost = "" if count else "missing or empty"
            try:
                check_against_memory(path, remembered, public)
            except anchors.AnchorError:
                count, lost = 0, "it held fewer anchors than the log remembers"
        archived = max((last for _, last, _ in anchors.archives(path)), default=0)
        archived = max(archived, anchors.witness_numbers(witness))
        start = max(newest if count else 0, remembered.n if remembered else 0, archived) + 1
        if count:
            what = f"anchored the log anew after the alarm or records before line {count + 1}"
        else:
            moved = ""
            if path.exists() and path.stat().st_size:
                aside = _aside(path, "replaced", now)
                with anchors.locked(path):  # no sealer is halfway through a line when it moves
                    path.rename(aside)
                moved = f", the old file moved to {aside.name}"
            what = f"started a new anchor file at anchor {start}{moved} ({lost})"
        realigned, witness_anew = _realign_witness(path, witness, anchors.last(path, public), public, now)
        what += realigned
        kind = anchors.RESTART
    else:
        raise RecoveryRefused(f"unknown situation {situation!r}")
    sealer_writer = anchors.Writer(
        path, private, rotate=settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS, witness=witness
    )
    record = sealer_writer.write(
        kind,
        head=Sealer._head,
        now=now,
        reason=f"{what}; by {operator}: {reason}"[:2000],
        first_n=start if situation == RESTART else 1,
        witness_anew=witness_anew,
    )
    publish(record)
    remember(record, private, actor_username=operator)
    record_event = Event(
        action=Action.ANCHOR,
        target_type=RECOVERY,
        target_id=f"{situation}:{record.n}",
        reason=f"{reason} [{what}]"[:300],
        actor_username=operator,
    )
    append([record_event])
    chain.seal_pending()
    return record


@dataclass
class VerifyResult:
    ok: bool
    message: str
    seals: int = 0
    events: int = 0
    anchored_events: int = 0
    pending: int = 0
    newest_anchor_age: float | None = None
    first_bad_seal: int | None = None


def _seconds(value) -> float:
    return value.timestamp()


class SealedHead:
    """The newest seal's end: whether an event is covered by a seal yet, or still waits for one."""

    def __init__(self):
        row = Seal.objects.order_by("-seq").values_list("last_txn", "last_event_id").first()
        self.last = tuple(row) if row else (chain.GENESIS_TXN, chain.GENESIS_ID)

    def covers(self, event: AccessEvent) -> bool:
        if connection.vendor == "postgresql":
            return (event.txn, event.pk) <= self.last
        return event.pk <= self.last[1]  # every txn is 0 on SQLite


def _rows_no_seal_covers(state: chain.ChainState, pruned: pruning.Pruned | None = None) -> str:
    """Rows the desk or an extract could show that no seal covers and none ever will: rows below the
    first seal's range (below the genesis, or at or below the last pruned seal's end: left behind or
    put back), and rows naming a person after the newest seal that belong to no event waiting there
    in their own transaction (planted for an event already sealed, or not yet written). Rows inside a
    sealed range are the digests' to judge; events after the newest seal are pending."""
    below = Q(txn__lt=chain.GENESIS_TXN)
    if AccessEvent.objects.filter(below).exists() or AccessEventSubject.objects.filter(below).exists():
        return "rows of the log lie below the first seal's range, outside every seal"
    if pruned is not None:
        record = pruned.newest
        bound = (record.last_txn, record.last_event_id)
        if (
            AccessEvent.objects.filter(_event_bound(*bound, above=False)).exists()
            or AccessEventSubject.objects.filter(_event_bound(*bound, above=False, key="event_id")).exists()
            or Seal.objects.filter(seq__lte=record.through_seal).exists()
        ):
            return (
                f"rows of the log lie at or below seal #{record.through_seal}, which pruning record "
                f"#{record.n} removed: left behind or put back, outside every seal"
            )
    waiting_event = AccessEvent.objects.filter(
        _event_bound(state.last_txn, state.last_event_id, above=True),
        pk=OuterRef("event_id"),
        txn=OuterRef("txn"),
    )
    stray = (
        AccessEventSubject.objects.filter(
            _event_bound(state.last_txn, state.last_event_id, above=True, key="event_id")
        )
        .exclude(Exists(waiting_event))
        .count()
    )
    if stray:
        return (
            f"{stray} rows naming people after the newest seal belong to no event waiting to be sealed: "
            f"planted for an event sealed already, or for one not yet written"
        )
    return ""


class _Anchors:
    """What verification keeps of the anchor file while streaming it: per anchored seal (since the
    last restart) its hash, total and where it was first named, the last record, the first alarm,
    the restarts and the clock rules' state; never the records themselves."""

    def __init__(self, now: float, since: int | None):
        self.clock = _ClockRules(now)
        self.since = since
        self.by_seal: dict[int, list[tuple[str, int, str]]] = {}
        self.first = self.last = self.trusted = self.alarm = None
        self.history: list[anchors.Record] = []  # alarms before the last restart
        self.restarts: list[anchors.Record] = []

    def add(self, record: anchors.Record) -> None:
        self.clock.add(record)
        if record.kind == anchors.RESTART:
            # A restart (audit_anchor_recover) starts the file's agreement with the chain anew: the
            # records before it are history, read and reported, but no longer compared with the chain.
            self.restarts.append(record)
            if self.alarm is not None:
                self.history.append(self.alarm)
            self.by_seal, self.first, self.alarm, self.trusted = {}, record, None, None
        if self.first is None:
            self.first = record
        if record.kind == anchors.ALARM and self.alarm is None:
            self.alarm = record
        if record.n == self.since:
            self.trusted = record
        named = self.by_seal.setdefault(record.seal, [])
        if not any(h == record.seal_hash and t == record.total for h, t, _ in named):
            named.append((record.seal_hash, record.total, record.where))  # heartbeats repeat, once kept
        self.last = record

    @property
    def anchored_seal(self) -> int:
        return max(self.by_seal, default=0)


def read_anchors(
    path: Path, public, *, now: float, since: int | None = None, all_anchors: bool = False
) -> _Anchors:
    """The anchor file streamed into what verification keeps of it (:class:`_Anchors`); raises
    AnchorError at the first fault of a file or a link between files."""
    read = _Anchors(now, since)
    stream = (
        anchors.scan_all(path, public, signatures_from=since or 0)
        if all_anchors
        else anchors.scan(path, public, signatures_from=since or 0)
    )
    for record in stream:
        read.add(record)
    return read


def verify(
    *, since: int | None = None, now: float | None = None, window: float | None = None, progress=None,
    all_anchors: bool = False,
):  # fmt: skip
    """Verify the chain from the genesis (or from checkpoint ``since``) against the stored rows and
    the anchor file. Never raises for a broken log: the result says what is wrong.

    The anchor file is streamed: by default the active file, every record (the rotation bounds it),
    and its link to the archive before it; with ``all_anchors`` every archive too, in order. With
    ``since``, records numbered below the trusted checkpoint are checked for numbering and links but
    not signatures (the links from the checkpoint back vouch for them)."""
    now = time.time() if now is None else now
    window = settings.LOTSA_AUDIT_ANCHOR_WINDOW if window is None else window
    path, public = anchor_path(), _public_key()
    try:
        read = read_anchors(path, public, now=now, since=since, all_anchors=all_anchors)
    except anchors.AnchorError as exc:
        return VerifyResult(False, str(exc))
    if read.alarm is not None:
        return VerifyResult(
            False,
            f"the sealer raised an alarm on {read.alarm.where}: {read.alarm.reason} (once examined, "
            f"`manage.py audit_anchor_recover restart --reason ...` anchors the log anew)",
        )
    clock_problem, clock_notes = read.clock.result()
    if clock_problem:
        return VerifyResult(False, clock_problem)
    by_seal = read.by_seal
    anchored_seal = read.anchored_seal
    first_unanchored_at = []

    def against_anchors(seal) -> None:
        if seal.seq == anchored_seal + 1:
            first_unanchored_at.append(seal.sealed_at_us / 1e6)
        for seal_hash, total, where in by_seal.get(seal.seq, ()):
            if seal_hash != seal.hash or total != seal.total:
                raise chain.ChainBroken(
                    f"seal #{seal.seq} disagrees with the anchor on {where}: "
                    f"the log was rewritten from there or before",
                    seal.seq,
                )

    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        chain.prepare_reading(cursor, outermost=outermost)
        try:
            pruned = pruning.check(public)
        except pruning.PruningError as exc:
            return VerifyResult(False, str(exc))
        start = pruned.start if pruned else None
        if pruned is not None:
            named = by_seal.get(pruned.newest.through_seal, ())
            for seal_hash, total, where in named:
                if seal_hash != pruned.newest.seal_hash or total != pruned.newest.total:
                    return VerifyResult(
                        False,
                        f"pruning record #{pruned.newest.n} names seal #{pruned.newest.through_seal} "
                        f"otherwise than the anchor on {where}: the log was rewritten before it was pruned",
                    )
        if since is not None:
            trusted = read.trusted
            if trusted is None:
                try:  # in an archive: looked up by its number, its signature checked
                    trusted = anchors.find(path, public, since)
                except anchors.AnchorError:
                    trusted = None
            if trusted is None:
                return VerifyResult(False, f"there is no checkpoint number {since} in the anchor file")
            row = Seal.objects.filter(seq=trusted.seal).values_list(
                "seq", "hash", "last_txn", "last_event_id", "total"
            ).first()  # fmt: skip
            if pruned is not None and trusted.seal <= pruned.newest.through_seal:
                return VerifyResult(
                    False,
                    f"checkpoint {since} names seal #{trusted.seal}, which pruning record "
                    f"#{pruned.newest.n} removed: verify from a later checkpoint, or from the pruning",
                )
            if row is None or row[1] != trusted.seal_hash or row[4] != trusted.total:
                return VerifyResult(False, f"seal #{trusted.seal} disagrees with checkpoint {since}")
            start = chain.ChainState(
                seq=row[0], hash=row[1], last_txn=row[2], last_event_id=row[3], total=row[4]
            )
        try:
            # In a snapshot of its own, the database's cores share the digests; inside a caller's
            # transaction (the tests), one connection sees what the caller sees.
            parallel = settings.LOTSA_AUDIT_VERIFY_WORKERS if outermost else 0
            state = chain.verify_chain(
                cursor, start=start, on_seal=against_anchors, progress=progress, workers=parallel
            )
        except chain.ChainBroken as exc:
            return VerifyResult(False, str(exc), first_bad_seal=exc.seq)
        try:
            remembered = (
                remembered_anchor(up_to=(state.last_txn, state.last_event_id), strict=True)
                if state.seq
                else None
            )
        except anchors.AnchorError as exc:
            return VerifyResult(False, str(exc))
        waiting, oldest, oldest_txn = (
            AccessEvent.objects.filter(_event_bound(state.last_txn, state.last_event_id, above=True))
            .aggregate(n=Count("id"), oldest=Min("occurred_at"), txn=Min("txn"))
            .values()
        )
        uncovered = _rows_no_seal_covers(state, pruned)
        stall = chain.stalled_behind(cursor, oldest_txn) if waiting else None
    result = VerifyResult(False, "", seals=state.seals, events=state.events, pending=waiting)
    if uncovered:
        result.message = uncovered
        return result
    beyond = min((seal for seal in by_seal if seal > state.seq), default=None)
    if beyond is not None:
        result.message = (
            f"the log ends at seal #{state.seq}, below seal #{beyond} anchored on "
            f"{by_seal[beyond][0][2]}: seals and their events have been cut off"
        )
        return result
    result.anchored_events = by_seal[anchored_seal][0][1] if by_seal else 0
    if waiting and _seconds(oldest) < now - settings.LOTSA_AUDIT_SEAL_GRACE:
        if stall is not None:
            result.message = (
                f"sealing is stalled: {waiting} events wait, the oldest from {oldest:%Y-%m-%d %H:%M:%S} UTC, "
                f"behind {stall}; they are sealed when it ends"
            )
        else:
            result.message = (
                f"{waiting} events were never sealed, the oldest from {oldest:%Y-%m-%d %H:%M:%S} UTC "
                f"(is the sealer running?)"
            )
        return result
    try:
        agreed = anchors.compare_now(path, witness_path(path), public, remembered)
    except anchors.AnchorError as exc:
        agreed = anchors.Agreement(problem=str(exc))
    if agreed.problem:
        result.message = agreed.problem
        return result
    if state.seq and read.last is None:
        result.message = "the log has seals but the anchor file is missing or empty" + (
            f": the access log remembers anchor {remembered.n}" if remembered else ""
        )
        return result
    try:
        check_against_memory(path, remembered, public)
    except anchors.AnchorError as exc:
        result.message = str(exc)
        return result
    if read.last is not None:
        # By number, not by time: the last record is the newest, whatever its clock said.
        result.newest_anchor_age = max(0.0, now - read.last.at)
        if result.newest_anchor_age > window:
            result.message = (
                f"the newest anchor is {result.newest_anchor_age:.0f} s old, the window is {window:.0f} s: "
                f"a tail may have been cut (is the sealer running?)"
            )
            return result
        if first_unanchored_at and first_unanchored_at[0] < now - window:
            result.message = (
                f"seal #{anchored_seal + 1} has waited longer than {window:.0f} s for an anchor "
                f"(is the sealer running?)"
            )
            return result
    result.ok = True
    unanchored = state.total - result.anchored_events
    age = "" if result.newest_anchor_age is None else f", newest anchor {result.newest_anchor_age:.0f} s old"
    notes = clock_notes + [
        f"the anchor file was restarted at anchor {r.n} ({r.where}): {r.reason}" for r in read.restarts
    ]
    notes += [f"an alarm before that restart, on {r.where}: {r.reason}" for r in read.history]
    if agreed.note:
        notes.append(agreed.note)
    if pruned is None:
        intact = f"{state.total} events in {state.seq} seals intact"
    else:
        record = pruned.newest
        cut = datetime.datetime.fromtimestamp(record.cutoff_us / 1e6, datetime.UTC)
        intact = (
            f"{state.events} events in {state.seals} seals (#{start.seq + 1} to #{state.seq}) "
            f"intact after the signed pruning of seals #1 to #{record.through_seal} ({record.total} events "
            f"from before {cut:%Y-%m-%d}, {pruned.records} pruning records)"
        )
    result.message = (
        f"{intact}; {result.anchored_events} anchored, "
        f"{unanchored} in the unanchored tail{age}; {waiting} waiting to be sealed"
    ) + "".join(f"\nnote: {note}" for note in notes)
    return result


# Two sealers sharing a file interleave their clocks by fractions of a second: steps below this are
# accepted without a note.
CLOCK_NOTE_FROM = 1.0


class _ClockRules:
    """The clock rules, fed one record at a time in the order of their numbers. A record whose time
    goes back behind the one before by at most the tolerance (an NTP step) is accepted and noted; a
    larger step, or a record dated beyond the tolerance ahead of this clock (which would mask the
    freshness check), is reported until a ``clock`` (or ``restart``) record, written by
    audit_anchor_recover at or after it, says it was examined."""

    NOTES = 50  # clock steps noted in full; beyond them, counted

    def __init__(self, now: float):
        self.now = now
        self.tolerance = settings.LOTSA_AUDIT_CLOCK_TOLERANCE
        self.problem = ""  # the first step not yet examined
        self.newest = 0.0
        self.notes: list[list] = []  # [back, where, examined]
        self.more = 0

    def add(self, record: anchors.Record) -> None:
        tolerance, now = self.tolerance, self.now
        back = max(record.clock_back, self.newest - record.at)
        if back > tolerance and not self.problem:
            self.problem = (
                f"the anchor on {record.where} goes back in time by {back:.0f} s, more than the "
                f"tolerance of {tolerance:.0f} s: check the sealer's clock, then record that with "
                f"`manage.py audit_anchor_recover clock-step --reason ...`"
            )
        if record.at > now + tolerance and not self.problem:
            self.problem = (
                f"the anchor on {record.where} is dated {record.at - now:.0f} s in the future, more "
                f"than the tolerance of {tolerance:.0f} s (it would hide a stale log): check the sealer's "
                f"clock, then `manage.py audit_anchor_recover clock-step --reason ...`"
            )
        if back >= CLOCK_NOTE_FROM:
            if len(self.notes) < self.NOTES:
                self.notes.append([back, record.where, False])
            else:
                self.more += 1
        if record.kind in (anchors.CLOCK, anchors.RESTART):
            # Examined: the steps up to here are acknowledged, and from here time is judged against
            # this record: the records after it, written at the corrected time, do not go back
            # behind a future one examined before.
            self.problem = ""
            for note in self.notes:
                note[2] = True
            self.newest = record.at
        else:
            self.newest = max(self.newest, record.at)

    def result(self) -> tuple[str, list[str]]:
        if self.problem:
            return self.problem, []
        notes = [
            f"the clock went back {back:.1f} s at {where}"
            + (" (examined)" if examined else " (within the tolerance)")
            for back, where, examined in self.notes
        ]
        if self.more:
            notes.append(f"and {self.more} more steps back of the clock")
        return "", notes


def _clock(records: Iterable[anchors.Record], now: float) -> tuple[str, list[str]]:
    """The clock rules (:class:`_ClockRules`) over records in the order of their numbers: (the
    problem or "", notes)."""
    rules = _ClockRules(now)
    for record in records:
        rules.add(record)
    return rules.result()


__all__ = [
    "AccessOutcome",
    "Action",
    "Event",
    "Sealer",
    "append",
    "present",
    "record",
    "record_denial",
    "token",
    "verify",
]
