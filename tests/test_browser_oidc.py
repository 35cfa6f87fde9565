"""A real browser logs in through a real OpenID Provider (panva's oidc-provider on 127.0.0.1, started
by tests/identity_provider.py) into Lotsa's start page, and logs out of both (issue 31, item 1).

Lotsa runs on localhost and the provider on 127.0.0.1: two sites, so the browser comes back from the
provider without Lotsa's SameSite=Strict session cookie, as it would from a city's provider on its own
domain, and the callback's one reload (accounts.views_sso.oidc_callback) is tested too.
"""

from __future__ import annotations

import os
import re

import pytest

from accounts import identities, services
from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.test_browser import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_logs_in_through_the_citys_provider_and_out_of_both(live_server, page, oidc_settings):
    unit = OrganisationFactory(name="Rinkeby-Kista")
    system = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    worker = UserFactory(username="sara", first_name="Sara", organisation=unit, roles=[Role.SOCIAL_WORKER])
    supervisor = UserFactory(username="sup", organisation=unit, roles=[Role.SUPERVISOR])
    admin = UserFactory(username="admin", organisation=system, roles=[Role.ADMINISTRATOR])
    request = identities.identity_link_request(
        by=admin, user=worker, provider=oidc_settings.issuer, value="sara"
    )
    services.account_request_decide(by=supervisor, request_id=request.pk, approve=True)

    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_role("button", name="Logga in med Stadens e-legitimation").click()

    page.wait_for_url(re.compile(re.escape(oidc_settings.issuer) + r"/interaction/"))
    page.get_by_label("Name").fill("sara")
    page.get_by_label("Assurance level (acr)").select_option("substantial")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen, Sara"
    login = AccessEvent.objects.filter(action=Action.LOGIN, actor_id=worker.pk).get()
    assert login.reason == f"single sign-on (OpenID Connect) via {oidc_settings.issuer} at substantial"

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(re.escape(oidc_settings.issuer) + r"/session/end"))
    page.get_by_role("button", name=re.compile("Yes", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/accounts/login/"))
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_too_low_a_level_is_refused_in_words(live_server, page, oidc_settings):
    unit = OrganisationFactory(name="Rinkeby-Kista")
    system = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    worker = UserFactory(username="sara", first_name="Sara", organisation=unit, roles=[Role.SOCIAL_WORKER])
    supervisor = UserFactory(username="sup", organisation=unit, roles=[Role.SUPERVISOR])
    admin = UserFactory(username="admin", organisation=system, roles=[Role.ADMINISTRATOR])
    request = identities.identity_link_request(
        by=admin, user=worker, provider=oidc_settings.issuer, value="sara"
    )
    services.account_request_decide(by=supervisor, request_id=request.pk, approve=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Logga in med Stadens e-legitimation").click()
    page.get_by_label("Name").fill("sara")
    page.get_by_label("Assurance level (acr)").select_option("low")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/login/oidc/callback/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggningen nekades"
    assert "Tillitsnivån för din inloggning (low) är för låg" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
