"""Signed checkpoints of the chain, written outside the database.

The sealer signs a checkpoint of the chain's head every few seals and at least every
``LOTSA_AUDIT_ANCHOR_INTERVAL`` seconds while there is traffic, and a heartbeat every
``LOTSA_AUDIT_HEARTBEAT`` seconds when idle. Each record is one JSON line in an append-only file,
numbered, naming the previous line by its hash, and signed with an Ed25519 key that only the sealer
reads (the web process does not need it). Verification needs only the public key.

The sealer is also a witness: it remembers the head it last saw, and if that head is no longer in
the database (the tail was cut or rewritten between two checkpoints), it writes a signed *alarm*,
which makes every later verification fail.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.chain import GENESIS_HASH

VERSION = 1
CHECKPOINT, HEARTBEAT, ALARM = "checkpoint", "heartbeat", "alarm"


class AnchorError(Exception):
    """The anchor file is missing a record, out of order, or a signature fails."""


def key_id(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def _message(record: dict) -> bytes:
    unsigned = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _now_text(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Record:
    line: int
    n: int
    kind: str
    seal: int
    seal_hash: str
    total: int
    at: float
    reason: str
    text: str  # the line as written, for the next record's ``prev``


def read(path: Path, public: Ed25519PublicKey) -> list[Record]:
    """Every record, checked: signature, numbering from 1 without gaps, each naming the one before,
    seal numbers and times never going backwards."""
    if not path.exists():
        return []
    records: list[Record] = []
    prev, expected_n, last_seal, last_at = GENESIS_HASH, 1, 0, 0.0
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip("\n")
            where = f"line {number} of {path}"
            try:
                record = json.loads(text)
                public.verify(base64.b64decode(record["sig"]), _message(record))
                n, kind, seal = int(record["n"]), str(record["kind"]), int(record["seal"])
                at = parse_time(record["at"])
                parsed = Record(
                    number, n, kind, seal, str(record["seal_hash"]), int(record["total"]), at,
                    str(record.get("reason", "")), text,
                )  # fmt: skip
            except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
                raise AnchorError(f"the anchor on {where} is malformed or its signature fails") from exc
            if n != expected_n:
                raise AnchorError(
                    f"the anchor on {where} is number {n}, expected {expected_n}: anchors are missing"
                )
            if record.get("prev") != prev:
                raise AnchorError(f"the anchor on {where} does not name the one before it")
            if seal < last_seal:
                raise AnchorError(f"the anchor on {where} goes backwards: seal #{seal} after #{last_seal}")
            if at < last_at:
                raise AnchorError(f"the anchor on {where} goes back in time")
            records.append(parsed)
            prev, expected_n, last_seal, last_at = line_hash(text), n + 1, seal, at
    return records


class Writer:
    """Appends signed records to the anchor file; continues the numbering of what is there."""

    def __init__(self, path: Path, private: Ed25519PrivateKey):
        self.path = Path(path)
        self.private = private
        self.key_id = key_id(private.public_key())
        existing = read(self.path, private.public_key())
        last = existing[-1] if existing else None
        self.n = last.n if last else 0
        self.prev = line_hash(last.text) if last else GENESIS_HASH
        self.last = last

    def write(
        self, kind: str, *, seal: int, seal_hash: str, total: int, now: float, reason: str = ""
    ) -> Record:
        record = {
            "v": VERSION,
            "n": self.n + 1,
            "kind": kind,
            "seal": seal,
            "seal_hash": seal_hash,
            "total": total,
            "at": _now_text(now),
            "prev": self.prev,
            "key_id": self.key_id,
        }
        if reason:
            record["reason"] = reason
        record["sig"] = base64.b64encode(self.private.sign(_message(record))).decode("ascii")
        text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.n += 1
        self.prev = line_hash(text)
        self.last = Record(0, self.n, kind, seal, seal_hash, total, now, reason, text)
        return self.last
