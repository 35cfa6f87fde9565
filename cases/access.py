"""Who may do what with a case or a person (registered with lotsa.access)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import assign_perm, remove_perm

from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases.models import (
    HANDOVER_PURPOSES,
    Case,
    CaseStatusChange,
    CaseUserObjectPermission,
    Person,
    PersonMergeStatus,
    ProtectionLoweringStatus,
    purposes_between,
)
from cases.words import CaseStatus
from consent import policy
from consent import policy as consent_policy
from consent.policy import emergency_access_open_for
from lotsa import context
from lotsa.access import Decision, Policy
from lotsa.vocabulary import InformationCategory

READ_ACTIONS = frozenset({Action.VIEW, Action.LIST, Action.SEARCH, Action.EXPORT})

# A search by number that meets another unit's record of the same person (the number's blind index):
# the purpose of the one decision, and the event in the holding unit's log, of whether to say so.
CROSS_UNIT_LOOKUP = "cross-unit lookup"
NOT_ANOTHER_UNITS = "a cross-unit lookup is of another unit's record"
NO_POINTER_CONSENT = "no consent of the person in force covers telling the searching unit"
POINTER_CONSENT = "a consent of the person in force covers telling the searching unit"
HELD_NOWHERE_ELSE = "no other unit holds a record of the number"
HOLDER_INACTIVE = "the holding unit is not active"
# What the pointer's gate denies for, all told to the user alike (as nothing, or as one message).
POINTER_DENIALS = frozenset(
    {NOT_ANOTHER_UNITS, NO_POINTER_CONSENT, HELD_NOWHERE_ELSE, HOLDER_INACTIVE, policy.NO_GROUND}
)


def assigned_case_ids(user) -> list:
    """The cases the user is assigned to through django-guardian (one query). Fetched first so that
    the list filter below stays an index-friendly OR, not a correlated subquery over every case."""
    return list(
        CaseUserObjectPermission.objects.filter(user=user, permission__codename="view_case").values_list(
            "content_object_id", flat=True
        )
    )


def is_named_handler(user, case) -> bool:
    """Responsible for the case, or assigned to it, in the owning unit."""
    return (
        user.organisation_id == case.owner_unit_id
        and user.has_role(*CASEWORK_ROLES)
        and (case.responsible_id == user.pk or is_assigned(user, case))
    )


def is_assigned(user, case) -> bool:
    """Assigned to the case through django-guardian. Asked once a request (a page's decisions ask it
    for every act the page offers), never across requests: an assignment ended takes effect on the
    next request, and one granted or revoked within a request (``assignment_grant``,
    ``assignment_revoke``) is asked again."""
    if case.pk is None:
        return False
    return context.request_memo(_assigned_key(user, case), lambda: user.has_perm("cases.view_case", case))


def _assigned_key(user, case) -> tuple:
    return ("cases.assigned", user.pk, case.pk)


def assignment_grant(user, case) -> None:
    """Assign ``user`` to ``case`` (django-guardian's object permission)."""
    assign_perm("cases.view_case", user, case)
    context.request_forget(_assigned_key(user, case))


def assignment_revoke(user, case) -> None:
    """End ``user``'s assignment to ``case``."""
    remove_perm("cases.view_case", user, case)
    context.request_forget(_assigned_key(user, case))


HELD_BY_UNIT = "the unit keeps a record of the person in cases the user does not handle"


def handles_a_case_of(user, person) -> bool:
    """A named handler (responsible, or assigned) of any of the unit's cases of the person."""
    if user.organisation_id != person.organisation_id or not user.has_role(*CASEWORK_ROLES):
        return False
    cases = Case.objects.filter(person=person, owner_unit_id=user.organisation_id)
    return cases.filter(Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user))).exists()


def _emergency_open(user, case) -> bool:
    return emergency_access_open_for(user, case) is not None


def _separation_of_duties(user) -> Decision | None:
    if user.has_role(Role.ADMINISTRATOR):
        return Decision.deny("administrators manage accounts and cannot read cases")
    if user.has_role(Role.COORDINATOR):
        return Decision.deny("coordinators see de-identified aggregates only")
    return None


class CasePolicy(Policy):
    """VIEW, LIST, SEARCH, EXPORT read the case; UPDATE changes it or its journal; CREATE opens it;
    ASSIGN changes its responsible social worker."""

    def decide(self, user, action, case, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if action == Action.CREATE:
            return self._open(user, case)
        if user.organisation_id != case.owner_unit_id:
            # The case page is the owning unit's workspace: other organisations read what a consent
            # shares with them on the shared pages, entry by entry, never the case as such.
            return Decision.deny(consent_policy.NO_GROUND)
        assigned = is_named_handler(user, case)
        if action == Action.DECIDE:
            return self._decide_closing(user, case)
        if action == Action.EMERGENCY_ACCESS:
            if assigned:
                return Decision.deny("assigned already: no emergency access needed")
            if user.has_role(*CASEWORK_ROLES):
                return Decision.allow("social worker of the owning unit, reason stated")
            return Decision.deny("emergency access is for the owning unit's social workers")
        if assigned and action in READ_ACTIONS:
            return Decision.allow("assigned to the case")
        if action == Action.VIEW and user.has_role(*CASEWORK_ROLES) and _emergency_open(user, case):
            return Decision.allow("emergency access", ground="emergency access (nödåtkomst)")
        if assigned and action == Action.UPDATE:
            if case.is_closed:
                return Decision.deny("the case is closed")
            return Decision.allow("assigned to the case")
        if user.has_role(Role.SUPERVISOR):
            if action in READ_ACTIONS:
                return Decision.allow("supervisor of the owning unit")
            if action == Action.ASSIGN:
                if case.is_closed:
                    return Decision.deny("the case is closed")
                return Decision.allow("supervisor of the owning unit")
            return Decision.deny("supervisors review cases and do not edit them")
        if action == Action.ASSIGN:
            return Decision.deny("only the unit's supervisor reassigns cases")
        return Decision.deny("not assigned to the case")

    def _decide_closing(self, user, case) -> Decision:
        """Four eyes on closing a case: the owning unit's supervisor, never the one who proposed it."""
        if not user.has_role(Role.SUPERVISOR):
            return Decision.deny("the unit's supervisor approves closing a case")
        if case.status != CaseStatus.CLOSING:
            return Decision.deny("no proposal to close the case waits for approval")
        proposer = (
            CaseStatusChange.objects.filter(case_id=case.pk, status=CaseStatus.CLOSING)
            .order_by("-changed_at")
            .values_list("changed_by_id", flat=True)
            .first()
        )
        if proposer == user.pk:
            return Decision.deny("no one approves closing a case they proposed to close")
        return Decision.allow("supervisor of the owning unit, not the proposer")

    def _open(self, user, case) -> Decision:
        if not user.has_role(*CASEWORK_ROLES):
            return Decision.deny("only social services open cases")
        organisation = user.organisation
        if organisation is None or not organisation.is_social_services:
            return Decision.deny("only social services open cases")
        if case.owner_unit_id != organisation.pk:
            return Decision.deny("cases are opened in the user's own unit only")
        person = case.person
        if person.pk is not None and not person._state.adding:
            # The unit already keeps a record of the person: a new case would show it. Only a named
            # handler of one of the person's cases may open another; anyone else asks to be assigned
            # or uses emergency access, both of which someone reviews.
            if not handles_a_case_of(user, person):
                return Decision.deny(HELD_BY_UNIT)
            return Decision.allow("handler of a case of the person, opening another")
        return Decision.allow("social worker of the unit")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()

        erased = Person.objects.filter(pk=OuterRef("person_id"), erased_at__isnull=False)
        own_unit = Q(owner_unit_id=user.organisation_id) & ~Q(Exists(erased))
        conditions = Q(pk__in=[])
        if user.has_role(Role.SUPERVISOR):
            conditions |= own_unit
        if user.has_role(*CASEWORK_ROLES):
            conditions |= own_unit & (Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user)))
        return queryset.filter(conditions)


def pointer_decision(person, asking_unit, purposes: tuple[str, ...] = HANDOVER_PURPOSES) -> Decision:
    """The cross-unit pointer's gate: may ``asking_unit`` be told that the unit holding ``person`` (that
    unit's record) holds it, and ask it for a hand-over for one of ``purposes``? Only when the person's
    consent in force, on that record, names the asking unit for a purpose among them that the holding
    unit could send it a hand-over for (cases.handovers.models.ROUTES), whatever categories it covers:
    the consent is what the hand-over would be sent under. Nothing else tells: not a legal ground (a
    disclosure is the holder's act, not a pointer), not a consent for another purpose, not an erased
    record, not a unit that is no longer active or has no users to answer.

    The consent query runs first and always, for a record that fails on another ground too and for
    none (``person`` unsaved, without a unit: the number is held nowhere else), so that the work done,
    and so the time taken, does not tell a consent from none."""
    found = consent_policy.purposes_consented(
        person_id=person.pk, viewer_org_id=asking_unit.pk, purposes=HANDOVER_PURPOSES
    )
    holder = person.organisation if person.organisation_id is not None else None
    if holder is None:
        return Decision.deny(HELD_NOWHERE_ELSE)
    if person.erased_at is not None:
        return Decision.deny(policy.NO_GROUND)
    if not holder.is_active or not holder.accepts_users:
        return Decision.deny(HOLDER_INACTIVE)
    fitting = purposes_between(holder.kind, asking_unit.kind)
    for purpose in purposes:  # in the routes' order; the first consent found is the ground
        if purpose in fitting and purpose in found:
            return Decision.allow(POINTER_CONSENT, ground=f"consent:{found[purpose]}")
    return Decision.deny(NO_POINTER_CONSENT)


class PersonPolicy(Policy):
    """A person is as visible as the most visible of their cases; to another organisation, for one
    purpose at a time, as far as a consent for that purpose or a recorded legal ground shares
    something of them with it (consent.policy)."""

    def decide(self, user, action, person, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if purpose == CROSS_UNIT_LOOKUP:
            return self._decide_lookup(user, action, person)
        if user.organisation_id == person.organisation_id:
            if CasePolicy().visible(user, Case.objects.filter(person=person)).exists():
                return Decision.allow("has a case of the person")
            # A record with no case at all (only consents or disclosures: it can be due for erasure and
            # kept for the archive) is exported by the unit's supervisor, who may export every case.
            if (
                action == Action.EXPORT
                and user.has_role(Role.SUPERVISOR)
                and not Case.objects.filter(person=person).exists()
            ):
                return Decision.allow("supervisor of the unit: a record without a case")
            return Decision.deny("no case of the person is open to the user")
        if action not in READ_ACTIONS or _civil_society(user):
            return Decision.deny(policy.NO_GROUND)
        decision = policy.sharing_decision(
            person_id=person.pk,
            category=None,
            recorded_by_id=None,
            viewer_org_id=user.organisation_id,
            purpose=purpose,
        )
        if decision.allowed:
            return Decision.allow("shared with the user's organisation", ground=decision.ground)
        return decision

    def _decide_lookup(self, user, action, person) -> Decision:
        """May the searching unit be told that another unit holds a record of this person (``person``:
        that unit's record; an unsaved record without a unit: no other unit holds one)? The rule is
        :func:`pointer_decision`, for every purpose the holder could send a hand-over for."""
        if action != Action.SEARCH or user.organisation_id is None or _civil_society(user):
            return Decision.deny(policy.NO_GROUND)
        if person.organisation_id == user.organisation_id:
            return Decision.deny(NOT_ANOTHER_UNITS)
        return pointer_decision(person, user.organisation)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        sees_cases = user.has_role(Role.SUPERVISOR, *CASEWORK_ROLES)
        cases = CasePolicy().visible(user, Case.objects.all())
        own = Q(pk__in=cases.values("person_id"))
        if _civil_society(user):
            return queryset.filter(own) if sees_cases else queryset.none()
        shared = policy.shared_with(organisation_id=user.organisation_id, purpose=purpose) & ~Q(
            organisation_id=user.organisation_id
        )  # the unit's own people are seen through their cases only
        # A condition that is false for this user is left out, not OR-ed in: an OR with a constant
        # keeps the database from turning the rest into a join.
        return queryset.filter((own | shared) if sees_cases else shared).filter(erased_at__isnull=True)


def _civil_society(user) -> bool:
    return user.organisation is not None and user.organisation.is_civil_society


class JournalEntryPolicy(Policy):
    """An entry is read by the owning unit under the case's rules, and by another organisation only
    while a consent or a recorded ground covers its category (never by civil society: they get only
    summaries written for them). Changing, signing or deleting an entry is its author's alone, and a
    change of the case's journal, under the case's rule for UPDATE (cases.services says that a signed
    entry never changes)."""

    def decide(self, user, action, entry, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        case = entry.case
        if action in (Action.UPDATE, Action.DELETE) and entry.author_id != user.pk:
            return Decision.deny("only the author changes, signs or deletes a draft")
        if user.organisation_id == case.owner_unit_id:
            # Deleting a draft changes the case's journal: the case knows no DELETE of its own.
            action = Action.UPDATE if action == Action.DELETE else action
            return CasePolicy().decide(user, action, case, purpose)
        if action not in READ_ACTIONS or _civil_society(user):
            return Decision.deny(policy.NO_GROUND)
        return policy.sharing_decision(
            person_id=entry.person_id,
            category=entry.category,
            recorded_by_id=case.owner_unit_id,
            viewer_org_id=user.organisation_id,
            purpose=purpose,
        )

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        own = Q(case__in=CasePolicy().visible(user, Case.objects.all()))
        if _civil_society(user):
            return queryset.filter(own)
        shared = policy.shared_with(
            organisation_id=user.organisation_id,
            purpose=purpose,
            person="person_id",
            category="category",
            recorded_by="case__owner_unit_id",
        ) & ~Q(case__owner_unit_id=user.organisation_id)  # the unit's own entries: under the case's rules
        return queryset.filter(own | shared)


class AssignmentRequestPolicy(Policy):
    """A social worker of the owning unit who handles none of the person's cases asks to be assigned
    to one (CREATE); the unit's supervisor or the case's responsible social worker grants or refuses
    it (UPDATE), never the one who asked. VIEW is the decider's, and the requester's own."""

    def decide(self, user, action, request, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        case = request.case
        if user.organisation_id != case.owner_unit_id:
            return Decision.deny("requests are made and decided in the owning unit")
        if action == Action.CREATE:
            if not user.has_role(*CASEWORK_ROLES):
                return Decision.deny("only the unit's social workers ask to be assigned")
            if is_named_handler(user, case):
                return Decision.deny("assigned already")
            return Decision.allow("social worker of the owning unit asks to be assigned")
        if action == Action.UPDATE:
            if request.requested_by_id == user.pk:
                return Decision.deny("nobody decides their own request")
            if user.has_role(Role.SUPERVISOR):
                return Decision.allow("supervisor of the owning unit")
            if case.responsible_id == user.pk and user.has_role(*CASEWORK_ROLES):
                return Decision.allow("responsible social worker of the case")
            return Decision.deny("only the supervisor or the responsible social worker decides")
        if action in READ_ACTIONS:
            if request.requested_by_id == user.pk:
                return Decision.allow("the requester's own request")
            if user.has_role(Role.SUPERVISOR) or case.responsible_id == user.pk:
                return Decision.allow("decides the request")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        unit = Q(case__owner_unit_id=user.organisation_id)
        conditions = unit & (Q(requested_by_id=user.pk) | Q(case__responsible_id=user.pk))
        if user.has_role(Role.SUPERVISOR):
            conditions |= unit
        return queryset.filter(conditions)


class CaseStatusChangePolicy(Policy):
    """A case's status history is read under the case's own rules."""

    def decide(self, user, action, change, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("a case's status changes through cases.services")
        return CasePolicy().decide(user, Action.VIEW, change.case, purpose)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(case__in=CasePolicy().visible(user, Case.objects.all()))


class CaseRecordPolicy(Policy):
    """A record that belongs to a case (a first contact, its meetings): read under the case's rules;
    changed only through cases.services, which decide the case's UPDATE."""

    def decide(self, user, action, record, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("changes go through cases.services")
        return CasePolicy().decide(user, Action.VIEW, record.case, purpose)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        case = "case" if hasattr(queryset.model, "case_id") else "first_contact__case"
        return queryset.filter(**{f"{case}__in": CasePolicy().visible(user, Case.objects.all())})


NOT_THE_RAISING_UNIT = "only the unit that raised the protection lowers it"


class FourEyesRequestPolicy(Policy):
    """A request one unit decides with four eyes: a named handler of one of its cases asks (CREATE)
    while the case is open; the unit's supervisor approves or refuses a request still waiting
    (DECIDE), never the one who asked; the asker, the unit's supervisors and the case's handlers read
    it. A subclass says which unit may ask and decide (``unit_denial``, ``unit``), which status waits,
    and the words of its decisions; the rule itself is here, once."""

    # The status of a request waiting for its decision, and the decisions the subclass words (frozen
    # Decisions, their reasons literal where the access log's vocabulary scan reads them).
    waiting: str
    asked: Decision
    approves: Decision
    nothing_waits: Decision
    decided: Decision

    def unit_denial(self, user, request) -> Decision | None:
        raise NotImplementedError

    def unit(self, user) -> Q:
        raise NotImplementedError

    def decide(self, user, action, request, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if denial := self.unit_denial(user, request):
            return denial
        case = request.case
        if action == Action.CREATE:
            if not is_named_handler(user, case):
                return Decision.deny("not assigned to the case")
            if case.is_closed:
                return Decision.deny("the case is closed")
            return self.asked
        if action == Action.DECIDE:
            if not user.has_role(Role.SUPERVISOR):
                return self.approves
            if request.status != self.waiting:
                return self.nothing_waits
            if request.requested_by_id == user.pk:
                return Decision.deny("nobody decides their own request")
            return self.decided
        if action in READ_ACTIONS:
            if request.requested_by_id == user.pk or user.has_role(Role.SUPERVISOR):
                return Decision.allow("decides the request")
            if is_named_handler(user, case):
                return Decision.allow("assigned to the case")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _separation_of_duties(user) or user.organisation_id is None:
            return queryset.none()
        if user.has_role(Role.SUPERVISOR):
            return queryset.filter(self.unit(user))
        handled = Q(case__in=CasePolicy().visible(user, Case.objects.all())) | Q(requested_by_id=user.pk)
        return queryset.filter(self.unit(user) & handled)


class ProtectionLoweringPolicy(FourEyesRequestPolicy):
    """Lowering a protected-identity level is the decision of the unit that raised it: a named handler
    of one of its cases asks, with a reason; its supervisor approves or refuses, never the one who
    asked. Any other unit is refused, and the refusal is in the log."""

    waiting = ProtectionLoweringStatus.PENDING
    asked = Decision.allow("handler of a case of the unit that raised the protection")
    approves = Decision.deny("the unit's supervisor approves lowering a protection")
    nothing_waits = Decision.deny("no request to lower the protection waits for approval")
    decided = Decision.allow("supervisor of the unit that raised the protection, not the requester")

    def unit_denial(self, user, lowering) -> Decision | None:
        if user.organisation_id != lowering.case.owner_unit_id:
            return Decision.deny("requests are made and decided in the owning unit")
        if lowering.person.protection_raised_by_id != user.organisation_id:
            return Decision.deny(NOT_THE_RAISING_UNIT)
        return None

    def unit(self, user) -> Q:
        return Q(
            case__owner_unit_id=user.organisation_id, person__protection_raised_by_id=user.organisation_id
        )


# --- One person, one threat picture ----------------------------------------------------------------
# A person in an intervention group and in the defector programme has two threat timelines, usually in
# two units' records of the person: the police's in the group, BOPS's in the programme. Each page shows
# the other timeline's latest assessment. The two assessment policies (sig.access, defectors.access)
# decide it, when it is read for the other timeline's page (these purposes), by the one rule below.
THREAT_PICTURE_ON_GROUP_PAGE = "intervention group"  # BOPS's latest assessment, on a group's page
THREAT_PICTURE_ON_PROGRAMME_PAGE = "defector programme"  # a group's latest, on the programme's page
NOT_THE_LATEST = "only the latest assessment of the other timeline is shown"
NO_STANDING = "no part in the person's other timeline"


def threat_picture_crossing(
    user, assessment, *, latest, standing_person_ids, purpose: str
) -> tuple[Decision, bool]:
    """The threat-picture rule: ``assessment`` is shown on the other timeline's page only if it is that
    timeline's ``latest`` of the person (cases.queries.latest_of_same_person), to a reader outside civil
    society with a part in the other timeline about the same person (``standing_person_ids``: the
    person records of the reader's groups, or programme cases, of this person), and only while a
    consent for the timeline's purpose (``purpose``) lets threat and protection cross from
    the organisation that made it to the reader's (consent.policy, asked on every request). Returns
    the decision (its ground the covering consent) and whether the reader's part is in the very record
    the assessment belongs to (the policies name the other unit's record in their reason otherwise)."""
    if denial := _separation_of_duties(user):
        return denial, False
    if user.organisation_id is None or _civil_society(user):
        return Decision.deny("civil society sees no threat assessment"), False
    if latest is None or latest.pk != assessment.pk:
        return Decision.deny(NOT_THE_LATEST), False
    standing = set(standing_person_ids)
    if not standing:
        return Decision.deny(NO_STANDING), False
    decision = policy.sharing_decision(
        person_id=assessment.person_id,
        category=assessment.CATEGORY,
        recorded_by_id=assessment.organisation_id,
        viewer_org_id=user.organisation_id,
        purpose=purpose,
    )
    return decision, assessment.person_id in standing


def threat_picture_visible(user, queryset: QuerySet, *, latest: Q, standing: Q, purpose: str):
    """SQL twin of :func:`threat_picture_crossing`: ``latest`` and ``standing`` as conditions on the
    assessment rows (cases.queries.is_latest_of_same_person; an Exists of the reader's part)."""
    if _separation_of_duties(user) or user.organisation_id is None or _civil_society(user):
        return queryset.none()
    crossing = Q(organisation_id=user.organisation_id) | policy.shared_with(
        organisation_id=user.organisation_id,
        purpose=purpose,
        person="person_id",
        category_value=InformationCategory.THREAT_PROTECTION,
        recorded_by="organisation_id",
    )
    return queryset.filter(latest, standing, crossing)


OTHER_RECORD_NOT_OPEN = "the other record is not open to the user"


def _other_record_denial(user, person, other) -> Decision | None:
    """For an act on two records of one unit (a merge of the same person entered twice, or the mark
    that they are not the same): both the unit's, neither erased, two records, and the other one open
    to the user by the person policy (the asker saw it flagged)."""
    if other.organisation_id != person.organisation_id or other.pk == person.pk:
        return Decision.deny("requests are made and decided in the unit that keeps the record")
    if other.erased_at is not None or person.erased_at is not None:
        return Decision.deny(policy.NO_GROUND)
    if not PersonPolicy().decide(user, Action.VIEW, other, "").allowed:
        return Decision.deny(OTHER_RECORD_NOT_OPEN)
    return None


class PersonMergePolicy(FourEyesRequestPolicy):
    """Merging a record made without a number with the person's real number, or two records of the unit
    that are the same person entered twice (``other``), is a four-eyes act of the unit that keeps the
    records: a named handler of one of its cases of the person asks, while the case is open (and, for
    two records, may see the other one too); the unit's supervisor approves or refuses, never the one
    who asked."""

    def decide(self, user, action, merge, purpose) -> Decision:
        if action == Action.CREATE and merge.other_id is not None and not _separation_of_duties(user):
            if denial := _other_record_denial(user, merge.person, merge.other):
                return denial
        return super().decide(user, action, merge, purpose)

    waiting = PersonMergeStatus.PENDING
    asked = Decision.allow("handler of a case of the person")
    approves = Decision.deny("the unit's supervisor approves merging records")
    nothing_waits = Decision.deny("no request to merge waits for approval")
    decided = Decision.allow("supervisor of the unit, not the requester")

    def unit_denial(self, user, merge) -> Decision | None:
        keeper = merge.case.owner_unit_id
        other = merge.other.organisation_id if merge.other_id is not None else keeper
        if user.organisation_id != keeper or merge.person.organisation_id != keeper or other != keeper:
            return Decision.deny("requests are made and decided in the unit that keeps the record")
        return None

    def unit(self, user) -> Q:
        return Q(case__owner_unit_id=user.organisation_id)


class PersonDistinctionPolicy(Policy):
    """Marking two records of the unit flagged as possibly the same person "not the same person" (so
    they are not flagged again): a named handler of a case of one of them, who may see the other too
    (CREATE). Nothing reads a mark alone: the flags leave it out."""

    def decide(self, user, action, mark, purpose) -> Decision:
        if denial := _separation_of_duties(user):
            return denial
        if action != Action.CREATE:
            return Decision.deny("no rule allows this")
        if (
            mark.case is None
            or mark.case.person_id != mark.person_id
            or not is_named_handler(user, mark.case)
        ):
            return Decision.deny("not assigned to the case")
        if denial := _other_record_denial(user, mark.person, mark.other):
            return denial
        return Decision.allow("handler of a case of the person, sees the other record")
