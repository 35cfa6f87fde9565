"""Signed pruning records: the proof that the oldest seals left the log whole, and where what remains
starts.

A pruning record names the last removed seal (its number, hash, the end of its range and its running
total), how many events, rows naming people and seals it removed, the moment before which they were
written, and the record before it by its hash. Its text (:func:`message`) is signed with the anchor key
(Ed25519), the key the sealer signs its checkpoints with; verification needs only the public key.

Verification (audit.services.verify) walks the records (:func:`check`) and starts the chain from the
newest one as from a genesis: the first seal left must be the next number and name the removed seal's
hash as its predecessor, and its running total must continue the removed ones'. A seal removed in the
middle, a record forged or altered, or one naming another hash than the next seal's predecessor, fail
there.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from audit import anchors
from audit.chain import GENESIS_HASH, ChainState
from audit.models import Pruning

PREFIX = "lotsa-pruning-v1"
# The fields a record's text covers, in order (``hash`` and ``signature`` are made from it).
SIGNED_FIELDS = (
    "n",
    "through_seal",
    "seal_hash",
    "last_txn",
    "last_event_id",
    "total",
    "events",
    "subjects",
    "seals",
    "cutoff_us",
    "pruned_at_us",
    "key_id",
    "prev_hash",
)


class PruningError(Exception):
    """A pruning record is forged, altered, out of order or does not add up."""


def message(fields: dict) -> bytes:
    return "|".join([PREFIX, *(str(fields[name]) for name in SIGNED_FIELDS)]).encode("ascii")


def signed(fields: dict, private) -> dict:
    """The record's fields with its hash and signature."""
    text = message(fields)
    return {
        **fields,
        "hash": hashlib.sha256(text).hexdigest(),
        "signature": base64.b64encode(private.sign(text)).decode("ascii"),
    }


@dataclass(frozen=True)
class Pruned:
    """What verification keeps of the pruning records: the newest, and how many there are."""

    newest: Pruning
    records: int

    @property
    def start(self) -> ChainState:
        """Where the chain of what remains starts: at the last removed seal, as at a genesis."""
        record = self.newest
        return ChainState(
            seq=record.through_seal,
            hash=record.seal_hash,
            last_txn=record.last_txn,
            last_event_id=record.last_event_id,
            total=record.total,
        )


def signed_by(record: Pruning, public) -> bool:
    """Whether the record's text is what its hash says and is signed by ``public`` (the anchor key)."""
    text = message({name: getattr(record, name) for name in SIGNED_FIELDS})
    if hashlib.sha256(text).hexdigest() != record.hash or record.key_id != anchors.key_id(public):
        return False
    try:
        public.verify(base64.b64decode(record.signature), text)
    except (InvalidSignature, ValueError):
        return False
    return True


def check(public) -> Pruned | None:
    """Every pruning record in order, checked: its text's hash, its signature by the anchor key, its
    number, the record before it named by hash, seals and totals only going forward and adding up.
    None when the log was never pruned. Raises :class:`PruningError` at the first fault."""
    before = None
    count = 0
    for record in Pruning.objects.order_by("n").iterator(chunk_size=500):
        fields = {name: getattr(record, name) for name in SIGNED_FIELDS}
        where = f"pruning record #{record.n}"
        text = message(fields)
        if hashlib.sha256(text).hexdigest() != record.hash:
            raise PruningError(f"{where} has been changed: its hash does not match")
        try:
            public.verify(base64.b64decode(record.signature), text)
        except (InvalidSignature, ValueError) as exc:
            raise PruningError(f"{where} is forged: its signature is not the anchor key's") from exc
        if record.key_id != anchors.key_id(public):
            raise PruningError(f"{where} names another key than the anchor key")
        expected = (before.n + 1, before.hash) if before else (1, GENESIS_HASH)
        if (record.n, record.prev_hash) != expected:
            raise PruningError(f"{where} does not follow the record before it: pruning records are missing")
        if before is not None and record.through_seal <= before.through_seal:
            raise PruningError(
                f"{where} goes backwards: seal #{record.through_seal} after #{before.through_seal}"
            )
        if record.events != record.total - (before.total if before else 0):
            raise PruningError(f"{where}: the events it removed do not add up to its running total")
        before = record
        count += 1
    return Pruned(before, count) if before is not None else None
