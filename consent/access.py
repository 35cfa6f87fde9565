"""Who may manage a consent (registered with lotsa.access).

A consent is managed (superseded, withdrawn) by the named handlers of the case it was recorded in,
and by nobody else: opening another case of the same person gives no hold over the consents another
social worker's case depends on. It is read under the rules of that case."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.models import Action
from cases import queries as case_queries
from cases.access import READ_ACTIONS, CasePolicy, handles_a_case_of, is_named_handler
from lotsa.access import Decision, Policy


class ConsentPolicy(Policy):
    def decide(self, user, action, consent, purpose) -> Decision:
        case = consent.case
        if case is None:
            return Decision.deny("the consent is linked to no case")
        if action in READ_ACTIONS:
            return CasePolicy().decide(user, Action.VIEW, case, purpose)
        if action == Action.UPDATE:
            if user.has_role("administrator", "coordinator"):
                return Decision.deny("administrators and coordinators read no case content")
            if is_named_handler(user, case):
                return Decision.allow("handler of the case the consent was recorded in")
            return Decision.deny("consents are managed by the handlers of the case they were recorded in")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(case__in=case_queries.case_policy_visible(user=user))


class ConsentReviewPolicy(Policy):
    """The owning unit's supervisor reviews a disclosure or an emergency access; never their own."""

    def decide(self, user, action, review, purpose) -> Decision:
        if not user.has_role("supervisor") or user.organisation_id != review.organisation_id:
            return Decision.deny("reviews are made by the owning unit's supervisor")
        if action in READ_ACTIONS:
            return Decision.allow("supervisor of the owning unit")
        if action == Action.UPDATE:
            if review.actor_id == user.pk:
                return Decision.deny("nobody reviews their own act")
            return Decision.allow("supervisor of the owning unit")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if not user.has_role("supervisor"):
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)


class DisclosurePolicy(Policy):
    """The record of a disclosure is read in the unit that made it: by the handlers of the person's
    cases and by the supervisor who reviews it. (The recipient sees the information, under
    consent.policy, never the record.)"""

    def decide(self, user, action, disclosure, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("disclosures are recorded through consent.services")
        if user.organisation_id != disclosure.organisation_id:
            return Decision.deny("the record of a disclosure stays in the unit that made it")
        if user.has_role("supervisor"):
            return Decision.allow("supervisor of the disclosing unit")
        if handles_a_case_of(user, disclosure.person):
            return Decision.allow("handler of a case of the person")
        return Decision.deny("not a handler of the person's cases")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.has_role("supervisor"):
            return queryset.filter(organisation_id=user.organisation_id)
        cases = case_queries.case_policy_visible(user=user)
        return queryset.filter(organisation_id=user.organisation_id, person__cases__in=cases).distinct()


class EmergencyAccessPolicy(Policy):
    """An emergency access is read by the one who used it and by the supervisor who reviews it."""

    def decide(self, user, action, emergency, purpose) -> Decision:
        if action not in READ_ACTIONS:
            return Decision.deny("emergency access is opened through consent.services")
        if emergency.user_id == user.pk:
            return Decision.allow("the user's own emergency access")
        if user.has_role("supervisor") and user.organisation_id == emergency.case.owner_unit_id:
            return Decision.allow("supervisor of the owning unit")
        return Decision.deny("not the user's emergency access")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.has_role("supervisor"):
            return queryset.filter(Q(user=user) | Q(case__owner_unit_id=user.organisation_id))
        return queryset.filter(user=user)
