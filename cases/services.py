"""Every change to people, cases and journals. Each function is atomic, asks lotsa.access first, and
is recorded in the access log in the same transaction."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit import services as audit
from audit.models import Action
from cases import access as case_access
from cases import duplicates, queries
from cases import personal_number as pnr
from cases import reserve_identity as reserve
from cases.models import (
    AssignmentRequest,
    AssignmentRequestStatus,
    Case,
    CaseReassignment,
    CaseStatusChange,
    CaseVisit,
    JournalEntry,
    Person,
    PersonDistinction,
    PersonMerge,
    PersonMergeStatus,
    PersonNameToken,
    ProtectionLowering,
    ProtectionLoweringStatus,
)
from cases.signals import case_closing_decided, person_birth_date_corrected, person_erased
from cases.words import (
    CHANGEABLE_ACTIVITIES,
    CaseStatus,
    CloseReason,
    ProtectedIdentity,
    TargetGroup,
    VisitedPage,
)
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
    # For a person recorded without a number: the birth date and how well it is known.
    birth_date: dt.date | None = None
    birth_date_precision: str = ""


def person_find(*, organisation, number: str) -> Person | None:
    """The unit's record of the person with this personal identity number, through the blind index."""
    return (
        Person.objects.filter(organisation=organisation)
        .filter(**blind_index_lookup(Person, "personal_number_index", number))
        .first()
    )


def person_find_by_reserve_identity(*, organisation, identity: str) -> Person | None:
    """The unit's record of the person with this reserve identity, through its blind index; for the
    identity of a record merged into another that kept its own, that other record."""
    return surviving_record(
        Person.objects.filter(organisation=organisation)
        .filter(**blind_index_lookup(Person, "reserve_identity_index", identity))
        .first()
    )


def surviving_record(person: Person | None) -> Person | None:
    """The record a merged record was merged into (merges re-point ``merged_into`` too, so it is never
    a chain); any other record as it is."""
    if person is not None and person.merged_into_id is not None:
        return Person.objects.get(pk=person.merged_into_id)
    return person


def _new_reserve_identity(organisation) -> str:
    """A reserve identity no record of the unit has (five random digits a year: a clash is rare, and
    one is simply drawn again)."""
    for _attempt in range(50):
        identity = reserve.generate()
        if person_find_by_reserve_identity(organisation=organisation, identity=identity) is None:
            return identity
    raise DomainError(_("Lotsa could not issue a reserve identity. Nothing was saved: try again."))


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
    reserve_identity: str = "",
) -> Case:
    """Open a case in the user's own unit. A person the unit does not know yet gets a new record; a
    person it knows gets a new case only from someone who already handles one of theirs (the policy
    refuses anyone else, who asks to be assigned or uses emergency access instead).

    A person without a Swedish number (``number`` empty) is found by, or recorded with, a reserve
    identity: the one typed (``reserve_identity``), or a new one; with the birth date in ``details``."""
    generated = False
    if number:
        canonical = pnr.normalise(number)
        find = lambda: person_find(organisation=by.organisation, number=canonical)  # noqa: E731
        identity = {"personal_number": canonical}
    else:
        if details.birth_date is None:
            raise DomainError(
                _("Write the birth date of a person without a Swedish number (the year at least).")
            )
        typed = reserve.normalise(reserve_identity) if reserve_identity else ""
        generated = not typed
        canonical = typed or _new_reserve_identity(by.organisation)
        find = lambda: person_find_by_reserve_identity(organisation=by.organisation, identity=canonical)  # noqa: E731
        identity = {
            "reserve_identity": canonical,
            "recorded_birth_date": details.birth_date,
            "birth_date_precision": details.birth_date_precision or reserve.BirthDatePrecision.EXACT,
        }
    person = find()
    created_person = person is None
    if created_person:
        person = Person(organisation=by.organisation, **identity)
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
            if generated:  # a reserve identity drawn at the same moment by a colleague: not this person
                raise DomainError(
                    _("Lotsa could not issue a reserve identity. Nothing was saved: try again.")
                ) from None
            # A colleague created the unit's record of the person at the same moment: that record is
            # theirs now, and the same rule decides again whether this user may attach a case to it.
            case.person = find()
            access.check(by, Action.CREATE, case, purpose="open a case")
    case.save()
    case_status_change_record(case=case, by=by, status=CaseStatus.OPENED)
    case_access.assignment_grant(by, case)
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
        case_access.assignment_grant(request.requested_by, request.case)
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
    # closed_at is set only on closing (an indicator reads it; a status is no input of one).
    closing = ["closed_at"] if status == CaseStatus.CLOSED else []
    case.save(update_fields=["status", *closing, "version"])
    case_status_change_record(case=case, by=by, status=status, reason=reason, text=text)
    return case


def case_status_change_record(
    *, case: Case, by: User, status: str, reason: str = "", text: str = ""
) -> CaseStatusChange:
    """The one place a change of a case's status (its opening too) is written, at the case's version,
    with its reason; the case's latest activity moves to it. Internal: called by the services that
    decided the change, inside their transaction."""
    change = CaseStatusChange(
        case=case, person_id=case.person_id, status=status, reason=reason, changed_by=by, version=case.version
    )
    change.reason_text = text or None
    change.save()
    case_latest_activity_move(case=case, at=change.changed_at)
    return change


_LATEST_ACTIVITY = "the latest activity: a timestamp of the case's own rows, nothing encrypted, no history"


def case_latest_activity_move(*, case: Case, at: dt.datetime) -> None:
    """A row the latest activity is made of (cases.queries.LATEST_ACTIVITY_SOURCES) was written at
    ``at``: the case's latest activity moves to it, never back. The database compares, on the row as it
    is when the update runs, so of two writers at once the later time stays. Not a change of the case:
    its version (the optimistic lock of its pages' forms) and its change history are left alone."""
    Case.objects.bypassing_guard(_LATEST_ACTIVITY).filter(pk=case.pk).update(
        latest_activity=Greatest(F("latest_activity"), Value(at))
    )
    if "latest_activity" not in case.get_deferred_fields():
        case.latest_activity = max(case.latest_activity, at)


def case_latest_activity_recount(*, case_ids) -> None:
    """The latest activity of these cases computed again from their rows: after a row it was made of
    went (a deleted draft) or had its time written over (the demo's history)."""
    Case.objects.bypassing_guard(_LATEST_ACTIVITY).filter(pk__in=list(case_ids)).update(
        latest_activity=queries.latest_activity_computed()
    )


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
        case_access.assignment_revoke(previous, case)
    case_access.assignment_grant(to_user, case)
    CaseReassignment.objects.create(
        case=case, from_user=previous, to_user=to_user, by=by, version=case.version
    )
    return case


@transaction.atomic
def case_activity_change(*, by: User, case_id, expected_version: int, activity: str) -> Case:
    """The handler of a case a hand-over opened sets what the unit does in it, when the activity the
    hand-over's route gave it (cases.handovers.models.ROUTES) is not what the unit goes on with.
    Decided as a change of the case, under optimistic locking; the change history keeps the old and
    the new activity."""
    case = _locked_case(case_id)
    _decide_versioned(by, Action.UPDATE, case, expected_version, "change the activity")
    if not case.handovers_accepted.exists() or case.activity not in CHANGEABLE_ACTIVITIES:
        raise DomainError(_("Only the activity of a case a hand-over opened can be changed here."))
    if activity not in CHANGEABLE_ACTIVITIES:
        raise DomainError(_("Choose an activity."))
    if activity == case.activity:
        raise DomainError(_("The case already has that activity."))
    case.activity = activity
    case.version += 1
    case.save(update_fields=["activity", "version"])
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
    case_latest_activity_move(case=case, at=entry.created_at)
    return entry


@transaction.atomic
def journal_sign(*, by: User, entry_id, expected_version: int) -> JournalEntry:
    """The author signs their draft as the page showed it (``expected_version``): a draft edited
    after the confirmation page was shown is not signed unseen. Decided as a change of the entry (its
    policy: only its author), recorded in the access log."""
    entry = JournalEntry.objects.select_for_update(of=("self",)).select_related("case").get(pk=entry_id)
    access.check(by, Action.UPDATE, entry, purpose="sign a journal entry")
    if entry.is_signed:
        raise DomainError(_("The entry is already signed."))
    if entry.version != expected_version:
        raise StaleDraft(
            _(
                "The draft was changed after this page showed it (in another window?). Nothing was "
                "signed: open the journal again to read the draft as it is now, then sign it."
            )
        )
    entry.signed_at, entry.signed_by = timezone.now(), by
    entry.save(update_fields=["signed_at", "signed_by"])
    return entry


class StaleDraft(Conflict):
    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "The draft was changed after this page showed it (in another window?). Nothing was "
                "saved: open the journal again to see the draft as it is now."
            )
        )


def _draft_of(entry: JournalEntry, expected_version: int) -> None:
    """What editing and deleting a draft both require, once the act is decided (the entry's policy:
    only its author): not signed, and as the page showed it."""
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
    _draft_of(entry, expected_version)
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
    _draft_of(entry, expected_version)
    case = entry.case
    entry.delete()
    case_latest_activity_recount(case_ids=[case.pk])  # the draft may have been the newest
    case.refresh_from_db(fields=["latest_activity"])
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
        erased_at=now, personal_number_index=None, reserve_identity_index=None
    )
    # A record merged into this one may keep the blind index of its own reserve identity (to lead to
    # this record); erased, nothing leads here any more.
    Person.objects.bypassing_guard("erasure: what led to the erased record").filter(
        merged_into=person.pk
    ).update(reserve_identity_index=None)
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
    person.erased_at, person.personal_number_index, person.reserve_identity_index = now, None, None
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
    "protection_overtaken",
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


def _overtake(record: Person) -> None:
    """A later raise takes over ``record``: the raise in force in it (if any) is kept, to be in force
    again when the later one is lowered back to the level it found (``_back_to_overtaken``)."""
    if record.protection_decision is None:
        return
    record.protection_overtaken = [
        *record.protection_overtaken,
        {
            "raised_by": record.protection_raised_by_id,
            "raised_at": record.protection_raised_at.isoformat() if record.protection_raised_at else None,
            "decision": str(record.protection_decision),
            "level_before": record.protection_level_before,
        },
    ]


def _back_to_overtaken(record: Person) -> None:
    """Nothing of the raise in force remains in ``record`` (lowered back to the level it found): the
    raise it overtook is in force again, with its unit, its decision and the level it found — so that
    unit, and only it, can lower it in turn; with none, the record holds no raise."""
    earlier = record.protection_overtaken[-1] if record.protection_overtaken else None
    record.protection_overtaken = record.protection_overtaken[:-1]
    record.protection_raised_by_id = earlier["raised_by"] if earlier else None
    record.protection_raised_at = (
        dt.datetime.fromisoformat(earlier["raised_at"]) if earlier and earlier["raised_at"] else None
    )
    record.protection_decision = uuid.UUID(earlier["decision"]) if earlier else None
    record.protection_level_before = earlier["level_before"] if earlier else ""


def _protection_raise(*, by: User, person: Person, level: str) -> list[Person]:
    """Raise ``level`` in every unit's record of ``person`` that holds a lower one, as one decision of
    ``by``'s unit. The caller has decided the raise on ``person``'s record (and recorded it); every
    other record changed gets its own event. Returns the records raised."""
    decision, now = uuid.uuid4(), timezone.now()
    raised = []
    for record in _records_of_same_person_locked(person):
        if _rank(level) <= _rank(record.protected_identity):
            continue
        _overtake(record)
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
    _overtake(person)
    person.protection_level_before = person.protected_identity
    person.protected_identity = strongest.protected_identity
    person.protection_raised_by_id = strongest.protection_raised_by_id
    person.protection_raised_at = strongest.protection_raised_at
    person.protection_decision = strongest.protection_decision
    person.protection_lowered_at = None
    person.save(update_fields=_PROTECTION_FIELDS)
    _record_changed_elsewhere(record=person, reason=RAISED_ELSEWHERE)
    return person


def _protection_spread(person: Person) -> None:
    """The raise in force in ``person``'s record reaches every other unit's record of the person that
    holds a lower level, as the same decision (so that the raising unit lowering it lowers them too):
    for a record that newly holds a number (the merge), whose raise the others have not yet had."""
    if person.protection_decision is None or _rank(person.protected_identity) == 0:
        return
    for record in _records_of_same_person_locked(person):
        if record.pk == person.pk or _rank(record.protected_identity) >= _rank(person.protected_identity):
            continue
        _overtake(record)
        record.protection_level_before = record.protected_identity
        record.protected_identity = person.protected_identity
        record.protection_raised_by_id = person.protection_raised_by_id
        record.protection_raised_at = person.protection_raised_at
        record.protection_decision = person.protection_decision
        record.protection_lowered_at = None
        record.save(update_fields=_PROTECTION_FIELDS)
        _record_changed_elsewhere(record=record, reason=RAISED_ELSEWHERE)


def _protection_follows_the_number(*, by: User, person: Person) -> None:
    """A record that now holds the person's number is one of their records across units: it holds the
    strongest protection any of them holds, and a stronger raise of its own reaches all of them.
    Nothing is lowered anywhere."""
    person_protection_inherit(by=by, person=person)
    _protection_spread(person)


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
    return queries.lowerings_pending(person_id).select_related("requested_by").first()


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
        lowered = list(records.order_by("pk"))
        for record in lowered:
            before = record.protection_level_before or ProtectedIdentity.NONE
            level = max(lowering.level, before, key=_rank)
            record.protected_identity = level
            record.protection_lowered_at = now
            if level == before:  # nothing of the decision remains in this record
                _back_to_overtaken(record)
            record.save(update_fields=_PROTECTION_FIELDS)
            if record.pk != lowering.person_id:
                _record_changed_elsewhere(record=record, reason=LOWERED_BY_RAISING_UNIT)
        # A record the lowered raise reached after it had overtaken another (one opened since) holds
        # no earlier raise of its own: it takes again the strongest raise the others are left with.
        for record in lowered:
            if record.protection_decision is None:
                person_protection_inherit(by=by, person=record)
    lowering.status = ProtectionLoweringStatus.APPROVED if approve else ProtectionLoweringStatus.REFUSED
    lowering.decided_by, lowering.decided_at = by, now
    lowering.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return lowering


# --- Merging a record made without a number into the person's record (four eyes) ------------------


_NOT_MERGED = _("The records could not be merged. Nothing was changed.")
_BOTH_WAITING = _("Both records have a request waiting for a decision: decide it first, then merge.")


def person_merge_pending(person_id) -> PersonMerge | None:
    """The request to merge the person's record that waits for approval, if any (found, not shown):
    asked from one of its cases, or naming it as the other record of the same person."""
    return queries.merges_pending(person_id).select_related("requested_by").first()


@transaction.atomic
def person_merge_request(*, by: User, case_id, number: str = "", reason: str, other_id=None) -> PersonMerge:
    """A handler of one of the person's cases asks to give a person recorded without a number their
    real personal identity (or coordination) number, saying how it became known; or (``other_id``) to
    merge the person's record with another record of the unit that is the same person entered twice
    (cases/duplicates.py), which the handler may see, saying why they are one. Nothing changes until
    the unit's supervisor approves (``person_merge_decide``)."""
    case = Case.objects.select_related("person").get(pk=case_id)
    other = _other_record(case, other_id) if other_id is not None else None
    locked = [case.person_id] if other is None else sorted([case.person_id, other.pk])
    people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=locked).order_by("pk")}
    person = case.person = people[case.person_id]
    if other is not None:
        other = people[other.pk]
        return _duplicate_merge_request(by=by, case=case, other=other, reason=reason)
    merge = PersonMerge(case=case, person=person, requested_by=by)
    access.check(by, Action.CREATE, merge, purpose="merge a record with the person's number")
    if person.personal_number:
        raise DomainError(_("The person already has a personal identity number."))
    try:
        canonical = pnr.normalise(number)
    except pnr.InvalidPersonalNumber as error:
        raise DomainError(error.message) from None
    if not (reason or "").strip():
        raise DomainError(_("Say how the personal identity number became known."))
    if person_merge_pending(person.pk) is not None:
        raise DomainError(_("A request to merge this record already waits for approval."))
    merge.number = canonical
    merge.reason = reason.strip()
    merge.save()
    return merge


def _other_record(case: Case, other_id) -> Person:
    """The other record a two-record act names: a record of the case's unit (the views answer 404 to
    any other id before calling; this says the same words whether an id names another unit's record
    or nothing)."""
    other = duplicates.other_record_of_unit(case, other_id)
    if other is None:
        raise DomainError(_("Your unit keeps no such record."))
    return other


def _duplicate_merge_request(*, by: User, case: Case, other: Person, reason: str) -> PersonMerge:
    person = case.person
    merge = PersonMerge(case=case, person=person, other=other, requested_by=by)
    access.check(by, Action.CREATE, merge, purpose=MERGE_DUPLICATES, naming=[other.pk])
    if person.personal_number and other.personal_number:
        raise DomainError(_("Both records hold a personal identity number: they are two people to Lotsa."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the two records are the same person."))
    if person_merge_pending(person.pk) is not None or person_merge_pending(other.pk) is not None:
        raise DomainError(_("A request to merge this record already waits for approval."))
    merge.reason = reason.strip()
    merge.number = ""
    merge.save()
    return merge


# The purpose of asking to merge two records of the unit that are the same person entered twice.
MERGE_DUPLICATES = "merge two records of the same person"


@transaction.atomic
def person_not_same_mark(*, by: User, case_id, other_id) -> PersonDistinction:
    """A handler marks the case's person and another record of the unit flagged as possibly the same
    person (cases/duplicates.py) as two people, so that the pair is not flagged again. One decision,
    one event naming both; marking a pair twice records the act again and keeps the first mark."""
    case = Case.objects.select_related("person").get(pk=case_id)
    other = _other_record(case, other_id)
    mark = PersonDistinction(case=case, person=case.person, other=other, marked_by=by)
    access.check(
        by, Action.CREATE, mark, purpose="mark two records as not the same person", naming=[other.pk]
    )
    earlier = PersonDistinction.objects.filter(
        models.Q(person=case.person, other=other) | models.Q(person=other, other=case.person)
    ).first()
    if earlier is not None:
        return earlier
    mark.save()
    return mark


@transaction.atomic
def person_merge_decide(*, by: User, merge_id, approve: bool, note: str = "") -> PersonMerge:
    """The unit's supervisor approves or refuses (with a reason) a request to merge, never the one who
    asked. Approved: if the unit keeps a record with the number, the record made without it is merged
    into that one (``person_merge``); if not, the record takes the number. One decision, one event,
    naming both records."""
    merge = (
        PersonMerge.objects.select_for_update(of=("self",))
        .select_related("case", "person", "other")
        .get(pk=merge_id)
    )
    if merge.other_id is not None:
        return _duplicate_merge_decide(by=by, merge=merge, approve=approve, note=note)
    survivor = person_find(organisation=merge.person.organisation_id, number=merge.number)
    survivor = None if survivor is None or survivor.pk == merge.person_id else survivor
    access.check(
        by,
        Action.DECIDE,
        merge,
        purpose="approve merging records of a person" if approve else "refuse merging records of a person",
        naming=[survivor.pk] if survivor is not None else [],
    )
    now = timezone.now()
    if not approve:
        if not (note or "").strip():
            raise DomainError(_("Say why merging the records is refused."))
        merge.note = note.strip()
        merge.status = PersonMergeStatus.REFUSED
    elif survivor is not None:
        absorbed_id = merge.person_id
        person_merge(absorbed=merge.person, into=survivor)
        merge = PersonMerge.objects.select_related("case", "person").get(pk=merge.pk)  # moved with the rest
        merge.absorbed_id = absorbed_id
        merge.status = PersonMergeStatus.APPROVED
        _protection_follows_the_number(by=by, person=Person.objects.get(pk=merge.person_id))
    else:
        person = Person.objects.select_for_update().get(pk=merge.person_id)
        person.personal_number = merge.number
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise DomainError(_NOT_MERGED) from None
        merge.status = PersonMergeStatus.APPROVED
        _protection_follows_the_number(by=by, person=person)
    merge.decided_by, merge.decided_at = by, now
    merge.save(update_fields=["status", "decided_by", "decided_at", "note", "absorbed"])
    if merge.status == PersonMergeStatus.APPROVED:
        _birth_date_corrected(Person.objects.get(pk=merge.person_id))
    return merge


def _duplicate_merge_decide(*, by: User, merge: PersonMerge, approve: bool, note: str) -> PersonMerge:
    """The decision on merging two records of the unit (``merge.other``): the survivor is the record
    with a number, else the older (cases.duplicates.survivor_of); the merge itself is ``person_merge``,
    as for a number that became known. One decision, one event naming both records."""
    asked_from, other = merge.person, merge.other
    survivor, absorbed = duplicates.survivor_of(asked_from, other)
    access.check(
        by,
        Action.DECIDE,
        merge,
        purpose="approve merging records of a person" if approve else "refuse merging records of a person",
        naming=[other.pk],
    )
    now = timezone.now()
    if not approve:
        if not (note or "").strip():
            raise DomainError(_("Say why merging the records is refused."))
        merge.note = note.strip()
        merge.status = PersonMergeStatus.REFUSED
    else:
        if asked_from.erased_at or other.erased_at:
            raise DomainError(_NOT_MERGED)
        if asked_from.personal_number and other.personal_number:  # one took a number since the request
            raise DomainError(
                _("Both records hold a personal identity number: they are two people to Lotsa.")
            )
        absorbed_id = absorbed.pk
        person_merge(absorbed=absorbed, into=survivor)
        merge = PersonMerge.objects.select_related("case", "person").get(pk=merge.pk)  # moved with the rest
        merge.absorbed_id, merge.other_id = absorbed_id, other.pk
        merge.status = PersonMergeStatus.APPROVED
        _protection_follows_the_number(by=by, person=Person.objects.get(pk=survivor.pk))
    merge.decided_by, merge.decided_at = by, now
    merge.save(update_fields=["status", "decided_by", "decided_at", "note", "absorbed", "other"])
    if merge.status == PersonMergeStatus.APPROVED:
        _birth_date_corrected(Person.objects.get(pk=merge.person_id))
    return merge


def _birth_date_corrected(person: Person) -> None:
    """The record now holds the person's real number, so its birth date is known for certain: its open
    cases' end of the child and youth unit's responsibility, and (through the signal) the other apps'
    dates derived from the birth date, follow it."""
    for case in Case.objects.filter(person_id=person.pk).exclude(status=CaseStatus.CLOSED):
        ends = youth_unit_ends_on(person, case.owner_unit)
        if ends != case.youth_unit_ends_on:
            Case.objects.bypassing_guard("merge: a date derived from the birth date").filter(
                pk=case.pk
            ).update(youth_unit_ends_on=ends)
    person_birth_date_corrected.send(sender=Person, person_id=person.pk, born=person.birth_date)


def _rows_pointing_at(person_id):
    """Every foreign key to a person, of every model (found from the models, so that a model added
    later is merged too): (model, field) pairs, and whether the field is the one whose person's key
    encrypts the row."""
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        model, field = relation.related_model, relation.field
        subject_field = getattr(model, "encryption_subject_field", None)
        yield model, field, subject_field == field.attname


def _merging(person_id) -> None:
    """On PostgreSQL, tell the trigger that keeps signed journal entries final that the absorbed
    record's entries may move (cases/migrations/0024): for this transaction only, only them, and only to
    the record it is marked merged into."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lotsa.merging_person', %s, true)", [str(person_id or "")])


def _waiting_on_both(absorbed: Person, into: Person) -> bool:
    """Whether both records have a row that only one record of a person may have at a time (a
    request waiting for a decision: a unique constraint on the person, with a condition)."""
    for model, field, _encrypted in _rows_pointing_at(absorbed.pk):
        for constraint in model._meta.constraints:
            if not (
                isinstance(constraint, models.UniqueConstraint)
                and constraint.condition is not None
                and list(constraint.fields) == [field.name]
            ):
                continue
            waiting = model._base_manager.filter(
                constraint.condition, **{f"{field.attname}__in": [absorbed.pk, into.pk]}
            )
            if waiting.values(field.attname).distinct().count() == 2:
                return True
    return False


def _repoint(*, absorbed: Person, into: Person) -> None:
    """Every row of every model that points at ``absorbed`` points at ``into``; a row whose fields were
    under ``absorbed``'s data key is encrypted again under ``into``'s."""
    for model, field, encrypted_under_it in _rows_pointing_at(absorbed.pk):
        rows = model._base_manager.filter(**{field.name: absorbed.pk})
        if not encrypted_under_it:
            rows.update(**{field.attname: into.pk})
            continue
        names = crypto.encrypted_fields(model)
        for row in rows.order_by("pk"):
            values = {name: getattr(row, name) for name in names}  # decrypted under absorbed's key
            setattr(row, field.attname, into.pk)
            for name, value in values.items():
                setattr(row, name, value)  # encrypted again, under into's key, on the way out
            ciphertexts = {
                model._meta.get_field(name).attname: model._meta.get_field(name).pre_save(row, False)
                for name in names
            }
            model._base_manager.filter(pk=row.pk).update(**{field.attname: into.pk}, **ciphertexts)


_PRECISION_RANK = {
    reserve.BirthDatePrecision.YEAR: 0,
    reserve.BirthDatePrecision.APPROXIMATE: 1,
    reserve.BirthDatePrecision.EXACT: 2,
}


def _more_precise(record: Person, *, than: Person) -> bool:
    """Whether ``record`` knows the birth date better than ``than`` (a number knows it exactly)."""

    def rank(person):
        if person.personal_number:
            return 3
        if person.recorded_birth_date is None:
            return -1
        return _PRECISION_RANK.get(person.birth_date_precision, 2)

    return rank(record) > rank(than)


def person_merge(*, absorbed: Person, into: Person) -> Person:
    """Merge ``absorbed`` (a record made without a number) into ``into`` (the unit's record of the
    same person): nothing is lost. Every row of every model that pointed at ``absorbed`` points at
    ``into``, and a row whose fields were under ``absorbed``'s data key is re-encrypted under
    ``into``'s (one subject, one key: the merged record's data is erased or handed out as one). The
    reserve identity, names and details ``into`` lacks are kept in it; the higher protection holds.
    ``absorbed`` is then marked merged and erased: its blind indexes cleared, its data key destroyed.

    Internal: called by ``person_merge_decide``, inside its transaction and after its decision. The
    rows are written past their guards (a signed journal entry is not changed: it is the same entry,
    about the same person, under another key), as erasure writes them; the decision's event names both
    records, and each model's change history would say nothing a ciphertext does not."""
    first, second = sorted([absorbed.pk, into.pk])
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    absorbed, into = locked[absorbed.pk], locked[into.pk]
    if absorbed.organisation_id != into.organisation_id or absorbed.erased_at or into.erased_at:
        raise DomainError(_("These records cannot be merged."))
    with crypto.key_cache():
        # What ``into`` lacks, from ``absorbed`` (read before its key is gone).
        kept = {
            "reserve_identity": into.reserve_identity or absorbed.reserve_identity,
            "given_names": into.given_names or absorbed.given_names,
            "surname": into.surname or absorbed.surname,
            "contact": {**(absorbed.contact or {}), **(into.contact or {})},
            "address": into.address or absorbed.address,
        }
        if not into.personal_number and _more_precise(absorbed, than=into):
            # Two records without a number (the same person entered twice): the birth date known
            # better is kept.
            kept["recorded_birth_date"] = absorbed.recorded_birth_date
            kept["birth_date_precision"] = absorbed.birth_date_precision
        if _rank(absorbed.protected_identity) > _rank(into.protected_identity):
            # The stronger raise takes over as any raise does: ``into``'s own (perhaps another unit's
            # decision) is kept, in force again once the stronger is lowered back to the level it found.
            _overtake(into)
            into.protection_level_before = into.protected_identity
            into.protected_identity = absorbed.protected_identity
            into.protection_raised_by_id = absorbed.protection_raised_by_id
            into.protection_raised_at = absorbed.protection_raised_at
            into.protection_decision = absorbed.protection_decision
            into.protection_lowered_at = None
        # The absorbed record leaves every index first, so that ``into`` can take its reserve identity.
        # When ``into`` keeps its own (two records without a number), the absorbed record keeps the
        # blind index of its reserve identity (a keyed hash, nothing readable): papers naming it still
        # find the person, through ``merged_into`` (person_find_by_reserve_identity).
        keeps_own_identity = bool(into.reserve_identity and absorbed.reserve_identity)
        Person.objects.bypassing_guard("merge: the record is merged and erased").filter(
            pk=absorbed.pk
        ).update(
            personal_number_index=None,
            **({} if keeps_own_identity else {"reserve_identity_index": None}),
            merged_into=into.pk,
            erased_at=timezone.now(),
        )
        for name, value in kept.items():
            setattr(into, name, value)
        into.save()
        _merging(absorbed.pk)
        try:
            with transaction.atomic():
                _repoint(absorbed=absorbed, into=into)
        except IntegrityError:
            raise DomainError(_BOTH_WAITING if _waiting_on_both(absorbed, into) else _NOT_MERGED) from None
        _merging(None)
        # The name index: the absorbed record's rows came along with the rest; the survivor's are
        # written anew from the names it now holds.
        into.name_index_refresh()
        crypto.shred_subject(absorbed.pk)
    return into
