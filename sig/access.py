"""Who may open an intervention group's page (registered with lotsa.access)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from audit.models import Action
from cases.access import READ_ACTIONS, CasePolicy
from lotsa.access import Decision, Policy

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
