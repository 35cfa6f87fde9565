"""Signed checkpoints of the chain, written outside the database.

The sealer signs a checkpoint of the chain's head every few seals and at least every
``LOTSA_AUDIT_ANCHOR_INTERVAL`` seconds while there is traffic, and a heartbeat every
``LOTSA_AUDIT_HEARTBEAT`` seconds when idle. Each record is one JSON line in an append-only file,
numbered, naming the previous line by its hash, and signed with an Ed25519 key that only the sealer
reads (the web process does not need it). Verification needs only the public key.

The sealer is also a witness: it remembers the head it last saw, and if that head is no longer in
the database (the tail was cut or rewritten between two checkpoints), it writes a signed *alarm*,
which makes every later verification fail.

Several sealers may share one file: each append takes an exclusive lock on the file (``flock``),
reads the last record under it and numbers its own after it, so numbers never repeat. Times are
not trusted for order (the numbers are): a record written after the clock was stepped back says so
(``clock_back``), and verification judges the step against a tolerance.

Every record but a heartbeat is also *remembered* in the access log itself, as an event carrying a
short signed memo (:func:`memo`), which a later seal covers: a file that holds fewer anchors than
the log remembers has been deleted, emptied, rewound or truncated. Recovery records (``restart``,
``repair``, ``clock``) are written only by ``manage.py audit_anchor_recover``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
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
# Written only by ``audit_anchor_recover``: a new start (a lost file, or after an alarm that was
# examined), a torn last line removed, and clock steps examined.
RESTART, REPAIR, CLOCK = "restart", "repair", "clock"
# Records that state the head as it is now, even below the one before: the seal numbers start again
# from them.
RESETS = (ALARM, RESTART)
MEMO_PREFIX = "lotsa-anchor-memo-v1"


class AnchorError(Exception):
    """The anchor file is missing a record, out of order, or a signature fails."""


class TornLine(AnchorError):
    """The file's last line was cut short (a write interrupted): ``audit_anchor_recover torn-line``."""


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
    clock_back: float = 0.0  # how far the writer's clock stood behind the record before


def _parse(text: str, public: Ed25519PublicKey, number: int, where: str) -> tuple[Record, dict]:
    try:
        record = json.loads(text)
        public.verify(base64.b64decode(record["sig"]), _message(record))
        parsed = Record(
            number, int(record["n"]), str(record["kind"]), int(record["seal"]), str(record["seal_hash"]),
            int(record["total"]), parse_time(record["at"]), str(record.get("reason", "")), text,
            float(record.get("clock_back", 0.0)),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
        raise AnchorError(f"the anchor on {where} is malformed or its signature fails") from exc
    return parsed, record


@contextlib.contextmanager
def locked(path: Path):
    """The anchor file open for writing, under the exclusive lock every writer takes (its descriptor)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def read_all(fd: int) -> bytes:
    return os.pread(fd, os.fstat(fd).st_size, 0)


def check_text(data: bytes, public: Ed25519PublicKey, path: Path) -> list[Record]:
    """The records of ``data`` (a file's content), checked as :func:`read` checks a file."""
    import tempfile

    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".check-", delete=True) as handle:
        handle.write(data)
        handle.flush()
        return read(Path(handle.name), public)


def torn_message(path: Path) -> str:
    return (
        f"the last line of {path} is torn (a write was cut short): remove it with "
        f"`manage.py audit_anchor_recover torn-line --reason ...`"
    )


def read(path: Path, public: Ed25519PublicKey) -> list[Record]:
    """Every record, checked: signature, numbering without gaps (from 1, or from a ``restart`` that
    opens a new file), each naming the one before, seal numbers never going backwards except at an
    alarm or a restart (which state the head as it is). Times are not checked here: the numbers
    order the records, and verification judges clock steps."""
    if not path.exists():
        return []
    records: list[Record] = []
    prev, expected_n, last_seal = GENESIS_HASH, 1, 0
    with path.open(encoding="utf-8", newline="\n") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith("\n"):
                raise TornLine(torn_message(path))
            text = raw[:-1]
            where = f"line {number} of {path}"
            parsed, record = _parse(text, public, number, where)
            n, kind, seal = parsed.n, parsed.kind, parsed.seal
            if n != expected_n and not (number == 1 and kind == RESTART and n > 1):
                raise AnchorError(
                    f"the anchor on {where} is number {n}, expected {expected_n}: anchors are missing"
                )
            if record.get("prev") != prev:
                raise AnchorError(f"the anchor on {where} does not name the one before it")
            if seal < last_seal and kind not in RESETS:
                raise AnchorError(f"the anchor on {where} goes backwards: seal #{seal} after #{last_seal}")
            records.append(parsed)
            prev, expected_n, last_seal = line_hash(text), n + 1, seal
    return records


def _last_line(fd: int) -> str | None:
    """The file's last line (without its newline), read from the end; None for an empty file.
    Raises :class:`TornLine` when the file does not end with a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    chunk, data = 4096, b""
    while True:
        start = max(0, size - len(data) - chunk)
        data = os.pread(fd, size - len(data) - start, start) + data
        if not data.endswith(b"\n"):
            raise TornLine("torn")
        cut = data.rfind(b"\n", 0, len(data) - 1)
        if cut >= 0 or start == 0:
            return data[cut + 1 : -1].decode("utf-8")


def memo_message(*, kind: str, n: int, seal: int, seal_hash: str) -> bytes:
    return f"{MEMO_PREFIX}|{kind}|{n}|{seal}|{seal_hash}".encode("ascii")


def memo(record: Record, private: Ed25519PrivateKey) -> str:
    """The short signed text by which the access log remembers a record (kind, number, seal, hash)."""
    fields = {"kind": record.kind, "n": record.n, "seal": record.seal, "seal_hash": record.seal_hash}
    sig = base64.b64encode(private.sign(memo_message(**fields))).decode("ascii")
    return f"{record.kind} {record.n} {record.seal} {record.seal_hash} {sig}"


@dataclass(frozen=True)
class Memo:
    kind: str
    n: int
    seal: int
    seal_hash: str


def parse_memo(text: str, public: Ed25519PublicKey) -> Memo:
    try:
        kind, n, seal, seal_hash, sig = text.split(" ")
        remembered = Memo(kind, int(n), int(seal), seal_hash)
        public.verify(base64.b64decode(sig), memo_message(**remembered.__dict__))
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise AnchorError("a record of an anchor in the access log is malformed or forged") from exc
    return remembered


class Writer:
    """Appends signed records to the anchor file, continuing the numbering of what is there.

    Each append holds an exclusive lock on the file (``flock``) while it reads the last record and
    writes its own, so several sealers may share one file; the head to anchor is asked for under the
    lock too (``head``), so a record never names a seal below one another sealer anchored before."""

    def __init__(self, path: Path, private: Ed25519PrivateKey):
        self.path = Path(path)
        self.private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)
        existing = read(self.path, self.public)
        self.last = existing[-1] if existing else None
        self.n = self.last.n if self.last else 0

    def write(
        self, kind: str, *, seal: int = 0, seal_hash: str = "", total: int = 0, now: float,
        reason: str = "", head=None, first_n: int = 1,
    ) -> Record:  # fmt: skip
        """Append one record. ``head`` (a callable returning seal, hash and total) is called under
        the lock; if the head is below the seal of the file's last record, an alarm is written
        instead. ``first_n`` numbers the first record of an empty file (a restart)."""
        with locked(self.path) as fd:
            try:
                text = _last_line(fd)
            except TornLine:
                raise TornLine(torn_message(self.path)) from None
            last = _parse(text, self.public, 0, f"the last line of {self.path}")[0] if text else None
            if head is not None:
                seal, seal_hash, total = head()
            if last and seal < last.seal and kind not in RESETS:
                kind, reason = (
                    ALARM,
                    (
                        f"the log's head is seal #{seal}, below seal #{last.seal} named by anchor {last.n}: "
                        f"the tail was cut or a backup restored"
                    ),
                )
            record = {
                "v": VERSION,
                "n": last.n + 1 if last else first_n,
                "kind": kind,
                "seal": seal,
                "seal_hash": seal_hash,
                "total": total,
                "at": _now_text(now),
                "prev": line_hash(last.text) if last else GENESIS_HASH,
                "key_id": self.key_id,
            }
            if reason:
                record["reason"] = reason
            clock_back = round(last.at - now, 6) if last and now < last.at else 0.0
            if clock_back:
                record["clock_back"] = clock_back
            record["sig"] = base64.b64encode(self.private.sign(_message(record))).decode("ascii")
            line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            os.write(fd, (line + "\n").encode("ascii"))
            os.fsync(fd)
        self.n = record["n"]
        self.last = Record(0, self.n, kind, seal, seal_hash, total, now, reason, line, clock_back)
        return self.last
