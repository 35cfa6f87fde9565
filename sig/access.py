"""Who may open an intervention group's page (registered with lotsa.access)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from audit.models import Action
from cases.access import READ_ACTIONS, CasePolicy
from lotsa.access import Decision, Policy
from lotsa.vocabulary import InformationCategory

PURPOSE = "intervention_group"


def _covered_people(user) -> list:
    """The people a consent for the intervention group (or a recorded ground) shares with the user's
    organisation now: a member from another organisation sees the group only while that holds."""
    from consent.policy import shared_scope

    return list(shared_scope(viewer_org_id=user.organisation_id, purpose=PURPOSE))


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
            if group.case.person_id in _covered_people(user):
                return Decision.allow("member of the group, covered by the consent", ground="consent")
            return Decision.deny("no consent in force covers the member's organisation")
        case_decision = CasePolicy().decide(user, Action.VIEW, group.case, purpose)
        if case_decision.allowed:
            return case_decision
        return Decision.deny("not a member of the group")

    def _contribute(self, user, group) -> Decision:
        """What members record for the group (shared entries, assessments, follow-ups) crosses to the
        other members: the same rule as reading it, asked again on every write."""
        from sig.models import GroupStatus

        if group.status == GroupStatus.CLOSED:
            return Decision.deny("the group is closed")
        if not group.memberships.filter(user=user, left_at__isnull=True).exists():
            return Decision.deny("not a member of an open group")
        if user.organisation_id == group.case.owner_unit_id:
            return Decision.allow("member of the group")
        if group.case.person_id in _covered_people(user):
            return Decision.allow("member of the group, covered by the consent", ground="consent")
        return Decision.deny("no consent in force covers the member's organisation")

    def visible(self, user, queryset: QuerySet) -> QuerySet:
        from cases.models import Case

        if user.has_role(Role.ADMINISTRATOR, Role.COORDINATOR) or user.organisation_id is None:
            return queryset.none()
        member = Q(memberships__user=user, memberships__left_at__isnull=True)
        own_unit_member = member & Q(case__owner_unit_id=user.organisation_id)
        covered_member = member & Q(case__person_id__in=_covered_people(user))
        own_cases = Q(case__in=CasePolicy().visible(user, Case.objects.all()))
        return queryset.filter(own_unit_member | covered_member | own_cases).distinct()


# --- What members record, and what crosses to the other members (consent.policy decides) ----------


def _member(user, group):
    return group.memberships.filter(user=user, left_at__isnull=True).first()


def _civil(user) -> bool:
    from accounts.models import CIVIL_SOCIETY_KINDS

    return user.organisation is not None and user.organisation.kind in CIVIL_SOCIETY_KINDS


def _crosses(user, *, person_id, recorded_by_id: int, category: str) -> Decision:
    """Recorded by the user's own organisation, or shared with it for the intervention group."""
    from consent import policy

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


class ThreatAssessmentPolicy(Policy):
    """The police's assessments: members outside civil society, while the consent lets threat and
    protection cross."""

    def decide(self, user, action, assessment, purpose) -> Decision:
        if denial := _reads_only(action):
            return denial
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


class ReferralPolicy(Policy):
    """A referral is read by the owning unit (under the case's rules) and by the programme it names,
    while a consent for the defector programme shares the person with it."""

    def decide(self, user, action, referral, purpose) -> Decision:
        from consent import policy
        from consent.models import Purpose

        if denial := _reads_only(action):
            return denial
        if user.organisation_id == referral.to_organisation_id:
            scope = policy.shared_scope(
                viewer_org_id=user.organisation_id,
                person_ids=[referral.person_id],
                purpose=Purpose.DEFECTOR_PROGRAMME,
            )
            if referral.person_id in scope:
                return Decision.allow("the programme the referral names, under the consent", ground="consent")
            return Decision.deny("no consent for the defector programme names the programme")
        return CasePolicy().decide(user, Action.VIEW, referral.group.case, purpose)


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
