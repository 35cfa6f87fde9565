"""The access log's own retention: events older than ``LOTSA_AUDIT_RETENTION_YEARS`` leave the log as
whole seals from the oldest, under a signed pruning record (audit/pruning.py).

A seal is removed only when every event it covers is older than the period, and only after every seal
before it; the newest seal always stays (the sealer chains the next one to it). Each step removes at
most ``PRUNE_SEALS`` seals in one transaction, with its record and an access event saying so; on
PostgreSQL the step goes through the database's door ``audit_prune`` (audit/migrations/0011), which
refuses anything else, and which only the sealer's database role may call. Run by the sealer
(``audit_sealer``, once every ``LOTSA_AUDIT_PRUNE_HOURS``) and by ``manage.py audit_prune --apply``, both
as the sealer's user: signing needs the anchor key, which never enters the scheduled work's worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from audit import anchors, chain, pruning
from audit.checks import MINIMUM_RETENTION_YEARS
from audit.models import AccessEvent, Action, Pruning, Seal
from audit.services import SYSTEM, Event, _event_bound, append
from lotsa import keyfile

# Seals removed by one pruning record, in one transaction (a seal holds at most chain.SEAL_BATCH events).
PRUNE_SEALS = 100
TARGET = "audit.pruning"


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day and time ``years`` years earlier (the 29th of February: the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Events written before this moment are past the log's retention period."""
    years = max(settings.LOTSA_AUDIT_RETENTION_YEARS, MINIMUM_RETENTION_YEARS)
    return years_before(now or timezone.now(), years)


def store_period(sender=None, using="default", **kwargs) -> None:
    """After ``migrate`` (as the owner): the configured period where the database's door reads it
    (audit_retention, PostgreSQL; audit/migrations/0012), never below five years."""
    if sender is None or sender.label != "audit":
        return
    db = connections[using]
    if db.vendor != "postgresql":
        return
    years = max(settings.LOTSA_AUDIT_RETENTION_YEARS, MINIMUM_RETENTION_YEARS)
    with db.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_retention') IS NOT NULL")
        if cursor.fetchone()[0]:  # not after migrating back below 0012
            cursor.execute("UPDATE audit_retention SET years = %s", [years])


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class Step:
    """The seals one pruning record would remove: from ``first_seal`` through ``through``."""

    cutoff: dt.datetime
    first_seal: int
    through: Seal
    seals: int
    events: int
    subjects: int

    @property
    def oldest_kept(self) -> int:
        return self.through.seq + 1


def _step(before: dt.datetime, start: int, head: int, max_seals: int) -> Step | None:
    """The seals from ``start`` on (at most ``max_seals``, below the newest, ``head``) whose every event
    is older than ``before``, or None."""
    if not start or start >= head:
        return None
    last_seq = min(start + max_seals - 1, head - 1)
    last = Seal.objects.filter(seq=last_seq).first()
    if last is None:
        raise LogDoesNotAddUp(f"seal #{last_seq} is missing: run audit_verify; nothing was pruned")
    # The first event, in the seals' order, still within the period: no seal covering it goes.
    young = AccessEvent.objects.filter(
        _event_bound(last.last_txn, last.last_event_id, above=False), occurred_at__gte=before
    )
    after = Seal.objects.filter(seq=start - 1).values_list("last_txn", "last_event_id").first()
    if after is not None:  # a dry run's later step: its range starts after the step before
        young = young.filter(_event_bound(*after, above=True))
    young = young.order_by("txn", "id").values_list("txn", "id").first()
    candidates = Seal.objects.filter(seq__gte=start, seq__lte=last_seq)
    if young is not None:
        young_txn, young_id = young
        if connection.vendor == "postgresql":
            candidates = candidates.filter(
                Q(last_txn__lt=young_txn) | Q(last_txn=young_txn, last_event_id__lt=young_id)
            )
        else:  # every txn is 0
            candidates = candidates.filter(last_event_id__lt=young_id)
    counted = candidates.aggregate(seals=Count("seq"), events=Sum("events"), subjects=Sum("subjects"))
    if not counted["seals"]:
        return None
    through = candidates.order_by("-seq").first()
    return Step(before, start, through, counted["seals"], counted["events"], counted["subjects"])


def _ends() -> tuple[int, int]:
    """The oldest seal's number and the newest's (0, 0 when there is none)."""
    seqs = Seal.objects.aggregate(first=Min("seq"), head=Max("seq"))
    return seqs["first"] or 0, seqs["head"] or 0


def next_step(*, now: dt.datetime | None = None, max_seals: int | None = None) -> Step | None:
    """The oldest seals that may go now (at most ``max_seals``, by default ``PRUNE_SEALS``), or None:
    those from the oldest on whose every event is older than the period, below the newest seal."""
    first, head = _ends()
    return _step(cutoff(now), first, head, max_seals or PRUNE_SEALS)


def pending(now: dt.datetime | None = None) -> list[Step]:
    """What :func:`prune_expired` would remove now, step by step, removing nothing (a dry run)."""
    before = cutoff(now)
    start, head = _ends()
    steps = []
    while (step := _step(before, start, head, PRUNE_SEALS)) is not None:
        steps.append(step)
        if step.seals < PRUNE_SEALS:
            break
        start = step.oldest_kept
    return steps


def _delete_sqlite(record: dict) -> tuple[int, int, int]:
    """SQLite has no triggers to open: the same deletes the PostgreSQL door makes (every txn is 0)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {chain.SUBJECTS} WHERE event_id <= %s",  # noqa: S608
            [record["last_event_id"]],
        )
        subjects = cursor.rowcount
        cursor.execute(f"DELETE FROM {chain.EVENTS} WHERE id <= %s", [record["last_event_id"]])  # noqa: S608
        events = cursor.rowcount
        cursor.execute(f"DELETE FROM {chain.SEALS} WHERE seq <= %s", [record["through_seal"]])  # noqa: S608
        seals = cursor.rowcount
    return events, subjects, seals


class LogDoesNotAddUp(Exception):
    """The seals to be removed, or their rows, are not what the chain says: verify the log first."""


def _intact(step: Step, start: chain.ChainState) -> None:
    """The seals of ``step`` checked as verification checks them (links, hashes, digests of their rows),
    before they go: a pruning never takes the evidence of a change away with it."""
    state = start
    with connection.cursor() as cursor:
        chain.prepare_reading(cursor, outermost=False)
        for seal in Seal.objects.filter(seq__gte=step.first_seal, seq__lte=step.through.seq).order_by("seq"):
            fields = {name: getattr(seal, name) for name in chain.SEAL_FIELDS if name != "hash"}
            span = chain.Range(state.last_txn, state.last_event_id, seal.last_txn, seal.last_event_id)
            if (
                seal.seq != state.seq + 1
                or seal.prev_hash != state.hash
                or chain.seal_hash(**fields) != seal.hash
                or chain._range_digest(cursor, span) != (seal.events, seal.subjects, seal.digest, 0)
            ):
                raise LogDoesNotAddUp(f"seal #{seal.seq} is not intact: run audit_verify; nothing was pruned")
            state = chain.ChainState(
                seq=seal.seq, hash=seal.hash, last_txn=seal.last_txn, last_event_id=seal.last_event_id
            )


@transaction.atomic
def prune_step(
    step: Step, *, private, now: dt.datetime | None = None, actor_username: str = SYSTEM
) -> Pruning:
    """Remove the seals of ``step`` with their events and rows naming people, under a signed pruning
    record, with an access event saying so, in one transaction."""
    now = now or timezone.now()
    newest = Pruning.objects.order_by("-n").first()
    _intact(step, pruning.Pruned(newest, 1).start if newest else chain.ChainState())
    through = step.through
    fields = {
        "n": newest.n + 1 if newest else 1,
        "through_seal": through.seq,
        "seal_hash": through.hash,
        "last_txn": through.last_txn,
        "last_event_id": through.last_event_id,
        "total": through.total,
        "events": step.events,
        "subjects": step.subjects,
        "seals": step.seals,
        "cutoff_us": _us(step.cutoff),
        "pruned_at_us": _us(now),
        "key_id": anchors.key_id(private.public_key()),
        "prev_hash": newest.hash if newest else chain.GENESIS_HASH,
    }
    record = pruning.signed(fields, private)
    columns = list(record)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            types = ["%s::text" if isinstance(record[c], str) else "%s::bigint" for c in columns]
            cursor.execute(f"SELECT audit_prune({', '.join(types)})", [record[c] for c in columns])
    else:
        Pruning(**record).save()
        gone = _delete_sqlite(record)
        if gone != (step.events, step.subjects, step.seals):
            raise LogDoesNotAddUp(
                f"the log does not hold what its seals say ({gone[0]} events, {gone[1]} rows, "
                f"{gone[2]} seals): verify it first"
            )
    actor = SYSTEM if actor_username == SYSTEM else None
    append([
        Event(
            action=Action.DELETE, actor=actor, actor_username=actor_username, target_type=TARGET,
            target_id=str(fields["n"]),
        )
    ])  # fmt: skip
    return Pruning.objects.get(n=fields["n"])


def prune_expired(
    now: dt.datetime | None = None, *, actor_username: str = SYSTEM, private=None
) -> list[Pruning]:
    """Remove every seal past the retention period, step by step (the sealer's pruning round, and
    ``audit_prune --apply``). The anchor key (``private``, or read from its file) is needed only when a
    step is due. Returns the pruning records written (none when nothing is due)."""
    written = []
    while (step := next_step(now=now)) is not None:
        private = private or keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
        written.append(prune_step(step, private=private, now=now, actor_username=actor_username))
    return written
