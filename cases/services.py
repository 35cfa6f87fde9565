"""Every change to people, cases and journals. Each function is atomic, asks lotsa.access first, and
is recorded in the access log in the same transaction."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit import services as audit
from audit.models import Action
from cases import personal_number as pnr
from cases import queries
from cases.models import (
    AssignmentRequest,
    AssignmentRequestStatus,
    Case,
    CaseReassignment,
    CaseStatusChange,
    CaseVisit,
    JournalEntry,
    Person,
    PersonNameToken,
    ProtectionLowering,
    ProtectionLoweringStatus,
)
from cases.signals import case_closing_decided, person_erased
from cases.words import CaseStatus, CloseReason, ProtectedIdentity, TargetGroup, VisitedPage
from lotsa import access, crypto
from lotsa.crypto import blind_index_lookup
from lotsa.errors import Conflict, DomainError
from lotsa.vocabulary import InformationCategory


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


def youth_unit_ends_on(person: Person, unit) -> dt.date | None:
    """The day the district's child and youth unit's responsibility for ``person`` ends (the birthday
    after LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE), for a case ``unit`` opens while they are that young;
    None for another kind of unit, an older person or an unknown birth date."""
    age = person.age()
    if unit.kind != OrganisationKind.DISTRICT_ADMINISTRATION or age is None:
        return None
    if age > settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE:
        return None
    return pnr.birthday(person.birth_date, settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE + 1)


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
    case.youth_unit_ends_on = youth_unit_ends_on(person, by.organisation)
    if created_person:
        person.given_names = details.given_names
        person.surname = details.surname
        person.contact = details.contact
        person.address = details.address
        # Registered unprotected, then raised below (one decision of this unit, in every unit's record).
        person.protected_identity = ProtectedIdentity.NONE
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
    if created_person and case.person_id == person.pk:
        # A level registered with the new record is raised by this unit, in every unit's record; a
        # higher level another unit's record holds is this record's from the start.
        if _rank(details.protected_identity) > 0:
            _protection_raise(by=by, person=person, level=details.protected_identity)
            person.refresh_from_db()
        person_protection_inherit(by=by, person=person)
    return case


@transaction.atomic
def assignment_request_create(*, by: User, case_id, reason: str) -> AssignmentRequest:
    """Ask to be assigned to a case of a person the unit keeps and the user does not handle."""
    case = Case.objects.select_for_update().get(pk=case_id)
    request = AssignmentRequest(case=case, person_id=case.person_id, requested_by=by)
    access.check(by, Action.CREATE, request, purpose="ask to be assigned")
    if not (reason or "").strip():
        raise DomainError(_("Say why you need the case."))
    if AssignmentRequest.objects.filter(
        case=case, requested_by=by, status=AssignmentRequestStatus.PENDING
    ).exists():
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
    if request.status != AssignmentRequestStatus.PENDING:
        raise DomainError(_("The request has been decided already."))
    request.status = AssignmentRequestStatus.GRANTED if grant else AssignmentRequestStatus.REFUSED
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


class StaleDraft(Conflict):
    def __init__(self):
        super().__init__(
            _(
                "The draft was changed after this page showed it (in another window?). Nothing was "
                "saved: open the journal again to see the draft as it is now."
            )
        )


def _draft_of(by: User, entry: JournalEntry, expected_version: int, *, not_the_author: str) -> None:
    """What editing and deleting a draft both require, once the act is decided: its author, not
    signed, and as the page showed it."""
    if entry.author_id != by.pk:
        raise DomainError(not_the_author)
    if entry.is_signed:
        raise DomainError(
            _(
                "The entry is signed and can never be changed or deleted. Nothing was changed: "
                "correct it with a new entry instead."
            )
        )
    if entry.version != expected_version:
        raise StaleDraft()


def _locked_entry(entry_id, case_id) -> JournalEntry:
    return (
        JournalEntry.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=entry_id, case_id=case_id)
    )


@transaction.atomic
def journal_entry_edit(
    *, by: User, case_id, entry_id, expected_version: int, category: str, text: str
) -> JournalEntry:
    """The author changes their draft before signing it. Decided as a change of the entry (the
    case's rule), recorded in the access log; the change history (django-auditlog) keeps the
    category and the version, never the encrypted text."""
    entry = _locked_entry(entry_id, case_id)
    access.check(by, Action.UPDATE, entry, purpose="edit a journal draft")
    _draft_of(
        by,
        entry,
        expected_version,
        not_the_author=_("Only the author of a draft may edit it. Nothing was changed."),
    )
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write something in the entry."))
    if category not in InformationCategory.values:
        raise DomainError(_("Choose an information category."))
    if text == entry.text and category == entry.category:
        return entry  # nothing to change: nothing written, nothing to log but the decision
    entry.text, entry.category = text, category
    entry.version += 1
    entry.save(update_fields=["text", "category", "version"])
    return entry


@transaction.atomic
def journal_entry_delete(*, by: User, case_id, entry_id, expected_version: int) -> Case:
    """The author deletes their draft before signing it (a signed entry stays for ever). Decided as
    a deletion of the entry, recorded in the access log; the change history keeps that it was
    deleted, without its text. Returns the case the draft was in."""
    entry = _locked_entry(entry_id, case_id)
    access.check(by, Action.DELETE, entry, purpose="delete a journal draft")
    _draft_of(
        by,
        entry,
        expected_version,
        not_the_author=_("Only the author of a draft may delete it. Nothing was changed."),
    )
    case = entry.case
    entry.delete()
    return case


def people_with_number(*, number: str) -> list[Person]:
    """Every unit's record of the person with this number (erasure covers them all)."""
    canonical = pnr.normalise(number)
    index = blind_index_lookup(Person, "personal_number_index", canonical)["personal_number_index"]
    return list(
        queries.people_with_index(index=index).select_related("organisation").order_by("organisation__name")
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
    # The name index: its hashes are as good as the names to anyone who holds the index key.
    PersonNameToken.objects.filter(person_id=person.pk).delete()
    # Who last opened the person's cases, and when: gone with them (the access log keeps its own record).
    CaseVisit.objects.filter(case__person_id=person.pk).delete()
    # The plain dates a birth date could be read back from (the end of the child and youth unit's
    # responsibility here; a consent's day of majority, a group's band in their apps).
    Case.objects.bypassing_guard("erasure: dates derived from the birth date").filter(
        person_id=person.pk
    ).update(youth_unit_ends_on=None)
    person_erased.send(sender=Person, person_id=person.pk)
    audit.record(
        action=Action.SHRED,
        actor=by,
        target=person,
        subject_id=person.pk,
        reason=f"person erased: {reason}"[:300],
    )
    person.erased_at, person.personal_number_index = now, None
    return person


def case_visit_record(*, user: User, case: Case, page: str = VisitedPage.CASE):
    """Move the user's last visit of the case's page (or its group's page) to now, and return the one
    before it (None: no visit was kept), from which the page marks what is new (lotsa.news).

    Called by the page's selector only once its decision to show the page was allowed and recorded
    (a denial raises before), and before it reads what it shows, so that nothing written meanwhile is
    passed over. One read and one UPSERT; nothing is kept of an erased person's case."""
    if case.person.erased_at is not None:
        return None
    previous = (
        CaseVisit.objects.filter(user=user, case=case, page=page).values_list("seen_at", flat=True).first()
    )
    CaseVisit.objects.bulk_create(
        [CaseVisit(user=user, case=case, page=page, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "case", "page"],
        update_fields=["seen_at"],
    )
    return previous


# --- Protection follows the person --------------------------------------------------------------
# Each unit keeps its own record of a person, but a protected identity is the person's: raised in any
# unit, it is raised in every unit's record of the same person (found through the blind index, as
# erasure finds them), in the same transaction, each record changed with its own access event and its
# change history. It is lowered only by the unit that raised it, with a reason, when that unit's
# supervisor approves; and then only in the records that same decision raised.

# The protected-identity levels, from none to the strongest.
PROTECTION_ORDER = [
    ProtectedIdentity.NONE,
    ProtectedIdentity.SECRECY_MARKING,
    ProtectedIdentity.PROTECTED_REGISTRATION,
    ProtectedIdentity.FICTITIOUS_IDENTITY,
]

# The access log's reasons for a record changed because of another unit's decision.
RAISED_ELSEWHERE = "protection raised by another unit"
LOWERED_BY_RAISING_UNIT = "protection lowered by the unit that raised it"

_PROTECTION_FIELDS = [
    "protected_identity",
    "protection_raised_by",
    "protection_raised_at",
    "protection_decision",
    "protection_level_before",
    "protection_lowered_at",
]


def _rank(level: str) -> int:
    return PROTECTION_ORDER.index(level) if level in PROTECTION_ORDER else 0


def _records_of_same_person_locked(person: Person) -> list[Person]:
    """Every unit's record of this person, this one included, locked for the transaction (found by
    ``queries.records_of_same_person``, through the blind index the record holds: nothing decrypted). A
    record without a number is only itself; an erased one holds nothing to protect."""
    if person.erased_at is not None:
        return []
    if not person.personal_number_index:
        return [Person.objects.select_for_update().get(pk=person.pk)]
    ids = queries.records_of_same_person(person_id=person.pk).values_list("pk", flat=True)
    return list(Person.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))


def _record_changed_elsewhere(*, record: Person, reason: str) -> None:
    """A record changed by another record's decision: its own access event, naming its person, with
    Lotsa as its actor (``audit.services.SYSTEM``): the decision's own event, on the deciding unit's
    record, names who decided, and the records share the decision's id (``protection_decision``), so
    an auditor of the whole log can follow it; the record's own readers do not learn which board
    raised it."""
    audit.record(
        action=Action.UPDATE,
        actor=audit.SYSTEM,
        target=record,
        subject_id=record.pk,
        purpose="set the protected-identity level",
        reason=reason,
    )


def _protection_raise(*, by: User, person: Person, level: str) -> list[Person]:
    """Raise ``level`` in every unit's record of ``person`` that holds a lower one, as one decision of
    ``by``'s unit. The caller has decided the raise on ``person``'s record (and recorded it); every
    other record changed gets its own event. Returns the records raised."""
    decision, now = uuid.uuid4(), timezone.now()
    raised = []
    for record in _records_of_same_person_locked(person):
        if _rank(level) <= _rank(record.protected_identity):
            continue
        record.protection_level_before = record.protected_identity
        record.protected_identity = level
        record.protection_raised_by_id = by.organisation_id
        record.protection_raised_at = now
        record.protection_decision = decision
        record.protection_lowered_at = None
        record.save(update_fields=_PROTECTION_FIELDS)
        if record.pk != person.pk:
            _record_changed_elsewhere(record=record, reason=RAISED_ELSEWHERE)
        raised.append(record)
    return raised


def person_protection_inherit(*, by: User, person: Person) -> Person:
    """A unit's new record of a person holds from the start the highest level any other unit's record
    of them holds, as raised by the same decision (so that lowering it lowers this one too). Called by
    every service that creates a record of a person (opening a case, accepting a hand-over, a police
    request, a report of concern), after the record is saved."""
    others = [record for record in _records_of_same_person_locked(person) if record.pk != person.pk]
    strongest = max(others, key=lambda record: _rank(record.protected_identity), default=None)
    if strongest is None or _rank(strongest.protected_identity) <= _rank(person.protected_identity):
        return person
    person.protection_level_before = person.protected_identity
    person.protected_identity = strongest.protected_identity
    person.protection_raised_by_id = strongest.protection_raised_by_id
    person.protection_raised_at = strongest.protection_raised_at
    person.protection_decision = strongest.protection_decision
    person.protection_lowered_at = None
    person.save(update_fields=_PROTECTION_FIELDS)
    _record_changed_elsewhere(record=person, reason=RAISED_ELSEWHERE)
    return person


@transaction.atomic
def person_protect(*, by: User, case_id, level: str) -> Person:
    """Raise the protected-identity level of a case's person (placing someone in protected housing
    offers it), in every unit's record of the person. Decided as a change of the case; a level is
    never lowered here (``protection_lowering_request``)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case_id)
    access.check(by, Action.UPDATE, case, purpose="set the protected-identity level")
    if level not in PROTECTION_ORDER:
        raise DomainError(_("Choose a protected-identity level."))
    person = case.person
    if _rank(level) > _rank(person.protected_identity):
        _protection_raise(by=by, person=person, level=level)
        person.refresh_from_db()
    return person


def protection_lowering_pending(person_id) -> ProtectionLowering | None:
    """The request to lower the person's level that waits for approval, if any (found, not shown)."""
    return (
        ProtectionLowering.objects.filter(person_id=person_id, status=ProtectionLoweringStatus.PENDING)
        .select_related("requested_by")
        .first()
    )


@transaction.atomic
def protection_lowering_request(*, by: User, case_id, level: str, reason: str) -> ProtectionLowering:
    """A handler of the unit that raised the protection asks to lower it, with a reason. Nothing is
    lowered until the unit's supervisor approves (``protection_lowering_decide``)."""
    case = Case.objects.select_related("person").get(pk=case_id)
    person = Person.objects.select_for_update().get(pk=case.person_id)
    case.person = person
    lowering = ProtectionLowering(
        case=case, person=person, decision=person.protection_decision or uuid.uuid4(), requested_by=by
    )
    access.check(by, Action.CREATE, lowering, purpose="lower the protected-identity level")
    if person.protection_decision is None or not person.is_protected:
        raise DomainError(_("The person's identity is not protected by a decision of your unit."))
    if level not in PROTECTION_ORDER or _rank(level) >= _rank(person.protected_identity):
        raise DomainError(_("Choose a level below the present one."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the protection is lowered."))
    if protection_lowering_pending(person.pk) is not None:
        raise DomainError(_("A request to lower the protection already waits for approval."))
    lowering.level = level
    lowering.reason = reason.strip()
    lowering.save()
    return lowering


@transaction.atomic
def protection_lowering_decide(*, by: User, lowering_id, approve: bool, note: str = "") -> ProtectionLowering:
    """The supervisor of the unit that raised the protection approves (the level is lowered in every
    unit's record the same decision raised, never below the level a record had before it) or refuses
    with a reason. Never the one who asked."""
    lowering = (
        ProtectionLowering.objects.select_for_update(of=("self",))
        .select_related("case", "person")
        .get(pk=lowering_id)
    )
    access.check(
        by,
        Action.DECIDE,
        lowering,
        purpose="approve lowering the protection" if approve else "refuse lowering the protection",
    )
    now = timezone.now()
    if not approve:
        if not (note or "").strip():
            raise DomainError(_("Say why lowering the protection is refused."))
        lowering.note = note.strip()
    elif (
        Person.objects.select_for_update().get(pk=lowering.person_id).protection_decision != lowering.decision
    ):
        raise DomainError(_("The protection was raised again since the request: ask again."))
    else:
        records = Person.objects.select_for_update().filter(
            protection_decision=lowering.decision, erased_at__isnull=True
        )
        for record in records.order_by("pk"):
            before = record.protection_level_before or ProtectedIdentity.NONE
            level = max(lowering.level, before, key=_rank)
            record.protected_identity = level
            record.protection_lowered_at = now
            if level == before:  # nothing of the decision remains in this record
                record.protection_raised_by = None
                record.protection_raised_at = None
                record.protection_decision = None
                record.protection_level_before = ""
            record.save(update_fields=_PROTECTION_FIELDS)
            if record.pk != lowering.person_id:
                _record_changed_elsewhere(record=record, reason=LOWERED_BY_RAISING_UNIT)
    lowering.status = ProtectionLoweringStatus.APPROVED if approve else ProtectionLoweringStatus.REFUSED
    lowering.decided_by, lowering.decided_at = by, now
    lowering.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return lowering
