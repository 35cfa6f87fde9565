"""A real OpenID Provider on 127.0.0.1 for the tests: panva's certified oidc-provider, run by Node.js
from tests/oidc_provider (``npm ci`` when its packages are missing), never a mock of the protocol.

``oidc_provider`` (session scope) starts it on a free port and stops it after the session;
``oidc_settings`` points Lotsa at it for one test; ``ProviderBrowser`` is the person's browser at the
provider, a real HTTP client that signs in on its login page with a chosen assurance level.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from accounts import oidc

HERE = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "lotsa"
CLIENT_SECRET = "lotsa-test-secret"
ACR_ORDER = ["low", "substantial", "high"]
# The city's directory in the test provider (server.mjs): this one person is in the first supervisor's
# group, everyone else is not.
FIRST_SUPERVISOR = "forsta-chefen"
FIRST_SUPERVISOR_CLAIM = "groups=lotsa-first-supervisor"


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def publish_foreign_keys(self, on: bool) -> None:
        """Play an attacker: the provider's key set names a key it never signs with."""
        requests.post(f"{self.issuer}/_test/foreign-keys", data={"on": "1" if on else "0"}, timeout=10)


def _install() -> None:
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)


def start_provider(*, port: int = 0, hooks: bool = True, output=None) -> tuple[subprocess.Popen, str]:
    """Start the provider; returns the process and its issuer once discovery answers."""
    _install()
    output = output or tempfile.NamedTemporaryFile(prefix="lotsa-oidc-", suffix=".log", delete=False)
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_HOOKS": "1" if hooks else "0",
    }
    process = subprocess.Popen(
        ["node", "server.mjs"], cwd=HERE, stdout=output, stderr=subprocess.STDOUT, env=env
    )
    deadline = time.monotonic() + 30
    issuer = None
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"listening on (http://\S+)", Path(output.name).read_text())
        if found:
            issuer = found.group(1)
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return process, issuer
            except requests.RequestException:
                pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the test OpenID Provider did not start:\n{Path(output.name).read_text()}")


@pytest.fixture(scope="session")
def oidc_provider():
    process, issuer = start_provider()
    yield Provider(issuer=issuer, process=process)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    """Lotsa connected to the test provider, social workers needing ``substantial`` (a guarded role
    not named needs the highest, ``high``)."""
    settings.LOTSA_OIDC_ISSUER = oidc_provider.issuer
    settings.LOTSA_OIDC_CLIENT_ID = CLIENT_ID
    settings.LOTSA_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.LOTSA_OIDC_NAME = "Stadens e-legitimation"
    settings.LOTSA_OIDC_SCOPES = "openid profile groups"  # the groups claim, in the id token
    settings.LOTSA_OIDC_ACR_ORDER = ACR_ORDER
    settings.LOTSA_OIDC_ROLE_ASSURANCE = {"social_worker": "substantial", "administrator": "low"}
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", oidc_provider.issuer]  # as config.settings does
    settings.CONTENT_SECURITY_POLICY = policy
    oidc.forget_provider()
    yield oidc_provider
    oidc.forget_provider()


class ProviderBrowser:
    """The person's browser at the provider: follows its redirects and signs in on its login page."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.http = requests.Session()

    def sign_in(self, url: str, *, login: str, acr: str = "substantial") -> str:
        """From the authorization URL to the URL the provider sends the browser back to Lotsa with."""
        for _step in range(12):
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer):
                    return url
                continue
            action = re.search(r'<form method="post" action="([^"]+)"', response.text)
            assert action, response.text
            response = self.http.post(
                urljoin(url, action.group(1)),
                data={"login": login, "acr": acr},
                allow_redirects=False,
                timeout=10,
            )
            assert response.is_redirect, response.text
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider never sent the browser back")
