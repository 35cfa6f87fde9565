"""First-run set-up that must work before Django can start: keys and the secret key.

``python -m lotsa.bootstrap`` creates var/keys.json, the anchor key var/audit-anchor.key (and .pub), the
destruction certificates' own key var/retention-certificate.key (and .pub) and var/secret_key (mode
0600) unless they exist, and compiles the translations. It never overwrites a key.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from lotsa import i18n, keyfile

BASE_DIR = Path(__file__).resolve().parent.parent


def ensure_secret_key(path: Path) -> bool:
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(64) + "\n")
    return True


def main() -> int:
    var = Path(os.environ.get("LOTSA_VAR_DIR", BASE_DIR / "var"))
    key_file = Path(os.environ.get("LOTSA_KEY_FILE", var / "keys.json"))
    secret_file = Path(os.environ.get("SECRET_KEY_FILE", var / "secret_key"))
    if keyfile.generate_file(key_file):
        print(f"created the key file {key_file}")
    anchor_key = Path(os.environ.get("LOTSA_AUDIT_ANCHOR_KEY_FILE", var / "audit-anchor.key"))
    anchor_public = Path(os.environ.get("LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE", var / "audit-anchor.pub"))
    if keyfile.generate_anchor_key(anchor_key, anchor_public):
        print(f"created the access log's anchor key {anchor_key} and {anchor_public}")
    certificate_key = Path(
        os.environ.get("LOTSA_RETENTION_CERTIFICATE_KEY_FILE", var / "retention-certificate.key")
    )
    certificate_public = Path(
        os.environ.get("LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE", var / "retention-certificate.pub")
    )
    if keyfile.generate_anchor_key(certificate_key, certificate_public):
        print(f"created the destruction certificates' key {certificate_key} and {certificate_public}")
    if "SECRET_KEY" not in os.environ and ensure_secret_key(secret_file):
        print(f"created {secret_file}")
    (var / "static").mkdir(parents=True, exist_ok=True)
    i18n.compile_all(BASE_DIR / "locale")
    return 0


if __name__ == "__main__":
    sys.exit(main())
