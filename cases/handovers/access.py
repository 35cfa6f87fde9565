"""Who may do what with a hand-over (registered with lotsa.access by cases/apps.py)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import POLICE_KINDS, OrganisationKind
from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases.access import (
    READ_ACTIONS,
    CasePolicy,
    _separation_of_duties,
    assigned_case_ids,
    handles_a_case_of,
    pointer_decision,
)
from cases.handovers.models import HandoverSource
from cases.models import Case
from consent import policy as consent_policy
from lotsa.access import Decision, Policy
from lotsa.vocabulary import Purpose


def _handover_crosses(user, handover) -> Decision:
    """What another unit sent crosses to the receiving unit only while a consent for the hand-over's
    purpose names it (consent.policy); a police request is the receiving unit's own record."""
    if handover.source == HandoverSource.POLICE_REQUEST:
        return Decision.allow("a request from the police to the unit")
    return consent_policy.sharing_decision(
        person_id=handover.person_id,
        category=None,
        recorded_by_id=None,
        viewer_org_id=user.organisation_id,
        purpose=handover.purpose,
    )


def _receives(user, handover) -> bool:
    return user.organisation_id == handover.to_unit_id and user.has_role(*CASEWORK_ROLES, Role.SUPERVISOR)


def _sends(user, handover) -> Decision:
    """The sending side: the handlers of the case it was sent from (its supervisor reads it), or the
    police user who sent a request."""
    if handover.source == HandoverSource.POLICE_REQUEST:
        if user.pk == handover.sent_by_id:
            return Decision.allow("sent the request")
        return Decision.deny("not the sender of the request")
    return CasePolicy().decide(user, Action.VIEW, handover.from_case, "")


class HandoverPolicy(Policy):
    """A hand-over between units. CREATE sends it: a handler of the case it comes from (the change is
    the case's, so the case's UPDATE rule), or a police user of BOPS or the police asking the defector
    programme. DECIDE accepts or declines it: the receiving unit's social workers and supervisor, while
    the consent still names the unit, never the sender. WITHDRAW takes it back: the sending side, while
    it is undecided. VIEW and LIST: both sides, the receiving one under the consent."""

    def decide(self, user, action, handover, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if action == Action.CREATE:
            if handover.source == HandoverSource.POLICE_REQUEST:
                organisation = user.organisation
                if organisation is None or organisation.kind not in POLICE_KINDS:
                    return Decision.deny("requests come from the police")
                if not user.has_role(Role.EXTERNAL_MEMBER):
                    return Decision.deny("requests come from the police")
                if (
                    handover.to_unit_id is not None
                    and handover.to_unit.kind != OrganisationKind.DEFECTOR_PROGRAMME
                ):
                    return Decision.deny("the police ask the defector programme")
                return Decision.allow("police request to the defector programme")
            return CasePolicy().decide(user, Action.UPDATE, handover.from_case, purpose)
        if action == Action.DECIDE:
            if not _receives(user, handover):
                return Decision.deny("the receiving unit decides")
            if user.pk == handover.sent_by_id:
                return Decision.deny("nobody decides their own hand-over")
            return _handover_crosses(user, handover)
        if action == Action.WITHDRAW:
            if handover.source == HandoverSource.POLICE_REQUEST:
                return _sends(user, handover)
            return CasePolicy().decide(user, Action.UPDATE, handover.from_case, purpose)
        if action not in READ_ACTIONS:
            # The stored reason predates the hand-overs' own package: kept, so the log reads one way.
            return Decision.deny("hand-overs change through cases.services")
        if _receives(user, handover):
            decision = _handover_crosses(user, handover)
            if decision.allowed:
                return decision
        sending = _sends(user, handover)
        if sending.allowed:
            return Decision.allow("the sending side", ground=sending.ground)
        return Decision.deny("neither the sending side nor the receiving unit under a consent")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        conditions = Q(source=HandoverSource.POLICE_REQUEST, sent_by_id=user.pk)
        if user.has_role(*CASEWORK_ROLES, Role.SUPERVISOR):
            crossing = Q(pk__in=[])
            for each in Purpose.values:
                crossing |= Q(purpose=each) & consent_policy.shared_with(
                    organisation_id=user.organisation_id, purpose=each, person="person_id"
                )
            received = Q(to_unit_id=user.organisation_id) & (
                Q(source=HandoverSource.POLICE_REQUEST) | crossing
            )
            sent = Q(from_case__in=CasePolicy().visible(user, Case.objects.all()))
            conditions = conditions | received | sent
        return queryset.filter(conditions)


# A request for a hand-over from the unit the cross-unit pointer told to the unit holding the record.
ASKERS_ONLY = "social services' case workers ask other units for hand-overs"
HOLDERS_ANSWER = "the holding unit's supervisor or a handler of a case of the person answers"
NEITHER_SIDE = "neither the asking side nor the holding side of the request"
LAPSED = "the consent the request was sent under no longer holds: shown without its content"


def request_gate(request) -> Decision:
    """The cross-unit pointer's gate (cases.access.pointer_decision), for the request's purpose: the
    one rule, decided anew at every step."""
    return pointer_decision(request.person, request.from_unit, (request.purpose,))


def _asks(user, request) -> bool:
    """The asking side: who asked, and the asking unit's supervisor."""
    return user.organisation_id == request.from_unit_id and (
        user.pk == request.asked_by_id or user.has_role(Role.SUPERVISOR)
    )


def _holds(user, request) -> bool:
    """The holding side: the holding unit's supervisor, and the named handlers of a case of the person
    there (who may send the hand-over from it)."""
    if user.organisation_id != request.to_unit_id:
        return False
    return user.has_role(Role.SUPERVISOR) or handles_a_case_of(user, request.person)


class HandoverRequestPolicy(Policy):
    """A request for a hand-over (cases.handovers.models.HandoverRequest). CREATE sends it: a case
    worker of a social-services unit, while the pointer's gate holds for the purpose asked (a consent
    of the person in force, on the holding unit's record, naming the asking unit for it, the holding
    unit active). DECIDE declines it: the holding side, while the gate holds. VIEW and LIST: both sides;
    once the gate no longer holds the request has lapsed, and is read without its content."""

    def decide(self, user, action, request, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if action == Action.CREATE:
            organisation = user.organisation
            if (
                organisation is None
                or organisation.pk != request.from_unit_id
                or not organisation.is_social_services
                or not user.has_role(*CASEWORK_ROLES)
            ):
                return Decision.deny(ASKERS_ONLY)
            return request_gate(request)
        if action == Action.DECIDE:
            if not _holds(user, request):
                return Decision.deny(HOLDERS_ANSWER)
            return request_gate(request)
        if action not in READ_ACTIONS:
            return Decision.deny("requests for a hand-over change through cases.handovers.services")
        if not (_asks(user, request) or _holds(user, request)):
            return Decision.deny(NEITHER_SIDE)
        gate = request_gate(request)
        return gate if gate.allowed else Decision.allow(LAPSED)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        unit = user.organisation_id
        if user.has_role(Role.SUPERVISOR):
            return queryset.filter(Q(from_unit_id=unit) | Q(to_unit_id=unit))
        if not user.has_role(*CASEWORK_ROLES):
            return queryset.none()
        handled = Case.objects.filter(owner_unit_id=unit).filter(
            Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user))
        )
        return queryset.filter(
            Q(from_unit_id=unit, asked_by_id=user.pk)
            | Q(to_unit_id=unit, person_id__in=handled.values("person_id"))
        )
