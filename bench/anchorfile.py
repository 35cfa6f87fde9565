"""Row 8: the anchor file after a year of heartbeats, one file and rotated.

A year of heartbeats (one a minute: 525 600 signed lines) is written with a key of its own, once as
one file and once split as the writer rotates it (``LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS``). For each, a
fresh process (Django set up, no database work) measures what the sealer does on starting (the
writer reading the last line, and the log's remembered anchor looked up by its number) and what
``audit_verify`` does with the anchor file (streamed, every signature of the active file checked,
its link to the archive), the time and the process's peak memory.

    python -m bench.anchorfile --count 525600        # the row on its own, as docs/benchmarks.md reports it
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 525_600
COUNTS = {"full": YEAR, "quick": 20_000, "smoke": 300}


def write_heartbeats(
    path: Path, private, count: int, *, head=None, step: float = 60.0, end: float | None = None
) -> None:
    """Append ``count`` signed heartbeats naming ``head`` (seal, hash, total) after the file's last
    line, as the writer writes them but without its fsync per line, the last dated ``end`` (now)."""
    from audit import anchors
    from audit.chain import GENESIS_HASH

    seal, seal_hash, total = head or (0, GENESIS_HASH, 0)
    public = private.public_key()
    last = anchors.last(path, public) if path.exists() else None
    n, prev = (last.n, anchors.line_hash(last.text)) if last else (0, GENESIS_HASH)
    end = time.time() if end is None else end
    ident = anchors.key_id(public)
    with path.open("a", encoding="ascii") as handle:
        for i in range(count):
            n += 1
            record = {
                "v": anchors.VERSION, "n": n, "kind": anchors.HEARTBEAT, "seal": seal,
                "seal_hash": seal_hash, "total": total,
                "at": anchors._now_text(end - (count - 1 - i) * step), "prev": prev, "key_id": ident,
            }  # fmt: skip
            record["sig"] = base64.b64encode(private.sign(anchors._message(record))).decode("ascii")
            line = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            handle.write(line + "\n")
            prev = anchors.line_hash(line)


def split(source: Path, path: Path, rotate: int) -> None:
    """The one file as the writer rotates it: archives beside ``path``, each next file opening with
    a copy of the last line of the one before, and the active file full (``rotate`` records, the
    worst case for verification); what is left over goes to the oldest archive."""
    from audit import anchors

    with source.open(encoding="ascii") as handle:
        total = sum(1 for _ in handle)
    # Files after the first hold rotate - 1 new records each (their first line is the copy).
    first_size = (total - 1) % (rotate - 1) + 1 if total > rotate else total
    lines: list[str] = []
    limit = first_size
    with source.open(encoding="ascii") as handle:
        for line in handle:
            if len(lines) == limit:
                archive = anchors.archive_path(path, _n(lines[0]), _n(lines[-1]))
                archive.write_text("".join(lines), encoding="ascii")
                lines, limit = [lines[-1]], rotate
            lines.append(line)
    path.write_text("".join(lines), encoding="ascii")


def _n(text: str) -> int:
    return json.loads(text)["n"]


def measure_here(path: Path, public_file: Path, remembered: int) -> dict:
    """In this (fresh) process: the sealer's start-up and the anchor file's verification, as
    ``Sealer.__init__`` and ``audit.verify`` do them, then the peak memory."""
    import resource
    import tracemalloc

    from django.conf import settings

    from audit import anchors
    from audit import services as audit
    from lotsa import keyfile

    public = keyfile.load_anchor_public(public_file)
    started = time.perf_counter()
    # Sealer.__init__ without its one query for the remembered memo: the writer, then the memory check.
    held = anchors.find(path, public, remembered)
    memo = anchors.Memo(held.kind, held.n, held.seal, held.seal_hash)
    found = time.perf_counter() - started
    started = time.perf_counter()
    writer = anchors.Writer(path, _NoPrivate(public), rotate=settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS)
    audit.check_against_memory(path, memo, public)
    startup = time.perf_counter() - started
    now = time.time()
    started = time.perf_counter()
    read = audit.read_anchors(path, public, now=now)
    problem, _ = read.clock.result()
    audit.check_against_memory(path, memo, public)
    verifying = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    audit.read_anchors(path, public, now=now)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "startup_s": startup,
        "lookup_s": found,
        "verify_s": verifying,
        "peak_rss_mib": rss,
        "traced_mib": traced,
        "last": writer.n,
        "ok": not problem and read.alarm is None,
        "problem": problem,
    }


class _NoPrivate:
    """The writer needs only the public half to start."""

    def __init__(self, public):
        self._public = public

    def public_key(self):
        return self._public


def _measure_in_child(path: Path, public_file: Path, remembered: int, rotate: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "bench.settings"),
        "LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS": str(rotate),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.anchorfile", "--measure", str(path), str(public_file), str(remembered)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"measuring the anchor file failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure_anchor_file(mode: str, *, count: int | None = None, one_file: bool = True) -> list[dict]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.conf import settings

    from bench.rows import row
    from lotsa import keyfile

    count = count or COUNTS[mode]
    rotate = settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS or 5_000
    rows = []
    with tempfile.TemporaryDirectory(prefix="anchorfile-") as tmp:
        tmp = Path(tmp)
        keyfile.generate_anchor_key(tmp / "anchor.key", tmp / "anchor.pub")
        private = keyfile.load_anchor_private(tmp / "anchor.key")
        assert isinstance(private, Ed25519PrivateKey)
        started = time.perf_counter()
        one = tmp / "one" / "anchors.jsonl"
        one.parent.mkdir()
        write_heartbeats(one, private, count)
        generated = time.perf_counter() - started
        size = one.stat().st_size
        rotated = tmp / "rotated" / "anchors.jsonl"
        rotated.parent.mkdir()
        split(one, rotated, rotate)
        remembered = max(1, count - 100)  # the log remembers a record near the end: the farthest look-up
        layouts = [("one file", one, 0)] if one_file else []
        layouts.append((f"rotated every {rotate:,} records", rotated, rotate))
        for label, path, every in layouts:
            figures = _measure_in_child(path, tmp / "anchor.pub", remembered, every)
            files = len(list(path.parent.iterdir()))
            active = sum(1 for _ in path.open(encoding="ascii"))
            what = f"anchor file, {count:,} heartbeats ({size / 2**20:.0f} MB), {label}"
            rows.append(
                row(
                    8, f"{what}: sealer start-up", round(figures["startup_s"], 3), "s",
                    note=(
                        f"the writer reads the last line; anchor {remembered:,} (remembered) looked up by "
                        f"its number in {figures['lookup_s']:.3f} s; goal ≤ 2 s"
                    ),
                    **figures,
                )
            )  # fmt: skip
            rows.append(
                row(
                    8, f"{what}: verification", round(figures["verify_s"], 2), "s",
                    note=(
                        f"{'intact' if figures['ok'] else 'BROKEN: ' + figures['problem']}; {files} files, "
                        f"{active:,} records in the active file; "
                        f"peak memory {figures['peak_rss_mib']:.0f} MiB (the whole process, Django "
                        f"included; {figures['traced_mib']:.1f} MiB allocated by the reading); goal ≤ 2 s "
                        f"and ≤ 100 MiB with rotation; generated in {generated:.0f} s"
                    ),
                    **figures,
                )
            )  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=YEAR)
    parser.add_argument("--measure", nargs=3, metavar=("PATH", "PUBLIC", "REMEMBERED"))
    parser.add_argument("--rotated-only", action="store_true", help="skip the one file (minutes)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.measure:
        path, public, remembered = args.measure
        print(json.dumps(measure_here(Path(path), Path(public), int(remembered))))
        return 0
    rows = measure_anchor_file("full", count=args.count, one_file=not args.rotated_only)
    for item in rows:
        print(f"{item['what']}: {item['figure']} {item['unit']} — {item['note']}")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
