"""Every change to a hand-over. Each function is atomic, asks lotsa.access first, and is recorded in the
access log in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SOCIAL_SERVICES_KINDS, Organisation, OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit.models import Action
from cases import access as case_access
from cases import personal_number as pnr
from cases import queries
from cases.access import POINTER_DENIALS, handles_a_case_of
from cases.handovers.access import request_gate
from cases.handovers.models import (
    HANDOVER_PURPOSES,
    ROUTES,
    Handover,
    HandoverRequest,
    HandoverRequestStatus,
    HandoverSource,
    HandoverStatus,
    receiving_activity,
)
from cases.models import Case, CaseStatus, Milieu, Person
from cases.services import (
    case_status_change_record,
    person_find,
    person_protection_inherit,
    youth_unit_ends_on,
)
from consent import policy as consent_policy
from lotsa import access
from lotsa.errors import DomainError
from lotsa.vocabulary import InformationCategory, Purpose


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
    answering=None,
) -> Handover:
    """Send the person of a case to another unit. Decided first (the case's handlers send); then the
    receiving unit must be another active social-services unit, of a kind the purpose's route
    (models.ROUTES) sends from the case's unit to, that a consent for the purpose names, and nothing
    else may be waiting there. Whom the case is for (a relative, a person harmed) travels with it.
    ``refusal``, if given, is the caller's own reason not to send (an intervention group refers only
    after a high threat), said only after the decision. ``answering``: the id of a request for a
    hand-over (HandoverRequest) this one answers, which must be the asking unit's for this person and
    purpose, still waiting, and still under its consent gate."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "owner_unit").get(pk=case_id)
    handover = Handover(
        person_id=case.person_id,
        source=source,
        from_case=case,
        from_unit_id=case.owner_unit_id,
        to_unit_id=to_unit_id,
        purpose=purpose,
        target_group=case.target_group,
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
    route = ROUTES[purpose]
    if route.senders is not None and case.owner_unit.kind not in route.senders:
        raise DomainError(
            _("%(purpose)s is not a hand-over your unit sends: choose another purpose.")
            % {"purpose": Purpose(purpose).label}
        )
    if route.receivers is not None and to_unit.kind not in route.receivers:
        raise DomainError(
            _("%(organisation)s does not receive hand-overs for %(purpose)s: choose another unit.")
            % {"organisation": to_unit.name, "purpose": Purpose(purpose).label}
        )
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
    answered = None
    if answering:
        answered = _request_to_answer(answering, case=case, to_unit=to_unit, purpose=purpose)
    handover.to_unit = to_unit
    handover.consent_ref = decision.ground.removeprefix("consent:") or None
    handover.note = note.strip() or None
    handover.save()
    if answered is not None:
        answered.status, answered.handover = HandoverRequestStatus.ANSWERED, handover
        answered.decided_by, answered.decided_at = by, timezone.now()
        answered.save(update_fields=["status", "handover", "decided_by", "decided_at"])
    return handover


NOT_ASKABLE = _(
    "That unit cannot be asked for a hand-over of this person for this purpose. Choose the purpose "
    "the person's consent covers, or open your unit's own case."
)
LAPSED = _("The request has lapsed: the person's consent no longer covers it. Nothing was changed.")


def _request_to_answer(request_id, *, case: Case, to_unit: Organisation, purpose: str) -> HandoverRequest:
    """The request a hand-over answers, locked: the asking unit's, for this case's person, to be sent
    to the asking unit for the purpose asked, still waiting, and still under the pointer's gate."""
    request = (
        HandoverRequest.objects.select_for_update(of=("self",))
        .select_related("person__organisation", "from_unit")
        .filter(pk=request_id, person_id=case.person_id, to_unit_id=case.owner_unit_id)
        .first()
    )
    if request is None:
        raise DomainError(_("The request for a hand-over was not found for this case."))
    if not request.is_open:
        raise DomainError(_("The request has been answered already."))
    if (request.from_unit_id, request.purpose) != (to_unit.pk, purpose):
        raise DomainError(
            _("Answer the request by sending the hand-over to %(organisation)s, for %(purpose)s.")
            % {"organisation": request.from_unit.name, "purpose": Purpose(request.purpose).label}
        )
    if not request_gate(request).allowed:
        raise DomainError(LAPSED)
    return request


def _decided_on_the_gate(by: User, action: str, request: HandoverRequest, *, purpose: str, refused) -> None:
    """One decision, recorded; a denial by the pointer's gate (no consent in force for the purpose, no
    record in that unit, an inactive unit) becomes the one message ``refused``, the same for every
    such reason, so that it tells no more than the pointer; any other denial stays a denial."""
    try:
        access.check(by, action, request, purpose=purpose)
    except access.AccessDenied as denial:
        if denial.decision.reason not in POINTER_DENIALS:
            raise
        raise DomainError(refused) from None


@transaction.atomic
def handover_request_send(
    *, by: User, personal_number: str, to_unit_id: int | None, purpose: str, reason: str
) -> HandoverRequest:
    """The unit the cross-unit pointer told asks the holding unit for a hand-over of the person, for a
    purpose the person's consent covers, with a reason (encrypted, under the holding record's key).
    The request names the holding unit's record of the person, so its one decision and event stand in
    the holding unit's log; a number that unit does not hold is decided too (naming nobody), and
    refused with the same message as a consent that does not cover the purpose."""
    try:
        canonical = pnr.normalise(personal_number)
    except pnr.InvalidPersonalNumber as error:
        raise DomainError(error.message) from None
    records = queries.other_units_records_of_number(
        canonical_number=canonical, organisation_id=by.organisation_id
    ).filter(organisation_id=to_unit_id)
    person = records.first() or Person(pk=None)
    request = HandoverRequest(
        person=person,
        from_unit=by.organisation,
        to_unit_id=person.organisation_id,
        purpose=purpose if purpose in HANDOVER_PURPOSES else "",
        asked_by=by,
    )
    _decided_on_the_gate(by, Action.CREATE, request, purpose="ask for a hand-over", refused=NOT_ASKABLE)
    if HandoverRequest.objects.filter(
        person=person, from_unit_id=by.organisation_id, status=HandoverRequestStatus.WAITING
    ).exists():
        raise DomainError(
            _("A request to %(organisation)s for this person is already waiting for its answer.")
            % {"organisation": person.organisation.name}
        )
    if not (reason or "").strip():
        raise DomainError(_("Say why you ask for the hand-over: the holding unit reads it."))
    request.reason = reason.strip()
    request.save()
    return request


def _locked_request(request_id) -> HandoverRequest:
    return (
        HandoverRequest.objects.select_for_update(of=("self",))
        .select_related("person__organisation", "from_unit", "to_unit")
        .get(pk=request_id)
    )


@transaction.atomic
def handover_request_decline(*, by: User, request_id, reason: str) -> HandoverRequest:
    """The holding unit declines a request for a hand-over, with a reason the asker sees; only while the
    pointer's gate still holds (otherwise the request has lapsed)."""
    request = _locked_request(request_id)
    _decided_on_the_gate(
        by, Action.DECIDE, request, purpose="decline a request for a hand-over", refused=LAPSED
    )
    if not request.is_open:
        raise DomainError(_("The request has been answered already."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the request is declined: the asking unit reads it."))
    request.status, request.decided_by = HandoverRequestStatus.DECLINED, by
    request.decided_at = timezone.now()
    request.decline_reason = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    return request


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
    rule of cases.access), otherwise the supervisor assigns it. The new case is for whom the sending
    case was for (a relative stays a relative), with the activity the purpose's route sets.

    The sending case is not touched: its handler is asked, on their start page, to propose closing it
    (``HandoverQuerySet.closing_to_propose``), and its supervisor decides, as for every closing."""
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
            person_protection_inherit(by=by, person=person)  # protection always travels
    handles = by.has_role(*CASEWORK_ROLES) and (not known or handles_a_case_of(by, person))
    case = Case.objects.create(
        person=person,
        owner_unit=unit,
        responsible=by if handles else None,
        activity=receiving_activity(
            handover.purpose, handover.from_case.activity if handover.from_case else None
        ),
        milieu=handover.from_case.milieu if handover.from_case else Milieu.UNCLEAR,
        youth_unit_ends_on=youth_unit_ends_on(person, unit),
        target_group=handover.target_group,
    )
    case_status_change_record(case=case, by=by, status=CaseStatus.OPENED)
    if handles:
        case_access.assignment_grant(by, case)
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


@transaction.atomic
def handover_keep_case_open(*, by: User, handover_id, reason: str) -> Handover:
    """Asked to propose closing the sending case after its hand-over was accepted, its handler keeps it
    open instead, with a reason (the unit goes on beside the receiving one): the asking ends, and the
    hand-over keeps who decided so, when and why. Decided as a change of the sending case."""
    handover = _locked_handover(handover_id)
    if handover.from_case is None:
        raise DomainError(_("The hand-over was not sent from a case."))
    access.check(by, Action.UPDATE, handover.from_case, purpose="keep the case open after a hand-over")
    if not Handover.objects.closing_to_propose().filter(pk=handover.pk).exists():
        raise DomainError(_("Nothing waits for a proposal to close the case."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the case stays open."))
    handover.kept_open_at, handover.kept_open_by = timezone.now(), by
    handover.kept_open_reason = reason.strip()
    handover.save(update_fields=["kept_open_at", "kept_open_by", "kept_open_reason"])
    return handover


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
        person_protection_inherit(by=by, person=person)
    handover.person = person
    access.check(by, Action.CREATE, handover, purpose="police request to the defector programme")
    if Handover.objects.undecided().filter(person=person, to_unit=to_unit).exists():
        raise DomainError(_("A request for this person is already waiting for the programme."))
    handover.note = (note or "").strip() or None
    handover.save()
    return handover
