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

The file is *rotated* so that its cost does not grow with its age: when it holds
``LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS`` records, the writer (under the lock) moves it aside to an
archive named by its range of numbers (``anchors.jsonl.000000000001-000000010000``) and starts the new
file with an exact copy of the old file's last line. Whatever reads the file streams it; the sealer
starts by reading its last line and the one record the log remembers.

Every line is also appended, byte for byte, to a second store, the *witness* file (in production on
another mount or host), under the witness's own lock and after the line is in the anchor file: a
store deleted, emptied, rewound or replaced is contradicted by the other (:func:`compare`). The
witness rotates like the anchor file. A crash between the two appends leaves the witness one line
behind, which the next append repairs.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def _message(record: dict) -> bytes:
    unsigned = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _now_text(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> float:
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC time: {text!r}")
    return datetime.fromisoformat(text).timestamp()  # 20 times faster than strptime


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
    source: str = ""  # the archive the record was read from ("": the active file)
    prev: str = ""  # the hash of the line before, as the record names it

    @property
    def where(self) -> str:
        return f"line {self.line}" + (f" of {self.source}" if self.source else "")


def _parse(
    text: str, public: Ed25519PublicKey, number: int, where: str, *, signatures_from: int = 0,
    source: str = "",
) -> tuple[Record, dict]:  # fmt: skip
    """One line as a record; its signature checked unless it is numbered below ``signatures_from``
    (a record before a trusted checkpoint, which the links from that checkpoint back vouch for)."""
    try:
        record = json.loads(text)
        if int(record["n"]) >= signatures_from:
            public.verify(base64.b64decode(record["sig"]), _message(record))
        parsed = Record(
            number, int(record["n"]), str(record["kind"]), int(record["seal"]), str(record["seal_hash"]),
            int(record["total"]), parse_time(record["at"]), str(record.get("reason", "")), text,
            float(record.get("clock_back", 0.0)), source, str(record.get("prev", "")),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError, AttributeError, InvalidSignature) as exc:
        raise AnchorError(f"the anchor on {where} is malformed or its signature fails") from exc
    return parsed, record


@contextlib.contextmanager
def locked(path: Path):
    """The anchor file open for writing, under the exclusive lock every writer takes (its descriptor).
    A writer that waited for the lock while another rotated the file (or a restart moved it aside)
    finds its descriptor no longer names the file, and opens the new one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # moved aside while this writer waited: open the file that is there now
    try:
        yield fd
    finally:
        os.close(fd)  # releases the lock


def read_all(fd: int) -> bytes:
    return os.pread(fd, os.fstat(fd).st_size, 0)


def check_text(data: bytes, public: Ed25519PublicKey, path: Path) -> list[Record]:
    """The records of ``data`` (the content ``path`` would have), checked as :func:`read` checks a file."""
    return list(scan(path, public, lines=data.splitlines(keepends=True)))


def torn_message(path: Path) -> str:
    return (
        f"the last line of {path} is torn (a write was cut short): remove it with "
        f"`manage.py audit_anchor_recover torn-line --reason ...`"
    )


# --- Rotation: archives beside the file, named by their numbers --------------------------------------


def archive_path(path: Path, first: int, last: int) -> Path:
    return path.with_name(f"{path.name}.{first:012d}-{last:012d}")


def archives(path: Path) -> list[tuple[int, int, Path]]:
    """The archives of the anchor file beside it, as (first number, last number, path), oldest first."""
    pattern = re.compile(re.escape(path.name) + r"\.(\d{12})-(\d{12})")
    found = []
    if path.parent.is_dir():
        for entry in path.parent.iterdir():
            matched = pattern.fullmatch(entry.name)
            if matched:
                found.append((int(matched.group(1)), int(matched.group(2)), entry))
    return sorted(found)


def files(path: Path) -> list[Path]:
    """Every file of the anchor store in order: the archives, oldest first, then the active file."""
    return [archive for _, _, archive in archives(path)] + [path]


def _first_line(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            raw = handle.readline()
    except FileNotFoundError:
        return None
    return raw.rstrip(b"\n").decode("utf-8", "replace") if raw else None


def _opening(text: str) -> tuple[int, str]:
    """The number and kind of a file's first line, without checking its signature (or (0, ""))."""
    try:
        record = json.loads(text)
        return int(record["n"]), str(record["kind"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return 0, ""


def check_link(path: Path, text: str, n: int, kind: str) -> None:
    """A file opening with anchor ``n`` > 1 continues an archive: the one ending with ``n`` must lie
    beside it, its last line byte for byte this one. A ``restart`` opens a new file and needs none."""
    store = path
    matched = re.fullmatch(r"(.+)\.\d{12}-\d{12}", path.name)
    if matched:  # an archive: its siblings are named after the active file
        store = path.with_name(matched.group(1))
    before = [archive for first, last, archive in archives(store) if last == n and archive != path]
    if not before:
        if kind == RESTART:
            return
        raise AnchorError(
            f"{path.name} opens with anchor {n}, but the archive that ends with it "
            f"({store.name}.…-{n:012d}) is missing: an archive of the anchor file was lost or renamed"
        )
    with before[-1].open("rb") as handle:
        last = _last_line(handle.fileno()) if os.fstat(handle.fileno()).st_size else None
    if last != text:
        raise AnchorError(
            f"{path.name} opens with anchor {n}, but the last line of the archive {before[-1].name} is "
            f"not the same: the archive was altered"
        )


def scan(
    path: Path, public: Ed25519PublicKey, *, signatures_from: int = 0, lines: Iterable[bytes] | None = None,
    source: str = "",
) -> Iterator[Record]:  # fmt: skip
    """The records of one file, streamed and checked: signature (of records numbered from
    ``signatures_from`` on), numbering without gaps, each naming the one before, seal numbers never
    going backwards except at an alarm or a restart (which state the head as it is). The first line
    is anchor 1, or a ``restart`` opening a new file, or the copy of an archive's last line (which
    :func:`check_link` finds beside it). Times are not checked here: the numbers order the records,
    and verification judges clock steps. Raises :class:`AnchorError` at the first fault."""
    if lines is None:
        if not path.exists():
            return
        with path.open("rb") as handle:
            yield from scan(path, public, signatures_from=signatures_from, lines=handle, source=source)
        return
    name = source or str(path)
    prev, expected_n, last_seal = GENESIS_HASH, 1, 0
    for number, raw in enumerate(lines, start=1):
        if not raw.endswith(b"\n"):
            raise TornLine(torn_message(path))
        text = raw[:-1].decode("utf-8", "replace")
        where = f"line {number} of {name}"
        parsed, _ = _parse(text, public, number, where, signatures_from=signatures_from, source=source)
        n, kind, seal = parsed.n, parsed.kind, parsed.seal
        if number == 1 and n > 1:
            check_link(path, text, n, kind)
        else:
            if n != expected_n:
                raise AnchorError(
                    f"the anchor on {where} is number {n}, expected {expected_n}: anchors are missing"
                )
            if parsed.prev != prev:
                raise AnchorError(f"the anchor on {where} does not name the one before it")
            if seal < last_seal and kind not in RESETS:
                raise AnchorError(f"the anchor on {where} goes backwards: seal #{seal} after #{last_seal}")
        yield parsed
        prev, expected_n, last_seal = line_hash(text), n + 1, seal


def scan_all(path: Path, public: Ed25519PublicKey, *, signatures_from: int = 0) -> Iterator[Record]:
    """Every record of every file, archives first, each checked as :func:`scan` checks it, and the
    files linked: each opens with the last line of the one before (the copy is yielded once), or with
    a ``restart`` numbered after it."""
    before: Record | None = None
    for file in files(path):
        source = "" if file == path else file.name
        first = True
        for record in scan(file, public, signatures_from=signatures_from, source=source):
            if first and before is not None:
                first = False
                if record.text == before.text:
                    continue  # the copy of the archive's last line
                if record.kind != RESTART or record.n <= before.n:
                    raise AnchorError(
                        f"{file.name} opens with anchor {record.n}, but the file before it ends with anchor "
                        f"{before.n}: an archive of the anchor file is missing or altered"
                    )
            first = False
            before = record
            yield record


def read(path: Path, public: Ed25519PublicKey) -> list[Record]:
    """Every record of one file, checked (:func:`scan`); for small files and tests."""
    return list(scan(path, public))


def last(path: Path, public: Ed25519PublicKey) -> Record | None:
    """The file's last record, its signature checked, read from the end (none for a missing file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        text = _last_line(fd)
    except TornLine:
        raise TornLine(torn_message(path)) from None
    finally:
        os.close(fd)
    return _parse(text, public, 0, f"the last line of {path}")[0] if text else None


_CHUNK = 1 << 16


def _line_at(file: Path, index: int) -> tuple[str, int] | None:
    """The text of the line at ``index`` (from 0) and its number, found by counting newlines in
    large reads: no parsing, no signatures, the file never held in memory."""
    seen, offset = 0, 0
    with file.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return None
            count = chunk.count(b"\n")
            if seen + count > index:
                start = 0
                for _ in range(index - seen):
                    start = chunk.index(b"\n", start) + 1
                handle.seek(offset + start)
                return handle.readline().rstrip(b"\n").decode("utf-8", "replace"), index + 1
            seen += count
            offset += len(chunk)


def find(path: Path, public: Ed25519PublicKey, n: int) -> Record | None:
    """Anchor ``n``, from the active file or the archive that holds it, its signature checked; none if
    no file holds that number. Numbers are consecutive within a file, so the line is found by its
    position (``n`` less the file's first number) without reading the records before it."""
    candidates = [(path, "")] + [
        (archive, archive.name) for first, last_n, archive in reversed(archives(path)) if first <= n <= last_n
    ]
    for file, source in candidates:
        opening = _first_line(file)
        first_n = _opening(opening)[0] if opening else 0
        if not first_n or n < first_n:
            continue
        found = _line_at(file, n - first_n)
        if found is None:
            continue
        text, number = found
        where = f"line {number} of {source or file}"
        record = _parse(text, public, number, where, source=source)[0]
        if record.n != n:
            raise AnchorError(
                f"line {number} of {source or file} holds anchor {record.n} where anchor {n} belongs: "
                f"anchors are missing or out of order"
            )
        return record
    return None


def opens_anew_after(path: Path, n: int) -> bool:
    """Whether a file of the store opens with a ``restart`` numbered after ``n`` (started anew by
    ``audit_anchor_recover`` after that anchor): the first lines only."""
    for file in files(path):
        opening = _first_line(file)
        number, kind = _opening(opening) if opening else (0, "")
        if kind == RESTART and number > n:
            return True
    return False


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


# --- Appending, rotating, and the witness --------------------------------------------------------------


def _full(fd: int, last_n: int, rotate: int) -> int | None:
    """The number of the file's first record if the file holds ``rotate`` records or more."""
    if not rotate:
        return None
    head = os.pread(fd, 4096, 0)
    first_n = _opening(head.split(b"\n", 1)[0].decode("utf-8", "replace"))[0]
    return first_n if first_n and last_n - first_n + 1 >= rotate else None


def _rotate(path: Path, first_n: int, last_n: int, last_text: str, line: str) -> None:
    """Under the lock: the new file (the old last line, then ``line``) is written beside, the old
    file gets its archive name as a second link, and the new one takes the file's name in one
    rename, so the name never goes missing for a writer opening it meanwhile."""
    archive = archive_path(path, first_n, last_n)
    fresh = path.with_name(f".{path.name}.rotating")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (last_text + "\n" + line + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(path, archive)
    except FileExistsError:
        fresh.unlink()
        raise AnchorError(f"cannot rotate {path}: {archive.name} exists already") from None
    os.replace(fresh, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _append(path: Path, fd: int, last_text: str | None, line: str, rotate: int) -> None:
    """Under the lock of ``path`` (open as ``fd``, ending with ``last_text``): append ``line`` and
    fsync, or rotate first when the file is full."""
    first_n = _full(fd, _opening(last_text)[0], rotate) if last_text else None
    if first_n:
        _rotate(path, first_n, _opening(last_text)[0], last_text, line)
    else:
        os.write(fd, (line + "\n").encode("ascii"))
        os.fsync(fd)


def _tail(fd: int) -> tuple[str | None, bytes]:
    """The last complete line of a file (None if it has none) and the bytes after it (a torn line)."""
    size = os.fstat(fd).st_size
    chunk = 4096
    while True:
        start = max(0, size - chunk)
        data = os.pread(fd, size - start, start)
        end = data.rfind(b"\n")
        if end >= 0:
            cut = data.rfind(b"\n", 0, end)
            if cut >= 0 or start == 0:
                return data[cut + 1 : end].decode("utf-8", "replace"), data[end + 1 :]
        elif start == 0:
            return None, data
        chunk *= 4


@dataclass(frozen=True)
class Agreement:
    """How the witness stands to the anchor file: a ``problem`` (they disagree), or the one line it
    lacks (``missing``, after a cut-short ``torn`` tail of that many bytes), or nothing (they agree)."""

    problem: str = ""
    missing: str = ""
    torn: int = 0

    @property
    def note(self) -> str:
        if not self.missing:
            return ""
        return (
            f"the witness lacks the anchor file's last record, anchor {_opening(self.missing)[0]} (a crash "
            f"between the two appends{', its line cut short' if self.torn else ''}): the sealer's next "
            f"append writes it again"
        )


def _follows(last: Record, held: Record | None) -> bool:
    """Whether ``last`` is the record written right after ``held`` (or the first of an empty store)."""
    if held is None:
        return last.prev == GENESIS_HASH
    return last.n == held.n + 1 and last.prev == line_hash(held.text)


def _agreement(
    last: Record | None, text: str | None, torn: bytes, public: Ed25519PublicKey, witness: Path,
    remembered=None,
) -> Agreement:  # fmt: skip
    """The anchor file's last record against the witness's last line (``text``, then ``torn`` bytes);
    ``remembered`` (the access log's memory of an anchor) is named as a third opinion."""
    try:
        held = _parse(text, public, 0, f"the last line of the witness {witness}")[0] if text else None
    except AnchorError as exc:
        return Agreement(problem=f"{exc}: the witness was edited or replaced")
    memory = (
        f"; the access log remembers anchor {remembered.n} (a {remembered.kind} of seal #{remembered.seal})"
        if remembered
        else ""
    )
    restore = (
        "restore the anchor file from the witness (its lines are the same), or "
        "`manage.py audit_anchor_recover restart --reason ...` starts both anew"
    )
    if torn:
        if last is not None and (last.text + "\n").encode("ascii").startswith(torn) and _follows(last, held):
            return Agreement(missing=last.text, torn=len(torn))
        return Agreement(
            problem=f"the last line of the witness {witness} is torn and is not the anchor file's last record"
        )
    if last is None:
        if held is None:
            return Agreement()
        return Agreement(
            problem=(
                f"the anchor file is missing or empty, but the witness {witness} ends at anchor {held.n}: "
                f"the anchor file was deleted or emptied{memory}; {restore}"
            )
        )
    if held is not None and held.text == last.text:
        return Agreement()
    if _follows(last, held):
        return Agreement(missing=last.text)
    anew = "`manage.py audit_anchor_recover restart --reason ...` starts the witness anew"
    if held is None:
        problem = (
            f"the witness {witness} holds no anchor, but the anchor file ends at anchor {last.n}: the "
            f"witness was deleted or emptied; {anew}"
        )
    elif held.n > last.n:
        problem = (
            f"the anchor file ends at anchor {last.n}, but the witness {witness} holds "
            f"anchors up to {held.n}: the anchor file was rewound or truncated{memory}; {restore}"
        )
    elif held.n == last.n:
        problem = (
            f"anchor {last.n}, the anchor file's last, is not the anchor {held.n} the witness "
            f"{witness} holds: one of them was edited or replaced{memory}"
        )
    else:
        problem = (
            f"the witness {witness} ends at anchor {held.n}, but the anchor file at anchor {last.n}: the "
            f"witness was rewound, truncated or replaced{memory}; {anew}"
        )
    return Agreement(problem=problem)


def compare(last: Record | None, witness: Path, public: Ed25519PublicKey, remembered=None) -> Agreement:
    """The anchor file's last record (``last``) against the witness, which is read from its end: they
    agree when the witness ends with the same line, or lacks only that line (:class:`Agreement`)."""
    try:
        fd = os.open(witness, os.O_RDONLY)
    except FileNotFoundError:
        text, torn = None, b""
    else:
        try:
            text, torn = _tail(fd)
        finally:
            os.close(fd)
    return _agreement(last, text, torn, public, witness, remembered)


def compare_now(path: Path, witness: Path, public: Ed25519PublicKey, remembered=None) -> Agreement:
    """The two stores as they stand, compared under a shared lock on the anchor file: a writer holds
    the exclusive lock through both appends, so none is halfway between them (a sealer or verifier
    that compared what it read earlier would take another sealer's append for a rewind)."""
    while True:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return compare(None, witness, public, remembered)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:  # else rotated or moved aside meanwhile: open it again
                try:
                    text = _last_line(fd)
                except TornLine:
                    raise TornLine(torn_message(path)) from None
                last = _parse(text, public, 0, f"the last line of {path}")[0] if text else None
                return compare(last, witness, public, remembered)
        finally:
            os.close(fd)


def witness_numbers(witness: Path) -> int:
    """The highest number the witness or an archive beside it holds (0 if none), its last line unchecked."""
    highest = max((last_n for _, last_n, _ in archives(witness)), default=0)
    try:
        fd = os.open(witness, os.O_RDONLY)
    except FileNotFoundError:
        return highest
    try:
        text, _ = _tail(fd)
    finally:
        os.close(fd)
    return max(highest, _opening(text)[0] if text else 0)


class Writer:
    """Appends signed records to the anchor file, continuing the numbering of what is there.

    Each append holds an exclusive lock on the file (``flock``) while it reads the last record and
    writes its own, so several sealers may share one file; the head to anchor is asked for under the
    lock too (``head``), so a record never names a seal below one another sealer anchored before.

    Starting reads only the file's last line (and checks its signature), whatever the file's length.
    With ``rotate`` records in the file, the next append first moves it to an archive and starts the
    new file with a copy of its last line (:meth:`_rotate`)."""

    def __init__(
        self, path: Path, private: Ed25519PrivateKey, *, rotate: int = 0, witness: Path | None = None
    ):
        self.path = Path(path)
        self.private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)
        self.rotate = max(rotate, 2) if rotate else 0
        self.witness = Path(witness) if witness else None
        self.last = last(self.path, self.public)
        self.n = self.last.n if self.last else 0

    def _witness_ready(self, last: Record | None, *, anew: bool) -> None:
        """Under the anchor file's lock: the witness must end with the file's last line, or lack only
        that line (a crash between the two appends), which is appended again now. With ``anew`` (a
        restart by audit_anchor_recover) an empty witness opens with the record about to be written."""
        assert self.witness is not None
        with locked(self.witness) as fd:
            text, torn = _tail(fd)
            if anew and text is None and not torn:
                return
            agreed = _agreement(last, text, torn, self.public, self.witness)
            if agreed.problem:
                raise AnchorError(agreed.problem)
            if agreed.torn:
                os.ftruncate(fd, os.fstat(fd).st_size - agreed.torn)
                os.fsync(fd)
        if agreed.missing:
            self._witness_append(agreed.missing)

    def _witness_append(self, line: str) -> None:
        assert self.witness is not None
        with locked(self.witness) as fd:
            text, _ = _tail(fd)
            _append(self.witness, fd, text, line, self.rotate)

    def write(
        self, kind: str, *, seal: int = 0, seal_hash: str = "", total: int = 0, now: float,
        reason: str = "", head=None, first_n: int = 1, witness_anew: bool = False,
    ) -> Record:  # fmt: skip
        """Append one record, to the file and then to the witness. ``head`` (a callable returning
        seal, hash and total) is called under the lock; if the head is below the seal of the file's
        last record, an alarm is written instead. ``first_n`` numbers the first record of an empty
        file (a restart); ``witness_anew`` lets the record open an empty witness (a restart). A witness
        that disagrees with the file stops the write before anything is written (AnchorError)."""
        with locked(self.path) as fd:
            try:
                text = _last_line(fd)
            except TornLine:
                raise TornLine(torn_message(self.path)) from None
            last = _parse(text, self.public, 0, f"the last line of {self.path}")[0] if text else None
            if self.witness is not None:
                self._witness_ready(last, anew=witness_anew)
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
            _append(self.path, fd, last.text if last else None, line, self.rotate)
            if self.witness is not None:
                self._witness_append(line)
        self.n = record["n"]
        self.last = Record(0, self.n, kind, seal, seal_hash, total, now, reason, line, clock_back)
        return self.last
