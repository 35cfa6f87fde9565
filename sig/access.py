"""Who may open an intervention group's page (registered with lotsa.access)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CIVIL_SOCIETY_KINDS, POLICE_KINDS, SOCIAL_SERVICES_KINDS
from accounts.roles import Role
from audit.models import Action
from cases import queries as case_queries
from cases.access import (
    READ_ACTIONS,
    THREAT_PICTURE_ON_PROGRAMME_PAGE,
    CasePolicy,
    threat_picture_crossing,
    threat_picture_visible,
)
from cases.words import Activity
from consent import policy
from lotsa.access import Decision, Policy
from lotsa.vocabulary import InformationCategory, Purpose
from sig.models import GroupStatus, InterventionGroup, Membership, ThreatAssessment

PURPOSE = Purpose.INTERVENTION_GROUP
# The access log's reasons for showing an intervention group's latest threat assessment on the
# programme's page (audit.vocabulary has their words): the second says that it belongs to another
# unit's record of the person than the programme's case.
GROUP_ASSESSMENT = "an intervention group's latest threat assessment of the person"
GROUP_ASSESSMENT_ELSEWHERE = (
    "an intervention group's latest threat assessment, from another unit's record of the person"
)


def _covered(user, group) -> bool:
    """A member from another organisation takes part only while a consent for the intervention group
    shares the person with their organisation."""
    return policy.sharing_decision(
        person_id=group.case.person_id,
        category=None,
        recorded_by_id=None,
        viewer_org_id=user.organisation_id,
        purpose=PURPOSE,
    ).allowed


class GroupPolicy(Policy):
    """Members read the group page (each sees only what consent gives their organisation); members
    from other organisations only while a consent covers them; the owning unit's supervisor reads it
    under the case's rules. Changes go through the services."""

    def decide(self, user, action, group, purpose) -> Decision:
        if user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR):
            return Decision.deny("administrators and coordinators read no case content")
        if action == Action.CREATE:
            return self._contribute(user, group)
        if action not in READ_ACTIONS:
            return CasePolicy().decide(user, action, group.case, purpose)
        if group.memberships.filter(user=user, left_at__isnull=True).exists():
            if user.organisation_id == group.case.owner_unit_id:
                return Decision.allow("member of the group")
            if _covered(user, group):
                return Decision.allow("member of the group, covered by the consent", ground="consent")
            return Decision.deny("no consent in force covers the member's organisation")
        case_decision = CasePolicy().decide(user, Action.VIEW, group.case, purpose)
        if case_decision.allowed:
            return case_decision
        return Decision.deny("not a member of the group")

    def _contribute(self, user, group) -> Decision:
        """What members record for the group (shared entries, assessments, follow-ups) crosses to the
        other members: the same rule as reading it, asked again on every write."""
        if group.status == GroupStatus.CLOSED:
            return Decision.deny("the group is closed")
        if not group.memberships.filter(user=user, left_at__isnull=True).exists():
            return Decision.deny("not a member of an open group")
        if user.organisation_id == group.case.owner_unit_id:
            return Decision.allow("member of the group")
        if _covered(user, group):
            return Decision.allow("member of the group, covered by the consent", ground="consent")
        return Decision.deny("no consent in force covers the member's organisation")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR) or user.organisation_id is None:
            return queryset.none()
        member = Q(memberships__user=user, memberships__left_at__isnull=True)
        own_unit_member = member & Q(case__owner_unit_id=user.organisation_id)
        covered_member = member & policy.shared_with(
            organisation_id=user.organisation_id, purpose=PURPOSE, person="case__person_id"
        )
        own_cases = Q(case__in=case_queries.case_policy_visible(user=user))
        return queryset.filter(own_unit_member | covered_member | own_cases).distinct()


# --- What members record, and what crosses to the other members (consent.policy decides) ----------


def _member(user, group):
    return group.memberships.filter(user=user, left_at__isnull=True).first()


def _civil(user) -> bool:
    return user.organisation is not None and user.organisation.kind in CIVIL_SOCIETY_KINDS


def _member_of(user, group_field: str, **membership) -> Q:
    """SQL: the user is a current member of the row's group (the field ``group_field``)."""
    return Q(
        Exists(
            Membership.objects.filter(
                group_id=OuterRef(group_field), user_id=user.pk, left_at__isnull=True, **membership
            )
        )
    )


def _crossing(user, *, category: str | None = None, category_value: str | None = None) -> Q:
    """SQL twin of ``_crosses`` for rows with ``person``, ``organisation`` and a category."""
    return Q(organisation_id=user.organisation_id) | policy.shared_with(
        organisation_id=user.organisation_id,
        purpose=PURPOSE,
        person="person_id",
        category=category,
        category_value=category_value,
        recorded_by="organisation_id",
    )


def _no_reader(user) -> bool:
    return user.organisation_id is None or user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR)


def _crosses(user, *, person_id, recorded_by_id: int, category: str) -> Decision:
    """Recorded by the user's own organisation, or shared with it for the intervention group."""
    return policy.sharing_decision(
        person_id=person_id,
        category=category,
        recorded_by_id=recorded_by_id,
        viewer_org_id=user.organisation_id,
        purpose=PURPOSE,
    )


def _reads_only(action) -> Decision | None:
    if action not in READ_ACTIONS:
        return Decision.deny("members record through the group's services")
    return None


class SharedEntryPolicy(Policy):
    """A member sees their own organisation's entries, other members' entries while the consent lets
    the category cross, and civil society only the summaries written for them, after the undertaking."""

    def decide(self, user, action, entry, purpose) -> Decision:
        if action == Action.CREATE:
            return self._write(user, entry)
        if denial := _reads_only(action):
            return denial
        membership = _member(user, entry.group)
        if membership is None:
            return Decision.deny("not a member of the group")
        if _civil(user):
            if membership.undertaking_accepted_at is None:
                return Decision.deny("the confidentiality undertaking is not accepted")
            if not entry.for_civil_society:
                return Decision.deny("civil society sees only the summaries written for it")
        return _crosses(
            user, person_id=entry.person_id, recorded_by_id=entry.organisation_id, category=entry.category
        )

    def _write(self, user, entry) -> Decision:
        """Sharing with the group: the group's rule for contributing, civil society after the
        undertaking, and summaries for civil society written by social services only."""
        decision = GroupPolicy()._contribute(user, entry.group)
        if not decision.allowed:
            return decision
        if _civil(user) and _member(user, entry.group).undertaking_accepted_at is None:
            return Decision.deny("the confidentiality undertaking is not accepted")
        if entry.for_civil_society and user.organisation.kind not in SOCIAL_SERVICES_KINDS:
            return Decision.deny("summaries for civil-society members are written by social services")
        return decision

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _no_reader(user):
            return queryset.none()
        if _civil(user):
            member = _member_of(user, "group_id", undertaking_accepted_at__isnull=False)
            return queryset.filter(member, _crossing(user, category="category"), for_civil_society=True)
        return queryset.filter(_member_of(user, "group_id"), _crossing(user, category="category"))


class ThreatAssessmentPolicy(Policy):
    """The police's assessments: members outside civil society, while the consent lets threat and
    protection cross."""

    def decide(self, user, action, assessment, purpose) -> Decision:
        if action == Action.CREATE:
            decision = GroupPolicy()._contribute(user, assessment.group)
            if decision.allowed and user.organisation.kind not in POLICE_KINDS:
                return Decision.deny("threat assessments are made by the police")
            return decision
        if denial := _reads_only(action):
            return denial
        if purpose == THREAT_PICTURE_ON_PROGRAMME_PAGE:
            return self._threat_picture(user, assessment)
        if _civil(user):
            return Decision.deny("civil society sees no threat assessment")
        if _member(user, assessment.group) is None:
            return Decision.deny("not a member of the group")
        return _crosses(
            user,
            person_id=assessment.person_id,
            recorded_by_id=assessment.organisation_id,
            category=assessment.CATEGORY,
        )

    def _threat_picture(self, user, assessment) -> Decision:
        """One person, one threat picture: the groups' latest assessment of the person, on the page of
        a defector programme's case of the same person the reader may open, while the consent for the
        intervention group lets threat and protection cross to the reader (cases.access)."""
        same_person = case_queries.records_of_same_person(person_id=assessment.person_id)
        programme_cases = case_queries.case_policy_visible(user=user).filter(
            activity=Activity.DEFECTOR_PROGRAMME, person__in=same_person
        )
        latest = case_queries.latest_of_same_person(
            ThreatAssessment._base_manager.all(), person_id=assessment.person_id
        )
        decision, same_record = threat_picture_crossing(
            user,
            assessment,
            latest=latest,
            standing_person_ids=programme_cases.values_list("person_id", flat=True),
            purpose=PURPOSE,
        )
        if not decision.allowed:
            return decision
        return Decision.allow(
            GROUP_ASSESSMENT if same_record else GROUP_ASSESSMENT_ELSEWHERE, ground=decision.ground
        )

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if purpose == THREAT_PICTURE_ON_PROGRAMME_PAGE:
            programme_cases = case_queries.case_policy_visible(user=user).filter(
                activity=Activity.DEFECTOR_PROGRAMME, **case_queries.same_person_as_outer("person")
            )
            return threat_picture_visible(
                user,
                queryset,
                latest=case_queries.is_latest_of_same_person(ThreatAssessment),
                standing=Exists(programme_cases),
                purpose=PURPOSE,
            )
        if _no_reader(user) or _civil(user):
            return queryset.none()
        return queryset.filter(
            _member_of(user, "group_id"), _crossing(user, category_value=ThreatAssessment.CATEGORY)
        )


class MinutesItemPolicy(Policy):
    """Minutes: whoever may read the group (a member, or the owning unit under the case's rules),
    outside civil society, each item while its category may cross."""

    def decide(self, user, action, item, purpose) -> Decision:
        if denial := _reads_only(action):
            return denial
        if _civil(user):
            return Decision.deny("civil society sees the summaries only")
        group = item.meeting.group
        if (
            _member(user, group) is None
            and not CasePolicy().decide(user, Action.VIEW, group.case, purpose).allowed
        ):
            return Decision.deny("not a member of the group")
        return _crosses(
            user, person_id=item.person_id, recorded_by_id=item.organisation_id, category=item.category
        )

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if _no_reader(user) or _civil(user):
            return queryset.none()
        readers = _member_of(user, "meeting__group_id") | Q(
            meeting__group__case__in=case_queries.case_policy_visible(user=user)
        )
        return queryset.filter(readers, _crossing(user, category="category"))


class PlanPolicy(Policy):
    """The action plan (goals and actions) is the coordinator's record, category interventions and
    plans: other organisations see it only while the consent gives them that category; civil
    society never."""

    def plan_visible(self, user, group) -> bool:
        if user.organisation is None or _civil(user):
            return False
        return _crosses(
            user,
            person_id=group.case.person_id,
            recorded_by_id=group.case.owner_unit_id,
            category=InformationCategory.INTERVENTIONS_PLANS,
        ).allowed

    def groups_with_plan_visible(self, user, groups: QuerySet) -> QuerySet:
        """SQL twin of ``plan_visible``, for lists of groups."""
        if user.organisation is None or _civil(user):
            return groups.none()
        shared = policy.shared_with(
            organisation_id=user.organisation_id,
            purpose=PURPOSE,
            person="case__person_id",
            category_value=InformationCategory.INTERVENTIONS_PLANS,
            recorded_by="case__owner_unit_id",
        )
        return groups.filter(Q(case__owner_unit_id=user.organisation_id) | shared)

    def decide(self, user, action, obj, purpose) -> Decision:
        if denial := _reads_only(action):
            return denial
        group = obj.group if hasattr(obj, "group_id") else obj.goal.group
        readable = (
            _member(user, group) is not None
            or CasePolicy().decide(user, Action.VIEW, group.case, purpose).allowed
        )
        if readable and self.plan_visible(user, group):
            return Decision.allow("the plan, shared with the user's organisation")
        return Decision.deny("the plan is not shared with the user's organisation")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.organisation is None or _civil(user):
            return queryset.none()
        group = "group" if queryset.model.__name__ == "Goal" else "goal__group"
        readable = InterventionGroup.objects.filter(
            _member_of(user, "pk") | Q(case__in=case_queries.case_policy_visible(user=user))
        )
        groups = self.groups_with_plan_visible(user, readable)
        return queryset.filter(**{f"{group}__in": groups})


class MeetingPolicy(Policy):
    """A meeting's decisions are the coordinator's record, without a category: the owning unit reads
    them (its members, and under the case's rules); other organisations read the minutes' items."""

    def decide(self, user, action, meeting, purpose) -> Decision:
        if denial := _reads_only(action):
            return denial
        group = meeting.group
        if user.organisation_id != group.case.owner_unit_id:
            return Decision.deny("a meeting's decisions stay with the owning unit")
        if _member(user, group) is not None:
            return Decision.allow("member of the group in the owning unit")
        return CasePolicy().decide(user, Action.VIEW, group.case, purpose)

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.organisation_id is None:
            return queryset.none()
        readers = _member_of(user, "group_id") | Q(
            group__case__in=case_queries.case_policy_visible(user=user)
        )
        return queryset.filter(readers, group__case__owner_unit_id=user.organisation_id)
