"""Local login only where it must be (issue 31, item 4): in production, once single sign-on or a
break-glass list is set, a password with a second factor works for the named accounts only, a
break-glass login says so in its event, and ``check --deploy`` fails without either."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import reverse

from accounts import checks, local_login
from accounts.services import PASSWORD_AND_PASSKEY, PASSWORD_AND_TOTP
from audit import services as audit
from audit import vocabulary
from audit.models import AccessOutcome, Action
from supervision.queries import break_glass_logins_waiting
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from tests.helpers import current_code, events_since, head_seq

pytestmark = pytest.mark.django_db

PRODUCTION_WITH_SSO = override_settings(
    LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=["Nodkonto"]
)


def log_in(client, user):
    device = TOTPDeviceFactory(user=user)
    first = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    if first.status_code != 302:
        return first
    return client.post(reverse("accounts:second_factor"), {"token": current_code(device)})


@PRODUCTION_WITH_SSO
def test_in_production_with_single_sign_on_other_accounts_are_sent_to_e_id(client):
    user = UserFactory(username="handlaggare")
    start = head_seq()
    response = log_in(client, user)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Logga in med din e-legitimation" in response.content.decode()  # Swedish first
    denial = events_since(start).get(action=Action.LOGIN_FAILURE)
    assert denial.outcome == AccessOutcome.DENIED and denial.actor_username == "handlaggare"
    assert denial.reason == local_login.REFUSED
    assert not events_since(start).filter(action=Action.LOGIN).exists()


@PRODUCTION_WITH_SSO
def test_a_wrong_password_is_still_just_a_wrong_password(client):
    """The e-ID message comes only after the right password: it tells no one which accounts are
    break-glass."""
    UserFactory(username="handlaggare")
    response = client.post(reverse("accounts:login"), {"username": "handlaggare", "password": "wrong" * 4})
    assert response.status_code == 200 and "e-legitimation" not in response.content.decode()


@PRODUCTION_WITH_SSO
def test_a_break_glass_account_logs_in_and_its_event_says_so(client):
    user = UserFactory(username="nodkonto")  # the list is matched without regard to case
    start = head_seq()
    response = log_in(client, user)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    login = events_since(start).get(action=Action.LOGIN)
    assert login.reason == "break-glass: password and second factor" == local_login.BREAK_GLASS.describe()
    assert login.actor_id == user.pk
    assert vocabulary.knows("reason", login.reason) and vocabulary.knows("reason", local_login.REFUSED)


def test_outside_production_every_local_account_logs_in_as_before(client):
    user = UserFactory()
    start = head_seq()
    with override_settings(LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=["someone"]):
        assert log_in(client, user).status_code == 302
    assert events_since(start).get(action=Action.LOGIN).reason == "password and second factor"


@override_settings(LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=False, LOTSA_BREAK_GLASS_ACCOUNTS=["nodkonto"])
def test_a_break_glass_list_alone_keeps_local_login_for_the_named(client):
    assert log_in(client, UserFactory(username="annan")).status_code == 200
    assert log_in(client, UserFactory(username="nodkonto")).status_code == 302


# A city's provider, as configured (no provider answers here: the check only reads the settings).
PROVIDER = {
    "LOTSA_OIDC_ISSUER": "https://login.stad.example.se",
    "LOTSA_OIDC_CLIENT_ID": "lotsa",
    "LOTSA_OIDC_CLIENT_SECRET": "not-a-real-secret",
}
NO_PROVIDER = {"LOTSA_OIDC_ISSUER": "", "LOTSA_OIDC_CLIENT_ID": "", "LOTSA_OIDC_CLIENT_SECRET": ""}


def deploy_issues(**settings) -> list:
    """The check's findings; single sign-on on means a provider is configured unless the test says."""
    provider = PROVIDER if settings.get("LOTSA_SINGLE_SIGN_ON") else NO_PROVIDER
    with override_settings(**{**provider, **settings}):
        return checks.local_login_only_where_it_must_be(None)


def ids(issues) -> list[str]:
    return [issue.id for issue in issues]


def test_the_deploy_check_fails_in_production_without_single_sign_on_or_break_glass():
    issues = deploy_issues(LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=False, LOTSA_BREAK_GLASS_ACCOUNTS=[])
    assert ids(issues) == ["lotsa.E031"] and issues[0].is_serious()
    with override_settings(LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=False, LOTSA_BREAK_GLASS_ACCOUNTS=[]):
        with pytest.raises(SystemCheckError, match=r"lotsa\.E031"):
            call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_deploy_check_passes_with_single_sign_on_and_a_short_list_of_real_accounts():
    UserFactory(username="nodkonto")
    assert (
        deploy_issues(
            LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=["nodkonto"]
        )
        == []
    )
    assert (
        deploy_issues(LOTSA_PRODUCTION=False, LOTSA_SINGLE_SIGN_ON=False, LOTSA_BREAK_GLASS_ACCOUNTS=[]) == []
    )


def test_the_deploy_check_warns_of_a_long_list_an_unknown_or_inactive_account_and_no_way_in():
    UserFactory(username="aktiv")
    UserFactory(username="slutat", is_active=False)
    many = ["aktiv", "slutat", "okand", "a", "b", "c"]
    issues = deploy_issues(LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=many)
    assert "lotsa.W031" in ids(issues) and not any(issue.is_serious() for issue in issues)
    named = [issue.msg for issue in issues if issue.id == "lotsa.W033"]
    assert len(named) == 5 and any("'slutat'" in msg and "inactive" in msg for msg in named)
    assert not any("'aktiv'" in msg for msg in named)
    no_way_in = deploy_issues(LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=True, LOTSA_BREAK_GLASS_ACCOUNTS=[])
    assert ids(no_way_in) == ["lotsa.W032"]


def test_single_sign_on_without_a_provider_fails_and_a_provider_left_off_is_said():
    UserFactory(username="nodkonto")
    named = {"LOTSA_PRODUCTION": True, "LOTSA_BREAK_GLASS_ACCOUNTS": ["nodkonto"]}
    on_without = deploy_issues(LOTSA_SINGLE_SIGN_ON=True, **named, **NO_PROVIDER)
    assert ids(on_without) == ["lotsa.E032"] and on_without[0].is_serious()
    left_off = deploy_issues(LOTSA_SINGLE_SIGN_ON=False, **named, **PROVIDER)
    assert ids(left_off) == ["lotsa.W034"] and not left_off[0].is_serious()


def test_before_the_first_accounts_the_named_accounts_are_not_looked_up():
    issues = deploy_issues(
        LOTSA_PRODUCTION=True, LOTSA_SINGLE_SIGN_ON=False, LOTSA_BREAK_GLASS_ACCOUNTS=["admin"]
    )
    assert issues == []


@PRODUCTION_WITH_SSO
def test_a_break_glass_login_with_a_passkey_is_a_break_glass_login_too():
    """Whichever second factor ends it, a break-glass login says so and waits at the desk for review:
    a passkey is no way around the review."""
    named, other = UserFactory(username="nodkonto"), UserFactory(username="annan")
    assert local_login.method_for(named, PASSWORD_AND_PASSKEY) == local_login.BREAK_GLASS_PASSKEY
    assert local_login.method_for(named, PASSWORD_AND_TOTP) == local_login.BREAK_GLASS
    assert local_login.method_for(other, PASSWORD_AND_PASSKEY) == PASSWORD_AND_PASSKEY
    event = audit.record(action=Action.LOGIN, actor=named, reason=local_login.BREAK_GLASS_PASSKEY.describe())
    assert event.pk in set(break_glass_logins_waiting().values_list("pk", flat=True))
    assert vocabulary.knows("reason", event.reason)


def test_production_without_a_named_passkey_domain_is_warned(settings):
    settings.LOTSA_PRODUCTION, settings.LOTSA_PASSKEY_RP_ID = True, ""
    assert ids(checks.passkeys_bound_to_a_named_domain(None)) == ["lotsa.W035"]
    settings.LOTSA_PASSKEY_RP_ID = "lotsa.stad.se"
    assert checks.passkeys_bound_to_a_named_domain(None) == []
