"""The destruction certificates' key is a key of its own (review H2): made with the others, never the
access log's anchor key, which stays with the sealer; the deploy check says when it is."""

from __future__ import annotations

from django.core.management import call_command

from lotsa import keyfile
from retention.checks import certificate_key_is_its_own


def test_generate_keys_makes_the_certificates_own_key(settings, tmp_path):
    settings.LOTSA_KEY_FILE = tmp_path / "keys.json"
    settings.LOTSA_AUDIT_ANCHOR_KEY_FILE = tmp_path / "audit-anchor.key"
    settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE = tmp_path / "audit-anchor.pub"
    settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE = tmp_path / "retention-certificate.key"
    settings.LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE = tmp_path / "retention-certificate.pub"
    call_command("generate_keys")
    anchor = keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
    certificate = keyfile.load_anchor_private(settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE)
    assert anchor.private_bytes_raw() != certificate.private_bytes_raw()
    assert keyfile.load_anchor_public(settings.LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE)
    assert certificate_key_is_its_own(None) == []


def test_the_deploy_check_warns_when_the_key_is_missing_or_the_anchor_key(settings, tmp_path):
    settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE = tmp_path / "no-such.key"
    assert [w.id for w in certificate_key_is_its_own(None)] == ["retention.W002"]
    settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE = settings.LOTSA_AUDIT_ANCHOR_KEY_FILE
    assert [w.id for w in certificate_key_is_its_own(None)] == ["retention.W003"]
    copy = tmp_path / "copy.key"  # the same key under another name
    copy.write_bytes(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE.read_bytes())
    settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE = copy
    assert [w.id for w in certificate_key_is_its_own(None)] == ["retention.W003"]
