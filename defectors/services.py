"""Every change in the defector programme. Each function is atomic, asks lotsa.access first (the
programme's case: its UPDATE rule; BOPS's assessment: CREATE; the supervisor's approval: DECIDE), and
only then says what is wrong with the input. The gate's rule is defectors.gate; consent's is
consent.policy."""

from __future__ import annotations

import base64
import datetime as dt

import filetype
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, User
from audit.models import Action
from cases import queries as case_queries
from cases import services as case_services
from cases.words import Activity, CaseStatus, CloseReason
from consent import policy
from defectors import catalogue
from defectors.gate import gate_for
from defectors.models import (
    BopsAssessment,
    DecisionStatus,
    Enrolment,
    FollowUp,
    Intervention,
    InterventionStatus,
    Placement,
    ProgrammeOutcome,
    SupportDecision,
)
from lotsa import access
from lotsa.dates import add_months
from lotsa.errors import DomainError
from lotsa.vocabulary import Purpose, ThreatLevel

PURPOSE = Purpose.DEFECTOR_PROGRAMME
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}
FOLLOW_UP_MONTHS = (6, 12)


def programme_cases_of(person_id) -> list:
    """The programme's open cases of a person (the programme's own record of them)."""
    return list(
        case_queries.cases_of_person(person_id=person_id)
        .filter(
            activity=Activity.DEFECTOR_PROGRAMME,
            owner_unit__kind=OrganisationKind.DEFECTOR_PROGRAMME,
        )
        .exclude(status=CaseStatus.CLOSED)
        .order_by("-opened_at")
    )


def _changing(by: User, case_id, purpose: str):
    """Lock the case, decide the change (the case's UPDATE rule), then check it is the programme's."""
    case = case_queries.case_for_service(
        case_id=case_id, related=("person", "owner_unit"), lock=True, lock_of=("self",)
    )
    access.check(by, Action.UPDATE, case, purpose=purpose)
    if (
        case.activity != Activity.DEFECTOR_PROGRAMME
        or case.owner_unit.kind != OrganisationKind.DEFECTOR_PROGRAMME
    ):
        raise DomainError(_("This is not a case of the defector programme."))
    return case


def _enrolment(case) -> Enrolment:
    enrolment, _created = Enrolment.objects.get_or_create(case=case, defaults={"person_id": case.person_id})
    return enrolment


# --- BOPS ----------------------------------------------------------------------------------------------


@transaction.atomic
def bops_assess(
    *,
    by: User,
    person_id,
    level: str,
    special_protection_need: bool,
    notes: str,
    reassessment_due: dt.date | None = None,
    assessed_on: dt.date | None = None,
) -> BopsAssessment:
    """BOPS assesses threat and special protection need for a person in the programme whose consent
    names BOPS, on ``assessed_on`` (today if not given: not in the future, not before the programme's
    case was opened, cases.queries); the re-assessment is due three months from that day unless
    another day after it is given. If the threat falls below high (or the need goes) after support
    started on a high one, the programme is told and decides whether to go on: nothing closes by
    itself."""
    cases = programme_cases_of(person_id)
    case = cases[0] if cases else None
    assessment = BopsAssessment(
        case=case, person_id=person_id, organisation=by.organisation, author=by, level=level
    )
    access.check(by, Action.CREATE, assessment, purpose="BOPS assessment for the defector programme")
    if case is None:
        raise DomainError(_("The person has no open case in the defector programme."))
    if level not in ThreatLevel.values:
        raise DomainError(_("Choose the threat level."))
    assessed_on = case_queries.happened_on_check(assessed_on or timezone.localdate(), case=case)
    reassessment_due = reassessment_due or add_months(assessed_on, settings.LOTSA_THREAT_REVIEW_MONTHS)
    if reassessment_due <= assessed_on:
        raise DomainError(_("The re-assessment comes after the assessment."))
    previous = BopsAssessment.objects.filter(case=case).order_by("-assessed_on", "-recorded_at").first()
    assessment.assessed_on = assessed_on
    assessment.special_protection_need = bool(special_protection_need)
    assessment.notes = (notes or "").strip() or None
    assessment.reassessment_due = reassessment_due
    assessment.save()
    # The threat is lowered only by an assessment that is now the latest: one back-dated before the
    # newest (a late-recorded earlier one) leaves the newest's level standing.
    lowers = previous is not None and previous.opens_the_programme and not assessment.opens_the_programme
    if lowers and assessed_on >= previous.assessed_on:
        enrolment = _enrolment(case)
        enrolment.threat_lowered_at = timezone.now()
        enrolment.save(update_fields=["threat_lowered_at"])
    return assessment


@transaction.atomic
def programme_continue(*, by: User, case_id) -> Enrolment:
    """After BOPS lowered the threat, the programme decides to go on (closing is the other answer)."""
    case = _changing(by, case_id, "go on after a lowered threat")
    enrolment = _enrolment(case)
    if not enrolment.awaiting_continue_decision:
        raise DomainError(_("No lowered threat waits for a decision."))
    enrolment.continue_decided_at, enrolment.continue_decided_by = timezone.now(), by
    enrolment.save(update_fields=["continue_decided_at", "continue_decided_by"])
    return enrolment


# --- The gate ------------------------------------------------------------------------------------------


@transaction.atomic
def not_protected_witness_confirm(*, by: User, case_id) -> Enrolment:
    case = _changing(by, case_id, "confirm not a protected witness")
    enrolment = _enrolment(case)
    if enrolment.not_protected_witness_confirmed_at is not None:
        raise DomainError(_("That is confirmed already."))
    enrolment.not_protected_witness_confirmed_at, enrolment.not_protected_witness_confirmed_by = (
        timezone.now(),
        by,
    )
    enrolment.save(update_fields=["not_protected_witness_confirmed_at", "not_protected_witness_confirmed_by"])
    return enrolment


@transaction.atomic
def conditions_record(
    *,
    by: User,
    case_id,
    signed_on: dt.date | None,
    witness: str,
    scan: bytes | None = None,
    scan_name: str = "",
) -> Enrolment:
    """The signed police conditions form: when, who witnessed it, and, if kept, the scan (PDF, JPEG or
    PNG by its content, at most LOTSA_SCAN_MAX_BYTES), encrypted at rest."""
    case = _changing(by, case_id, "record the conditions form")
    if signed_on is None:
        raise DomainError(_("Give the date the form was signed."))
    if signed_on > timezone.localdate():
        raise DomainError(_("The form cannot be signed in the future."))
    if not (witness or "").strip():
        raise DomainError(_("Say who witnessed the signature."))
    kind = None
    if scan:
        if len(scan) > settings.LOTSA_SCAN_MAX_BYTES:
            raise DomainError(
                _("The scan is too large: at most %(mb)d MB.")
                % {"mb": settings.LOTSA_SCAN_MAX_BYTES // 2**20}
            )
        guessed = filetype.guess(scan)
        kind = guessed.mime if guessed else None
        if kind not in SCAN_TYPES:
            raise DomainError(_("The scan must be a PDF, JPEG or PNG file."))
    enrolment = _enrolment(case)
    enrolment.conditions_signed_on = signed_on
    enrolment.conditions_witness = witness.strip()
    enrolment.conditions_recorded_by = by
    if scan:
        enrolment.conditions_scan = base64.b64encode(scan).decode("ascii")
        enrolment.conditions_scan_name = (scan_name or "")[:200] or None
        enrolment.conditions_scan_type, enrolment.conditions_scan_size = kind, len(scan)
    enrolment.version += 1
    enrolment.save()
    return enrolment


@transaction.atomic
def decision_prepare(*, by: User, case_id, section: str, text: str) -> SupportDecision:
    """A handler prepares the decision on support; it waits for the supervisor."""
    case = _changing(by, case_id, "prepare a decision on support")
    if catalogue.section(section) is None:
        raise DomainError(_("Choose the section the decision is made under."))
    if not (text or "").strip():
        raise DomainError(_("Write the decision."))
    if SupportDecision.objects.filter(case=case, status=DecisionStatus.PENDING).exists():
        raise DomainError(_("A decision already waits for the supervisor."))
    decision = SupportDecision(case=case, person_id=case.person_id, section=section, author=by)
    decision.text = text.strip()
    decision.save()
    return decision


@transaction.atomic
def decision_review(*, by: User, decision_id, approve: bool, note: str) -> SupportDecision:
    """The supervisor approves, or sends back with a note; never the author."""
    decision = (
        SupportDecision.objects.select_for_update(of=("self",)).select_related("case").get(pk=decision_id)
    )
    access.check(
        by, Action.DECIDE, decision, purpose="approve a decision" if approve else "send a decision back"
    )
    if decision.status != DecisionStatus.PENDING:
        raise DomainError(_("The decision has been reviewed already."))
    if not approve and not (note or "").strip():
        raise DomainError(_("Say why the decision is sent back."))
    decision.status = DecisionStatus.APPROVED if approve else DecisionStatus.REFUSED
    decision.reviewed_by, decision.reviewed_at = by, timezone.now()
    decision.review_note = (note or "").strip() or None
    decision.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return decision


# --- Interventions and placements ------------------------------------------------------------------------


@transaction.atomic
def intervention_add(
    *,
    by: User,
    case_id,
    kind: str,
    section: str,
    provider: str,
    starts_on: dt.date,
    planned_end: dt.date | None,
) -> Intervention:
    """Plan an intervention from the catalogue — only once the gate holds."""
    case = _changing(by, case_id, "plan an intervention")
    gate = gate_for(case)
    if not gate.open:
        raise DomainError(
            _("Support cannot be planned before the gate holds. Missing: %(missing)s")
            % {"missing": "; ".join(item.label for item in gate.missing)}
        )
    if catalogue.intervention(kind) is None:
        raise DomainError(_("Choose an intervention from the catalogue."))
    if catalogue.section(section) is None:
        raise DomainError(_("Choose the section the decision is made under."))
    if starts_on is None:
        raise DomainError(_("Give the start date."))
    if planned_end is not None and planned_end < starts_on:
        raise DomainError(_("The planned end cannot come before the start."))
    intervention = Intervention(
        case=case,
        person_id=case.person_id,
        kind=kind,
        section=section,
        decided_by=by,
        starts_on=starts_on,
        planned_end=planned_end,
    )
    intervention.provider = (provider or "").strip() or None
    intervention.save()
    return intervention


@transaction.atomic
def intervention_update(
    *, by: User, intervention_id, status: str, follow_up: str, expected_version: int
) -> Intervention:
    intervention = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention_id)
    _changing(by, intervention.case_id, "follow up an intervention")
    if intervention.version != expected_version:
        raise DomainError(
            _("Someone else changed this intervention while you were working on it. Nothing was saved.")
        )
    if status not in InterventionStatus.values:
        raise DomainError(_("Choose a status."))
    intervention.status = status
    intervention.follow_up = (follow_up or "").strip() or None
    intervention.version += 1
    intervention.save(update_fields=["status", "follow_up", "version"])
    return intervention


@transaction.atomic
def placement_add(
    *,
    by: User,
    intervention_id,
    address: dict,
    protected_housing: bool,
    outside_stockholm: bool,
    private_programme_id: int | None = None,
) -> Placement:
    """Where a housing intervention places the person, at a protected address. A placement through a
    private defector programme names it as a recipient only under a consent for the programme that
    names it."""
    intervention = Intervention.objects.select_related("case").get(pk=intervention_id)
    case = _changing(by, intervention.case_id, "record a placement")
    kind = catalogue.intervention(intervention.kind)
    if kind is None or not kind.housing:
        raise DomainError(_("Only a housing intervention has a placement."))
    if Placement.objects.filter(intervention=intervention).exists():
        raise DomainError(_("The intervention has a placement already."))
    address = {key: (value or "").strip() for key, value in (address or {}).items()}
    if not (address.get("street") and address.get("town")):
        raise DomainError(_("Give the placement's street address and town."))
    programme = None
    if kind.private_programme:
        programme = Organisation.objects.filter(
            pk=private_programme_id, kind=OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME, is_active=True
        ).first()
        if programme is None:
            raise DomainError(_("Choose the private defector programme."))
        if programme.pk not in policy.organisations_named(person_id=case.person_id, purpose=PURPOSE):
            raise DomainError(
                _("No consent for the defector programme names %(organisation)s: record it first.")
                % {"organisation": programme.name}
            )
    placement = Placement(
        intervention=intervention,
        case=case,
        person_id=case.person_id,
        protected_housing=bool(protected_housing),
        outside_stockholm=bool(outside_stockholm or kind.private_programme),
        private_programme=programme,
        created_by=by,
    )
    placement.address = address
    placement.save()
    return placement


# --- Closure and follow-up ---------------------------------------------------------------------------

CLOSE_REASONS = {
    ProgrammeOutcome.LEFT_THE_MILIEU: CloseReason.GOALS_MET,
    ProgrammeOutcome.ORDINARY_SERVICES: CloseReason.HANDED_OVER,
    ProgrammeOutcome.ENDED_BY_PERSON: CloseReason.DECLINED,
    ProgrammeOutcome.MOVED_AWAY: CloseReason.MOVED,
    ProgrammeOutcome.OTHER: CloseReason.OTHER,
}


@transaction.atomic
def programme_close(*, by: User, case_id, expected_version: int, outcome: str, text: str):
    """Propose closing the programme's case with its outcome (cases.services decides it, and the
    unit's supervisor approves it); the follow-ups at 6 and 12 months are scheduled when the closing
    is approved (``schedule_follow_ups``), and the outcome is cleared if it is refused."""
    if outcome not in ProgrammeOutcome.values:
        reason = ""  # the case's own rule decides first; its message follows
    else:
        reason = CLOSE_REASONS[outcome]
    case = case_services.case_close(
        by=by, case_id=case_id, expected_version=expected_version, reason=reason, text=text
    )
    if case.activity != Activity.DEFECTOR_PROGRAMME:
        raise DomainError(_("This is not a case of the defector programme."))
    enrolment = _enrolment(case)
    enrolment.outcome = outcome
    enrolment.save(update_fields=["outcome"])
    return case


def schedule_follow_ups(sender, *, case, by, approved: bool, **kwargs) -> None:
    """When the supervisor decides the closing of a programme case (cases.signals): approved, the
    follow-ups at 6 and 12 months are scheduled from the day it closed; refused, the outcome proposed
    with it is cleared (the case goes on)."""
    if case.activity != Activity.DEFECTOR_PROGRAMME:
        return
    enrolment = Enrolment.objects.filter(case=case).first()
    if enrolment is None:
        return
    if not approved:
        enrolment.outcome = ""
        enrolment.save(update_fields=["outcome"])
        return
    if not enrolment.outcome:
        return
    closed_on = timezone.localdate(case.closed_at)
    for months in FOLLOW_UP_MONTHS:
        FollowUp.objects.get_or_create(
            case=case,
            months=months,
            defaults={"person_id": case.person_id, "due_on": add_months(closed_on, months)},
        )


@transaction.atomic
def follow_up_record(
    *,
    by: User,
    follow_up_id,
    in_work_or_education: bool | None,
    stable_housing: bool | None,
    back_in_milieu: bool | None,
    notes: str,
) -> FollowUp:
    """Record a follow-up after closure: the closed case's named handler (defectors.access)."""
    follow_up = FollowUp.objects.select_for_update(of=("self",)).select_related("case").get(pk=follow_up_id)
    access.check(by, Action.UPDATE, follow_up, purpose="record a follow-up")
    if follow_up.recorded_at is not None:
        raise DomainError(_("The follow-up has been recorded already."))
    if follow_up.due_on > timezone.localdate() + dt.timedelta(days=settings.LOTSA_FOLLOW_UP_EARLY_DAYS):
        raise DomainError(_("The follow-up is not due yet."))
    follow_up.in_work_or_education = in_work_or_education
    follow_up.stable_housing = stable_housing
    follow_up.back_in_milieu = back_in_milieu
    follow_up.notes = (notes or "").strip() or None
    follow_up.recorded_at, follow_up.recorded_by = timezone.now(), by
    follow_up.save()
    return follow_up
