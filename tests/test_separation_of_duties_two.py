"""Separation of duties, round two (invariant 5): a login that one person ever held alone never reaches
personal data, and nobody chooses who approves.

Each test is named after the rule it protects and was written against an attack reproduced on the
previous main: an administrator activated an account with a whole code himself, widened it to social
worker, and read cases; he disabled a unit's supervisor so that any supervisor approved its staff.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import (
    AccountRequest,
    AccountRequestStatus,
    EnrolmentCode,
    LoginKind,
    Organisation,
    OrganisationKind,
    RequestKind,
    User,
    role_conflicts,
    roles_not_fitting,
)
from accounts.roles import GUARDED_ROLES, Role
from audit.models import AccessOutcome, Action
from tests.factories import TOTPDeviceFactory, UserFactory
from tests.helpers import events_since, head_seq, login_verified
from tests.test_separation_of_duties import NEW_PASSWORD, activate, code_on

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _update(world, account, *, roles, organisation=None, is_active=True):
    return services.user_update(
        by=world.users["administrator"],
        user=account,
        first_name=account.first_name,
        last_name=account.last_name,
        email="",
        organisation=organisation or account.organisation,
        roles=set(roles),
        is_active=is_active,
    )


def _create(by, username, organisation, roles):
    """An account created by ``by`` through the service, as the administrator's page creates it."""
    return services.user_create(
        by=by, username=username, first_name="Ny", last_name="Konto", email="", organisation=organisation,
        roles=set(roles),
    )  # fmt: skip


def _login_form(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_login_one_person_held_alone_never_reaches_personal_data(client, world):
    """The attack, step by step: the administrator creates a coordinator (no approval needed), is shown
    the whole code, activates the account himself, then widens it to social worker. The approval
    re-issues the login: what the administrator set stops working, and a new one needs both parts."""
    admin, supervisor = world.users["administrator"], world.users["supervisor"]
    login_verified(client, admin)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "samordnare.ny",
            "first_name": "Sam",
            "last_name": "Ordnare",
            "email": "",
            "organisation": world.district_a.pk,
            "roles": [Role.COORDINATOR],
        },
    )
    whole = code_on(response)
    client.logout()
    assert activate(client, "samordnare.ny", whole).status_code == 302  # the administrator, alone
    account = User.objects.get(username="samordnare.ny")
    assert account.login_kind == LoginKind.WHOLE and account.login_code.issued_by == admin
    TOTPDeviceFactory(user=account)  # and enrols an authenticator he holds

    login_verified(client, admin)
    response = client.post(
        reverse("accounts:user_edit", kwargs={"user_id": account.pk}),
        {
            "first_name": "Sam",
            "last_name": "Ordnare",
            "email": "",
            "organisation": world.district_a.pk,
            "roles": [Role.SOCIAL_WORKER],
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the first part of the new login's code, shown once
    admin_part = code_on(response)
    request = AccountRequest.objects.get(subject_user=account, status=AccountRequestStatus.PENDING)
    assert request.reissues_login
    # Until approved the account reads nothing: its login still works, without the new role.
    account = User.objects.get(pk=account.pk)
    assert account.role_codes() == frozenset() and account.check_password(NEW_PASSWORD)

    # The approver sees who set the login in use, how, and what approving will do to it.
    login_verified(client, supervisor)
    page = client.get(reverse("accounts:requests")).content.decode()
    assert "satt med en hel kod som en person ensam hade" in page
    assert admin.get_full_name() in page
    assert "Inloggningen som används slutar fungera" in page
    response = client.post(
        reverse("accounts:request_decide", kwargs={"request_id": request.pk}), {"decision": "approve"}
    )
    supervisor_part = code_on(response)

    account = User.objects.get(pk=account.pk)
    assert account.role_codes() == {Role.SOCIAL_WORKER}
    assert not account.has_usable_password() and account.login_kind == LoginKind.NONE
    assert not TOTPDevice.objects.filter(user=account).exists()
    client.logout()
    response = _login_form(client, "samordnare.ny", NEW_PASSWORD)
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    # The administrator's part alone sets nothing; both parts do, and that login is held by two.
    assert "Koden stämmer inte" in activate(client, "samordnare.ny", admin_part).content.decode()
    assert activate(client, "samordnare.ny", admin_part, supervisor_part).status_code == 302
    account = User.objects.get(pk=account.pk)
    assert account.login_kind == LoginKind.SPLIT
    assert (account.login_code.issued_by, account.login_code.completed_by) == (admin, supervisor)


def _states(world):
    """Every (organisation, roles) an account page allows, one or two roles, in five organisations:
    a unit with a supervisor, one without, the administration's VBE team, the police, system management."""
    organisations = [world.district_a, world.district_b, world.vbe_team, world.police, world.admin_org]
    roles = [role.value for role in Role]
    states = []
    for organisation in organisations:
        for size in (1, 2):
            for combination in itertools.combinations(roles, size):
                chosen = set(combination)
                if not role_conflicts(chosen) and not roles_not_fitting(chosen, organisation.kind):
                    states.append((organisation, frozenset(chosen)))
    return states


def _approve(request, by_default):
    approver = request.approvers.first() or by_default
    _decided, issued = services.account_request_decide(by=approver, request_id=request.pk, approve=True)
    return issued


def _assert_no_login_held_alone_reaches_personal_data():
    for account in User.objects.prefetch_related("role_grants").select_related("login_code"):
        if account.role_codes() & GUARDED_ROLES:
            assert account.login_kind in (LoginKind.NONE, LoginKind.SPLIT, LoginKind.UNRECORDED), account
            if account.login_kind == LoginKind.UNRECORDED:
                assert account.username in FIXTURE_USERNAMES  # only the fixture's own accounts


FIXTURE_USERNAMES = {"sw_a", "sw_a2", "sw_b", "sup_a", "coord", "admin", "police", "avh", "vbe", "behorig"}


def test_no_role_change_lets_a_login_one_person_held_alone_reach_personal_data(world, settings):
    """A property over every pair of states the account pages allow (coordinator + supervisor and the
    access approver included): whatever an account held, with whatever login, no change of roles or
    organisation, approved or not, leaves a guarded role with a login one person held alone; and where
    the login was held alone, approving the change ends it."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    world.admin_org = world.users["administrator"].organisation
    world.police = world.users["external_member"].organisation
    world.vbe_team = world.users["vbe_worker"].organisation
    admin = world.users["administrator"]
    states = _states(world)
    assert len(states) >= 15
    checked = 0
    for number, ((org_from, roles_from), (org_to, roles_to)) in enumerate(itertools.product(states, states)):
        username = f"egenskap{number}"
        account, issued, request = services.user_create(
            by=admin,
            username=username,
            first_name="E",
            last_name="G",
            email="",
            organisation=org_from,
            roles=set(roles_from),
        )
        second = _approve(request, None) if request is not None else None
        assert activate_with(account, issued, second) is not None
        account = User.objects.get(pk=account.pk)
        held_alone = account.login_kind == LoginKind.WHOLE
        assert held_alone == (not roles_from & GUARDED_ROLES)
        outcome = _update(world, account, roles=roles_to, organisation=org_to)
        _assert_no_login_held_alone_reaches_personal_data()
        if outcome.request is not None and outcome.request.approvers.exists():
            reissues = outcome.request.reissues_login
            _approve(outcome.request, None)
            account = User.objects.get(pk=account.pk)
            if reissues:
                assert account.login_kind == LoginKind.NONE and not account.check_password(NEW_PASSWORD)
                code = EnrolmentCode.objects.get(user=account, used_at__isnull=True, voided_at__isnull=True)
                assert code.needs_second_part and code.second_part_hash
        account = User.objects.get(pk=account.pk)
        if held_alone and account.role_codes() & GUARDED_ROLES:
            assert not account.check_password(NEW_PASSWORD)
        _assert_no_login_held_alone_reaches_personal_data()
        checked += 1
    assert checked == len(states) ** 2


def activate_with(account, issued, second):
    return services.user_activate(
        username=account.username,
        first_part=issued.text,
        second_part=second.text if second is not None else "",
        password=NEW_PASSWORD,
    )


def test_a_login_held_alone_is_refused_at_the_door_if_it_ever_holds_a_guarded_role(client, world):
    """Defence in depth: should an account ever hold a guarded role with a login one person held alone
    (a restored backup, a hand-edited row), the login page refuses it and logs the refusal."""
    account = UserFactory(username="ensam", organisation=world.district_a, roles=[Role.COORDINATOR])
    code, _request = services.user_reset_credentials(by=world.users["administrator"], user=account)
    services.user_activate(username="ensam", first_part=code.text, second_part="", password=NEW_PASSWORD)
    services.user_set_roles(user=account, roles={Role.SOCIAL_WORKER})  # bypassing every request
    start = head_seq()
    response = _login_form(client, "ensam", NEW_PASSWORD)
    assert response.status_code == 200 and "måste utfärdas på nytt" in response.content.decode()
    refusal = events_since(start).get(action=Action.LOGIN_FAILURE)
    assert refusal.outcome == AccessOutcome.DENIED and "held alone" in refusal.reason
    assert "_auth_user_id" not in client.session


def test_approvers_are_fixed_when_the_request_is_made(client, world):
    """Disabling the unit's supervisor after the request was made changes nothing: the request is still
    hers to decide, and no other supervisor ever may."""
    admin, supervisor = world.users["administrator"], world.users["supervisor"]
    _account, _code, request = _create(admin, "ny.rk", world.district_a, {Role.SOCIAL_WORKER})
    assert list(request.approvers.all()) == [supervisor]
    other = UserFactory(username="sup_b", organisation=world.district_b, roles=[Role.SUPERVISOR])
    start = head_seq()
    login_verified(client, other)
    decide = reverse("accounts:request_decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    denial = events_since(start).get(target_type="accounts.accountrequest")
    assert denial.outcome == AccessOutcome.DENIED and "fixed" in denial.reason
    # The administrator cannot make the unit "a unit without a supervisor" by himself ...
    outcome = _update(world, supervisor, roles=[Role.SUPERVISOR], is_active=False)
    assert outcome.request.kind == RequestKind.ACCOUNT_DISABLE
    assert User.objects.get(pk=supervisor.pk).is_active
    # ... and once the access approver approves it, the old request is still not the other's.
    services.account_request_decide(
        by=world.users["access_approver"], request_id=outcome.request.pk, approve=True
    )
    assert not User.objects.get(pk=supervisor.pk).is_active
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert AccountRequest.objects.get(pk=request.pk).status == AccountRequestStatus.PENDING


def test_disabling_or_removing_a_supervisor_is_a_request_for_the_access_approver(world):
    supervisor = world.users["supervisor"]
    outcome = _update(world, supervisor, roles=[Role.COORDINATOR])
    request = outcome.request
    assert request.kind == RequestKind.ROLES and outcome.issued is None  # narrowing re-issues nothing
    assert list(request.approvers.all()) == [world.users["access_approver"]]
    supervisor = User.objects.get(pk=supervisor.pk)
    assert Role.SUPERVISOR in supervisor.role_codes()  # kept until approved
    services.account_request_decide(by=world.users["access_approver"], request_id=request.pk, approve=True)
    assert User.objects.get(pk=supervisor.pk).role_codes() == {Role.COORDINATOR}
    # Disabling a social worker (no approving role) still applies at once.
    _update(world, world.users["social_worker"], roles=[Role.SOCIAL_WORKER], is_active=False)
    assert not User.objects.get(pk=world.users["social_worker"].pk).is_active


def test_a_unit_without_a_supervisor_goes_to_the_access_approver_never_to_any_supervisor(world):
    _account, _code, request = _create(
        world.users["administrator"], "ny.st", world.district_b, {Role.SOCIAL_WORKER}
    )
    assert list(request.approvers.all()) == [world.users["access_approver"]]
    decision = services.access.decide(world.users["supervisor"], Action.UPDATE, request)
    assert not decision.allowed


def test_an_external_members_account_goes_to_the_access_approver(world):
    police = world.users["external_member"].organisation
    _account, _code, request = _create(
        world.users["administrator"], "polis.ny", police, {Role.EXTERNAL_MEMBER}
    )
    assert list(request.approvers.all()) == [world.users["access_approver"]]


def test_a_new_organisation_takes_part_only_once_an_access_approver_approves(client, world):
    login_verified(client, world.users["administrator"])
    response = client.post(
        reverse("accounts:organisation_create"),
        {"name": "Nya stadsdelen", "kind": "district_administration", "district": "Nya", "is_active": "on"},
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Nya stadsdelen")
    assert not organisation.is_active  # no consent covers it, none of its users logs in
    request = AccountRequest.objects.get(organisation=organisation, status=AccountRequestStatus.PENDING)
    assert request.kind == RequestKind.ORGANISATION_ACTIVATE
    assert list(request.approvers.all()) == [world.users["access_approver"]]
    assert not services.access.decide(world.users["supervisor"], Action.UPDATE, request).allowed
    services.account_request_decide(by=world.users["access_approver"], request_id=request.pk, approve=True)
    assert Organisation.objects.get(pk=organisation.pk).is_active
    # Deactivating applies at once; activating again is a request again.
    organisation.is_active = False
    assert services.organisation_save(by=world.users["administrator"], organisation=organisation) is None
    organisation.is_active = True
    again = services.organisation_save(by=world.users["administrator"], organisation=organisation)
    assert again.kind == RequestKind.ORGANISATION_ACTIVATE
    assert not Organisation.objects.get(pk=organisation.pk).is_active


def test_system_management_is_created_at_once(world):
    organisation = Organisation(name="IT-avdelningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    assert services.organisation_save(by=world.users["administrator"], organisation=organisation) is None
    assert Organisation.objects.get(name="IT-avdelningen").is_active


def test_the_first_access_approver_is_approved_by_the_administrations_supervisors(world):
    """Bootstrapping: while the city has no access approver, the supervisors of the social-services
    administration's own units (not the districts') approve the first one."""
    User.objects.filter(pk=world.users["access_approver"].pk).update(is_active=False)
    vbe_supervisor = UserFactory(
        username="chef.vbe", organisation=world.users["vbe_worker"].organisation, roles=[Role.SUPERVISOR]
    )
    _account, _code, request = _create(
        world.users["administrator"],
        "behorig.ny",
        world.users["vbe_worker"].organisation,
        {Role.ACCESS_APPROVER},
    )
    assert list(request.approvers.all()) == [vbe_supervisor]


def test_an_access_approver_reads_no_case(client, world):
    login_verified(client, world.users["access_approver"])
    start = head_seq()
    response = client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk}))
    assert response.status_code == 403
    assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists()


def test_the_access_approver_role_cannot_be_held_with_case_or_aggregate_work():
    assert role_conflicts({Role.ACCESS_APPROVER, Role.COORDINATOR})
    assert role_conflicts({Role.ACCESS_APPROVER, Role.VBE_TEAM})
    assert not role_conflicts({Role.ACCESS_APPROVER, Role.SUPERVISOR})
    assert roles_not_fitting({Role.ACCESS_APPROVER}, OrganisationKind.DISTRICT_ADMINISTRATION)
    assert not roles_not_fitting({Role.ACCESS_APPROVER}, OrganisationKind.VBE_TEAM)


def test_a_login_reissued_on_approval_is_a_new_login_for_the_log_review(world):
    """The log review's rule 'new or reset account' sees a login re-issued by a granted role too."""
    import datetime as dt

    from django.utils import timezone

    from accounts.queries import accounts_new_or_reset

    coordinator = world.users["coordinator"]
    before = timezone.now() - dt.timedelta(seconds=1)
    outcome = _update(world, coordinator, roles=[Role.SOCIAL_WORKER])
    services.account_request_decide(by=world.users["supervisor"], request_id=outcome.request.pk, approve=True)
    moments = accounts_new_or_reset(since=before, until=timezone.now() + dt.timedelta(seconds=1))
    assert coordinator.pk in moments


def test_bad_input_on_the_changed_account_and_organisation_forms_changes_nothing(client, world):
    """Disabling an approver while changing its roles, or activating an organisation while changing
    its kind: a clear Swedish message, and nothing changed, no request made."""
    supervisor = world.users["supervisor"]
    login_verified(client, world.users["administrator"])
    requests_before = AccountRequest.objects.count()
    response = client.post(
        reverse("accounts:user_edit", kwargs={"user_id": supervisor.pk}),
        {
            "first_name": "Ny",
            "last_name": "Namn",
            "email": "",
            "organisation": world.district_a.pk,
            "roles": [Role.COORDINATOR],
        },  # is_active left out: disabling
    )
    assert response.status_code == 200
    assert "Spärra kontot eller ändra dess roller: en sak i taget." in response.content.decode()
    supervisor = User.objects.get(pk=supervisor.pk)
    assert supervisor.is_active and supervisor.first_name != "Ny"
    assert supervisor.role_codes() == {Role.SUPERVISOR}
    club = Organisation.objects.create(name="Klubben", kind=OrganisationKind.SPORTS_CLUB, is_active=False)
    response = client.post(
        reverse("accounts:organisation_edit", kwargs={"organisation_id": club.pk}),
        {"name": "Klubben", "kind": "school", "district": "", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "Aktivera organisationen eller ändra dess typ: en sak i taget." in response.content.decode()
    club = Organisation.objects.get(pk=club.pk)
    assert not club.is_active and club.kind == OrganisationKind.SPORTS_CLUB
    assert AccountRequest.objects.count() == requests_before


def test_an_approver_decides_only_while_holding_the_role_that_made_them_one(world):
    """A district's supervisor fixed as approver, then moved to another district, no longer decides the
    first district's request: districts are separate boards."""
    supervisor = world.users["supervisor"]
    _account, _code, request = _create(
        world.users["administrator"], "ny.rk2", world.district_a, {Role.SOCIAL_WORKER}
    )
    assert services.access.decide(supervisor, Action.UPDATE, request).allowed
    User.objects.filter(pk=supervisor.pk).update(organisation=world.district_b)  # moved, approved
    moved = User.objects.get(pk=supervisor.pk)
    decision = services.access.decide(moved, Action.UPDATE, request)
    assert not decision.allowed and "no longer holds the role" in decision.reason


def test_deactivating_an_organisation_whose_staff_approve_access_is_a_request(world):
    organisation = world.district_a  # its supervisor approves its staff
    organisation.is_active = False
    request = services.organisation_save(by=world.users["administrator"], organisation=organisation)
    assert request.kind == RequestKind.ORGANISATION_DEACTIVATE
    assert Organisation.objects.get(pk=organisation.pk).is_active
    assert list(request.approvers.all()) == [world.users["access_approver"]]
    services.account_request_decide(by=world.users["access_approver"], request_id=request.pk, approve=True)
    assert not Organisation.objects.get(pk=organisation.pk).is_active


def test_a_change_nobody_could_approve_is_refused_and_changes_nothing(world):
    User.objects.filter(pk=world.users["access_approver"].pk).update(is_active=False)
    before = User.objects.count(), AccountRequest.objects.count()
    with pytest.raises(services.DomainError) as refused:
        _create(
            world.users["administrator"], "ingen.godkanner", world.district_b, {Role.SOCIAL_WORKER}
        )  # no supervisor, and now no access approver
    assert "Ingen skulle kunna godkänna ändringen" in str(refused.value.message)
    assert (User.objects.count(), AccountRequest.objects.count()) == before


def test_a_request_whose_code_was_replaced_is_refused_not_left_waiting(world):
    """A reset of a guarded account waits; then the account is widened, which issues a new two-part
    code and voids the reset's: the reset request is refused with its code instead of waiting for
    ever for an approval that could never complete it."""
    vbe_team = world.users["vbe_worker"].organisation
    chief = UserFactory(username="chef.vbe2", organisation=vbe_team, roles=[Role.SUPERVISOR])
    _part, reset = services.user_reset_credentials(by=world.users["administrator"], user=chief)
    assert reset.status == AccountRequestStatus.PENDING
    widening = _update(world, chief, roles=[Role.SUPERVISOR, Role.ACCESS_APPROVER])
    assert widening.issued is not None
    reset = AccountRequest.objects.get(pk=reset.pk)
    assert reset.status == AccountRequestStatus.REFUSED and "replaced" in reset.decision_note
    assert AccountRequest.objects.get(pk=widening.request.pk).status == AccountRequestStatus.PENDING


def test_the_migration_ends_logins_held_alone_that_already_hold_a_guarded_role(world):
    """On upgrade, an account that was already widened after its owner (or its administrator) set the
    login with a whole code loses that login; one without a guarded role keeps it, its code named."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0003_approvers_fixed_and_login_provenance")
    admin = world.users["administrator"]
    widened = UserFactory(username="breddad", organisation=world.district_a, roles=[Role.COORDINATOR])
    kept = UserFactory(username="behallen", organisation=world.district_a, roles=[Role.COORDINATOR])
    for account in (widened, kept):
        code, _request = services.user_reset_credentials(by=admin, user=account)
        services.user_activate(
            username=account.username, first_part=code.text, second_part="", password=NEW_PASSWORD
        )
    # As before this version: the role granted without re-issuing, and no login provenance recorded.
    services.user_set_roles(user=widened, roles={Role.SOCIAL_WORKER})
    User.objects.filter(pk__in=[widened.pk, kept.pk]).update(login_code=None, login_set_at=None)
    migration.logins_name_their_codes(apps, None)
    widened, kept = User.objects.get(pk=widened.pk), User.objects.get(pk=kept.pk)
    assert not widened.has_usable_password() and widened.login_kind == LoginKind.NONE
    assert kept.check_password(NEW_PASSWORD) and kept.login_kind == LoginKind.WHOLE
