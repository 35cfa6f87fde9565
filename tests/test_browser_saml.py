"""A real browser logs in through a real SAML identity provider (tests/saml_idp on 127.0.0.1, started
by tests/saml_identity_provider.py) into Lotsa's start page, and out again, of Lotsa and of the IdP
(single logout; issue 31, items 1 and 2).

Lotsa runs on localhost and the IdP on 127.0.0.1: two sites, so the IdP's HTTP-POST answer arrives
without Lotsa's SameSite=Strict session cookie, as it would from Sweden Connect, and the assertion
consumer's one re-post from Lotsa's own page (accounts.views_sso.saml_acs) is tested too.
"""

from __future__ import annotations

import os
import re

import pytest
from django.conf import settings
from django.utils import translation

from accounts import identities, saml, services
from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.saml_identity_provider import LOA2, LOA3
from tests.test_browser import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def linked_worker(entity_id: str):
    unit = OrganisationFactory(name="Rinkeby-Kista")
    system = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    worker = UserFactory(username="sara", first_name="Sara", organisation=unit, roles=[Role.SOCIAL_WORKER])
    supervisor = UserFactory(username="sup", organisation=unit, roles=[Role.SUPERVISOR])
    admin = UserFactory(username="admin", organisation=system, roles=[Role.ADMINISTRATOR])
    request = identities.identity_link_request(
        by=admin, user=worker, provider=entity_id, value="198001011234"
    )
    services.account_request_decide(by=supervisor, request_id=request.pk, approve=True)
    return worker


def sign_in_at_the_idp(page, live_server, saml_settings, level: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Logga in med Sweden Connect").click()
    page.wait_for_url(re.compile(re.escape(saml_settings.base) + r"/sso/redirect"))
    page.get_by_label("Person").fill("198001011234")
    page.get_by_label("Level of assurance").select_option(level)
    page.get_by_role("button", name="Sign in").click()


def test_a_person_logs_in_through_sweden_connect_and_out(live_server, page, saml_sp_registered):
    saml_settings = saml_sp_registered
    worker = linked_worker(saml_settings.entity_id)
    posts = []
    page.on("request", lambda r: posts.append(r.post_data or "") if r.url.endswith("/saml/acs/") else None)
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    sign_in_at_the_idp(page, live_server, saml_settings, LOA3)
    page.wait_for_url(f"{live_server.url}/")
    # The IdP's post came without the session cookie; Lotsa's page posted it once more, with it.
    assert len(posts) == 2 and "again=1" in posts[1] and "again" not in posts[0]
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Sara"
    login = AccessEvent.objects.filter(action=Action.LOGIN, actor_id=worker.pk).get()
    assert login.reason == f"single sign-on (SAML) via {saml_settings.entity_id} at {LOA3}"

    # Single logout: Lotsa's session ends, the browser goes to the IdP's SLO service with a signed
    # LogoutRequest (the page's form-action allows it) and comes back with its signed LogoutResponse
    # (a redirect chain that began at Lotsa: Chromium sends the SameSite=Strict cookie with it; when
    # a browser does not, the SLO page loads itself once more, tests/test_saml_logout.py).
    slo = []
    page.on("request", lambda r: slo.append(r.url) if "/accounts/saml/slo/" in r.url else None)
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/accounts/login/"))
    assert slo and all("SAMLResponse=" in url for url in slo)
    with translation.override(settings.LANGUAGE_CODE):
        assert str(saml.LOGOUT_DONE) in page.content()
    assert AccessEvent.objects.filter(
        action=Action.LOGOUT, actor_id=worker.pk, reason="single logout confirmed by the provider"
    ).exists()
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    # The IdP's own session has ended too: it asks the person to sign in.
    page.goto(f"{saml_settings.base}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"


def test_too_low_a_level_is_refused_in_words(live_server, page, saml_settings):
    linked_worker(saml_settings.entity_id)
    sign_in_at_the_idp(page, live_server, saml_settings, LOA2)
    page.wait_for_url(re.compile(r"/accounts/login/saml/acs/"))
    page.get_by_role("heading", level=1, name="Inloggningen nekades").wait_for()
    assert "för låg" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
