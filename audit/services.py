"""Writing to the access log, sealing it, anchoring it and verifying it.

A request appends its events in its own transaction, with no global lock: they are durable before
any data is shown (the callers show nothing if the append fails). The sealer (``audit_sealer``)
then chains them in batches and signs checkpoints to the anchor file.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from audit import anchors, chain
from audit.models import AccessEvent, AccessEventSubject, Action, Outcome, Seal
from lotsa import context, keyfile


@dataclass
class Event:
    """An event not yet chained. Reason, purpose and ground are codes or short texts, never personal data."""

    action: str
    outcome: str = Outcome.ALLOWED
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
    return record(action=action, outcome=Outcome.DENIED, reason=reason, **kwargs)


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


def _public_key():
    return keyfile.load_anchor_public(settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE)


class Sealer:
    """The sequencer: seals what is pending, witnesses the head, and writes checkpoints.

    One runs in ``audit_sealer`` (``make demo`` starts it); several may run against one database:
    sealing takes a non-blocking lock, and each sealer writes its own anchor file."""

    def __init__(self, *, path: Path | None = None, private=None):
        private = private or keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
        self.writer = anchors.Writer(path or anchor_path(), private)
        last = self.writer.last
        self.seen = (last.seal, last.seal_hash) if last and last.kind != anchors.ALARM else None
        self.anchored_at = last.at if last else 0.0
        self.anchored_seal = last.seal if last else 0

    def _head(self) -> tuple[int, str, int]:
        head = Seal.objects.order_by("-seq").values_list("seq", "hash", "total").first()
        return head if head else (0, chain.GENESIS_HASH, 0)

    def tick(self, now: float | None = None, *, force_anchor: bool = False) -> dict:
        """One round: seal, witness, anchor if due (or if forced). Returns what it did."""
        now = time.time() if now is None else now
        sealed = chain.seal_pending()
        seq, head_hash, total = self._head()
        done = {"sealed": sealed, "anchor": None}
        if self.seen is not None:
            seen_seq, seen_hash = self.seen
            if seen_seq and not Seal.objects.filter(seq=seen_seq, hash=seen_hash).exists():
                self.writer.write(
                    anchors.ALARM,
                    seal=seq,
                    seal_hash=head_hash,
                    total=total,
                    now=now,
                    reason=f"seal #{seen_seq} that this sealer saw is no longer in the log: "
                    f"the tail was cut or rewritten",
                )
                done["anchor"] = anchors.ALARM
                self.anchored_at, self.anchored_seal, self.seen = now, seq, (seq, head_hash)
                return done
        self.seen = (seq, head_hash)
        moved = seq > self.anchored_seal
        due = moved and (
            seq - self.anchored_seal >= settings.LOTSA_AUDIT_ANCHOR_EVERY_SEALS
            or now - self.anchored_at >= settings.LOTSA_AUDIT_ANCHOR_INTERVAL
            or self.anchored_seal == 0
        )
        kind = anchors.CHECKPOINT if due or force_anchor else None
        if kind is None and now - self.anchored_at >= settings.LOTSA_AUDIT_HEARTBEAT:
            kind = anchors.HEARTBEAT
        if kind:
            self.writer.write(kind, seal=seq, seal_hash=head_hash, total=total, now=now)
            self.anchored_at, self.anchored_seal = now, seq
            done["anchor"] = kind
        return done


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


def _beyond(state: chain.ChainState, key: str) -> Q:
    """Rows after the newest seal's range (``key``: the event's id column of the table)."""
    if connection.vendor == "postgresql":
        return Q(txn__gt=state.last_txn) | Q(txn=state.last_txn, **{f"{key}__gt": state.last_event_id})
    return Q(**{f"{key}__gt": state.last_event_id}) if state.seq else Q()  # every txn is 0 on SQLite


def _rows_no_seal_covers(state: chain.ChainState) -> str:
    """Rows the desk or an extract could show that no seal covers and none ever will: rows below the
    first seal's range, and rows naming a person after the newest seal that belong to no event
    waiting there in their own transaction (planted for an event already sealed, or not yet written).
    Rows inside a sealed range are the digests' to judge; events after the newest seal are pending."""
    below = Q(txn__lt=chain.GENESIS_TXN)
    if AccessEvent.objects.filter(below).exists() or AccessEventSubject.objects.filter(below).exists():
        return "rows of the log lie below the first seal's range, outside every seal"
    waiting_event = AccessEvent.objects.filter(
        _beyond(state, "id"), pk=OuterRef("event_id"), txn=OuterRef("txn")
    )
    stray = (
        AccessEventSubject.objects.filter(_beyond(state, "event_id")).exclude(Exists(waiting_event)).count()
    )
    if stray:
        return (
            f"{stray} rows naming people after the newest seal belong to no event waiting to be sealed: "
            f"planted for an event sealed already, or for one not yet written"
        )
    return ""


def verify(*, since: int | None = None, now: float | None = None, window: float | None = None, progress=None):
    """Verify the chain from the genesis (or from checkpoint ``since``) against the stored rows and
    the anchor file. Never raises for a broken log: the result says what is wrong."""
    now = time.time() if now is None else now
    window = settings.LOTSA_AUDIT_ANCHOR_WINDOW if window is None else window
    try:
        records = anchors.read(anchor_path(), _public_key())
    except anchors.AnchorError as exc:
        return VerifyResult(False, str(exc))
    alarms = [r for r in records if r.kind == anchors.ALARM]
    if alarms:
        first = alarms[0]
        return VerifyResult(False, f"the sealer raised an alarm on line {first.line}: {first.reason}")
    by_seal: dict[int, list] = {}
    for record in records:
        by_seal.setdefault(record.seal, []).append(record)
    anchored_seal = max((r.seal for r in records), default=0)
    first_unanchored_at = []

    def against_anchors(seal) -> None:
        if seal.seq == anchored_seal + 1:
            first_unanchored_at.append(seal.sealed_at_us / 1e6)
        for record in by_seal.get(seal.seq, ()):
            if record.seal_hash != seal.hash or record.total != seal.total:
                raise chain.ChainBroken(
                    f"seal #{seal.seq} disagrees with the anchor on line {record.line}: "
                    f"the log was rewritten from there or before",
                    seal.seq,
                )

    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        chain.prepare_reading(cursor, outermost=outermost)
        start = None
        if since is not None:
            trusted = next((r for r in records if r.n == since), None)
            if trusted is None:
                return VerifyResult(False, f"there is no checkpoint number {since} in the anchor file")
            row = Seal.objects.filter(seq=trusted.seal).values_list(
                "seq", "hash", "last_txn", "last_event_id", "total"
            ).first()  # fmt: skip
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
        beyond_seal = _beyond(state, "id")
        waiting, oldest = (
            AccessEvent.objects.filter(beyond_seal)
            .aggregate(n=Count("id"), oldest=Min("occurred_at"))
            .values()
        )
        uncovered = _rows_no_seal_covers(state)
        stall = chain.stalled_behind(cursor, oldest) if waiting else None
    result = VerifyResult(False, "", seals=state.seals, events=state.events, pending=waiting)
    if uncovered:
        result.message = uncovered
        return result
    beyond = [r for r in records if r.seal > state.seq]
    if beyond:
        result.message = (
            f"the log ends at seal #{state.seq}, below seal #{beyond[0].seal} anchored on line "
            f"{beyond[0].line}: seals and their events have been cut off"
        )
        return result
    anchored = max((r for r in records), key=lambda r: r.seal, default=None)
    result.anchored_events = anchored.total if anchored else 0
    if waiting and _seconds(oldest) < now - settings.LOTSA_AUDIT_SEAL_GRACE:
        if stall is not None:
            result.message = (
                f"sealing is stalled: {waiting} events wait, the oldest from {oldest:%Y-%m-%d %H:%M:%S} UTC, "
                f"behind a transaction open since {stall[1]} UTC (process {stall[0]}); they are sealed "
                f"when it ends"
            )
        else:
            result.message = (
                f"{waiting} events were never sealed, the oldest from {oldest:%Y-%m-%d %H:%M:%S} UTC "
                f"(is the sealer running?)"
            )
        return result
    if state.seq and not records:
        result.message = "the log has seals but the anchor file is missing or empty"
        return result
    if records:
        result.newest_anchor_age = now - records[-1].at
        if result.newest_anchor_age > window:
            result.message = (
                f"the newest anchor is {result.newest_anchor_age:.0f} s old, the window is {window:.0f} s: "
                f"a tail may have been cut (is the sealer running?)"
            )
            return result
        if first_unanchored_at and first_unanchored_at[0] < now - window:
            result.message = (
                f"seal #{anchored.seal + 1} has waited longer than {window:.0f} s for an anchor "
                f"(is the sealer running?)"
            )
            return result
    result.ok = True
    unanchored = state.total - result.anchored_events
    age = "" if result.newest_anchor_age is None else f", newest anchor {result.newest_anchor_age:.0f} s old"
    result.message = (
        f"{state.total} events in {state.seq} seals intact; {result.anchored_events} anchored, "
        f"{unanchored} in the unanchored tail{age}; {waiting} waiting to be sealed"
    )
    return result


__all__ = [
    "Action",
    "Event",
    "Outcome",
    "Sealer",
    "append",
    "present",
    "record",
    "record_denial",
    "token",
    "verify",
]
