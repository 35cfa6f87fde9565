"""Key material: where it comes from, how it is generated and how a master key version is added.

Kept free of Django model imports so that settings and management commands can use it early.

Sources, in order:
1. The environment: ``LOTSA_MASTER_KEY_<version>`` (one per version) and ``LOTSA_BLIND_INDEX_KEY``,
   each 32 bytes in URL-safe base64. Used as soon as one master key variable is set.
2. The key file (``settings.LOTSA_KEY_FILE``), a JSON document written with mode 0600 outside the
   repository.

The access log's anchor key is not here: it lives in a file of its own that only the sealer reads
(``settings.LOTSA_AUDIT_ANCHOR_KEY_FILE``), with its public half beside it for whoever verifies.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEY_BYTES = 32
ENV_MASTER_PREFIX = "LOTSA_MASTER_KEY_"


class KeyConfigurationError(RuntimeError):
    """The key material is missing or malformed. Never carries key bytes in its message."""


@dataclass(frozen=True)
class KeyMaterial:
    master_keys: dict[int, bytes]
    blind_index_key: bytes
    source: str  # "file" or "environment"

    @property
    def current_version(self) -> int:
        return max(self.master_keys)

    def __repr__(self) -> str:  # never show key bytes, not even in a traceback
        return f"KeyMaterial(versions={sorted(self.master_keys)}, source={self.source!r})"


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str, *, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeError) as exc:
        raise KeyConfigurationError(f"{name} is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyConfigurationError(f"{name} must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def _from_environment(environ) -> KeyMaterial | None:
    masters = {}
    for name, value in environ.items():
        if name.startswith(ENV_MASTER_PREFIX):
            suffix = name[len(ENV_MASTER_PREFIX) :]
            if not suffix.isdigit() or int(suffix) < 1:
                raise KeyConfigurationError(
                    f"{name}: the version after {ENV_MASTER_PREFIX} must be 1 or more"
                )
            masters[int(suffix)] = decode_key(value, name=name)
    if not masters:
        return None
    if not environ.get("LOTSA_BLIND_INDEX_KEY"):
        raise KeyConfigurationError("LOTSA_BLIND_INDEX_KEY must be set together with the master keys")
    return KeyMaterial(
        master_keys=masters,
        blind_index_key=decode_key(environ["LOTSA_BLIND_INDEX_KEY"], name="LOTSA_BLIND_INDEX_KEY"),
        source="environment",
    )


def _from_file(path: Path) -> KeyMaterial:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise KeyConfigurationError(
            f"No key file at {path}. Run `python manage.py generate_keys`, or set LOTSA_KEY_FILE, "
            f"or provide the keys through the environment (see docs/operations.md, 'Keys')."
        ) from exc
    except json.JSONDecodeError as exc:
        raise KeyConfigurationError(f"The key file {path} is not valid JSON") from exc
    try:
        masters = {
            int(version): decode_key(value, name=f"master key {version}")
            for version, value in document["master_keys"].items()
        }
        if not masters:
            raise KeyConfigurationError(f"The key file {path} holds no master key")
        return KeyMaterial(
            master_keys=masters,
            blind_index_key=decode_key(document["blind_index_key"], name="blind_index_key"),
            source="file",
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, KeyConfigurationError):
            raise
        raise KeyConfigurationError(f"The key file {path} is malformed: {type(exc).__name__}") from exc


def load(path: Path, environ=None) -> KeyMaterial:
    environ = os.environ if environ is None else environ
    return _from_environment(environ) or _from_file(Path(path))


def _write_atomically(path: Path, document: dict) -> None:
    _write_text(path, json.dumps(document, indent=2, sort_keys=True), 0o600)


def generate_file(path: Path) -> bool:
    """Create a key file with fresh keys. Returns False, touching nothing, if one exists already."""
    path = Path(path)
    if path.exists():
        return False
    _write_atomically(
        path,
        {
            "format": 1,
            "created": datetime.now(UTC).isoformat(),
            "master_keys": {"1": encode_key(new_key())},
            "blind_index_key": encode_key(new_key()),
        },
    )
    return True


def add_master_version(path: Path) -> int:
    """Append a new master key version to the key file, durably, and return its number.

    The file is replaced atomically, so an interruption leaves either the old or the new file, and
    the old versions stay in it: data keys still wrapped by them remain readable.
    """
    path = Path(path)
    document = json.loads(path.read_text())
    version = max(int(v) for v in document["master_keys"]) + 1
    document["master_keys"][str(version)] = encode_key(new_key())
    _write_atomically(path, document)
    return version


# --- The access log's anchor key --------------------------------------------------------------------


def generate_anchor_key(private_path: Path, public_path: Path) -> bool:
    """Create the anchor signing key (mode 0600) and its public half. False if the key exists."""
    private_path, public_path = Path(private_path), Path(public_path)
    if private_path.exists():
        if not public_path.exists():
            _write_text(public_path, encode_key(_public_bytes(load_anchor_private(private_path))), 0o644)
        return False
    private = Ed25519PrivateKey.from_private_bytes(new_key())
    _write_text(private_path, encode_key(private.private_bytes_raw()), 0o600)
    _write_text(public_path, encode_key(_public_bytes(private)), 0o644)
    return True


def _public_bytes(private) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _write_text(path: Path, text: str, mode: int) -> None:
    """Write a key file whole or not at all: a temporary file with its mode set first, synced, then
    renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_key(path: Path, what: str) -> bytes:
    try:
        text = Path(path).read_text()
    except FileNotFoundError as exc:
        raise KeyConfigurationError(
            f"No {what} at {path}. Run `python manage.py generate_keys` (see docs/operations.md, 'Keys')."
        ) from exc
    return decode_key(text, name=what)


def load_anchor_private(path: Path):
    """The sealer's signing key. Only the sealer calls this."""
    return Ed25519PrivateKey.from_private_bytes(_read_key(path, "anchor signing key"))


def load_anchor_public(path: Path):
    """The key that verifies anchors."""
    return Ed25519PublicKey.from_public_bytes(_read_key(path, "anchor public key"))
