"""The hash chain: canonical encoding, streaming verification, signed anchors."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# The fields a hash covers, in order. Changing this list breaks every existing chain.
CHAINED_FIELDS = (
    "seq",
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
    "purpose",
    "legal_ground",
    "outcome",
    "reason",
    "request_id",
    "client_ip",
    "prev_hash",
)
HASH_PREFIX = b"lotsa-audit-v1\n"


def _canonical(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def event_hash(values: dict) -> str:
    payload = json.dumps(
        [_canonical(values[name]) for name in CHAINED_FIELDS], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(HASH_PREFIX + payload.encode("utf-8")).hexdigest()


# --- Anchors ------------------------------------------------------------------------------------


def _signing_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def _anchor_message(seq: int, head_hash: str, anchored_at: str) -> bytes:
    return f"lotsa-audit-anchor-v1|{seq}|{head_hash}|{anchored_at}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def make_anchor(seq: int, head_hash: str, seed: bytes) -> dict:
    anchored_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    private = _signing_key(seed)
    signature = private.sign(_anchor_message(seq, head_hash, anchored_at))
    return {
        "seq": seq,
        "hash": head_hash,
        "anchored_at": anchored_at,
        "key_id": key_id(private.public_key()),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


@dataclass(frozen=True)
class Anchor:
    line: int
    seq: int
    hash: str


class AnchorError(Exception):
    pass


def read_anchors(path: Path, seed: bytes) -> list[Anchor]:
    """Every anchor in the file, each signature checked against our own public key."""
    if not path.exists():
        return []
    public = _signing_key(seed).public_key()
    anchors = []
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                public.verify(
                    base64.b64decode(record["signature"]),
                    _anchor_message(int(record["seq"]), record["hash"], record["anchored_at"]),
                )
            except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
                raise AnchorError(
                    f"anchor on line {number} of {path} is invalid or its signature fails"
                ) from exc
            anchors.append(Anchor(line=number, seq=int(record["seq"]), hash=record["hash"]))
    return anchors


# --- Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    message: str
    first_bad_seq: int | None = None


def verify_rows(rows: Iterable[dict], anchors: list[Anchor] = ()) -> VerifyResult:
    """Check a stream of events in ``seq`` order: continuity, links, hashes and anchored heads.

    Holds one event at a time, so memory does not grow with the length of the chain.
    """
    anchored = {anchor.seq: anchor for anchor in anchors}
    expected_seq = 1
    prev_hash = "0" * 64
    checked = 0
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return VerifyResult(
                False, checked, f"event #{expected_seq} is missing: the chain jumps to #{seq}", expected_seq
            )
        if row["prev_hash"] != prev_hash:
            return VerifyResult(
                False,
                checked,
                f"event #{seq} does not follow event #{seq - 1}: removed, inserted or reordered events",
                seq,
            )
        if event_hash(row) != row["hash"]:
            return VerifyResult(
                False, checked, f"event #{seq} has been changed: its hash does not match", seq
            )
        anchor = anchored.get(seq)
        if anchor is not None and anchor.hash != row["hash"]:
            return VerifyResult(
                False, checked, f"event #{seq} is not the head anchored on line {anchor.line}", seq
            )
        prev_hash = row["hash"]
        expected_seq += 1
        checked += 1
    beyond = [anchor for anchor in anchors if anchor.seq >= expected_seq]
    if beyond:
        cut = min(beyond, key=lambda anchor: anchor.seq)
        return VerifyResult(
            False,
            checked,
            f"the chain ends at #{expected_seq - 1}, below the head #{cut.seq} anchored on line {cut.line}: "
            f"events have been cut off",
            expected_seq,
        )
    return VerifyResult(True, checked, f"{checked} events intact, {len(anchors)} anchors hold")
