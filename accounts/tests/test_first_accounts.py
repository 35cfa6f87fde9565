"""The first accounts of a fresh installation (issue 31, item 5): ``manage.py lotsa_first_accounts``."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import identities, installation, services
from accounts.models import (
    AccountRequestStatus,
    EnrolmentCode,
    IdentityLink,
    LoginKind,
    Organisation,
    OrganisationKind,
    User,
)
from accounts.roles import Role
from audit import vocabulary
from audit.models import AccessEvent, AccessOutcome, Action
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import events_since, head_seq
from tests.identity_provider import FIRST_SUPERVISOR, FIRST_SUPERVISOR_CLAIM, ProviderBrowser

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
    """The administrator's code (printed first) and the supervisor's."""
    found = CODE.findall(output)
    assert len(found) == 2, output
    return {"administrator": found[0], "supervisor": found[1]}


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
    with translation.override("en"):
        output = run()
    assert "Without an identity provider no login made from these accounts ever reaches" in output
    admin, head = User.objects.get(username="forvaltare"), User.objects.get(username="chef")
    assert admin.role_codes() == {Role.ADMINISTRATOR} and head.role_codes() == {Role.SUPERVISOR}
    assert admin.organisation.kind == OrganisationKind.SYSTEM_MANAGEMENT and admin.organisation.is_active
    assert head.organisation.name == "VBE-teamet" and head.organisation.kind == OrganisationKind.VBE_TEAM
    assert head.organisation.is_active and not admin.has_usable_password() and not head.has_usable_password()
    codes = codes_in(output)
    assert codes["administrator"] != codes["supervisor"]
    # Both codes were printed to the one installer: each is recorded as the installation's whole code.
    for code in EnrolmentCode.objects.all():
        assert code.by_installation and not code.needs_second_part and code.issued_by is None

    # Each person's own code activates their own account, on the real activation page.
    assert activate(client, "chef", codes["administrator"]).status_code == 200  # not the administrator's
    response = activate(client, "forvaltare", codes["administrator"])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:enrol")
    enrol_and_log_in(client, "forvaltare")
    assert client.get(reverse("accounts:user_list")).status_code == 200
    client.post(reverse("accounts:logout"))

    assert activate(client, "chef", codes["supervisor"]).status_code == 302
    head.refresh_from_db()
    assert head.login_kind == LoginKind.INSTALLATION and head.login_held_alone

    events = events_since(start).filter(actor_username=installation.INSTALLATION, actor_id=None)
    assert events.filter(action=Action.CREATE, target_type="accounts.organisation").count() == 2
    assert events.filter(action=Action.CREATE, target_type="accounts.user").count() == 4
    assert all(vocabulary.knows("reason", reason) for reason in events.values_list("reason", flat=True))


def _first_approver(client):
    """The installation's two logins activated, the confined supervisor (logged in on ``client``) has
    approved the first access approver: the administrator, the supervisor, the approver and the two
    parts of the approver's code."""
    codes = codes_in(run())
    admin, head = User.objects.get(username="forvaltare"), User.objects.get(username="chef")
    activate(client, "forvaltare", codes["administrator"])
    enrol_and_log_in(client, "forvaltare")
    client.post(reverse("accounts:logout"))
    activate(client, "chef", codes["supervisor"])
    enrol_and_log_in(client, "chef")
    approver, first, request = services.user_create(
        by=admin,
        username="behorig",
        first_name="B",
        last_name="H",
        email="",
        organisation=head.organisation,
        roles={Role.ACCESS_APPROVER},
    )
    assert list(request.approvers.all()) == [head]
    decided = client.post(
        reverse("accounts:request_decide", kwargs={"request_id": request.pk}), {"decision": "approve"}
    )
    assert decided.status_code == 200
    second = CODE.search(decided.content.decode()).group()  # the second part, once
    return admin, head, User.objects.get(pk=approver.pk), first.text, second


def test_the_installations_supervisor_login_is_confined_and_so_is_every_login_it_completes(client):
    """Invariant 5: the supervisor's first login was held by the installer alone, who also holds the
    administrator's. It logs in and approves the first access approver, and reaches no page with
    personal data. The approver's code it completed is held alone too (the installer was given both
    parts), so the approver's login is confined, and so is the supervisor's login reset with it: a chain
    of logins one person held never reaches personal data."""
    admin, head, approver, first, second = _first_approver(client)
    start = head_seq()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:requests")
    with translation.override("sv"):
        told = escape(installation.confined_message())
    for page in (reverse("supervision:desk"), reverse("cases:my_cases"), reverse("accounts:user_list")):
        refused = client.get(page)
        assert refused.status_code == 403 and told in refused.content.decode(), page
    denials = events_since(start).filter(outcome=AccessOutcome.DENIED, actor_username="chef")
    assert denials.count() == 3
    assert set(denials.values_list("reason", flat=True)) == {installation.CONFINED_REASON}
    assert approver.role_codes() == {Role.ACCESS_APPROVER}

    # The approver's code: two parts, both the installer's. The login it sets is held alone, confined.
    code = EnrolmentCode.objects.get(user=approver)
    assert code.needs_second_part and code.by_installation and code.completed_by == head
    client.post(reverse("accounts:logout"))
    assert activate(client, "behorig", first, second).status_code == 302
    approver.refresh_from_db()
    assert approver.login_kind == LoginKind.INSTALLATION and approver.login_held_alone
    enrol_and_log_in(client, "behorig")
    assert client.get(reverse("supervision:desk")).status_code == 403
    assert installation.confined(approver, None)

    # The reset of the supervisor's login waits for the access approver, never for the supervisor; the
    # approver's confined login completes it, so the new login is still held alone, still confined.
    reset_first, reset = services.user_reset_credentials(by=admin, user=head)
    assert list(reset.approvers.all()) == [approver]
    _decided, reset_second = services.account_request_decide(by=approver, request_id=reset.pk, approve=True)
    client.logout()
    assert activate(client, "chef", reset_first.text, reset_second.text).status_code == 302
    head.refresh_from_db()
    assert head.login_kind == LoginKind.INSTALLATION and head.login_held_alone
    enrol_and_log_in(client, "chef")
    assert client.get(reverse("supervision:desk")).status_code == 403


CONFIRMED = "identity link confirmed by the provider's first-supervisor claim"


def e_id_login(client, issuer: str, name: str, acr: str = "high"):
    """Log in through the real test OpenID Provider as ``name`` (the person's browser signs in there)."""
    started = client.post(reverse("accounts:oidc_login"))
    assert started.status_code == 302, started.content[:500]
    back = urlsplit(ProviderBrowser(issuer).sign_in(started["Location"], login=name, acr=acr))
    response = client.get(back.path, {key: values[0] for key, values in parse_qs(back.query).items()})
    assert response.status_code == 302, response.context and response.context.get("message")
    return response


def approve(client, request) -> str | None:
    """Approve ``request`` on its page in ``client``'s session; the code's second part when it shows one."""
    response = client.post(
        reverse("accounts:request_decide", kwargs={"request_id": request.pk}), {"decision": "approve"}
    )
    assert response.status_code in (200, 302), response.content[:500]
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.APPROVED, request.decision_note
    found = CODE.search(response.content.decode()) if response.status_code == 200 else None
    return found.group() if found else None


def told(device=None) -> str:
    """Why a confined session is refused, as the (Swedish) page shows it."""
    with translation.override("sv"):
        return escape(installation.confined_message(device))


def assert_confined(client, told: str) -> None:
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("accounts:requests")
    for page in (reverse("supervision:desk"), reverse("cases:my_cases"), reverse("accounts:user_list")):
        refused = client.get(page)
        assert refused.status_code == 403 and told in refused.content.decode(), page


def test_the_whole_path_the_city_s_provider_names_the_first_supervisor(client, settings, oidc_settings):
    """From a fresh installation to a case worker at work, against the real test OpenID Provider.

    The hole: the installer holds both first logins, so they can ask for the supervisor's e-ID link as
    administrator and approve it with a confined login, naming their OWN e-ID. That link is the
    installation's: a login through it stays confined (no personal data) and what it approves is held
    alone too. The root of trust is the city's provider: only when its answer carries the first
    supervisor's group (assigned in the city's directory, out of the installer's reach) is a link of the
    installation's confirmed; that supervisor then reaches the desk, and what they approve (a reset, a
    case worker's e-ID link) is ordinary and needs no claim."""
    settings.LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM = FIRST_SUPERVISOR_CLAIM
    issuer = oidc_settings.issuer
    admin, head, approver, first, second = _first_approver(client)
    client.post(reverse("accounts:logout"))
    approver_session = Client()
    assert activate(approver_session, "behorig", first, second).status_code == 302
    enrol_and_log_in(approver_session, "behorig")
    assert_confined(approver_session, told())

    # 1. The installer links the supervisor's account to their own e-ID, approved by a confined login.
    asked = identities.identity_link_request(by=admin, user=head, provider=issuer, value="installeraren")
    assert list(asked.approvers.all()) == [approver]
    approve(approver_session, asked)
    link = IdentityLink.objects.get(user=head)
    assert link.by_installation and link.held_by_installation
    installer = Client()
    start = head_seq()
    e_id_login(installer, issuer, "installeraren")  # a login, as the provider proved someone
    assert_confined(installer, told(link))
    assert not events_since(start).filter(reason=CONFIRMED).exists()
    denials = events_since(start).filter(outcome=AccessOutcome.DENIED, actor_username="chef")
    assert denials.count() == 3 and {d.reason for d in denials} == {installation.CONFINED_REASON}
    # What that session approves is held alone too: a case worker's code it completes sets a confined login.
    worker, worker_first, worker_request = services.user_create(
        by=admin,
        username="handlaggare",
        first_name="H",
        last_name="L",
        email="",
        organisation=head.organisation,
        roles={Role.VBE_TEAM},
    )
    assert list(worker_request.approvers.all()) == [head]
    worker_second = approve(installer, worker_request)
    assert EnrolmentCode.objects.get(user=worker).by_installation
    worker_session = Client()
    assert activate(worker_session, "handlaggare", worker_first.text, worker_second).status_code == 302
    enrol_and_log_in(worker_session, "handlaggare")
    assert worker_session.get(reverse("cases:my_cases")).status_code == 403

    # 2. The way out: the city's IT department put the real first supervisor in the group. The installer's
    # link is removed and the real one asked for and approved, the same (confined) way.
    identities.identity_link_remove(by=admin, user=head, link_id=link.pk)
    assert installer.get(reverse("accounts:requests")).status_code == 302  # its device is gone: logged out
    asked = identities.identity_link_request(by=admin, user=head, provider=issuer, value=FIRST_SUPERVISOR)
    approve(approver_session, asked)
    link = IdentityLink.objects.get(user=head)
    assert link.held_by_installation
    supervisor = Client()
    start = head_seq()
    e_id_login(supervisor, issuer, FIRST_SUPERVISOR)
    link.refresh_from_db()
    assert link.by_installation and not link.held_by_installation
    assert link.provider_confirmed_by == FIRST_SUPERVISOR_CLAIM and link.provider_confirmed_at is not None
    confirmed = events_since(start).get(reason=CONFIRMED)
    assert confirmed.actor_id == head.pk and confirmed.action == Action.UPDATE
    assert vocabulary.knows("reason", CONFIRMED)
    assert supervisor.get(reverse("home")).status_code == 200
    assert supervisor.get(reverse("supervision:desk")).status_code == 200
    # Confirmed once: the next login carries the claim again and records nothing more.
    start = head_seq()
    e_id_login(Client(), issuer, FIRST_SUPERVISOR)
    assert not events_since(start).filter(reason=CONFIRMED).exists()

    # 3. After confirmation the supervisor's approvals are ordinary: the worker's login is reset with it ...
    reset_first, reset = services.user_reset_credentials(by=admin, user=worker)
    assert list(reset.approvers.all()) == [head]
    reset_second = approve(supervisor, reset)
    assert not EnrolmentCode.objects.get(user=worker, used_at__isnull=True).by_installation
    worker_session = Client()
    assert activate(worker_session, "handlaggare", reset_first.text, reset_second).status_code == 302
    worker.refresh_from_db()
    assert worker.login_kind == LoginKind.SPLIT and not worker.login_held_alone
    enrol_and_log_in(worker_session, "handlaggare")
    assert worker_session.get(reverse("cases:my_cases")).status_code == 200
    # ... and the worker's e-ID link it approves needs no claim (the worker is in no such group).
    asked = identities.identity_link_request(by=admin, user=worker, provider=issuer, value="handlaggaren")
    assert head in asked.approvers.all()
    approve(supervisor, asked)
    worker_link = IdentityLink.objects.get(user=worker)
    assert not worker_link.by_installation and not worker_link.held_by_installation
    by_e_id = Client()
    e_id_login(by_e_id, issuer, "handlaggaren")
    assert by_e_id.get(reverse("cases:my_cases")).status_code == 200
    worker_link.refresh_from_db()
    assert worker_link.provider_confirmed_at is None  # nothing to confirm

    # The access approver's password login is still the installation's: still confined.
    assert approver_session.get(reverse("supervision:desk")).status_code == 403


def test_a_login_through_the_provider_is_not_the_installers_and_is_not_confined(rf):
    run()
    head = User.objects.get(username="chef")
    head.set_password(NEW_PASSWORD)
    head.login_code = EnrolmentCode.objects.get(user=head)
    head.save()
    assert installation.confined(head, None) and installation.confined(head, TOTPDevice(user=head))
    assert not installation.confined(head, IdentityLink(user=head))
    # Through a link the installation's logins approved: confined, until the provider confirmed it.
    tainted = IdentityLink(user=head, by_installation=True)
    assert installation.confined(head, tainted)
    tainted.provider_confirmed_at = timezone.now()
    assert not installation.confined(head, tainted)
    # The administrator reaches no personal data: not confined either way.
    admin = User.objects.get(username="forvaltare")
    assert not installation.confined(admin, IdentityLink(user=admin, by_installation=True))


def test_the_first_supervisor_claim_is_name_equals_value():
    claim = installation.first_supervisor_claim(" groups = lotsa-first-supervisor ")
    assert claim == installation.FirstSupervisorClaim("groups", "lotsa-first-supervisor")
    dn = installation.first_supervisor_claim("memberOf=cn=lotsa,ou=groups,dc=stad,dc=se")
    assert dn.name == "memberOf" and dn.value == "cn=lotsa,ou=groups,dc=stad,dc=se"
    for broken in ("", "groups", "=x", "groups=", None):
        assert installation.first_supervisor_claim(broken) is None


def test_only_a_link_of_the_installations_is_confirmed_and_only_by_the_claims_value(settings):
    run()
    head = User.objects.get(username="chef")
    admin = User.objects.get(username="forvaltare")
    worker = UserFactory(username="handlaggare", organisation=head.organisation, roles=[Role.VBE_TEAM])
    claim = installation.first_supervisor_claim("groups=lotsa-first-supervisor")
    settings.LOTSA_OIDC_ISSUER, settings.LOTSA_OIDC_CLAIM = "https://idp.example.se", "sub"

    def linked(value, *, by_installation):
        request = identities.identity_link_request(
            by=admin, user=worker, provider=settings.LOTSA_OIDC_ISSUER, value=value
        )
        request.status = AccountRequestStatus.APPROVED
        request.save(update_fields=["status"])
        return IdentityLink.objects.create(
            user=worker,
            name="sso",
            provider=request.identity_provider,
            claim="sub",
            value=value,
            request=request,
            by_installation=by_installation,
        )

    link = linked("worker-e-id", by_installation=True)
    start = head_seq()
    for asserted in ({}, {"groups": "other"}, {"groups": ["a", "b"]}, {"group": "lotsa-first-supervisor"}):
        assert not installation.link_confirm_by_provider(link=link, claim=claim, asserted=asserted.get)
    assert not installation.link_confirm_by_provider(link=link, claim=None, asserted={"groups": "x"}.get)
    link.refresh_from_db()
    assert link.held_by_installation and not events_since(start).exists()
    asserted = {"groups": ["staff", "lotsa-first-supervisor"]}
    assert installation.link_confirm_by_provider(link=link, claim=claim, asserted=asserted.get)
    link.refresh_from_db()
    assert not link.held_by_installation and link.provider_confirmed_by == "groups=lotsa-first-supervisor"
    assert [e.reason for e in events_since(start)] == [CONFIRMED]
    assert not installation.link_confirm_by_provider(link=link, claim=claim, asserted=asserted.get)
    # An ordinary link needs no claim, and the claim adds nothing to it.
    link.delete()
    ordinary = linked("worker-again", by_installation=False)
    assert not installation.link_confirm_by_provider(link=ordinary, claim=claim, asserted=asserted.get)
    ordinary.refresh_from_db()
    assert ordinary.provider_confirmed_at is None and not ordinary.provider_confirmed_by


def test_a_second_run_is_refused_and_changes_nothing():
    run()
    counts = User.objects.count(), Organisation.objects.count(), EnrolmentCode.objects.count()
    events = AccessEvent.objects.count()
    with translation.override("en"), pytest.raises(CommandError, match="has accounts already"):
        run("--unit=Ett annat team")
    assert (User.objects.count(), Organisation.objects.count(), EnrolmentCode.objects.count()) == counts
    assert AccessEvent.objects.count() == events


def test_any_account_at_all_makes_it_refuse():
    UserFactory(username="someone")
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was changed"):
        run()
    assert not User.objects.filter(username__in=["forvaltare", "chef"]).exists()


def test_a_failure_half_way_leaves_nothing(monkeypatch):
    def broken(user):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(installation, "_installation_code", broken)
    events = AccessEvent.objects.count()
    with pytest.raises(RuntimeError):
        run()
    assert not User.objects.exists() and not Organisation.objects.exists()
    assert not EnrolmentCode.objects.exists() and AccessEvent.objects.count() == events


def test_a_named_unit_is_used_when_it_fits_and_refused_when_it_does_not():
    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen", kind=OrganisationKind.POLICE)
    with translation.override("en"), pytest.raises(CommandError, match="fitting kind"):
        run(f"--unit={police.name}")
    assert not User.objects.exists()
    run(f"--unit={unit.name}")
    assert User.objects.get(username="chef").organisation == unit
    assert Organisation.objects.filter(name="Rinkeby-Kista stadsdelsförvaltning").count() == 1


def test_bad_input_is_refused_clearly():
    with translation.override("en"), pytest.raises(CommandError, match="two usernames"):
        call_command(
            "lotsa_first_accounts",
            "--administrator=samma",
            "--supervisor=SAMMA",
            "--unit=U",
            stdout=io.StringIO(),
        )
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was changed"):
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
    response = activate(client, "chef", codes["supervisor"])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("accounts:enrol")).status_code == 302  # no login waits for a second factor
    assert not TOTPDevice.objects.filter(user__username="chef").exists()
    assert "_auth_user_id" not in client.session
    denial = events_since(start).get(action=Action.LOGIN_FAILURE)
    assert denial.actor_username == "chef" and denial.reason == "local login only for break-glass accounts"
    # The break-glass account named goes on as before.
    assert activate(client, "forvaltare", codes["administrator"]).status_code == 302
    enrol_and_log_in(client, "forvaltare")
