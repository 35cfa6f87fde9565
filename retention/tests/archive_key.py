"""The archive's own key pair for the tests: made here, the private key stays with the test (the archive).
Its certificate is valid for decades either side of today, so that tests travelling in time can use it."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import override_settings


def certificate_for(key, *, not_before: dt.datetime, not_after: dt.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stadsarkivet test")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )


@functools.cache
def long_lived_key() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    now = dt.datetime.now(dt.UTC)
    decade = dt.timedelta(days=3650)
    return key, certificate_for(key, not_before=now - decade, not_after=now + decade)


@contextlib.contextmanager
def archive_configured(directory: Path):
    """The archive's certificate and directory set (under ``directory``) for the block."""
    _key, certificate = long_lived_key()
    pem = directory / "archive.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    out = directory / "archive"
    out.mkdir(exist_ok=True)
    with override_settings(LOTSA_ARCHIVE_CERTIFICATE=str(pem), LOTSA_ARCHIVE_DIR=out):
        yield out
