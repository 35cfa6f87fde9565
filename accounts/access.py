"""Who approves a request that reaches case data (registered with lotsa.access).

Four eyes (invariant 5): never the administrator who entered the request, never the account it
concerns. For an account in a social-services unit, the unit's supervisor approves; for a
supervisor's own account, another supervisor (of any social-services unit); where a unit has no
supervisor in Lotsa, and for accounts of other organisations (whose members read what social
services' clients consented to) and for an organisation's kind, a supervisor of any social-services
unit. Administrators see the requests they manage; only approvers decide.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import SOCIAL_SERVICES_KINDS, AccountRequest, RequestKind, Role, User
from audit.models import Action
from lotsa.access import Decision, Policy

READS = frozenset({Action.VIEW, Action.LIST})


def _is_approver(user) -> bool:
    organisation = user.organisation
    return bool(
        user.has_role(Role.SUPERVISOR)
        and organisation is not None
        and organisation.is_active
        and organisation.kind in SOCIAL_SERVICES_KINDS
    )


def _unit_has_other_supervisor(request: AccountRequest) -> bool:
    return (
        User.objects.filter(
            organisation_id=request.organisation_id, is_active=True, role_grants__role=Role.SUPERVISOR
        )
        .exclude(pk__in=[request.requested_by_id, request.subject_user_id or 0])
        .exists()
    )


def _concerns_a_supervisor(request: AccountRequest) -> bool:
    subject = request.subject_user
    return Role.SUPERVISOR in request.roles or (subject is not None and subject.has_role(Role.SUPERVISOR))


def may_decide(user, request: AccountRequest) -> Decision:
    if request.requested_by_id == user.pk:
        return Decision.deny("nobody approves a request they entered")
    if request.subject_user_id == user.pk:
        return Decision.deny("nobody approves a request about their own account")
    if not _is_approver(user):
        return Decision.deny("requests are approved by a supervisor of a social-services unit")
    if request.kind == RequestKind.ORGANISATION_KIND:
        return Decision.allow("supervisor of social services approves an organisation's kind")
    if request.organisation.kind not in SOCIAL_SERVICES_KINDS:
        return Decision.allow("supervisor of social services approves an external member's account")
    if _concerns_a_supervisor(request):
        return Decision.allow("another supervisor approves a supervisor's account")
    if user.organisation_id == request.organisation_id:
        return Decision.allow("the unit's supervisor approves for its staff")
    if not _unit_has_other_supervisor(request):
        return Decision.allow("the unit has no supervisor: a supervisor of social services approves")
    return Decision.deny("the unit's own supervisor approves for its staff")


class AccountRequestPolicy(Policy):
    def decide(self, user, action, request, purpose) -> Decision:
        if action in READS and user.has_role(Role.ADMINISTRATOR):
            return Decision.allow("administrator: manages accounts")
        if action in READS and request.subject_user_id == user.pk:
            return Decision.allow("the account's own request")
        if action in (*READS, Action.UPDATE):
            return may_decide(user, request)
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        if user.has_role(Role.ADMINISTRATOR):
            return queryset
        if not _is_approver(user):
            return queryset.filter(subject_user_id=user.pk)
        # Coarse in SQL, exact per row with may_decide (the lists are short).
        return queryset.exclude(Q(requested_by_id=user.pk)).exclude(subject_user_id=user.pk)
