"""Who may read a relative's records (registered with lotsa.access)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.models import Action
from cases import queries as case_queries
from cases.access import READ_ACTIONS, CasePolicy, CaseRecordPolicy, assigned_case_ids, is_named_handler
from lotsa.access import Decision, Policy


class RelationPolicy(Policy):
    """The relation to the person concerned: only the relative case's named handlers (responsible or
    assigned), never the supervisor's overview, never anyone from the person's side."""

    def decide(self, user, action, relation, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("relations change through relatives.services")
        if is_named_handler(user, relation.case):
            return Decision.allow("named handler of the relative's case")
        return Decision.deny("the relation is shown only to the relative case's named handlers")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        handled = case_queries.case_policy_visible(user=user).filter(
            Q(responsible_id=user.pk) | Q(pk__in=assigned_case_ids(user))
        )
        return queryset.filter(case__in=handled, case__owner_unit_id=user.organisation_id)


class SupportConversationPolicy(CaseRecordPolicy):
    """Support conversations are read under the relative's case's rules."""

    def decide(self, user, action, record, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("conversations are recorded through relatives.services")
        return CasePolicy().decide(user, Action.VIEW, record.case, purpose)
