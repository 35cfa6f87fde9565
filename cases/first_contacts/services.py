"""Every change to a first contact, its meetings and a report of concern. Each function is atomic, asks
lotsa.access first, and is recorded in the access log in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit.models import Action
from cases import access as case_access
from cases import personal_number as pnr
from cases.access import handles_a_case_of
from cases.first_contacts.models import (
    ConcernReport,
    ConcernStatus,
    ContactOutcome,
    FirstContact,
    FirstContactMeeting,
    Referrer,
)
from cases.models import Activity, Case, CaseStatus, Milieu, Person, TargetGroup
from cases.queries import happened_on_check
from cases.services import (
    PersonDetails,
    _locked_case,
    case_open,
    case_status_change_record,
    person_find,
    person_protection_inherit,
    youth_unit_ends_on,
)
from consent import services as consent_services
from lotsa import access
from lotsa.errors import DomainError
from lotsa.vocabulary import InformationCategory


@dataclass
class FirstContactRequest:
    referrer: str
    referrer_detail: str
    flagged_on: dt.date | None
    has_minor_children: bool | None
    children_reason: str = ""


@transaction.atomic
def first_contact_open(
    *, by: User, number: str, details: PersonDetails, milieu: str, request: FirstContactRequest
) -> Case:
    """The VBE team opens a first contact with a person the police or the Security Service flagged: a
    case of the team (the case's own rule decides), with who flagged the person and when. The target
    group is adults without children: with minor children the team goes on only with a reason."""
    case = case_open(
        by=by, number=number, details=details, activity=Activity.VBE_FIRST_CONTACT, milieu=milieu
    )
    if by.organisation.kind != OrganisationKind.VBE_TEAM:
        raise DomainError(_("First contacts are opened by the VBE team."))
    age = case.person.age()
    if age is not None and age < settings.LOTSA_ADULT_AGE:
        # The team's target group is adults: a child is the district's child and youth unit's (SoL,
        # LVU, LUL), which the police contact directly, or through a report of concern.
        raise DomainError(
            _(
                "The person is %(age)d years old. The VBE team's first contacts are for adults (from "
                "%(adult)d): a person under %(adult)d is the district's child and youth unit's. Ask the "
                "police to contact the district's child and youth unit instead."
            )
            % {"age": age, "adult": settings.LOTSA_ADULT_AGE}
        )
    if request.referrer not in Referrer.values:
        raise DomainError(_("Say who flagged the person."))
    if request.flagged_on is None or request.flagged_on > timezone.localdate():
        raise DomainError(_("Give the date the person was flagged (not in the future)."))
    if request.has_minor_children and not (request.children_reason or "").strip():
        raise DomainError(
            _(
                "The first contact is for adults without children. The person has minor children: say why "
                "the team goes on, and consider a report of concern."
            )
        )
    contact = FirstContact(
        case=case,
        person_id=case.person_id,
        referrer=request.referrer,
        flagged_on=request.flagged_on,
        has_minor_children=request.has_minor_children,
        created_by=by,
    )
    contact.referrer_detail = (request.referrer_detail or "").strip() or None
    contact.children_reason = (request.children_reason or "").strip() or None
    contact.save()
    return case


@transaction.atomic
def first_contact_meeting_record(
    *,
    by: User,
    case_id,
    held_on: dt.date | None,
    vbe_participants: str,
    police_participants: str,
    outcome: str,
    attempts: int | None,
    notes: str,
) -> FirstContactMeeting:
    """The meeting with the police: who took part from each side, and the outcome."""
    case = _locked_case(case_id)
    access.check(by, Action.UPDATE, case, purpose="record a first-contact meeting")
    contact = FirstContact.objects.filter(case=case).first()
    if contact is None:
        raise DomainError(_("This case is not a first contact."))
    happened_on_check(held_on, case=case)
    if outcome not in ContactOutcome.values:
        raise DomainError(_("Choose the outcome."))
    if not (vbe_participants or "").strip() or not (police_participants or "").strip():
        raise DomainError(_("Name who took part from the VBE team and from the police."))
    if not attempts or attempts < 1:
        raise DomainError(_("Give the number of attempts to reach the person (at least one)."))
    meeting = FirstContactMeeting(
        first_contact=contact,
        person_id=case.person_id,
        held_on=held_on,
        outcome=outcome,
        attempts=attempts,
        recorded_by=by,
    )
    meeting.vbe_participants = vbe_participants.strip()
    meeting.police_participants = police_participants.strip()
    meeting.notes = (notes or "").strip() or None
    meeting.save()
    return meeting


@dataclass
class ChildDetails:
    number: str
    given_names: str
    surname: str


@transaction.atomic
def concern_report_record(
    *,
    by: User,
    case_id,
    to_unit_id: int | None,
    child: ChildDetails,
    reported_by_police: str,
    concern: str,
    reported_on: dt.date | None,
) -> ConcernReport:
    """Record the police's report of concern for a person's minor child to the responsible district.
    It is never blocked by a missing consent: it is disclosed under the duty to report (OSL 10 kap.
    28 §, consent.grounds), which the sending unit's supervisor reviews. The child becomes the
    district's own record, to be assessed there."""
    case = Case.objects.select_related("person", "owner_unit").get(pk=case_id)
    report = ConcernReport(
        from_case=case, from_unit_id=case.owner_unit_id, to_unit_id=to_unit_id, recorded_by=by
    )
    access.check(by, Action.CREATE, report, purpose="record a report of concern")
    district = Organisation.objects.filter(
        pk=to_unit_id, kind=OrganisationKind.DISTRICT_ADMINISTRATION, is_active=True
    ).first()
    if district is None:
        raise DomainError(_("Choose the responsible district."))
    if not (child.given_names or "").strip() or not (child.surname or "").strip():
        raise DomainError(_("Give the child's given names and surname."))
    try:
        canonical = pnr.normalise(child.number)
    except pnr.InvalidPersonalNumber as error:
        raise DomainError(error.message) from None
    if not (concern or "").strip() or not (reported_by_police or "").strip():
        raise DomainError(_("Say what the concern is and who in the police reported it."))
    if reported_on is None or reported_on > timezone.localdate():
        raise DomainError(_("Give the date of the report (not in the future)."))
    person = person_find(organisation=district, number=canonical)
    if person is None:
        person = Person(organisation=district, personal_number=canonical)
        person.given_names, person.surname = child.given_names.strip(), child.surname.strip()
        person.contact, person.address = {}, {}
        person.save()
        person_protection_inherit(by=by, person=person)
    disclosure = consent_services.disclosure_record(
        by=by,
        case_id=case.pk,
        recipient_id=district.pk,
        ground_code="child_concern_report",
        categories=[InformationCategory.FAMILY_SOCIAL],
        what=str(_("A report of concern for the person's child")),
        why=str(_("The police report concern for a minor child (duty to report).")),
    )
    report.child, report.to_unit, report.reported_on = person, district, reported_on
    report.disclosure_ref = disclosure.pk
    report.reported_by_police = reported_by_police.strip()
    report.concern = concern.strip()
    report.save()
    return report


@transaction.atomic
def concern_report_protection_assess(*, by: User, report_id, immediate: bool) -> ConcernReport:
    """The district's protection assessment (skyddsbedömning, SoL 11 kap. 1 a §), the day the report
    comes in: whether the child needs immediate protection. Recorded once, by whoever may assess the
    report, before its preliminary assessment (which may follow the same day)."""
    report = ConcernReport.objects.select_for_update(of=("self",)).get(pk=report_id)
    access.check(by, Action.DECIDE, report, purpose="protection assessment of a report of concern")
    if report.protection_assessed_at is not None:
        raise DomainError(_("The protection assessment has been recorded already."))
    if report.status != ConcernStatus.RECEIVED:
        raise DomainError(_("The report has been assessed already."))
    report.protection_assessed_by, report.protection_assessed_at = by, timezone.now()
    report.immediate_protection = immediate
    report.save(update_fields=["protection_assessed_by", "protection_assessed_at", "immediate_protection"])
    return report


@transaction.atomic
def concern_report_assess(*, by: User, report_id, open_case: bool, note: str) -> ConcernReport:
    """The district assesses the report: it opens the child's own case (the one assessing becomes
    responsible when they may), or records that no further action follows, with a note."""
    report = (
        ConcernReport.objects.select_for_update(of=("self",))
        .select_related("child", "to_unit")
        .get(pk=report_id)
    )
    access.check(by, Action.DECIDE, report, purpose="assess a report of concern")
    if report.status != ConcernStatus.RECEIVED:
        raise DomainError(_("The report has been assessed already."))
    if not open_case and not (note or "").strip():
        raise DomainError(_("Say why no further action follows."))
    if open_case:
        child = report.child
        known = Case.objects.filter(person=child).exists()
        handles = by.has_role(*CASEWORK_ROLES) and (not known or handles_a_case_of(by, child))
        case = Case.objects.create(
            person=child,
            owner_unit=report.to_unit,
            responsible=by if handles else None,
            activity=Activity.CHILD_CONCERN,
            target_group=TargetGroup.CHILD,
            milieu=Milieu.NOT_RELEVANT,
            youth_unit_ends_on=youth_unit_ends_on(child, report.to_unit),
        )
        case_status_change_record(case=case, by=by, status=CaseStatus.OPENED)
        if handles:
            case_access.assignment_grant(by, case)
        report.child_case = case
    report.status = ConcernStatus.CASE_OPENED if open_case else ConcernStatus.NO_ACTION
    report.assessed_by, report.assessed_at = by, timezone.now()
    report.assessment_note = (note or "").strip() or None
    report.save(update_fields=["status", "assessed_by", "assessed_at", "assessment_note", "child_case"])
    return report
