"""Recording, superseding and withdrawing consents; disclosures under other grounds; emergency access;
the supervisor's review. Each function asks lotsa.access, is atomic, and leaves an access event."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from audit import services as audit
from audit.models import Action
from cases import personal_number as pnr
from cases import queries as case_queries
from consent import grounds, policy
from consent.models import Consent, ConsentReviewOutcome, Disclosure, EmergencyAccess, GivenHow, Review
from lotsa import access
from lotsa.errors import DomainError
from lotsa.vocabulary import InformationCategory, Purpose

MAX_FORM_BYTES = 5 * 1024 * 1024


@dataclass
class ConsentTerms:
    purpose: str
    purpose_text: str
    recipient_ids: list[int]
    categories: list[str]
    valid_from: dt.date
    valid_until: dt.date
    given_how: str
    signed_form: bytes | None = None
    signed_form_name: str = ""
    witness: str = ""
    guardians_required: int = 0
    guardians_consented: int = 0
    child_own_consent: bool = False


def _check_terms(case, terms: ConsentTerms) -> None:
    if not terms.recipient_ids:
        raise DomainError(_("Name the organisations that may share information: never 'all agencies'."))
    if Organisation.objects.filter(pk__in=terms.recipient_ids, kind=OrganisationKind.SYSTEM_MANAGEMENT):
        raise DomainError(_("The administrators' organisation reads no case: a consent never names it."))
    if not terms.categories or set(terms.categories) - set(InformationCategory.values):
        raise DomainError(_("Choose the kinds of information the consent covers."))
    if terms.purpose not in Purpose.values:
        raise DomainError(_("Choose the purpose of the consent."))
    if terms.purpose == Purpose.OTHER and not terms.purpose_text.strip():
        raise DomainError(_("Describe the purpose in words."))
    if terms.valid_until < terms.valid_from:
        raise DomainError(_("The consent cannot end before it begins."))
    if terms.given_how == GivenHow.WRITTEN and not terms.signed_form:
        raise DomainError(_("Attach the signed form of a written consent."))
    if terms.signed_form and len(terms.signed_form) > MAX_FORM_BYTES:
        raise DomainError(_("The signed form may be at most 5 MB."))
    if terms.given_how == GivenHow.ORAL and not terms.witness.strip():
        raise DomainError(_("An oral consent is recorded with a witness."))
    age = case.person.age()
    if age is not None and age < settings.LOTSA_ADULT_AGE:
        if terms.guardians_required < 1 or terms.guardians_consented < terms.guardians_required:
            raise DomainError(_("For a child, every guardian's consent is needed beside the child's own."))
        if age >= settings.LOTSA_CHILD_OWN_CONSENT_AGE and not terms.child_own_consent:
            raise DomainError(_("A child of this age consents too, according to age and maturity."))


def _create(case, by, terms: ConsentTerms) -> Consent:
    age = case.person.age()
    child = age is not None and age < settings.LOTSA_ADULT_AGE
    consent = Consent(
        person=case.person,
        case=case,
        organisation_id=case.owner_unit_id,
        purpose=terms.purpose,
        categories=sorted(set(terms.categories)),
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        given_how=terms.given_how,
        recorded_by=by,
        child_at_consent=child,
        adult_on=pnr.birthday(case.person.birth_date, settings.LOTSA_ADULT_AGE) if child else None,
        guardians_required=terms.guardians_required,
        guardians_consented=terms.guardians_consented,
        child_own_consent=terms.child_own_consent,
    )
    consent.purpose_text = terms.purpose_text.strip() or None
    consent.witness = terms.witness.strip() or None
    consent.signed_form = base64.b64encode(terms.signed_form).decode("ascii") if terms.signed_form else None
    consent.signed_form_name = terms.signed_form_name[:200] or None
    consent.save()
    # The unit that recorded the information is always a party to the sharing.
    consent.recipients.set({*terms.recipient_ids, case.owner_unit_id})
    return consent


def _consent_event(by, consent: Consent, case, reason: str) -> None:
    audit.record(
        action=Action.CONSENT_CHANGE,
        actor=by,
        target=consent,
        subject_id=case.person_id,
        legal_ground="OSL 10 kap. 1 §",
        reason=reason,
    )


@transaction.atomic
def consent_record(*, by, case_id, terms: ConsentTerms) -> Consent:
    case = case_queries.case_for_service(case_id=case_id, lock=True)
    access.check(by, Action.UPDATE, case, purpose="record a consent")
    _check_terms(case, terms)
    consent = _create(case, by, terms)
    _consent_event(by, consent, case, "consent recorded")
    return consent


@transaction.atomic
def consent_supersede(*, by, consent_id, case_id, terms: ConsentTerms) -> Consent:
    """A recorded consent is never edited: the change is a new consent that supersedes it."""
    old = Consent.objects.select_for_update().select_related("case").get(pk=consent_id, case_id=case_id)
    case = case_queries.case_for_service(case_id=case_id)
    access.check(by, Action.UPDATE, old, purpose="supersede a consent")
    if old.superseded_by_id or old.withdrawn_at:
        raise DomainError(_("Only a consent still on record can be superseded."))
    _check_terms(case, terms)
    new = _create(case, by, terms)
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    _consent_event(by, new, case, f"supersedes consent {old.pk}")
    return new


@transaction.atomic
def consent_withdraw(*, by, consent_id, case_id, how: str, note: str) -> Consent:
    """Stops sharing from the next request on. Deletes nothing from the case."""
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent_id, case_id=case_id)
    case = consent.case
    access.check(by, Action.UPDATE, consent, purpose="withdraw a consent")
    if consent.withdrawn_at is not None:
        raise DomainError(_("The consent is already withdrawn."))
    if consent.superseded_by_id:
        raise DomainError(_("The consent was superseded; withdraw the one that replaced it."))
    if how not in GivenHow.values:
        raise DomainError(_("Say how the person withdrew the consent."))
    consent.withdrawn_at, consent.withdrawn_by, consent.withdrawal_how = timezone.now(), by, how
    consent.withdrawal_note = note.strip() or None
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_how", "withdrawal_note"])
    _consent_event(by, consent, case, "consent withdrawn")
    return consent


def _consent_review_due():
    return timezone.now() + dt.timedelta(days=settings.LOTSA_REVIEW_DUE_DAYS)


@transaction.atomic
def disclosure_record(
    *, by, case_id, recipient_id: int, ground_code: str, categories: list[str], what: str, why: str
) -> Disclosure:
    case = case_queries.case_for_service(case_id=case_id)
    ground = grounds.ground(ground_code)
    access.check(by, Action.UPDATE, case, purpose="record a disclosure")
    if ground is None:
        raise DomainError(_("Choose a legal ground from the list."))
    if not categories or set(categories) - set(InformationCategory.values):
        raise DomainError(_("Choose the kinds of information that were disclosed."))
    if not what.strip() or not why.strip():
        raise DomainError(_("Say what was disclosed and why."))
    if recipient_id == case.owner_unit_id:
        raise DomainError(_("A disclosure goes to another organisation."))
    disclosure = Disclosure(
        person=case.person,
        organisation_id=case.owner_unit_id,
        recipient_id=recipient_id,
        ground=ground.code,
        categories=sorted(set(categories)),
        disclosed_by=by,
        access_until=timezone.localdate() + dt.timedelta(days=settings.LOTSA_DISCLOSURE_ACCESS_DAYS),
    )
    disclosure.what, disclosure.why = what.strip(), why.strip()
    disclosure.save()
    Review.objects.create(
        organisation_id=case.owner_unit_id,
        disclosure=disclosure,
        due_at=_consent_review_due(),
        subject=case.person,
    )
    audit.record(
        action=Action.EXPORT,
        actor=by,
        target=disclosure,
        subject_id=case.person_id,
        legal_ground=ground.citation,
        reason=f"disclosure without consent: {ground.code}",
    )
    return disclosure


@transaction.atomic
def emergency_access_start(*, by, case_id, reason: str) -> EmergencyAccess:
    """Step two of nödåtkomst: the stated reason opens the case for a limited time."""
    case = case_queries.case_for_service(case_id=case_id)
    if not reason.strip():
        raise DomainError(_("State why you need to open the case."))
    decision = access.decide(by, Action.EMERGENCY_ACCESS, case)
    if not decision.allowed:
        access.check(by, Action.EMERGENCY_ACCESS, case, purpose="emergency access")  # records, raises
    emergency = EmergencyAccess(
        case=case,
        person=case.person,
        user=by,
        expires_at=timezone.now() + dt.timedelta(minutes=settings.LOTSA_EMERGENCY_ACCESS_MINUTES),
    )
    emergency.reason = reason.strip()
    emergency.save()
    policy.emergency_access_opened(by, case)
    Review.objects.create(
        organisation_id=case.owner_unit_id,
        emergency_access=emergency,
        due_at=_consent_review_due(),
        subject=case.person,
    )
    audit.record(
        action=Action.EMERGENCY_ACCESS,
        actor=by,
        target=case,
        subject_id=case.person_id,
        purpose="emergency access",
        reason="emergency access opened",
    )
    return emergency


@transaction.atomic
def consent_review_sign_off(*, by, review_id: int, outcome: str, comment: str) -> Review:
    review = Review.objects.select_for_update().get(pk=review_id)
    access.check(by, Action.UPDATE, review, purpose="review")
    if review.reviewed_at is not None:
        raise DomainError(_("This has been reviewed already."))
    if outcome not in ConsentReviewOutcome.values:
        raise DomainError(_("Choose sign off or flag as misuse."))
    if not comment.strip():
        raise DomainError(_("Write a comment on the review."))
    review.reviewed_at, review.reviewed_by, review.outcome = timezone.now(), by, outcome
    review.comment = comment.strip()
    review.save(update_fields=["reviewed_at", "reviewed_by", "outcome", "comment"])
    audit.record(
        action=Action.UPDATE,
        actor=by,
        target=review,
        subject_id=review.subject_id,
        reason=f"review: {outcome}",
    )
    return review


def consent_dates_erase(*, person_id, **_signal) -> None:
    """An erased person's consents keep no day of majority: a birth date could be read back from it
    (sent by ``cases.services.person_erase``, in its transaction)."""
    Consent.objects.filter(person_id=person_id).erase_day_of_majority()


def consent_dates_correct(*, person_id, born, **_signal) -> None:
    """A person recorded without a number is given their real number (sent by
    ``cases.services.person_merge_decide``, in its transaction): the consents their guardians gave end at
    the real day of majority, if it comes before the one the approximate date gave."""
    adult_on = pnr.birthday(born, settings.LOTSA_ADULT_AGE) if born is not None else None
    Consent.objects.filter(person_id=person_id).correct_day_of_majority(adult_on)
