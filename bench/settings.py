"""Settings for the benchmarks: Lotsa's own, plus the plaintext baseline app, with cached keys."""

import hashlib
import os
from pathlib import Path

CACHE_DIR = Path(os.environ.get("BENCH_CACHE_DIR", Path(__file__).resolve().parent / ".cache"))
CACHE_DIR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("SECRET_KEY", "bench-only-" + "b3nch" * 12)
os.environ["LOTSA_HTTPS"] = "0"
os.environ.setdefault("LOTSA_KEY_FILE", str(CACHE_DIR / "keys.json"))
# One anchor file per database: a sealer meeting another database's checkpoints raises an alarm.
_database = hashlib.sha256(os.environ.get("DATABASE_URL", "").encode()).hexdigest()[:10]
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_FILE", str(CACHE_DIR / f"anchors-{_database}.jsonl"))
os.environ.setdefault("LOTSA_VAR_DIR", str(CACHE_DIR))
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_KEY_FILE", str(CACHE_DIR / "audit-anchor.key"))
os.environ.setdefault("LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE", str(CACHE_DIR / "audit-anchor.pub"))
os.environ.setdefault("LOTSA_RETENTION_CERTIFICATE_KEY_FILE", str(CACHE_DIR / "retention-certificate.key"))
os.environ.setdefault(
    "LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE", str(CACHE_DIR / "retention-certificate.pub")
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

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
MIGRATION_MODULES = {"bench": None}
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = CACHE_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
AXES_ENABLED = False
