"""Separation of duties (invariant 5): an administrator manages accounts and cannot read cases, not
even by creating, widening or resetting another account. Anything that reaches case data is a request
that a second person approves; an administrator never learns a working credential."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import (
    AccountRequest,
    AccountRequestStatus,
    EnrolmentCode,
    Organisation,
    OrganisationKind,
    RequestKind,
    User,
    UserSession,
)
from accounts.roles import Role
from audit.models import AccessOutcome, Action
from lotsa.vocabulary import Purpose
from tests.factories import PASSWORD, OrganisationFactory, TOTPDeviceFactory, UserFactory
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "my own long passphrase 2026"


def new_account(world, **overrides):
    form = {
        "username": "ny.handlaggare",
        "first_name": "Ny",
        "last_name": "Handläggare",
        "email": "",
        "organisation": world.district_a.pk,
        "roles": [Role.SOCIAL_WORKER],
    }
    form.update(overrides)
    return form


def code_on(response) -> str:
    page = response.content.decode()
    start = page.index('class="code-once"')
    strong = page.index("<strong>", start) + len("<strong>")
    return page[strong : page.index("</strong>", strong)]


def activate(client, username, first, second="", password=NEW_PASSWORD):
    return client.post(
        reverse("accounts:activate"),
        {
            "username": username,
            "first_part": first,
            "second_part": second,
            "password": password,
            "password_again": password,
        },
    )


def test_an_administrator_cannot_create_an_account_that_reads_cases_without_approval(client, world):
    admin, supervisor = world.users["administrator"], world.users["supervisor"]
    login_verified(client, admin)
    start = head_seq()
    response = client.post(
        reverse("accounts:user_create"), new_account(world, password="admin-chosen 123456")
    )
    assert response.status_code == 200
    admin_part = code_on(response)
    user = User.objects.get(username="ny.handlaggare")
    # No role that reads personal data yet, and no usable password: nothing the administrator typed works.
    assert user.role_codes() == frozenset() and not user.has_usable_password()
    request = AccountRequest.objects.get(subject_user=user)
    assert request.kind == RequestKind.ROLES and request.status == AccountRequestStatus.PENDING
    assert events_since(start).filter(action=Action.CREATE, target_type="accounts.accountrequest").exists()
    # The administrator's part alone activates nothing.
    client.logout()
    response = activate(client, user.username, admin_part)
    assert response.status_code == 200 and "Koden stämmer inte" in response.content.decode()
    # The administrator cannot approve the request they entered.
    login_verified(client, admin)
    decide = reverse("accounts:request_decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert User.objects.get(pk=user.pk).role_codes() == frozenset()

    login_verified(client, supervisor)
    assert "ny.handlaggare" in client.get(reverse("accounts:requests")).content.decode()
    start = head_seq()
    response = client.post(decide, {"decision": "approve", "note": ""})
    assert response.status_code == 200
    supervisor_part = code_on(response)
    approval = events_since(start).get(target_type="accounts.accountrequest")
    assert approval.action == Action.UPDATE and approval.outcome == AccessOutcome.ALLOWED
    user = User.objects.get(pk=user.pk)
    assert user.role_codes() == {Role.SOCIAL_WORKER}

    client.logout()
    response = activate(client, user.username, admin_part, supervisor_part)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:enrol")
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    # The code is used up.
    client.logout()
    assert activate(client, user.username, admin_part, supervisor_part).status_code == 200


def test_no_page_lets_an_administrator_set_a_password():
    with pytest.raises(NoReverseMatch):
        reverse("accounts:user_set_password", kwargs={"user_id": 1})
    with pytest.raises(NoReverseMatch):
        reverse("accounts:user_reset_second_factor", kwargs={"user_id": 1})


def test_a_reset_of_a_supervisors_login_waits_for_an_access_approver(client, world):
    admin, supervisor = world.users["administrator"], world.users["supervisor"]
    device = TOTPDeviceFactory(user=supervisor)
    login_verified(client, supervisor)
    UserSession.objects.create(user=supervisor, session_key=client.session.session_key)
    _part, request = services.user_reset_credentials(by=admin, user=supervisor)
    # Nothing happens until approved: the supervisor still logs in as before.
    assert User.objects.get(pk=supervisor.pk).check_password(PASSWORD)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    # The subject of a request never approves it; nor does a supervisor's own unit staff, nor any
    # other supervisor: a supervisor's account is the access approver's to decide.
    decide = reverse("accounts:request_decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    login_verified(client, world.users["social_worker"])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    other = UserFactory(organisation=world.district_b, roles=[Role.SUPERVISOR])
    login_verified(client, other)
    assert client.post(decide, {"decision": "approve"}).status_code == 403

    approver = world.users["access_approver"]
    _request, second = services.account_request_decide(by=approver, request_id=request.pk, approve=True)
    assert second is not None and second.complete
    supervisor.refresh_from_db()
    assert not supervisor.has_usable_password()
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not UserSession.objects.filter(user=supervisor).exists()
    assert supervisor.credentials_issued_at is not None


def test_an_accounts_without_personal_data_roles_is_reset_at_once_with_a_whole_code(client, world):
    coordinator = world.users["coordinator"]
    code, request = services.user_reset_credentials(by=world.users["administrator"], user=coordinator)
    assert request is None and code.complete
    response = activate(client, coordinator.username, code.text)
    assert response.status_code == 302


def test_widening_an_account_to_a_role_that_reads_cases_is_a_request(world):
    admin, coordinator = world.users["administrator"], world.users["coordinator"]
    pending = services.user_update(
        by=admin,
        user=coordinator,
        first_name="Co",
        last_name="Ord",
        email="",
        organisation=world.district_a,
        roles={Role.SUPERVISOR},
        is_active=True,
    )
    assert pending.request is not None and pending.request.roles == [Role.SUPERVISOR]
    assert pending.issued is not None and not pending.issued.complete  # the login will be re-issued
    assert User.objects.get(pk=coordinator.pk).role_codes() == frozenset()


def test_moving_a_case_reading_account_to_another_unit_is_a_request(world):
    worker = world.users["social_worker"]
    pending = services.user_update(
        by=world.users["administrator"],
        user=worker,
        first_name="A",
        last_name="B",
        email="",
        organisation=world.district_b,
        roles={Role.SOCIAL_WORKER},
        is_active=True,
    )
    worker = User.objects.get(pk=worker.pk)
    assert pending.request is not None and worker.organisation == world.district_a
    assert worker.role_codes() == frozenset()  # nothing in the old unit while the move waits
    # District B has no supervisor of its own: not any supervisor, the access approver decides.
    assert list(pending.request.approvers.all()) == [world.users["access_approver"]]
    services.account_request_decide(
        by=world.users["access_approver"], request_id=pending.request.pk, approve=True
    )
    worker = User.objects.get(pk=worker.pk)
    assert worker.organisation == world.district_b and worker.role_codes() == {Role.SOCIAL_WORKER}


def test_changing_an_organisations_kind_waits_for_approval(client, world):
    club = OrganisationFactory(name="Fotbollsklubben", kind=OrganisationKind.SPORTS_CLUB)
    login_verified(client, world.users["administrator"])
    response = client.post(
        reverse("accounts:organisation_edit", kwargs={"organisation_id": club.pk}),
        {"name": "Fotbollsklubben", "kind": "school", "district": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Organisation.objects.get(pk=club.pk).kind == OrganisationKind.SPORTS_CLUB
    request = AccountRequest.objects.get(kind=RequestKind.ORGANISATION_KIND)
    assert request.new_kind == OrganisationKind.SCHOOL
    services.account_request_decide(by=world.users["access_approver"], request_id=request.pk, approve=True)
    assert Organisation.objects.get(pk=club.pk).kind == OrganisationKind.SCHOOL


@pytest.mark.parametrize(
    ("organisation", "roles", "message"),
    [
        ("police", [Role.SOCIAL_WORKER], "kan inte ha rollen Socialsekreterare"),
        ("district_a", [Role.EXTERNAL_MEMBER], "kan inte ha rollen Extern gruppmedlem"),
        ("district_a", [Role.SUPERVISOR, Role.SOCIAL_WORKER], "En enhetschef granskar enhetens arbete"),
    ],
)
def test_roles_fit_their_organisation_and_supervisors_are_not_also_social_workers(
    client, world, organisation, roles, message
):
    login_verified(client, world.users["administrator"])
    org = getattr(world, organisation)
    response = client.post(
        reverse("accounts:user_create"), new_account(world, organisation=org.pk, roles=roles)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not User.objects.filter(username="ny.handlaggare").exists()
    with pytest.raises(services.DomainError):
        services.user_create(
            by=world.users["administrator"],
            username="ny.handlaggare",
            first_name="N",
            last_name="H",
            email="",
            organisation=org,
            roles=set(roles),
        )


def test_a_complete_code_expires_after_24_hours(client, world):
    code, _request = services.user_reset_credentials(
        by=world.users["administrator"], user=world.users["coordinator"]
    )
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)):
        assert activate(client, "coord", code.text).status_code == 200


def test_five_wrong_codes_void_the_code_and_are_logged(client, world):
    code, _request = services.user_reset_credentials(
        by=world.users["administrator"], user=world.users["coordinator"]
    )
    start = head_seq()
    for _attempt in range(5):
        assert activate(client, "coord", "AAAA-BBBB-CCCC").status_code == 200
    assert events_since(start).filter(action=Action.LOGIN_FAILURE).count() == 5
    assert EnrolmentCode.objects.get(user__username="coord").voided_at is not None
    assert activate(client, "coord", code.text).status_code == 200  # even the right code now


def test_accounts_created_or_reset_recently_are_flagged_for_the_supervisor(client, world):
    services.user_reset_credentials(by=world.users["administrator"], user=world.users["coordinator"])
    login_verified(client, world.users["supervisor"])
    page = client.get(reverse("consent:review_queue")).content.decode()
    assert "coord" in page and "senaste 14 dagarna" in page


def test_a_reviewer_never_reviews_their_own_act(client, world):
    """A legacy account holding both roles discloses, then tries to sign off its own disclosure."""
    from accounts.models import RoleGrant
    from consent import services as consent_services

    both = world.users["social_worker"]
    RoleGrant.objects.create(user=both, role=Role.SUPERVISOR)
    both.forget_roles()
    disclosure = consent_services.disclosure_record(
        by=both,
        case_id=world.case_a.pk,
        recipient_id=world.police.pk,
        ground_code="own_task",
        categories=["housing"],
        what="Uppgift",
        why="Skäl",
    )
    login_verified(client, both)
    start = head_seq()
    response = client.post(
        reverse("consent:review", kwargs={"review_id": disclosure.review.pk}),
        {"outcome": "approved", "comment": "OK"},
    )
    assert response.status_code == 403
    assert (
        events_since(start)
        .filter(outcome=AccessOutcome.DENIED, reason="nobody reviews their own act")
        .exists()
    )
    disclosure.review.refresh_from_db()
    assert disclosure.review.reviewed_at is None


def test_a_deactivated_organisation_is_logged_out_cannot_log_in_and_is_covered_by_no_consent(client, world):
    from consent.policy import consents_sharing

    police_user = world.users["external_member"]
    assert consents_sharing(organisation_id=world.police.pk, purpose=Purpose.INTERVENTION_GROUP).exists()
    login_verified(client, police_user)
    UserSession.objects.create(user=police_user, session_key=client.session.session_key)
    key = client.session.session_key
    world.police.is_active = False
    services.organisation_save(by=world.users["administrator"], organisation=world.police)
    assert not Session.objects.filter(session_key=key).exists()
    assert not consents_sharing(organisation_id=world.police.pk, purpose=Purpose.INTERVENTION_GROUP).exists()
    response = client.post(
        reverse("accounts:login"), {"username": police_user.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "inte längre med i Lotsa" in response.content.decode()
