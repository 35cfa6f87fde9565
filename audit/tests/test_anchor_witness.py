"""One anchor store is one point of failure (issue 26, item 5): every anchor line is also appended to
a second store, the witness, and the sealer, verification and recovery hold the two against each
other (with the access log's memory of anchors as a third opinion)."""

from __future__ import annotations

import base64
import json
import socket
import time

import pytest
from django.core.management import call_command

from audit import anchors
from audit import services as audit
from audit.models import AccessEvent
from audit.tests.test_audit import _Capture, append_n, broken, three_seals
from lotsa import keyfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    settings.LOTSA_AUDIT_ANCHOR_WITNESS_FILE = ""
    return audit.Sealer()


def _lines(path) -> list[str]:
    return path.read_text().splitlines(keepends=True) if path.exists() else []


def _anchored(log, heartbeats: int = 2) -> None:
    """Three checkpoints the log remembers, then heartbeats, which it does not."""
    three_seals(log)
    log.tick()
    for _ in range(heartbeats):
        log.write(anchors.HEARTBEAT, now=time.time())


def _resign(line: str, **changes) -> str:
    record = json.loads(line)
    record.update(changes)
    record.pop("sig")
    private = keyfile.load_anchor_private(audit.settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
    record["sig"] = base64.b64encode(private.sign(anchors._message(record))).decode("ascii")
    return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


# --- Both stores ---------------------------------------------------------------------------------------


def test_every_record_lands_in_both_stores(log):
    _anchored(log)
    primary, witness = audit.anchor_path(), audit.witness_path()
    assert witness.name == "anchors.witness.jsonl" and witness.parent == primary.parent
    assert len(_lines(primary)) == 5 and _lines(witness) == _lines(primary)
    assert audit.verify().ok


def test_the_witness_rotates_like_the_anchor_file(log, settings):
    settings.LOTSA_AUDIT_ANCHOR_ROTATE_RECORDS = 4
    sealer = audit.Sealer()
    for _ in range(9):
        append_n(1)
        sealer.tick(force_anchor=True)
    primary, witness = audit.anchor_path(), audit.witness_path()
    ranges = [(first, last) for first, last, _ in anchors.archives(primary)]
    assert ranges == [(first, last) for first, last, _ in anchors.archives(witness)] and len(ranges) == 2
    for (_, _, one), (_, _, other) in zip(anchors.archives(primary), anchors.archives(witness), strict=True):
        assert _lines(one) == _lines(other)
    assert _lines(witness) == _lines(primary)
    assert audit.verify().ok


def test_the_witness_file_can_live_elsewhere(log, settings, tmp_path):
    elsewhere = tmp_path / "other-mount" / "witness.jsonl"
    settings.LOTSA_AUDIT_ANCHOR_WITNESS_FILE = str(elsewhere)
    append_n(1)
    audit.Sealer().tick(force_anchor=True)
    assert _lines(elsewhere) == _lines(audit.anchor_path()) and len(_lines(elsewhere)) == 1


# --- A primary lost while the witness holds the true records ----------------------------------------------


def test_a_rewound_anchor_file_with_an_intact_witness_is_caught(log):
    """Rewound past heartbeats only: the log remembers no heartbeat, so only the witness can tell."""
    _anchored(log)
    primary = audit.anchor_path()
    primary.write_text("".join(_lines(primary)[:3]))
    result = audit.verify()
    assert broken(result, "ends at anchor 3", "witness", "up to 5", "rewound"), result.message
    with pytest.raises(anchors.AnchorError, match="holds anchors up to 5"):
        audit.Sealer()


def test_an_emptied_anchor_file_stops_the_sealer_before_the_log_remembers_an_anchor(log):
    append_n(1)
    log.tick(force_anchor=True)  # checkpoint 1; the log's memo of it is not sealed yet
    audit.anchor_path().write_text("")
    assert audit.remembered_anchor() is None
    with pytest.raises(anchors.AnchorError, match=r"missing or empty, but the witness .* ends at anchor 1"):
        audit.Sealer()
    assert broken(audit.verify(), "witness", "ends at anchor 1", "deleted or emptied")


def test_an_anchor_file_rewritten_with_the_key_disagrees_with_the_witness(log):
    """Someone who holds the key and reaches the anchor file re-dates its last heartbeat (to make a
    stopped sealer look alive, say): each line is validly signed, but the witness holds the original."""
    _anchored(log)
    primary = audit.anchor_path()
    lines = _lines(primary)
    lines[-1] = _resign(lines[-1], at=anchors._now_text(time.time() + 30))
    primary.write_text("".join(lines))
    words = ("anchor 5, the anchor file's last", "not the anchor 5 the witness", "edited or replaced")
    assert broken(audit.verify(), *words)
    with pytest.raises(anchors.AnchorError, match="edited or replaced"):
        audit.Sealer()


# --- A witness lost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["delete", "empty", "rewind"])
def test_a_lost_witness_is_reported_and_stops_the_sealer(log, damage):
    _anchored(log)
    witness = audit.witness_path()
    if damage == "delete":
        witness.unlink()
    elif damage == "empty":
        witness.write_text("")
    else:
        witness.write_text("".join(_lines(witness)[:3]))
    lost = ("holds no anchor", "deleted or emptied")
    words = ("ends at anchor 3", "rewound") if damage == "rewind" else lost
    result = audit.verify()
    assert broken(result, "witness", *words, "audit_anchor_recover restart"), result.message
    with pytest.raises(anchors.AnchorError, match="witness"):
        audit.Sealer()
    before = _lines(audit.anchor_path())
    append_n(1)
    with pytest.raises(anchors.AnchorError, match="witness"):
        log.tick(force_anchor=True)  # a running sealer stops before writing to either store
    assert _lines(audit.anchor_path()) == before


# --- A crash between the two appends ------------------------------------------------------------------------


class _Crash(BaseException):
    pass


@pytest.mark.parametrize("torn", [False, True])
def test_a_crash_between_the_two_appends_is_a_note_and_is_repaired(log, monkeypatch, torn):
    _anchored(log)
    witness = audit.witness_path()

    def crash(self, line):
        if torn:  # the process died halfway through the witness's line
            with witness.open("a") as handle:
                handle.write(line[: len(line) // 2])
        raise _Crash

    with monkeypatch.context() as patched:
        patched.setattr(anchors.Writer, "_witness_append", crash)
        with pytest.raises(_Crash):
            log.write(anchors.HEARTBEAT, now=time.time())
    primary = audit.anchor_path()
    assert len(_lines(primary)) == 6 and len(witness.read_text().splitlines()) == 5 + torn
    result = audit.verify()
    assert result.ok and "the witness lacks the anchor file's last record, anchor 6" in result.message, (
        result.message
    )
    sealer = audit.Sealer()  # starts
    append_n(1)
    sealer.tick(force_anchor=True)  # appends anchor 6 to the witness again, then anchor 7 to both
    assert _lines(witness) == _lines(primary) and len(_lines(primary)) == 7
    result = audit.verify()
    assert result.ok and "witness lacks" not in result.message, result.message


# --- Recovery ----------------------------------------------------------------------------------------------


def test_restart_after_a_lost_anchor_file_starts_both_stores_anew(log):
    _anchored(log)
    audit.anchor_path().unlink()
    call_command("audit_anchor_recover", "restart", reason="disk lost, ticket 12", stdout=_Capture())
    primary, witness = audit.anchor_path(), audit.witness_path()
    first = json.loads(_lines(primary)[0])
    assert first["kind"] == anchors.RESTART and first["n"] == 6  # after the witness's anchor 5
    assert "the witness disagreed" in first["reason"] and "witness.jsonl.replaced-" in first["reason"]
    assert _lines(witness) == _lines(primary)
    assert len(list(primary.parent.glob("anchors.witness.jsonl.replaced-*"))) == 1  # kept, not deleted
    event = AccessEvent.objects.get(target_type=audit.RECOVERY)
    assert "the witness disagreed" in event.reason
    sealer = audit.Sealer()
    append_n(1)
    sealer.tick(force_anchor=True)
    result = audit.verify()
    assert result.ok and "restarted at anchor 6" in result.message, result.message


def test_restart_after_a_lost_witness_realigns_it(log):
    _anchored(log)
    audit.witness_path().unlink()
    call_command("audit_anchor_recover", "restart", reason="witness mount replaced", stdout=_Capture())
    primary, witness = audit.anchor_path(), audit.witness_path()
    assert len(_lines(primary)) == 6  # the anchor file was intact: the restart is appended to it
    assert _lines(witness) == _lines(primary)[-1:]  # the witness opens with the restart
    assert "the witness disagreed" in json.loads(_lines(witness)[0])["reason"]
    sealer = audit.Sealer()
    append_n(1)
    sealer.tick(force_anchor=True)
    assert _lines(witness) == _lines(primary)[-2:]
    result = audit.verify()
    assert result.ok, result.message


def test_the_torn_line_recovery_refuses_while_the_witness_disagrees(log):
    _anchored(log)
    audit.witness_path().write_text("")
    with audit.anchor_path().open("a") as handle:
        handle.write('{"kind":"checkp')
    with pytest.raises(Exception, match="nothing changed: the witness"):
        call_command("audit_anchor_recover", "torn-line", reason="power cut", stdout=_Capture())
    assert audit.anchor_path().read_text().endswith('"kind":"checkp')


# --- The system log: a copy for an outside party ------------------------------------------------------


def test_each_record_is_also_sent_to_syslog_when_configured(log, settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        settings.LOTSA_AUDIT_ANCHOR_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
        append_n(1)
        log.tick(force_anchor=True)
        message = receiver.recv(65536).decode("utf-8")
    finally:
        receiver.close()
    assert _lines(audit.anchor_path())[-1].strip() in message and "lotsa-anchor:" in message
