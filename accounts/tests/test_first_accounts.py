"""The first accounts of a fresh installation (issue 31, item 5): ``manage.py lotsa_first_accounts``."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import installation
from accounts.models import EnrolmentCode, LoginKind, Organisation, OrganisationKind, User
from accounts.roles import Role
from audit import vocabulary
from audit.models import AccessEvent, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import events_since, head_seq

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long passphrase of my own 2026"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def run(*extra) -> str:
    out = io.StringIO()
    call_command(
        "lotsa_first_accounts",
        "--administrator=forvaltare",
        "--administrator-first-name=Ada",
        "--administrator-last-name=Admin",
        "--supervisor=chef",
        "--supervisor-first-name=Siv",
        "--unit=VBE-teamet",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def codes_in(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        match = CODE.search(line)
        if match:
            label = "second" if "second part" in line else "first" if "first part" in line else "whole"
            found[label] = match.group()
    return found


def activate(client, username, first, second=""):
    return client.post(
        reverse("accounts:activate"),
        {
            "username": username,
            "first_part": first,
            "second_part": second,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )


def enrol_and_log_in(client, username) -> None:
    """After activation: the authenticator is enrolled at the login's second step, then the login is made."""
    assert client.get(reverse("accounts:enrol")).status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:enrol"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("home"), response.content[:500]


def test_a_fresh_installation_gets_an_administrator_and_a_supervisor_whose_codes_activate(client):
    start = head_seq()
    output = run()
    admin, head = User.objects.get(username="forvaltare"), User.objects.get(username="chef")
    assert admin.role_codes() == {Role.ADMINISTRATOR} and head.role_codes() == {Role.SUPERVISOR}
    assert admin.organisation.kind == OrganisationKind.SYSTEM_MANAGEMENT and admin.organisation.is_active
    assert head.organisation.name == "VBE-teamet" and head.organisation.kind == OrganisationKind.VBE_TEAM
    assert head.organisation.is_active and not admin.has_usable_password() and not head.has_usable_password()
    codes = codes_in(output)
    assert set(codes) == {"whole", "first", "second"} and len(set(codes.values())) == 3

    # Each person's own code activates their own account, on the real activation page.
    assert activate(client, "chef", codes["whole"]).status_code == 200  # not the administrator's code
    response = activate(client, "forvaltare", codes["whole"])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:enrol")
    enrol_and_log_in(client, "forvaltare")
    assert client.get(reverse("accounts:user_list")).status_code == 200
    client.post(reverse("accounts:logout"))

    assert activate(client, "chef", codes["first"]).status_code == 200  # one part alone is not enough
    response = activate(client, "chef", codes["first"], codes["second"])
    assert response.status_code == 302
    head.refresh_from_db()
    # Two parts: a login no one held alone, so it reaches the supervisor's pages.
    assert head.login_kind == LoginKind.SPLIT and not head.login_held_alone
    enrol_and_log_in(client, "chef")
    assert client.get(reverse("supervision:desk")).status_code == 200

    events = events_since(start).filter(actor_username=installation.INSTALLATION, actor_id=None)
    assert events.filter(action=Action.CREATE, target_type="accounts.organisation").count() == 2
    assert events.filter(action=Action.CREATE, target_type="accounts.user").count() == 4
    assert all(vocabulary.knows("reason", reason) for reason in events.values_list("reason", flat=True))


def test_a_second_run_is_refused_and_changes_nothing():
    run()
    counts = User.objects.count(), Organisation.objects.count(), EnrolmentCode.objects.count()
    events = AccessEvent.objects.count()
    with pytest.raises(CommandError, match="has accounts already"):
        run("--unit=Ett annat team")
    assert (User.objects.count(), Organisation.objects.count(), EnrolmentCode.objects.count()) == counts
    assert AccessEvent.objects.count() == events


def test_any_account_at_all_makes_it_refuse():
    UserFactory(username="someone")
    with pytest.raises(CommandError, match="Nothing was changed"):
        run()
    assert not User.objects.filter(username__in=["forvaltare", "chef"]).exists()


def test_a_failure_half_way_leaves_nothing(monkeypatch):
    def broken(user):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(installation, "_two_part_code", broken)
    events = AccessEvent.objects.count()
    with pytest.raises(RuntimeError):
        run()
    assert not User.objects.exists() and not Organisation.objects.exists()
    assert not EnrolmentCode.objects.exists() and AccessEvent.objects.count() == events


def test_a_named_unit_is_used_when_it_fits_and_refused_when_it_does_not():
    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen", kind=OrganisationKind.POLICE)
    with pytest.raises(CommandError, match="fitting kind"):
        run(f"--unit={police.name}")
    assert not User.objects.exists()
    run(f"--unit={unit.name}")
    assert User.objects.get(username="chef").organisation == unit
    assert Organisation.objects.filter(name="Rinkeby-Kista stadsdelsförvaltning").count() == 1


def test_bad_input_is_refused_clearly():
    with pytest.raises(CommandError, match="two usernames"):
        call_command(
            "lotsa_first_accounts",
            "--administrator=samma",
            "--supervisor=SAMMA",
            "--unit=U",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command(
            "lotsa_first_accounts",
            "--administrator=bad name!",
            "--supervisor=chef",
            "--unit=U",
            stdout=io.StringIO(),
        )
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_in_production_with_single_sign_on_activation_never_leads_past_the_e_id(client, settings):
    """The enrolment code sets a password, but where local login is kept for the break-glass accounts an
    activated account that is not one goes to the e-ID login: no authenticator, no session, a denial."""
    codes = codes_in(run())
    settings.LOTSA_PRODUCTION, settings.LOTSA_SINGLE_SIGN_ON = True, True
    settings.LOTSA_BREAK_GLASS_ACCOUNTS = ["forvaltare"]
    start = head_seq()
    response = activate(client, "chef", codes["first"], codes["second"])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:enrol")).status_code == 302  # no login waits for a second factor
    assert not TOTPDevice.objects.filter(user__username="chef").exists()
    assert "_auth_user_id" not in client.session
    denial = events_since(start).get(action=Action.LOGIN_FAILURE)
    assert denial.actor_username == "chef" and denial.reason == "local login only for break-glass accounts"
    # The break-glass account named goes on as before.
    assert activate(client, "forvaltare", codes["whole"]).status_code == 302
    enrol_and_log_in(client, "forvaltare")
