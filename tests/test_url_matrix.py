"""The authorisation matrix: every URL pattern of the project, for every role, and the expected outcome.

Adding a URL without adding it here fails ``test_every_url_pattern_is_in_the_matrix``, so no page can
be added unguarded. Every 403 must leave a denial event.
"""

from __future__ import annotations

import copy

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessOutcome
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified

ROLES = [
    "anonymous",
    "social_worker",
    "social_worker_unassigned",
    "social_worker_other_district",
    "supervisor",
    "coordinator",
    "administrator",
    "external_member",
    "programme_worker",
    "vbe_worker",
    "access_approver",
]
LOGGED_IN = [role for role in ROLES if role != "anonymous"]


def everyone(code):
    return dict.fromkeys(ROLES, code)


def logged_in(code, anonymous=302):
    return {**dict.fromkeys(LOGGED_IN, code), "anonymous": anonymous}


def only(allowed: dict, otherwise=403, anonymous=302):
    return {**dict.fromkeys(LOGGED_IN, otherwise), **allowed, "anonymous": anonymous}


ADMIN_ONLY = only({"administrator": 200})
ADMIN_ONLY_POST = only({"administrator": 302})
CASEWORKERS = {
    "social_worker": 200,
    "social_worker_unassigned": 200,
    "social_worker_other_district": 200,
    "programme_worker": 200,
    "vbe_worker": 200,
}
CASE_PAGES = only({**CASEWORKERS, "supervisor": 200})


def deidentified_report(w):
    import datetime as dt

    from coordination.services import deidentified_report_send

    report = deidentified_report_send(
        by=w.users["social_worker"],
        administration_id=w.district_a.pk,
        area="Rinkeby",
        occurred_on=dt.date.today(),
        kind="concern",
        milieu="unclear",
        setting="school",
        age_band="13_15",
        description="Klotter med symboler på skolgården.",
    )
    return {"report_id": report.pk}


def situation_picture(w):
    from coordination.services import situation_picture_write

    picture = situation_picture_write(
        by=w.users["coordinator"],
        administration_id=w.district_a.pk,
        year=2026,
        coordinator_assessment="Oron ökar.",
        police_assessment="Fler affischer.",
    )
    return {"picture_id": picture.pk}


def passkey_of_a_social_worker(w):
    """A passkey of the social worker of district A, who also has the authenticator app (not the last
    factor): only they may remove it."""
    import os

    from django_otp_webauthn.models import WebAuthnCredential

    credential = WebAuthnCredential.objects.create(
        user=w.users["social_worker"], name="passkey", credential_id=os.urandom(32), public_key=b"-"
    )
    return {"credential_id": credential.pk}


def case_a(w):
    return {"case_id": w.case_a.pk}


def group_of_a(w):
    return {"group_id": w.group.pk}


def assignment_request(w):
    from cases.services import assignment_request_create

    return assignment_request_create(
        by=w.users["social_worker_unassigned"], case_id=w.case_a.pk, reason="Behöver ärendet"
    )


def account_request(w):
    """A request to reset the login of a social worker of district A, entered by the administrator."""
    from accounts.services import user_reset_credentials

    _code, request = user_reset_credentials(by=w.users["administrator"], user=w.users["social_worker"])
    return request


def handover_of_a(w):
    """Case A handed over to the defector programme, under a consent for the programme that names it."""
    import datetime as dt

    from cases.handovers.services import handover_send
    from cases.models import Handover
    from consent import services as consent_services

    waiting = Handover.objects.undecided().filter(from_case=w.case_a, to_unit=w.programme).first()
    if waiting is not None:
        return {"handover_id": waiting.pk}
    worker = w.users["social_worker"]
    if type(w.case_a.person).objects.filter(pk=w.case_a.person_id, erased_at__isnull=False).exists():
        # Sent before the person was erased (nothing can be recorded of them any more).
        handover = Handover.objects.create(
            person_id=w.case_a.person_id,
            source="case",
            from_case=w.case_a,
            from_unit=w.district_a,
            to_unit=w.programme,
            purpose="defector_programme",
            sent_by=worker,
        )
        return {"handover_id": handover.pk}
    consent_services.consent_record(
        by=worker,
        case_id=w.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose="defector_programme",
            purpose_text="",
            recipient_ids=[w.programme.pk],
            categories=["threat_protection"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=90),
            given_how="oral",
            witness="V",
        ),
    )
    handover = handover_send(
        by=worker, case_id=w.case_a.pk, to_unit_id=w.programme.pk, purpose="defector_programme", note=""
    )
    return {"handover_id": handover.pk}


def handover_request_of_a(w):
    """District B asks district A for a hand-over of a person of district A's (not case A's, so that the
    consent naming district B that the request needs shows nobody else's name to district B), under a
    consent to a district move; the social worker handles the person's case (made once per world)."""
    import datetime as dt

    from guardian.shortcuts import assign_perm

    from cases.handovers.services import handover_request_send
    from cases.models import HandoverRequest
    from consent import services as consent_services
    from tests.factories import CaseFactory, PersonFactory, valid_number

    waiting = HandoverRequest.objects.filter(from_unit=w.district_b, status="waiting").first()
    if waiting is not None:
        return {"request_id": waiting.pk}
    worker = w.users["social_worker"]
    case = CaseFactory(
        person=PersonFactory(
            given_names="Gamma", personal_number=valid_number(9301), organisation=w.district_a
        ),
        owner_unit=w.district_a,
        responsible=worker,
    )
    assign_perm("cases.view_case", worker, case)
    consent_services.consent_record(
        by=worker,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose="district_move",
            purpose_text="",
            recipient_ids=[w.district_b.pk],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=90),
            given_how="oral",
            witness="V",
        ),
    )
    asked = handover_request_send(
        by=w.users["social_worker_other_district"],
        personal_number=case.person.personal_number,
        to_unit_id=w.district_a.pk,
        purpose="district_move",
        reason="Personen har flyttat hit.",
    )
    return {"request_id": asked.pk}


def programme_case(w):
    """A case of the defector programme, its worker responsible (made once per world)."""
    from guardian.shortcuts import assign_perm

    from cases.models import Case
    from tests.factories import CaseFactory, PersonFactory

    case = Case.objects.filter(owner_unit=w.programme).first()
    if case is None:
        worker = w.users["programme_worker"]
        case = CaseFactory(
            person=PersonFactory(given_names="Programdeltagare", organisation=w.programme),
            owner_unit=w.programme,
            responsible=worker,
            activity="defector_programme",
        )
        assign_perm("cases.view_case", worker, case)
    return case


def programme(w):
    return {"case_id": programme_case(w).pk}


def programme_intervention(w):
    import datetime as dt

    from defectors.models import Intervention

    case = programme_case(w)
    intervention = Intervention.objects.filter(case=case).first() or Intervention.objects.create(
        case=case,
        person_id=case.person_id,
        kind="training_flat",
        section="sol_4_1",
        decided_by=w.users["programme_worker"],
        starts_on=dt.date.today(),
    )
    return {"case_id": case.pk, "intervention_id": intervention.pk}


def programme_decision(w):
    from defectors.models import SupportDecision
    from defectors.services import decision_prepare

    case = programme_case(w)
    decision = SupportDecision.objects.filter(case=case).first() or decision_prepare(
        by=w.users["programme_worker"], case_id=case.pk, section="sol_4_1", text="Bistånd"
    )
    return {"case_id": case.pk, "decision_id": decision.pk}


def programme_follow_up(w):
    import datetime as dt

    from defectors.models import FollowUp

    case = programme_case(w)
    row, _created = FollowUp.objects.get_or_create(
        case=case, months=6, defaults={"person_id": case.person_id, "due_on": dt.date.today()}
    )
    return {"case_id": case.pk, "follow_up_id": row.pk}


PROGRAMME_POST = only({"programme_worker": 302})


def first_contact_case(w):
    """A first contact of the VBE team, its worker responsible (made once per world)."""
    import datetime as dt

    from cases import services
    from cases.first_contacts import services as first_contact_services
    from cases.models import Case
    from tests.factories import valid_number

    case = Case.objects.filter(activity="vbe_first_contact", owner_unit__kind="vbe_team").first()
    if case is None:
        case = first_contact_services.first_contact_open(
            by=w.users["vbe_worker"],
            number=valid_number(31337),
            details=services.PersonDetails(
                given_names="Kontakt", surname="Person", contact={}, address={}, protected_identity="none"
            ),
            milieu="unclear",
            request=first_contact_services.FirstContactRequest(
                referrer="police",
                referrer_detail="",
                flagged_on=dt.date.today(),
                has_minor_children=True,
                children_reason="Oro för barnet",
            ),
        )
    return case


def first_contact(w):
    return {"case_id": first_contact_case(w).pk}


def concern_report(w):
    import datetime as dt

    from cases.first_contacts import services as first_contact_services
    from cases.models import ConcernReport

    report = ConcernReport.objects.first()
    if report is None:
        report = first_contact_services.concern_report_record(
            by=w.users["vbe_worker"],
            case_id=first_contact_case(w).pk,
            to_unit_id=w.district_a.pk,
            child=first_contact_services.ChildDetails(
                number="20150301-1239", given_names="Barn", surname="Person"
            ),
            reported_by_police="Polisen",
            concern="Oro",
            reported_on=dt.date.today(),
        )
    return {"report_id": report.pk}


def relative_case(w):
    """A relative's own support case in district A, its social worker responsible (made once)."""
    from cases import services
    from cases.models import Case
    from tests.factories import valid_number

    case = Case.objects.filter(target_group="relative", owner_unit=w.district_a).first()
    if case is None:
        case = services.case_open(
            by=w.users["social_worker"],
            number=valid_number(27182),
            details=services.PersonDetails("Anhörig", "Person", {}, {}, "none"),
            activity="relative_support",
            milieu="not_relevant",
            target_group="relative",
        )
    return {"case_id": case.pk}


DISTRICT_A = {"social_worker": 200, "social_worker_unassigned": 200, "supervisor": 200}


def version_of_a(w):
    return {"version": w.case_a.version}


# name: (method, kwargs builder, expected status per role)
def log_review(w):
    """A drawn review of district A's last ten days, today's events included (drawn tomorrow, once
    per world)."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from supervision import services
    from supervision.models import LogReview

    review = LogReview.objects.filter(organisation=w.district_a).first()
    if review is None:
        supervisor = w.users["supervisor"]
        services.log_review_plan_set(by=supervisor, every_days=10, random_samples=5, per_rule=1)
        today = timezone.localdate()
        with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
            review = services.log_review_draw(by=supervisor, start=today - dt.timedelta(days=9), end=today)
    return {"review_id": review.pk}


def break_glass_login(w):
    """A break-glass login of district A's social worker, as accounts.local_login records it."""
    from accounts.local_login import BREAK_GLASS
    from audit import services as audit
    from audit.models import Action

    event = audit.record(action=Action.LOGIN, actor=w.users["social_worker"], reason=BREAK_GLASS.describe())
    return {"login_id": event.pk}


def log_review_item(w):
    from supervision.models import ReviewItem

    ids = log_review(w)
    item = ReviewItem.objects.filter(review_id=ids["review_id"]).first()
    return {**ids, "item_id": item.pk}


def analysis(w):
    """A needs-and-risk analysis of district A's social workers, written by the administrator."""
    from supervision import services
    from supervision.models import NeedsRiskAnalysis

    existing = NeedsRiskAnalysis.objects.filter(organisation=w.district_a).first()
    if existing is None:
        existing = services.analysis_write(
            by=w.users["administrator"],
            organisation_id=w.district_a.pk,
            role="social_worker",
            needs="N",
            risks="R",
        )
    return {"analysis_id": existing.pk}


def extract(w, *, approved: bool):
    """A subject access extract of case A's person prepared by its handler (approved, or waiting)."""
    from supervision import services
    from supervision.models import SubjectAccessExtract

    status = "approved" if approved else "pending"
    existing = SubjectAccessExtract.objects.filter(status=status).first()
    if existing is None:
        existing = services.subject_access_prepare(
            by=w.users["social_worker"], case_id=w.case_a.pk, with_staff_names=False, reason=""
        )
        if approved:
            services.subject_access_decide(
                by=w.users["supervisor"], extract_id=existing.pk, approve=True, note=""
            )
    return {"extract_id": existing.pk}


def closing_proposed(w):
    """Case A, its handler having proposed closing it (once per world)."""
    from cases.models import Case
    from cases.services import case_close

    case = Case.objects.get(pk=w.case_a.pk)
    if case.status != "closing":
        case_close(
            by=w.users["social_worker"],
            case_id=case.pk,
            expected_version=case.version,
            reason="goals_met",
            text="",
        )
    return {"case_id": case.pk}


def approve_closing(w):
    from cases.models import Case

    return {"version": Case.objects.get(pk=w.case_a.pk).version, "decision": "approve", "note": ""}


def protected_by_a(w):
    """District A raised the protected identity of case A's person (so A's handler may ask to lower it)."""
    from cases import services

    services.person_protect(by=w.users["social_worker"], case_id=w.case_a.pk, level="protected_registration")
    return {"case_id": w.case_a.pk}


def lowering_asked(w):
    """A's handler asked to lower the protection A raised: the unit's supervisor decides."""
    from cases import services

    protected_by_a(w)
    lowering = services.protection_lowering_request(
        by=w.users["social_worker"], case_id=w.case_a.pk, level="none", reason="Hotet är över."
    )
    return {"case_id": w.case_a.pk, "lowering_id": lowering.pk}


def merge_asked(w):
    """A's handler recorded a person without a number and asked to merge them with case A's person
    (the number became known): the unit's supervisor decides, the requester may follow it."""
    import datetime as dt

    from cases import services

    case = services.case_open(
        by=w.users["social_worker"],
        number="",
        details=services.PersonDetails(
            given_names="Reserv",
            surname="Person",
            contact={},
            address={},
            protected_identity="none",
            birth_date=dt.date(1990, 1, 1),
            birth_date_precision="year",
        ),
        activity="intervention_group",
        milieu="unclear",
    )
    merge = services.person_merge_request(
        by=w.users["social_worker"], case_id=case.pk, number=w.case_a.person.personal_number, reason="SKV"
    )
    return {"case_id": case.pk, "merge_id": merge.pk}


def duplicate_of_a(w):
    """A's handler entered case A's person again, without a number (same names and birth date): the
    new case's page flags A's record as possibly the same person, to whoever may see both."""
    from cases import services

    person = w.case_a.person
    case = services.case_open(
        by=w.users["social_worker"],
        number="",
        details=services.PersonDetails(
            given_names=person.given_names,
            surname=person.surname,
            contact={},
            address={},
            protected_identity="none",
            birth_date=person.birth_date,
            birth_date_precision="exact",
        ),
        activity="intervention_group",
        milieu="unclear",
    )
    return {"case_id": case.pk, "other_id": person.pk}


def destruction_list(w):
    """District A's list of this month, drawn by the scheduled work, naming case A's person."""
    import datetime as dt

    from django.utils import timezone

    from retention.models import DestructionList, ItemState, ListItem

    found = DestructionList.objects.filter(organisation=w.district_a).first()
    if found is None:
        now = timezone.now()
        found = DestructionList.objects.create(
            organisation=w.district_a, month=now.date().replace(day=1), act="2001", drawn_at=now
        )
        ListItem.objects.create(
            destruction_list=found,
            person=w.case_a.person,
            rule_id="sol2001-file",
            last_entry_at=now - dt.timedelta(days=2200),
            erase_from=now.date().replace(month=1, day=1),
            erase_by=now.date().replace(month=12, day=31),
            state=ItemState.DUE,
        )
    return {"list_id": found.pk}


def destruction_list_item(w):
    from retention.models import ListItem

    ids = destruction_list(w)
    return {**ids, "item_id": ListItem.objects.get(destruction_list_id=ids["list_id"]).pk}


def hold_by_another_supervisor(w):
    """A hold on case A's person, placed by another supervisor of district A (the world's reviews it)."""
    import datetime as dt

    from django.utils import timezone

    from accounts.roles import Role
    from retention import services
    from retention.models import Hold
    from tests.factories import UserFactory

    hold = Hold.objects.first()
    if hold is None:
        other = UserFactory(username="sup_a2", organisation=w.district_a, roles=[Role.SUPERVISOR])
        hold = services.hold_place(
            by=other,
            item_id=destruction_list_item(w)["item_id"],
            reason="appeal",
            review_on=timezone.localdate() + dt.timedelta(days=30),
        )
    return {"hold_id": hold.pk}


def in_a_month(w):
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=30)).isoformat()


SUPERVISOR_ONLY = only({"supervisor": 200})
SUPERVISOR_POST = only({"supervisor": 302})

MATRIX = {
    "home": ("get", None, logged_in(200)),
    "health": ("get", None, everyone(200)),
    # The user's own meetings, follow-ups and re-assessments: handlers, supervisors, external members.
    "calendar": ("get", None, only({**CASE_PAGES, "external_member": 200})),
    "set_language": ("post", None, everyone(302)),
    "accounts:login": ("get", None, {**dict.fromkeys(LOGGED_IN, 302), "anonymous": 200}),
    "accounts:second_factor": ("get", None, everyone(302)),
    "accounts:enrol": ("get", None, everyone(302)),
    "accounts:logout": ("post", None, everyone(302)),
    # Passkeys (accounts/passkeys.py): the person's own page; the ceremonies answer in JSON, and refuse
    # (403, a denial event) without a login waiting for its second step, or without a verified login.
    "accounts:passkeys": ("get", None, logged_in(200)),
    "accounts:passkey_remove": ("post", passkey_of_a_social_worker, only({"social_worker": 302})),
    "accounts:passkey_login_begin": ("post", None, everyone(403)),
    "accounts:passkey_login_complete": ("post", None, everyone(403)),
    "accounts:passkey_add_begin": ("post", None, logged_in(200, anonymous=403)),
    # Nothing begun: the challenge is missing (400, a denial event).
    "accounts:passkey_add_complete": ("post", None, logged_in(400, anonymous=403)),
    "accounts:passkey_jsi18n": ("get", None, everyone(200)),
    # Notifications (notifications/): each person's own settings and record; the administrator's failures.
    "notifications:settings": ("get", None, logged_in(200)),
    "notifications:failures": ("get", None, ADMIN_ONLY),
    "accounts:user_list": ("get", None, ADMIN_ONLY),
    "accounts:user_create": ("get", None, ADMIN_ONLY),
    "accounts:user_edit": ("get", lambda w: {"user_id": w.users["social_worker"].pk}, ADMIN_ONLY),
    "accounts:activate": ("get", None, {**dict.fromkeys(LOGGED_IN, 302), "anonymous": 200}),
    "accounts:user_reset_credentials": (
        "post",
        lambda w: {"user_id": w.users["social_worker"].pk},
        only({"administrator": 200}),
    ),
    # The page before a reset (lotsa.posting.confirm_page): administrators only, as the account's page.
    "accounts:user_reset_credentials_confirm": (
        "get",
        lambda w: {"user_id": w.users["social_worker"].pk},
        ADMIN_ONLY,
    ),
    "accounts:requests": (
        "get",
        None,
        only({"administrator": 200, "supervisor": 200, "access_approver": 200}),
    ),
    "accounts:request_decide": (
        "post",
        lambda w: {"request_id": account_request(w).pk},
        only({"supervisor": 302}),
        lambda w: {"decision": "refuse", "note": ""},
    ),
    "accounts:user_unlock": ("post", lambda w: {"user_id": w.users["social_worker"].pk}, ADMIN_ONLY_POST),
    # Single sign-on, not configured in this world: nothing there (tests/test_oidc.py: configured, against
    # a real provider); a logged-in user is sent to the start page.
    "accounts:oidc_login": ("post", None, {**dict.fromkeys(LOGGED_IN, 302), "anonymous": 404}),
    "accounts:oidc_callback": ("get", None, {**dict.fromkeys(LOGGED_IN, 302), "anonymous": 404}),
    # SAML (tests/test_saml.py: configured, against a real IdP): its start sends a logged-in user to the
    # start page; the assertion consumer and the SP metadata are not there for anyone.
    "accounts:saml_login": ("post", None, {**dict.fromkeys(LOGGED_IN, 302), "anonymous": 404}),
    "accounts:saml_acs": ("post", None, dict.fromkeys(ROLES, 404)),
    "accounts:saml_metadata": ("get", None, dict.fromkeys(ROLES, 404)),
    "accounts:saml_slo": ("get", None, dict.fromkeys(ROLES, 404)),
    # An identity link: asked for by an administrator (here with a provider Lotsa does not know: the
    # form is refused, decided first), removed by one (here a link that no longer exists: refused).
    "accounts:identity_link_create": (
        "post",
        lambda w: {"user_id": w.users["social_worker"].pk},
        ADMIN_ONLY_POST,
        lambda w: {"provider": "https://idp.example", "value": "x"},
    ),
    "accounts:identity_link_remove": (
        "post",
        lambda w: {"user_id": w.users["social_worker"].pk, "link_id": 999999},
        ADMIN_ONLY_POST,
    ),
    "accounts:organisation_list": ("get", None, ADMIN_ONLY),
    "accounts:organisation_create": ("get", None, ADMIN_ONLY),
    "accounts:organisation_edit": ("get", lambda w: {"organisation_id": w.district_a.pk}, ADMIN_ONLY),
    "cases:detail": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    # The printable summary is an export of the person, by the case's rule: its handler, the supervisor.
    "cases:summary": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "cases:my_cases": ("get", None, CASE_PAGES),
    "cases:search": ("get", None, CASE_PAGES),
    "cases:assignment_requests": ("get", None, CASE_PAGES),
    "cases:request_assignment": ("get", case_a, only(CASEWORKERS)),
    "cases:assignment_decide": (
        "post",
        lambda w: {"request_id": assignment_request(w).pk},
        only({"social_worker": 302, "supervisor": 302}),
        lambda w: {"decision": "refuse"},
    ),
    "cases:open": ("get", None, only(CASEWORKERS)),
    "cases:handovers": ("get", None, only({**CASE_PAGES, "external_member": 200})),
    "cases:handover": (
        "get",
        handover_of_a,
        only({"social_worker": 200, "supervisor": 200, "programme_worker": 200}),
    ),
    "cases:handover_send": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "cases:handover_accept": ("post", handover_of_a, only({"programme_worker": 302})),
    "cases:handover_decline": (
        "post",
        handover_of_a,
        only({"programme_worker": 302}),
        lambda w: {"reason": "Inte aktuellt"},
    ),
    "cases:handover_withdraw": ("post", handover_of_a, only({"social_worker": 302})),
    # Requests for a hand-over: the asker (district B's worker) and the holding unit's side (the
    # handler of the person's case, the supervisor) read one; the holding side declines it.
    "cases:handover_requests": ("get", None, CASE_PAGES),
    "cases:handover_request_new": ("get", None, only(CASEWORKERS)),
    "cases:handover_request": (
        "get",
        handover_request_of_a,
        only({"social_worker": 200, "supervisor": 200, "social_worker_other_district": 200}),
    ),
    "cases:handover_request_decline": (
        "post",
        handover_request_of_a,
        only({"social_worker": 302, "supervisor": 302}),
        lambda w: {"reason": "Inte nu"},
    ),
    # Keeping the sending case open is a change of that case: its handler (here refused with a message,
    # as nothing waits for a proposal to close it yet).
    "cases:handover_keep_case_open": (
        "post",
        handover_of_a,
        only({"social_worker": 302}),
        lambda w: {"reason": "Fortsätter här"},
    ),
    "cases:activate": ("post", case_a, only({"social_worker": 302}), version_of_a),
    # Form pages ask VIEW (the change itself is decided when it is posted): readers of the case see them.
    "cases:close": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "cases:reassign": ("get", case_a, only({"supervisor": 200, "social_worker": 200})),
    "cases:activity": ("get", case_a, only({"supervisor": 200, "social_worker": 200})),
    # Asked by a handler of the unit that raised the protection; its supervisor approves (four eyes).
    "cases:protection_lower": ("get", protected_by_a, only({"social_worker": 200, "supervisor": 200})),
    "cases:protection_lower_decide": (
        "post",
        lowering_asked,
        SUPERVISOR_POST,
        lambda w: {"decision": "approve", "note": ""},
    ),
    # A person recorded without a number: a handler asks to merge with the real number, the supervisor
    # of the unit decides (four eyes); the requester may follow the request.
    "cases:merge": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "cases:merge_decide": ("get", merge_asked, only({"social_worker": 200, "supervisor": 200})),
    # The same person entered twice in the unit: a handler of the case who may see the other record
    # too asks to merge them (the supervisor decides, as above) or marks them not the same person.
    "cases:duplicate_merge": ("get", duplicate_of_a, only({"social_worker": 200})),
    "cases:not_same_person": ("post", duplicate_of_a, only({"social_worker": 302})),
    "cases:journal_add": (
        "post",
        case_a,
        only({"social_worker": 302}),
        lambda w: {"category": "housing", "text": "Ny"},
    ),
    "cases:journal_sign": (
        "post",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.draft_entry.pk},
        only({"social_worker": 302}),
        lambda w: {"version": w.draft_entry.version},
    ),
    # Confirmation pages ask VIEW, as form pages do: the act is decided when the confirmation is posted.
    "cases:journal_sign_confirm": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.draft_entry.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "consent:expiring": ("get", None, only(CASEWORKERS)),
    "consent:shared": ("get", None, only({**CASEWORKERS, "external_member": 200})),
    "consent:shared_person": (
        "get",
        lambda w: {"person_id": w.case_a.person_id, "purpose": "intervention_group"},
        only(
            {
                "external_member": 200,
                "social_worker": 404,
                "social_worker_unassigned": 404,
                "supervisor": 404,
                "coordinator": 404,
            }
        ),
    ),
    "consent:review_queue": ("get", None, only({"supervisor": 200})),
    "consent:review": ("get", lambda w: {"review_id": w.review.pk}, only({"supervisor": 200})),
    "consent:record": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "consent:disclose": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "consent:emergency": ("get", case_a, only({"social_worker_unassigned": 200})),
    "consent:detail": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "consent:print": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "consent:supersede": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "consent:withdraw": (
        "post",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        only({"social_worker": 302}),
        lambda w: {"how": "oral", "note": ""},
    ),
    "consent:withdraw_confirm": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "consent_id": w.consent.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "sig:overview": ("get", None, only({**CASEWORKERS, "supervisor": 200, "external_member": 200})),
    "sig:form": ("post", case_a, only({"social_worker": 302})),
    "sig:detail": (
        "get",
        group_of_a,
        only({"social_worker": 200, "supervisor": 200, "external_member": 200}),
    ),
    "sig:member_add": ("get", group_of_a, only({"social_worker": 200})),
    "sig:refer": ("post", group_of_a, only({"social_worker": 302})),
    "sig:member_remove": (
        "post",
        lambda w: {
            "group_id": w.group.pk,
            "membership_id": w.group.memberships.get(role="police_contact").pk,
        },
        only({"social_worker": 302}),
    ),
    "sig:close": ("post", group_of_a, only({"social_worker": 302}), lambda w: {"close-outcome": "goals_met"}),
    # The coordinator's own confirmation pages (decided as the coordinator's act, as their form pages).
    "sig:member_remove_confirm": (
        "get",
        lambda w: {
            "group_id": w.group.pk,
            "membership_id": w.group.memberships.get(role="police_contact").pk,
        },
        only({"social_worker": 200}),
    ),
    "sig:close_confirm": ("get", group_of_a, only({"social_worker": 200})),
    "sig:activate": ("post", group_of_a, only({"social_worker": 302})),
    "sig:undertaking": ("post", group_of_a, only({"social_worker": 302, "external_member": 302})),
    "sig:entry_add": (
        "post",
        group_of_a,
        only({"social_worker": 302, "external_member": 302}),
        lambda w: {"entry-category": "work_income", "entry-text": "Delat"},
    ),
    "sig:assess": (
        "post",
        group_of_a,
        only({"external_member": 302}),  # a social worker member is denied: the police assess threat
        lambda w: {"threat-level": "low", "threat-notes": ""},
    ),
    "sig:meeting_new": ("get", group_of_a, only({"social_worker": 200})),
    "sig:goal_add": ("post", group_of_a, only({"social_worker": 302}), lambda w: {"goal-text": "Mål"}),
    "sig:action_add": ("post", group_of_a, only({"social_worker": 302})),
    "sig:action_update": (
        "post",
        lambda w: {"group_id": w.group.pk, "action_id": w.plan_action.pk},
        only({"social_worker": 302, "external_member": 302}),
        lambda w: {"status": "done", "follow_up": "Klart"},
    ),
    "cases:first_contacts": ("get", None, only({"vbe_worker": 200})),
    "cases:first_contact_open": ("get", None, only({"vbe_worker": 200})),
    "cases:first_contact": ("get", first_contact, only({"vbe_worker": 200})),
    "cases:first_contact_meeting": ("post", first_contact, only({"vbe_worker": 302})),
    "cases:concern_report_create": ("post", first_contact, only({"vbe_worker": 302})),
    "cases:concern_reports": ("get", None, CASE_PAGES),
    # The district the report went to reads and assesses it; the sending handler reads what was sent.
    "cases:concern_report": ("get", concern_report, only({**DISTRICT_A, "vbe_worker": 200})),
    "cases:concern_report_protection": (
        "post",
        concern_report,
        only({k: 302 for k in DISTRICT_A}),
        lambda w: {"decision": "not_immediate"},
    ),
    "cases:concern_report_assess": (
        "post",
        concern_report,
        only({k: 302 for k in DISTRICT_A}),
        lambda w: {"decision": "no_action", "note": ""},
    ),
    "relatives:case": ("get", relative_case, only({"social_worker": 200, "supervisor": 200})),
    "relatives:relation_add": ("post", relative_case, only({"social_worker": 302})),
    "relatives:conversation_add": ("post", relative_case, only({"social_worker": 302})),
    "defectors:overview": ("get", None, only({"programme_worker": 200, "supervisor": 200})),
    "defectors:bops": ("get", None, only({"external_member": 200})),
    "defectors:police_request": ("get", None, only({"external_member": 200})),
    "defectors:bops_person": ("get", lambda w: {"person_id": programme_case(w).person_id}, only({})),
    "defectors:case": ("get", programme, only({"programme_worker": 200})),
    "defectors:witness": ("post", programme, PROGRAMME_POST),
    "defectors:conditions": ("post", programme, PROGRAMME_POST),
    "defectors:decision_prepare": ("post", programme, PROGRAMME_POST),
    # The worker wrote the decision: only the unit's supervisor approves it, never its author.
    "defectors:decision_review": ("post", programme_decision, only({})),
    "defectors:intervention_add": ("post", programme, PROGRAMME_POST),
    "defectors:intervention_update": (
        "post",
        programme_intervention,
        PROGRAMME_POST,
        lambda w: {"status": "ongoing", "follow_up": "", "version": 1},
    ),
    "defectors:placement_add": ("post", programme_intervention, PROGRAMME_POST),
    "defectors:protect": ("post", programme, PROGRAMME_POST),
    "defectors:go_on": ("post", programme, PROGRAMME_POST),
    "defectors:close": ("post", programme, PROGRAMME_POST),
    "defectors:follow_up": ("post", programme_follow_up, PROGRAMME_POST),
    "cases:journal_correct": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.signed_entry.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    # The author's draft: the form and the confirmation ask VIEW of the case; editing and deleting
    # are decided (the author only) when posted.
    "cases:journal_edit": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.draft_entry.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    "cases:journal_delete": (
        "get",
        lambda w: {"case_id": w.case_a.pk, "entry_id": w.draft_entry.pk},
        only({"social_worker": 200, "supervisor": 200}),
    ),
    # The handler proposed closing; the unit's supervisor approves (four eyes).
    "cases:close_decide": ("post", closing_proposed, SUPERVISOR_POST, approve_closing),
    "supervision:desk": ("get", None, SUPERVISOR_ONLY),
    # Who accessed a person: the owning unit's supervisor only, never the handlers or an administrator.
    "supervision:person_access": ("get", lambda w: {"person_id": w.case_a.person_id}, SUPERVISOR_ONLY),
    "supervision:reviews": ("get", None, SUPERVISOR_ONLY),
    "supervision:review_plan": (
        "post",
        None,
        SUPERVISOR_POST,
        lambda w: {"every_days": 30, "random_samples": 10, "per_rule": 3},
    ),
    "supervision:review_draw": (
        "post",
        None,
        SUPERVISOR_POST,
        lambda w: {"start": "2026-01-01", "end": "2026-01-31"},
    ),
    "supervision:review": ("get", log_review, SUPERVISOR_ONLY),
    "supervision:review_mark": (
        "post",
        log_review_item,
        SUPERVISOR_POST,
        lambda w: {"mark": "in_order", "note": ""},
    ),
    "supervision:review_sign_off": ("post", log_review, SUPERVISOR_POST, lambda w: {"conclusion": "Klart"}),
    # Break-glass logins: the account's supervisor or an access approver reviews them (issue 31).
    "supervision:break_glass": ("get", None, only({"supervisor": 200, "access_approver": 200})),
    "supervision:break_glass_review": (
        "post",
        break_glass_login,
        only({"supervisor": 302, "access_approver": 302}),
    ),
    "supervision:analyses": ("get", None, only({"supervisor": 200, "administrator": 200})),
    "supervision:analysis_write": (
        "post",
        None,
        only({"supervisor": 302, "administrator": 302}),
        lambda w: {"organisation": w.district_a.pk, "role": "social_worker", "needs": "N", "risks": "R"},
    ),
    "supervision:analysis": ("get", analysis, only({"supervisor": 200, "administrator": 200})),
    "supervision:subject_accesses": ("get", None, CASE_PAGES),
    "supervision:subject_access_new": ("get", case_a, only({"social_worker": 200, "supervisor": 200})),
    "supervision:subject_access": (
        "get",
        lambda w: extract(w, approved=False),
        only({"social_worker": 200, "supervisor": 200}),
    ),
    # The handler prepared it: only the unit's supervisor approves it.
    "supervision:subject_access_decide": (
        "post",
        lambda w: extract(w, approved=False),
        SUPERVISOR_POST,
        lambda w: {"decision": "approve", "note": ""},
    ),
    "supervision:subject_access_pdf": (
        "get",
        lambda w: extract(w, approved=True),
        only({"social_worker": 200, "supervisor": 200}),
    ),
    # Before it is approved: the supervisor who decides reads what the person will get (not its author).
    "supervision:subject_access_preview": ("get", lambda w: extract(w, approved=False), SUPERVISOR_ONLY),
    # The administrator wrote it: only the unit's supervisor approves it.
    "supervision:analysis_approve": ("post", analysis, SUPERVISOR_POST),
    # Retention: the unit's supervisors keep its destruction lists (issue 33); four eyes on approval.
    "retention:lists": ("get", None, SUPERVISOR_ONLY),
    "retention:draw": ("post", None, SUPERVISOR_POST),
    "retention:list": ("get", destruction_list, SUPERVISOR_ONLY),
    "retention:approve_confirm": ("get", destruction_list, SUPERVISOR_ONLY),
    "retention:approve": ("post", destruction_list, SUPERVISOR_POST),
    "retention:hold": (
        "post",
        destruction_list_item,
        SUPERVISOR_POST,
        lambda w: {"reason": "police", "review_on": in_a_month(w)},
    ),
    "retention:hold_review": (
        "post",
        hold_by_another_supervisor,
        SUPERVISOR_POST,
        lambda w: {"decision": "keep", "review_on": in_a_month(w)},
    ),
    # Any member of staff reports a concern; administrators manage accounts only.
    "coordination:report_new": ("get", None, {**logged_in(200), "administrator": 403}),
    "coordination:reports": ("get", None, only({"coordinator": 200})),
    "coordination:report": ("get", deidentified_report, only({"coordinator": 200})),
    "coordination:overview": ("get", None, only({"coordinator": 200})),
    "coordination:indicators": ("get", None, only({"coordinator": 200})),
    "coordination:export": ("get", None, only({"coordinator": 200})),
    "coordination:situation": (
        "get",
        lambda w: {"administration_id": w.district_a.pk},
        only({"coordinator": 200}),
    ),
    "coordination:situation_write": (
        "post",
        lambda w: {"administration_id": w.district_a.pk, "year": 2026},
        only({"coordinator": 302}),
        lambda w: {"coordinator_assessment": "Oron ökar.", "police_assessment": "Fler affischer."},
    ),
    "coordination:situation_version": ("get", situation_picture, only({"coordinator": 200})),
    "coordination:situation_pdf": ("get", situation_picture, only({"coordinator": 200})),
}

# Pages that may show case content, and the roles that must never see it there.
CASE_CONTENT_PAGES = {"cases:detail"}


def url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.pattern}>"


def test_every_url_pattern_is_in_the_matrix():
    names = set(url_names())
    missing = names - MATRIX.keys()
    assert not missing, f"URL patterns without a row in the authorisation matrix: {sorted(missing)}"
    stale = MATRIX.keys() - names
    assert not stale, f"matrix rows for URLs that no longer exist: {sorted(stale)}"


# Pages that decide nothing about anyone's data: the start page, the login steps, the language.
WITHOUT_ACCESS = {
    "home",
    "health",
    "set_language",
    "accounts:login",
    "accounts:second_factor",
    "accounts:enrol",
    "accounts:activate",
    "accounts:logout",
    # The passkey ceremonies' options and the scripts' words; adding or removing one is decided and
    # recorded (the registration event; OwnPasskeyPolicy).
    "accounts:passkey_login_begin",
    "accounts:passkey_add_begin",
    "accounts:passkey_jsi18n",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "accounts:saml_login",
    "accounts:saml_acs",
    "accounts:saml_metadata",
    "accounts:saml_slo",
}
CASES = [(name, role) for name in MATRIX for role in ROLES]


@pytest.fixture
def world(world_of_the_module, db):
    """The module's one world (built once: ``tests.fixtures.world_of_the_module``), a copy for each
    test; what a test writes is rolled back after it, as with the usual ``world``."""
    return copy.deepcopy(world_of_the_module)


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_matrix(client, world, name, role):
    method, build, expected, *rest = MATRIX[name]
    if role != "anonymous":
        login_verified(client, world.users[role])
    url = reverse(name, kwargs=build(world) if build else None)
    start = head_seq()
    data = {"language": "sv", "next": "/"} if name == "set_language" else {}
    if rest:
        data = rest[0](world)
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[role], (name, role, response.status_code)
    if response.status_code == 403:
        assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists(), "a denial must be logged"
    if role != "anonymous" and response.status_code in (200, 302) and name not in WITHOUT_ACCESS:
        allowed = events_since(start).filter(outcome=AccessOutcome.ALLOWED, actor_id=world.users[role].pk)
        assert allowed.exists(), f"{name} as {role}: an allowed access must be logged too"
    if (
        response.status_code == 302
        and expected[role] == 302
        and role == "anonymous"
        and name
        not in {
            "set_language",
            "health",
            "accounts:second_factor",
            "accounts:enrol",
            "accounts:logout",
            "accounts:activate",
        }
    ):
        assert reverse("accounts:login") in response["Location"]


SHARED_PAGES = {"consent:shared", "consent:shared_person"}
GROUP_PAGES = {"sig:overview", "sig:detail"}  # the police member belongs to the person's group


@pytest.mark.parametrize(
    ("role", "consented"),
    [
        ("administrator", False),
        ("coordinator", False),
        ("social_worker_other_district", False),
        ("external_member", True),
    ],
)
def test_no_page_shows_these_roles_case_content(client, world, role, consented):
    """The police member is a named recipient of the world's consent: they see the person on the
    shared pages, and nowhere else; the others see the person nowhere. After the withdrawal, nobody."""
    from consent import services as consent_services

    login_verified(client, world.users[role])

    def pages_showing_the_person():
        shown = set()
        for name, (method, build, _expected, *_data) in MATRIX.items():
            if method == "get" and MARKER in client.get(
                reverse(name, kwargs=build(world) if build else None)
            ).content.decode(errors="replace"):
                shown.add(name)
        return shown

    assert pages_showing_the_person() == (SHARED_PAGES | GROUP_PAGES if consented else set())
    consent_services.consent_withdraw(
        by=world.users["social_worker"],
        consent_id=world.consent.pk,
        case_id=world.case_a.pk,
        how="oral",
        note="",
    )
    from consent.models import Disclosure

    Disclosure.objects.bypassing_guard("test: the disclosure ends").filter(person=world.case_a.person).update(
        access_until="2000-01-01"
    )
    assert pages_showing_the_person() == set()
