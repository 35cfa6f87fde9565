"""Who approves a request that reaches case data (registered with lotsa.access).

Four eyes (invariant 5): never the administrator who entered the request, never the account it
concerns, and the approvers are fixed when the request is made (``approvers_for``), so that disabling
a supervisor or creating a unit afterwards never changes who decides it:

* a social-services unit's staff (roles, a move, a reset): the unit's own active supervisors;
* a unit with no active supervisor, a supervisor's or an access approver's own account, an external
  member's account, the disabling of an account that approves access, an organisation's kind and a
  new or reactivated organisation: the social-services administration's access approvers, a named
  role (``Role.ACCESS_APPROVER``), never any supervisor at all;
* the very first access approver, while the city has none: the supervisors of the social-services
  administration's own units (the VBE team, the defector programme, the treatment unit).

Administrators see the requests they manage; only the fixed approvers decide, while they still hold
the role that made them one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import (
    ADMINISTRATION_UNIT_KINDS,
    SOCIAL_SERVICES_KINDS,
    AccountRequest,
    RequestKind,
    Role,
    User,
)
from accounts.roles import APPROVER_ROLES
from audit.models import Action
from lotsa.access import Decision, Policy

READS = frozenset({Action.VIEW, Action.LIST})


def _active(queryset: QuerySet) -> QuerySet:
    return queryset.filter(is_active=True, organisation__is_active=True)


def access_approvers() -> QuerySet:
    return _active(
        User.objects.filter(
            role_grants__role=Role.ACCESS_APPROVER, organisation__kind__in=ADMINISTRATION_UNIT_KINDS
        )
    )


def _unit_supervisors(organisation_id: int) -> QuerySet:
    return _active(
        User.objects.filter(
            organisation_id=organisation_id,
            organisation__kind__in=SOCIAL_SERVICES_KINDS,
            role_grants__role=Role.SUPERVISOR,
        )
    )


def _goes_to_access_approvers(request: AccountRequest) -> bool:
    if request.kind in (
        RequestKind.ORGANISATION_KIND,
        RequestKind.ORGANISATION_ACTIVATE,
        RequestKind.ACCOUNT_DISABLE,
    ):
        return True
    if request.organisation.kind not in SOCIAL_SERVICES_KINDS:
        return True  # an external member's account
    subject = request.subject_user
    concerned = set(request.roles) | (set(subject.role_codes()) if subject is not None else set())
    return bool(concerned & APPROVER_ROLES)


def approvers_for(request: AccountRequest) -> list[int]:
    """The ids of the people who may decide ``request``, worked out once, when it is made."""
    excluded = [request.requested_by_id, request.subject_user_id or 0]
    if _goes_to_access_approvers(request):
        candidates = access_approvers()
    else:
        candidates = _unit_supervisors(request.organisation_id).exclude(pk__in=excluded)
        if not candidates.exists():
            candidates = access_approvers()  # a unit without a supervisor
    ids = set(candidates.exclude(pk__in=excluded).values_list("pk", flat=True))
    if not ids and Role.ACCESS_APPROVER in request.roles and not access_approvers().exists():
        # The city's first access approver: the administration's own units' supervisors decide.
        ids = set(
            _active(
                User.objects.filter(
                    organisation__kind__in=ADMINISTRATION_UNIT_KINDS, role_grants__role=Role.SUPERVISOR
                )
            )
            .exclude(pk__in=excluded)
            .values_list("pk", flat=True)
        )
    return sorted(ids)


def _still_holds_the_role(user) -> bool:
    organisation = user.organisation
    return bool(
        user.is_active
        and organisation is not None
        and organisation.is_active
        and organisation.kind in SOCIAL_SERVICES_KINDS
        and user.has_role(*APPROVER_ROLES)
    )


def _approver_ids(request: AccountRequest) -> set[int]:
    if "approvers" in getattr(request, "_prefetched_objects_cache", {}):
        return {approver.pk for approver in request.approvers.all()}
    return set(request.approvers.values_list("pk", flat=True))


def may_decide(user, request: AccountRequest) -> Decision:
    if request.requested_by_id == user.pk:
        return Decision.deny("nobody approves a request they entered")
    if request.subject_user_id == user.pk:
        return Decision.deny("nobody approves a request about their own account")
    if user.pk not in _approver_ids(request):
        return Decision.deny("not among the approvers fixed when the request was made")
    if not _still_holds_the_role(user):
        return Decision.deny("no longer holds the role that made them an approver")
    return Decision.allow("among the approvers fixed when the request was made")


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
        if not _still_holds_the_role(user):
            return queryset.filter(subject_user_id=user.pk)
        return (
            queryset.filter(Q(approvers=user) | Q(subject_user_id=user.pk))
            .exclude(requested_by_id=user.pk)
            .distinct()
        )
