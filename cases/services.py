"""Every change to people, cases and journals. Each function is atomic, asks lotsa.access first, and
is recorded in the access log in the same transaction."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import SOCIAL_SERVICES_KINDS, Organisation, OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit import services as audit
from audit.models import Action
from cases import personal_number as pnr
from cases.access import handles_a_case_of
from cases.models import (
    HANDOVER_PURPOSES,
    AssignmentRequest,
    Case,
    CaseReassignment,
    CaseStatusChange,
    ConcernReport,
    ConcernStatus,
    ContactOutcome,
    FirstContact,
    FirstContactMeeting,
    Handover,
    HandoverSource,
    HandoverStatus,
    JournalEntry,
    Person,
    Referrer,
    RequestStatus,
)
from cases.signals import case_closing_decided
from cases.words import Activity, CaseStatus, CloseReason, Milieu, ProtectedIdentity, TargetGroup
from consent import policy as consent_policy
from consent import services as consent_services
from lotsa import access, crypto
from lotsa.crypto import blind_index_lookup
from lotsa.errors import Conflict, DomainError
from lotsa.vocabulary import InformationCategory, Purpose


class StaleVersion(Conflict):
    def __init__(self):
        super().__init__(
            _(
                "Someone else changed this case while you were working on it. Nothing was saved: "
                "the page now shows the case as it is."
            )
        )


@dataclass
class PersonDetails:
    given_names: str
    surname: str
    contact: dict
    address: dict
    protected_identity: str


def person_find(*, organisation, number: str) -> Person | None:
    """The unit's record of the person with this personal identity number, through the blind index."""
    return (
        Person.objects.filter(organisation=organisation)
        .filter(**blind_index_lookup(Person, "personal_number_index", number))
        .first()
    )


@transaction.atomic
def case_open(
    *,
    by: User,
    number: str,
    details: PersonDetails,
    activity: str,
    milieu: str,
    target_group: str = TargetGroup.PERSON_CONCERNED,
) -> Case:
    """Open a case in the user's own unit. A person the unit does not know yet gets a new record; a
    person it knows gets a new case only from someone who already handles one of theirs (the policy
    refuses anyone else, who asks to be assigned or uses emergency access instead)."""
    canonical = pnr.normalise(number)
    person = person_find(organisation=by.organisation, number=canonical)
    created_person = person is None
    if created_person:
        person = Person(organisation=by.organisation, personal_number=canonical)
    case = Case(
        person=person,
        owner_unit=by.organisation,
        responsible=by,
        activity=activity,
        milieu=milieu,
        target_group=target_group if target_group in TargetGroup.values else TargetGroup.PERSON_CONCERNED,
    )
    access.check(by, Action.CREATE, case, purpose="open a case")
    if created_person:
        person.given_names = details.given_names
        person.surname = details.surname
        person.contact = details.contact
        person.address = details.address
        person.protected_identity = details.protected_identity
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            # A colleague created the unit's record of the person at the same moment: that record is
            # theirs now, and the same rule decides again whether this user may attach a case to it.
            case.person = person_find(organisation=by.organisation, number=canonical)
            access.check(by, Action.CREATE, case, purpose="open a case")
    case.save()
    CaseStatusChange.objects.create(
        case=case, person=case.person, status=CaseStatus.OPENED, changed_by=by, version=case.version
    )
    assign_perm("cases.view_case", by, case)
    return case


@transaction.atomic
def assignment_request_create(*, by: User, case_id, reason: str) -> AssignmentRequest:
    """Ask to be assigned to a case of a person the unit keeps and the user does not handle."""
    case = Case.objects.select_for_update().get(pk=case_id)
    request = AssignmentRequest(case=case, person_id=case.person_id, requested_by=by)
    access.check(by, Action.CREATE, request, purpose="ask to be assigned")
    if not (reason or "").strip():
        raise DomainError(_("Say why you need the case."))
    if AssignmentRequest.objects.filter(case=case, requested_by=by, status=RequestStatus.PENDING).exists():
        raise DomainError(_("You have already asked to be assigned to this case."))
    request.reason = reason.strip()
    request.save()
    return request


@transaction.atomic
def assignment_request_decide(*, by: User, request_id, grant: bool) -> AssignmentRequest:
    """The supervisor or the responsible social worker grants (the asker is assigned) or refuses."""
    request = AssignmentRequest.objects.select_for_update().select_related("case").get(pk=request_id)
    access.check(
        by, Action.UPDATE, request, purpose="grant an assignment" if grant else "refuse an assignment"
    )
    if request.status != RequestStatus.PENDING:
        raise DomainError(_("The request has been decided already."))
    request.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    if grant:
        assign_perm("cases.view_case", request.requested_by, request.case)
    return request


def _locked_case(case_id) -> Case:
    return Case.objects.select_for_update().select_related("person").get(pk=case_id)


def case_as_shown(case: Case, version: int) -> Case:
    """The case as a page that showed ``version`` showed it: its status and its responsible social
    worker then, from the history each versioned change keeps (``version`` on the status changes and
    the reassignments). What the history does not say stays as it is now."""
    if version >= case.version:
        return case
    as_shown = copy.copy(case)
    status = (
        CaseStatusChange.objects.filter(case_id=case.pk, version__isnull=False, version__lte=version)
        .order_by("-version")
        .values_list("status", flat=True)
        .first()
    )
    if status is not None:
        as_shown.status = status
    elif case.is_closed:
        as_shown.status = CaseStatus.ACTIVE  # closed since: the page showed it open
    if as_shown.status != CaseStatus.CLOSED:
        as_shown.closed_at = None
    reassigned = (
        CaseReassignment.objects.filter(case_id=case.pk, version__isnull=False, version__gt=version)
        .order_by("version")
        .values_list("from_user_id", flat=True)
    )
    if reassigned.exists():
        as_shown.responsible_id = reassigned[0]
    return as_shown


def _decide_versioned(by: User, action: str, case: Case, expected_version: int, purpose: str) -> None:
    """Every change made from a page that showed ``expected_version`` is decided here, once. The
    case as it is, when the page was current; otherwise the case as the page showed it, so that
    whoever loses a race (a colleague closed, reassigned or decided on the case meanwhile) is
    recorded as a conflict and told the case changed, never denied for what happened meanwhile —
    while anyone the rule would have refused then is denied as before."""
    if case.version == expected_version:
        access.check(by, action, case, purpose=purpose)
        return
    access.check_as_shown(
        by,
        action,
        case_as_shown(case, expected_version),
        purpose=purpose,
        changed=f"the case changed meanwhile (version {expected_version} shown, {case.version} now)",
    )
    raise StaleVersion()


@transaction.atomic
def case_activate(*, by: User, case_id, expected_version: int) -> Case:
    case = _locked_case(case_id)
    _decide_versioned(by, Action.UPDATE, case, expected_version, "activate the case")
    if case.status != CaseStatus.OPENED:
        raise DomainError(_("Only a newly opened case can be made active."))
    return _set_status(case, by=by, status=CaseStatus.ACTIVE)


@transaction.atomic
def case_close(*, by: User, case_id, expected_version: int, reason: str, text: str) -> Case:
    """Propose closing the case: it closes when the unit's supervisor approves (``case_close_decide``),
    never on its handler's word alone."""
    case = _locked_case(case_id)
    _decide_versioned(by, Action.UPDATE, case, expected_version, "close the case")
    if case.status == CaseStatus.CLOSING:
        raise DomainError(_("Closing the case already waits for the supervisor's approval."))
    if reason not in CloseReason.values:
        raise DomainError(_("Choose why the case is closed."))
    if reason == CloseReason.OTHER and not text.strip():
        raise DomainError(_("Describe the reason when you choose 'other reason'."))
    return _set_status(case, by=by, status=CaseStatus.CLOSING, reason=reason, text=text.strip())


def closing_proposal(case: Case) -> CaseStatusChange | None:
    """The handler's proposal to close the case, while it waits for approval."""
    if case.status != CaseStatus.CLOSING:
        return None
    return case.status_changes.filter(status=CaseStatus.CLOSING).order_by("-changed_at").first()


@transaction.atomic
def case_close_decide(*, by: User, case_id, expected_version: int, approve: bool, note: str) -> Case:
    """The supervisor approves closing (the case closes, with the proposal's reason) or refuses it
    with a reason (the case goes on). Never the one who proposed it."""
    case = _locked_case(case_id)
    _decide_versioned(by, Action.DECIDE, case, expected_version, "approve closing the case")
    proposal = closing_proposal(case)
    if approve:
        case.closed_at = timezone.now()
        case = _set_status(
            case, by=by, status=CaseStatus.CLOSED, reason=proposal.reason, text=proposal.reason_text or ""
        )
    else:
        if not note.strip():
            raise DomainError(_("Say why closing the case is refused."))
        case = _set_status(case, by=by, status=CaseStatus.ACTIVE, text=note.strip())
    case_closing_decided.send(sender=Case, case=case, by=by, approved=approve)
    return case


def _set_status(case: Case, *, by: User, status: str, reason: str = "", text: str = "") -> Case:
    case.status = status
    case.version += 1
    case.save(update_fields=["status", "closed_at", "version"])
    change = CaseStatusChange(
        case=case, person_id=case.person_id, status=status, reason=reason, changed_by=by, version=case.version
    )
    change.reason_text = text or None
    change.save()
    return case


@transaction.atomic
def case_reassign(*, by: User, case_id, expected_version: int, to_user: User) -> Case:
    case = _locked_case(case_id)
    _decide_versioned(by, Action.ASSIGN, case, expected_version, "reassign the case")
    if (
        to_user.organisation_id != case.owner_unit_id
        or not to_user.is_active
        or not to_user.has_role(*CASEWORK_ROLES)
    ):
        raise DomainError(_("Choose a social worker of the unit that owns the case."))
    previous = case.responsible
    if previous is not None and previous.pk == to_user.pk:
        raise DomainError(_("That social worker is already responsible for the case."))
    case.responsible = to_user
    case.version += 1
    case.save(update_fields=["responsible", "version"])
    if previous is not None:
        remove_perm("cases.view_case", previous, case)
    assign_perm("cases.view_case", to_user, case)
    CaseReassignment.objects.create(
        case=case, from_user=previous, to_user=to_user, by=by, version=case.version
    )
    return case


@transaction.atomic
def journal_add(*, by: User, case_id, category: str, text: str, corrects_id=None) -> JournalEntry:
    case = Case.objects.select_for_update().get(pk=case_id)
    access.check(by, Action.UPDATE, case, purpose="write in the journal")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write something in the entry."))
    corrects = None
    if corrects_id is not None:
        corrects = JournalEntry.objects.filter(pk=corrects_id, case=case).first()
        if corrects is None or not corrects.is_signed:
            raise DomainError(_("Only a signed entry of this case can be corrected."))
    entry = JournalEntry(case=case, person_id=case.person_id, category=category, author=by, corrects=corrects)
    entry.text = text
    entry.save()
    return entry


@transaction.atomic
def journal_sign(*, by: User, entry_id) -> JournalEntry:
    entry = JournalEntry.objects.select_for_update().select_related("case").get(pk=entry_id)
    access.check(by, Action.UPDATE, entry.case, purpose="sign a journal entry")
    if entry.is_signed:
        raise DomainError(_("The entry is already signed."))
    if entry.author_id != by.pk:
        raise DomainError(_("Only the author signs an entry."))
    entry.signed_at, entry.signed_by = timezone.now(), by
    entry.save(update_fields=["signed_at", "signed_by"])
    return entry


def people_with_number(*, number: str) -> list[Person]:
    """Every unit's record of the person with this number (erasure covers them all)."""
    canonical = pnr.normalise(number)
    return list(
        Person.objects.filter(**blind_index_lookup(Person, "personal_number_index", canonical))
        .select_related("organisation")
        .order_by("organisation__name")
    )


@transaction.atomic
def person_erase(*, person_id, reason: str, by: User | None = None) -> Person:
    """Erase one unit's record of a person for good (gallring, or an erasure the law requires): the
    blind index is cleared, the record is marked erased so that its cases leave every list and
    search, and the person's data key is destroyed, so that no ciphertext of theirs can ever be read
    again, here or in a backup. Anything that still meets a value shows a fixed placeholder."""
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.erased_at is not None:
        return person
    now = timezone.now()
    # Not through save(): the record's values can no longer be (and need not be) re-encrypted.
    Person.objects.bypassing_guard("erasure: the values cannot be re-encrypted").filter(pk=person.pk).update(
        erased_at=now, personal_number_index=None
    )
    crypto.shred_subject(person.pk)
    audit.record(
        action=Action.SHRED,
        actor=by,
        target=person,
        subject_id=person.pk,
        reason=f"person erased: {reason}"[:300],
    )
    person.erased_at, person.personal_number_index = now, None
    return person


# --- Hand-overs between units ------------------------------------------------------------------------

# The activity of the case the receiving unit opens, by the hand-over's purpose.
ACTIVITY_FOR_PURPOSE = {
    Purpose.DEFECTOR_PROGRAMME: Activity.DEFECTOR_PROGRAMME,
    Purpose.RELATIVE_SUPPORT: Activity.RELATIVE_SUPPORT,
    Purpose.INTERVENTION_GROUP: Activity.INTERVENTION_GROUP,
}


@transaction.atomic
def handover_send(
    *,
    by: User,
    case_id,
    to_unit_id: int | None,
    purpose: str,
    note: str,
    source: str = HandoverSource.CASE,
    refusal: str = "",
) -> Handover:
    """Send the person of a case to another unit. Decided first (the case's handlers send); then the
    receiving unit must be another active social-services unit that a consent for the purpose names,
    and nothing else may be waiting there. ``refusal``, if given, is the caller's own reason not to send
    (an intervention group refers only after a high threat), said only after the decision."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "owner_unit").get(pk=case_id)
    handover = Handover(
        person_id=case.person_id,
        source=source,
        from_case=case,
        from_unit_id=case.owner_unit_id,
        to_unit_id=to_unit_id,
        purpose=purpose,
        sent_by=by,
    )
    access.check(by, Action.CREATE, handover, purpose="send a hand-over")
    if refusal:
        raise DomainError(refusal)
    if purpose not in HANDOVER_PURPOSES:
        raise DomainError(_("Choose the purpose of the hand-over."))
    units = Organisation.objects.filter(is_active=True, kind__in=SOCIAL_SERVICES_KINDS)
    to_unit = units.filter(pk=to_unit_id).first()
    if to_unit is None or to_unit.pk == case.owner_unit_id:
        raise DomainError(_("Choose another social-services unit to hand over to."))
    decision = consent_policy.sharing_decision(
        person_id=case.person_id,
        category=None,
        recorded_by_id=None,
        viewer_org_id=to_unit.pk,
        purpose=purpose,
    )
    if not decision.allowed:
        raise DomainError(
            _("No consent for %(purpose)s names %(organisation)s: record the person's consent first.")
            % {"purpose": Purpose(purpose).label, "organisation": to_unit.name}
        )
    if Handover.objects.undecided().filter(from_case=case, to_unit=to_unit).exists():
        raise DomainError(
            _("A hand-over of this case to %(organisation)s is already waiting.")
            % {"organisation": to_unit.name}
        )
    handover.to_unit = to_unit
    handover.consent_ref = decision.ground.removeprefix("consent:") or None
    handover.note = note.strip() or None
    handover.save()
    return handover


def _decided(handover: Handover, by: User, status: str) -> None:
    handover.status, handover.decided_by, handover.decided_at = status, by, timezone.now()


def _locked_handover(handover_id) -> Handover:
    return (
        Handover.objects.select_for_update(of=("self",))
        .select_related("person", "from_case", "to_unit", "from_unit")
        .get(pk=handover_id)
    )


@transaction.atomic
def handover_accept(*, by: User, handover_id) -> Case:
    """The receiving unit accepts: it opens its own case of the person, carrying over the identity the
    hand-over names and, only where the consent covers identity and contact, the contact details and
    the address. The unit's own earlier record of the person is used if it has one; then the case gets
    a responsible social worker only if the one accepting already handles a case of the person (the
    rule of cases.access), otherwise the supervisor assigns it."""
    handover = _locked_handover(handover_id)
    access.check(by, Action.DECIDE, handover, purpose="accept a hand-over")
    if not handover.is_open:
        raise DomainError(_("The hand-over has been decided already."))
    unit = handover.to_unit
    sent = handover.person
    if handover.source == HandoverSource.POLICE_REQUEST:
        person, known = sent, Case.objects.filter(person=sent).exists()
    else:
        person = person_find(organisation=unit, number=sent.personal_number)
        known = person is not None
        if person is None:
            person = Person(organisation=unit, personal_number=sent.personal_number)
            person.given_names, person.surname = sent.given_names, sent.surname
            person.protected_identity = sent.protected_identity  # protection always travels
            contact_crosses = consent_policy.sharing_decision(
                person_id=sent.pk,
                category=InformationCategory.IDENTITY_CONTACT,
                recorded_by_id=None,
                viewer_org_id=unit.pk,
                purpose=handover.purpose,
            ).allowed
            person.contact = sent.contact if contact_crosses else {}
            person.address = sent.address if contact_crosses else {}
            person.save()
    handles = by.has_role(*CASEWORK_ROLES) and (not known or handles_a_case_of(by, person))
    case = Case.objects.create(
        person=person,
        owner_unit=unit,
        responsible=by if handles else None,
        activity=ACTIVITY_FOR_PURPOSE.get(handover.purpose, Activity.OTHER),
        milieu=handover.from_case.milieu if handover.from_case else Milieu.UNCLEAR,
    )
    CaseStatusChange.objects.create(
        case=case, person=person, status=CaseStatus.OPENED, changed_by=by, version=case.version
    )
    if handles:
        assign_perm("cases.view_case", by, case)
    _decided(handover, by, HandoverStatus.ACCEPTED)
    handover.accepted_case = case
    handover.save(update_fields=["status", "decided_by", "decided_at", "accepted_case"])
    return case


@transaction.atomic
def handover_decline(*, by: User, handover_id, reason: str) -> Handover:
    """The receiving unit declines, with a reason the sender sees."""
    handover = _locked_handover(handover_id)
    access.check(by, Action.DECIDE, handover, purpose="decline a hand-over")
    if not handover.is_open:
        raise DomainError(_("The hand-over has been decided already."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the hand-over is declined: the sender sees it."))
    _decided(handover, by, HandoverStatus.DECLINED)
    handover.decline_reason = reason.strip()
    handover.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    return handover


@transaction.atomic
def handover_withdraw(*, by: User, handover_id) -> Handover:
    """The sending side takes back a hand-over that is still undecided."""
    handover = _locked_handover(handover_id)
    access.check(by, Action.WITHDRAW, handover, purpose="withdraw a hand-over")
    if not handover.is_open:
        raise DomainError(_("The hand-over has been decided already."))
    _decided(handover, by, HandoverStatus.WITHDRAWN)
    handover.save(update_fields=["status", "decided_by", "decided_at"])
    return handover


# The protected-identity levels, from none to the strongest: a level is only ever raised here.
PROTECTION_ORDER = [
    ProtectedIdentity.NONE,
    ProtectedIdentity.SECRECY_MARKING,
    ProtectedIdentity.PROTECTED_REGISTRATION,
    ProtectedIdentity.FICTITIOUS_IDENTITY,
]


@transaction.atomic
def person_protect(*, by: User, case_id, level: str) -> Person:
    """Raise the protected-identity level of a case's person (placing someone in protected housing
    offers it). Decided as a change of the case; a level is never lowered here."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case_id)
    access.check(by, Action.UPDATE, case, purpose="set the protected-identity level")
    if level not in PROTECTION_ORDER:
        raise DomainError(_("Choose a protected-identity level."))
    person = case.person
    if PROTECTION_ORDER.index(level) > PROTECTION_ORDER.index(person.protected_identity):
        person.protected_identity = level
        person.save(update_fields=["protected_identity"])
    return person


@transaction.atomic
def handover_request_from_police(
    *, by: User, to_unit_id: int | None, number: str, given_names: str, surname: str, note: str, agreed: bool
) -> Handover:
    """BOPS or the police defector programme ask the defector programme to take a person on. The police
    keep no case here: the request becomes the programme's own record of the person (found by the
    blind index if the programme knows them already), and waits for its decision. The police state
    that the person agreed to be contacted; the programme records the consent itself. Decided first;
    the event names the person once they are known."""
    to_unit = Organisation.objects.filter(pk=to_unit_id, is_active=True).first()
    handover = Handover(
        source=HandoverSource.POLICE_REQUEST,
        from_unit_id=by.organisation_id,
        to_unit=to_unit,
        purpose=Purpose.DEFECTOR_PROGRAMME,
        sent_by=by,
    )
    if not access.decide(by, Action.CREATE, handover).allowed:
        access.check(by, Action.CREATE, handover, purpose="police request to the defector programme")
    if to_unit is None or to_unit.kind != OrganisationKind.DEFECTOR_PROGRAMME:
        raise DomainError(_("Choose the defector programme."))
    if not agreed:
        raise DomainError(_("The programme contacts only a person who has agreed to it."))
    if not (given_names or "").strip() or not (surname or "").strip():
        raise DomainError(_("Give the person's given names and surname."))
    try:
        canonical = pnr.normalise(number)
    except pnr.InvalidPersonalNumber as error:
        raise DomainError(error.message) from None
    person = person_find(organisation=to_unit, number=canonical)
    if person is None:
        person = Person(organisation=to_unit, personal_number=canonical)
        person.given_names, person.surname = given_names.strip(), surname.strip()
        person.contact, person.address = {}, {}
        person.save()
    handover.person = person
    access.check(by, Action.CREATE, handover, purpose="police request to the defector programme")
    if Handover.objects.undecided().filter(person=person, to_unit=to_unit).exists():
        raise DomainError(_("A request for this person is already waiting for the programme."))
    handover.note = (note or "").strip() or None
    handover.save()
    return handover


# --- VBE-team first contacts and reports of concern --------------------------------------------------


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
    if held_on is None or held_on > timezone.localdate():
        raise DomainError(_("Give the date of the meeting (not in the future)."))
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
        )
        CaseStatusChange.objects.create(
            case=case, person=child, status=CaseStatus.OPENED, changed_by=by, version=case.version
        )
        if handles:
            assign_perm("cases.view_case", by, case)
        report.child_case = case
    report.status = ConcernStatus.CASE_OPENED if open_case else ConcernStatus.NO_ACTION
    report.assessed_by, report.assessed_at = by, timezone.now()
    report.assessment_note = (note or "").strip() or None
    report.save(update_fields=["status", "assessed_by", "assessed_at", "assessment_note", "child_case"])
    return report
