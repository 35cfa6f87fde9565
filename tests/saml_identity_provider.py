"""A real SAML identity provider on 127.0.0.1 for the tests (tests/saml_idp/server.py: pysaml2's IdP
machinery behind wsgiref, in a subprocess), never a mock of the protocol.

``saml_idp`` (session scope) makes fresh keys and certificates (Lotsa's SP pair, the IdP's, and a
foreign one an attacker signs with) in a temporary folder, never committed; writes Lotsa's SP metadata
for the IdP, starts it and reads its metadata back. ``saml_settings`` points Lotsa at it for one test;
``IdpBrowser`` is the person's browser at the IdP, a real HTTP client that signs in on its form.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor

from accounts import saml

SERVER = Path(__file__).resolve().parent / "saml_idp" / "server.py"
SP_ENTITY_ID = "https://lotsa.test/saml/sp"
PNR = "urn:oid:1.2.752.29.4.13"
HSA = "urn:oid:1.2.752.29.6.2.1"
LOA2, LOA3, LOA4 = (f"http://id.elegnamnden.se/loa/1.0/loa{n}" for n in (2, 3, 4))
MEMBER_OF = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"  # the test IdP releases the login form's groups as this
FIRST_SUPERVISOR_GROUP = "lotsa-first-supervisor"


def make_keypair(folder: Path, name: str) -> None:
    """An RSA key and a self-signed certificate for it, made now (never committed)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"lotsa-test-{name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (folder / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def write_sp_metadata(folder: Path) -> None:
    """Lotsa's SP metadata as the federation would register it (the IdP trusts its signing key)."""
    config = SPConfig().load(
        {
            "entityid": SP_ENTITY_ID,
            "key_file": str(folder / "sp.key"),
            "cert_file": str(folder / "sp.crt"),
            "encryption_keypairs": [
                {"key_file": str(folder / "sp.key"), "cert_file": str(folder / "sp.crt")}
            ],
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [
                            ("http://testserver/accounts/login/saml/acs/", BINDING_HTTP_POST)
                        ],
                        "single_logout_service": [
                            ("http://testserver/accounts/saml/slo/", BINDING_HTTP_REDIRECT)
                        ],
                    },
                    "authn_requests_signed": True,
                    "want_assertions_signed": True,
                }
            },
        }
    )
    (folder / "sp.xml").write_text(str(entity_descriptor(config)))


@dataclass
class Idp:
    base: str
    entity_id: str
    folder: Path
    process: subprocess.Popen


def start_idp(folder: Path) -> tuple[subprocess.Popen, str]:
    log = folder / "idp.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, str(SERVER), str(folder)], stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"listening on (http://\S+)", log.read_text())
        if found:
            return process, found.group(1)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the test SAML IdP did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def saml_idp():
    folder = Path(tempfile.mkdtemp(prefix="lotsa-saml-"))
    for name in ("sp", "idp", "foreign"):
        make_keypair(folder, name)
    write_sp_metadata(folder)
    process, base = start_idp(folder)
    # The metadata exchange: Lotsa reads the IdP's metadata from its endpoint, as an operator would.
    (folder / "idp-fetched.xml").write_text(requests.get(f"{base}/metadata", timeout=10).text)
    yield Idp(base=base, entity_id=f"{base}/idp", folder=folder, process=process)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def saml_settings(settings, saml_idp):
    """Lotsa connected to the test IdP: social workers need loa3 (a guarded role not named needs the
    highest, loa4), administrators loa2."""
    settings.LOTSA_SAML_SP_ENTITY_ID = SP_ENTITY_ID
    settings.LOTSA_SAML_IDP_ENTITY_ID = saml_idp.entity_id
    settings.LOTSA_SAML_IDP_METADATA_FILE = str(saml_idp.folder / "idp-fetched.xml")
    settings.LOTSA_SAML_KEY_FILE = str(saml_idp.folder / "sp.key")
    settings.LOTSA_SAML_CERT_FILE = str(saml_idp.folder / "sp.crt")
    settings.LOTSA_SAML_NAME = "Sweden Connect"
    settings.LOTSA_SAML_ATTRIBUTE = PNR
    settings.LOTSA_SAML_LOA_ORDER = [LOA2, LOA3, LOA4]
    settings.LOTSA_SAML_ROLE_ASSURANCE = {"social_worker": LOA3, "administrator": LOA2}
    saml.forget_provider()
    yield saml_idp
    saml.forget_provider()


@pytest.fixture
def saml_sp_registered(saml_settings, live_server):
    """The IdP knows Lotsa as it runs on the live server (its own SP metadata, with the live server's
    assertion consumer and single logout services), for a browser test; registered as before after."""
    before = (saml_settings.folder / "sp.xml").read_bytes()
    metadata = requests.get(f"{live_server.url}/accounts/saml/metadata/", timeout=10)
    assert metadata.ok, metadata.text
    requests.post(f"{saml_settings.base}/sp-metadata", data=metadata.content, timeout=10).raise_for_status()
    yield saml_settings
    requests.post(f"{saml_settings.base}/sp-metadata", data=before, timeout=10).raise_for_status()


class IdpBrowser:
    """The person's browser at the IdP: opens the AuthnRequest's URL, signs in on the login form, and
    returns the auto-posting form's target and fields (the HTTP-POST binding)."""

    def __init__(self):
        self.http = requests.Session()

    def sign_in(self, url: str, *, user: str, level: str = LOA3, **knobs) -> tuple[str, dict]:
        page = self.http.get(url, timeout=10)
        assert page.ok, page.text
        key = re.search(r'name="key" value="([^"]+)"', page.text)
        assert key, page.text
        answer = self.http.post(
            url.split("/sso/")[0] + "/login",
            data={"key": key.group(1), "user": user, "level": level, **knobs},
            timeout=10,
        )
        assert answer.ok, answer.text
        action = re.search(r'<form[^>]+action="([^"]+)"', answer.text)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', answer.text))
        assert action and "SAMLResponse" in fields, answer.text
        return html.unescape(action.group(1)), {key: html.unescape(value) for key, value in fields.items()}

    def redirected(self, url: str) -> str:
        """Opens ``url`` at the IdP (its single logout service) and returns where it sends the browser."""
        answer = self.http.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def signed_in(self, base: str) -> bool:
        """Whether the IdP still has a session for this browser (its own page says who is signed in)."""
        return "Signed in as" in self.http.get(f"{base}/", timeout=10).text
