"""A real browser adds a passkey and logs in with password and passkey (issue 31, item 3).

Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) plays the phone or the
security key: a platform authenticator (internal transport) that keeps resident keys and verifies the
user. The passkey scripts are django-otp-webauthn's, served from Lotsa's own static files.
"""

from __future__ import annotations

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import AccessEvent, Action
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from tests.helpers import current_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def password_step(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url(re.compile(r"/accounts/login/code/$"))


def test_a_passkey_is_added_and_logs_in_after_the_password(live_server, page):
    user = UserFactory(username="passkey.user", first_name="Petra")
    device = TOTPDeviceFactory(user=user)
    cdp, authenticator = virtual_authenticator(page)

    # Logged in with the authenticator app, Petra adds a passkey on her own page.
    password_step(page, live_server, user)
    page.get_by_label("Kod från din autentiseringsapp").fill(current_code(device))
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Lösennycklar").click()
    page.get_by_text("Du har ingen lösennyckel än.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Lägg till en lösennyckel").click()
    page.get_by_role("table").wait_for()  # the page shows itself again, with the new passkey
    assert_accessible(page)
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    kept = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(kept) == 1
    added = AccessEvent.objects.filter(action=Action.SECOND_FACTOR_ENROLLED, actor_id=user.pk)
    assert added.get().reason == "passkey registered"

    # Logged out, she logs in with her password and the passkey, and lands on the start page.
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    password_step(page, live_server, user)
    assert_accessible(page)
    page.get_by_role("button", name="Logga in med lösennyckel").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Petra"
    login = AccessEvent.objects.filter(action=Action.LOGIN, actor_id=user.pk).order_by("-id").first()
    assert login.reason == "password and passkey"
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None
