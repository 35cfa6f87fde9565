"""Settings for the test suite: the production settings with generated keys and plain HTTP.

The database still comes from DATABASE_URL, so the same suite runs on SQLite and PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

_test_dir = Path(tempfile.mkdtemp(prefix="lotsa-test-"))
os.environ.setdefault("SECRET_KEY", "test-only-" + "k3y-" * 16)
os.environ["LOTSA_HTTPS"] = "0"
os.environ.setdefault("LOTSA_KEY_FILE", str(_test_dir / "keys.json"))
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_FILE", str(_test_dir / "anchors.jsonl"))
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_KEY_FILE", str(_test_dir / "audit-anchor.key"))
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE", str(_test_dir / "audit-anchor.pub"))
os.environ.setdefault("LOTSA_RETENTION_CERTIFICATE_KEY_FILE", str(_test_dir / "retention-certificate.key"))
os.environ.setdefault(
    "LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE", str(_test_dir / "retention-certificate.pub")
)

from lotsa import keyfile  # noqa: E402

keyfile.generate_file(Path(os.environ["LOTSA_KEY_FILE"]))
keyfile.generate_anchor_key(
    Path(os.environ["LOTSA_AUDIT_ANCHOR_KEY_FILE"]), Path(os.environ["LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE"])
)
keyfile.generate_anchor_key(
    Path(os.environ["LOTSA_RETENTION_CERTIFICATE_KEY_FILE"]),
    Path(os.environ["LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE"]),
)

from config.settings import *  # noqa: E402, F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The suite is not production: the tests of the production-only rules (break-glass login, the deploy
# checks) say so with override_settings(LOTSA_PRODUCTION=True).
LOTSA_PRODUCTION = False
TEST_RUNTIME_DIR = _test_dir
STATIC_ROOT = _test_dir / "static"
STATIC_ROOT.mkdir()
