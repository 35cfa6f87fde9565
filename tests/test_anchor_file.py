"""The anchor file's cost does not grow with its age (issue 26, item 6): the sealer starts from the
last line and the one remembered record, the file is rotated into archives that verification links,
streamed in flat memory, and ``--since`` trusts a checkpoint's signature for what lies before it."""

from __future__ import annotations

import base64
import json
import shutil
import time
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from audit import anchors
from audit import services as audit
from audit.tests.test_audit import _Capture, append_n, broken, three_seals
from bench.anchorfile import measure_anchor_file, write_heartbeats
from lotsa import keyfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return audit.Sealer()


@pytest.fixture
def rotating(settings, tmp_path):
    """A sealer whose file rotates every five records."""
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS = 5
    return audit.Sealer()


def _private():
    return keyfile.load_anchor_private(audit.settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)


def _checkpoints(sealer, count: int) -> None:
    for _ in range(count):
        append_n(1)
        sealer.tick(force_anchor=True)
    sealer.tick()  # the log's record of the last checkpoint is sealed


def _lines(path) -> list[str]:
    return path.read_text().splitlines()


def _damage(path, index: int) -> None:
    """Break one line's signature, leaving it one line of the same shape."""
    lines = _lines(path)
    record = json.loads(lines[index])
    record["seal_hash"] = "f" * 64
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


# --- Start-up reads the last line and the remembered record --------------------------------------------


def test_the_sealer_starts_without_reading_the_whole_file(log):
    three_seals(log)
    for _ in range(3):
        log.write(anchors.HEARTBEAT, now=time.time())  # not remembered by the log
    log.tick()
    path = audit.anchor_path()
    _damage(path, 3)  # the first heartbeat: not the last line, not the remembered record
    sealer = audit.Sealer()  # reads the last line and anchor 3, which the log remembers
    assert sealer.writer.n == 6
    assert broken(audit.verify(), "line 4", "signature fails")
    assert broken(audit.verify(all_anchors=True), "line 4", "signature fails")
    with pytest.raises(CommandError, match="line 4"):
        call_command("audit_verify", "--all-anchors", stdout=_Capture())


def test_the_sealer_refuses_a_file_whose_remembered_record_was_replaced(log):
    three_seals(log)
    log.tick()
    _damage(audit.anchor_path(), 2)  # anchor 3, which the log remembers
    with pytest.raises(anchors.AnchorError, match="signature fails"):
        audit.Sealer()


# --- Rotation ---------------------------------------------------------------------------------------------


def test_the_file_rotates_into_archives_that_verification_links(rotating):
    _checkpoints(rotating, 14)
    path = audit.anchor_path()
    names = sorted(p.name for p in path.parent.glob("anchors.jsonl.*"))
    assert names == [
        "anchors.jsonl.000000000001-000000000005",
        "anchors.jsonl.000000000005-000000000009",
        "anchors.jsonl.000000000009-000000000013",
    ]
    archive = path.parent / names[-1]
    assert _lines(path)[0] == _lines(archive)[-1]  # the new file opens with the old one's last line
    assert [json.loads(line)["n"] for line in _lines(path)] == [13, 14]
    assert audit.Sealer().writer.n == 14  # starts: anchor 14 (remembered) found in the active file
    _checkpoints(audit.Sealer(), 2)
    assert [json.loads(line)["n"] for line in _lines(path)] == [13, 14, 15, 16]
    for kwargs in ({}, {"all_anchors": True}, {"since": 15}):
        result = audit.verify(**kwargs)
        assert result.ok, (kwargs, result.message)
    call_command("audit_verify", "--all-anchors", stdout=_Capture())


def test_a_remembered_record_in_an_archive_is_looked_up_there(rotating):
    _checkpoints(rotating, 4)
    for _ in range(8):  # heartbeats push anchor 4 (remembered) into an archive
        rotating.write(anchors.HEARTBEAT, now=time.time())
    path = audit.anchor_path()
    assert json.loads(_lines(path)[0])["n"] > 4 and audit.remembered_anchor().n == 4
    assert audit.Sealer()
    assert audit.verify().ok
    (path.parent / "anchors.jsonl.000000000001-000000000005").unlink()
    with pytest.raises(anchors.AnchorError, match="an archive was lost"):
        audit.Sealer()
    assert broken(audit.verify(all_anchors=True), "missing")


def test_a_deleted_or_altered_archive_is_detected(rotating):
    _checkpoints(rotating, 14)
    path = audit.anchor_path()
    first, middle, latest = sorted(path.parent.glob("anchors.jsonl.0*"))
    # A middle line of an old archive altered: only --all-anchors reads it.
    saved = first.read_text()
    _damage(first, 2)
    assert audit.verify().ok
    assert broken(audit.verify(all_anchors=True), "line 3 of anchors.jsonl.000000000001", "signature fails")
    first.write_text(saved)
    # An archive in the middle lost: the link between the files is broken.
    saved = middle.read_text()
    middle.unlink()
    assert broken(audit.verify(all_anchors=True), "000000000009", "missing")
    middle.write_text(saved)
    # The latest archive altered at its end, or lost: the default verification sees the link.
    saved = latest.read_text()
    latest.write_text(saved.replace('"kind":"checkpoint"', '"kind":"heartbeat"', saved.count("\n")))
    assert broken(audit.verify(), "not the same", "altered")
    latest.unlink()
    assert broken(audit.verify(), "opens with anchor 13", "missing")
    with pytest.raises(CommandError, match="missing"):
        call_command("audit_verify", stdout=_Capture())
    latest.write_text(saved)
    assert audit.verify(all_anchors=True).ok


def test_a_rewound_active_file_is_still_detected_by_the_memory_check(rotating):
    _checkpoints(rotating, 8)
    path = audit.anchor_path()
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == 4  # 5 (the copy) to 8
    path.write_text(lines[0] + lines[1])  # rewound: anchors 7 and 8 gone
    with pytest.raises(anchors.AnchorError, match="remembers anchor 8"):
        audit.Sealer()
    assert broken(audit.verify(), "remembers anchor 8")
    path.write_text(lines[0])  # only the copy of the archive's last line
    assert broken(audit.verify(), "remembers anchor 8")


def test_a_restart_after_a_lost_file_is_numbered_after_the_archives(rotating):
    _checkpoints(rotating, 9)
    audit.anchor_path().unlink()
    call_command("audit_anchor_recover", "restart", reason="disk lost, ticket 12", stdout=_Capture())
    first = json.loads(_lines(audit.anchor_path())[0])
    assert first["kind"] == anchors.RESTART and first["n"] == 10
    _checkpoints(audit.Sealer(), 1)
    assert audit.verify().ok and audit.verify(all_anchors=True).ok


def test_a_torn_line_is_recovered_in_a_rotated_file(rotating):
    _checkpoints(rotating, 6)
    with audit.anchor_path().open("a") as handle:
        handle.write('{"kind":"checkp')
    call_command("audit_anchor_recover", "torn-line", reason="power cut", stdout=_Capture())
    _checkpoints(audit.Sealer(), 1)
    result = audit.verify(all_anchors=True)
    assert result.ok, result.message


# --- --since trusts a checkpoint for what lies before it ---------------------------------------------------


def test_since_skips_the_signatures_below_the_trusted_checkpoint(log):
    three_seals(log)
    log.tick()
    path = audit.anchor_path()
    private = _private()
    lines = _lines(path)
    first = json.loads(lines[0])
    first["sig"] = base64.b64encode(b"\0" * 64).decode("ascii")  # a broken signature
    lines[0] = json.dumps(first, sort_keys=True, separators=(",", ":"))
    for i in (1, 2):  # the records after it name it, correctly signed: the chain of links is intact
        record = json.loads(lines[i])
        record["prev"] = anchors.line_hash(lines[i - 1])
        record.pop("sig")
        record["sig"] = base64.b64encode(private.sign(anchors._message(record))).decode("ascii")
        lines[i] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    shutil.copyfile(path, audit.witness_path())  # both stores hold the same lines (item 5)
    assert broken(audit.verify(), "line 1", "signature fails")
    result = audit.verify(since=2)
    assert result.ok, result.message
    call_command("audit_verify", "--since", "2", stdout=_Capture())
    assert broken(audit.verify(since=1), "line 1", "signature fails")


def test_since_still_checks_the_links_below_the_trusted_checkpoint(log):
    three_seals(log)
    path = audit.anchor_path()
    _damage(path, 0)  # the line changed: the next one no longer names it
    assert broken(audit.verify(since=3), "line 2", "does not name the one before")


# --- Memory ------------------------------------------------------------------------------------------


def _peak(path, count: int, head) -> int:
    write_heartbeats(path, _private(), count, head=head, step=0.001)
    shutil.copyfile(path, audit.witness_path())  # as the writer would have appended them to both stores
    tracemalloc.start()
    result = audit.verify()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.ok, result.message
    return peak


def test_verification_memory_does_not_grow_with_the_anchor_file(log, settings):
    settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS = 0  # one file, however long
    append_n(2)
    log.tick(force_anchor=True)
    log.tick()
    head = log._head()
    path = audit.anchor_path()
    small = _peak(path, 500, head)
    large = _peak(path, 5_000, head)  # ten times the records a verifier that kept them would hold
    assert large < small * 2, (small, large)


def test_the_anchor_file_benchmark_row_runs():
    rows = measure_anchor_file("smoke")
    assert {r["row"] for r in rows} == {8} and len(rows) == 4
    assert all(r["ok"] for r in rows), rows
    assert any("rotated every" in r["what"] for r in rows)
