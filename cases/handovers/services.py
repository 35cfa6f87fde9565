"""Every change to a hand-over. Each function is atomic, asks lotsa.access first, and is recorded in the
access log in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm

from accounts.models import SOCIAL_SERVICES_KINDS, Organisation, OrganisationKind, User
from accounts.roles import CASEWORK_ROLES
from audit.models import Action
from cases import personal_number as pnr
from cases.access import handles_a_case_of
from cases.handovers.models import (
    HANDOVER_PURPOSES,
    ROUTES,
    Handover,
    HandoverSource,
    HandoverStatus,
    receiving_activity,
)
from cases.models import Case, CaseStatus, CaseStatusChange, Milieu, Person
from cases.services import person_find, person_protection_inherit, youth_unit_ends_on
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
) -> Handover:
    """Send the person of a case to another unit. Decided first (the case's handlers send); then the
    receiving unit must be another active social-services unit, of a kind the purpose's route
    (models.ROUTES) sends from the case's unit to, that a consent for the purpose names, and nothing
    else may be waiting there. Whom the case is for (a relative, a person harmed) travels with it.
    ``refusal``, if given, is the caller's own reason not to send (an intervention group refers only
    after a high threat), said only after the decision."""
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
