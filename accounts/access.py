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

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import (
    ADMINISTRATION_UNIT_KINDS,
    SOCIAL_SERVICES_KINDS,
    AccountRequest,
    ApproverBasis,
    RequestApprover,
    RequestKind,
    User,
)
from accounts.roles import APPROVER_ROLES, Role
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
        RequestKind.ORGANISATION_DEACTIVATE,
        RequestKind.ACCOUNT_DISABLE,
    ):
        return True
    if request.organisation.kind not in SOCIAL_SERVICES_KINDS:
        return True  # an external member's account
    subject = request.subject_user
    concerned = set(request.roles) | (set(subject.role_codes()) if subject is not None else set())
    return bool(concerned & APPROVER_ROLES)


@dataclass(frozen=True)
class Approver:
    user_id: int
    basis: str
    organisation_id: int | None = None


def approvers_for(request: AccountRequest) -> list[Approver]:
    """Who may decide ``request``, and in which role, worked out once, when it is made."""
    excluded = [request.requested_by_id, request.subject_user_id or 0]
    if request.kind == RequestKind.ORGANISATION_DEACTIVATE:
        excluded_orgs = [request.organisation_id]  # its own staff do not decide their unit's end
    else:
        excluded_orgs = []
    found: list[Approver] = []
    if not _goes_to_access_approvers(request):
        found = [
            Approver(pk, ApproverBasis.UNIT_SUPERVISOR, request.organisation_id)
            for pk in _unit_supervisors(request.organisation_id)
            .exclude(pk__in=excluded)
            .values_list("pk", flat=True)
        ]
    if not found:  # and a unit without a supervisor
        found = [
            Approver(pk, ApproverBasis.ACCESS_APPROVER)
            for pk in access_approvers()
            .exclude(pk__in=excluded)
            .exclude(organisation_id__in=excluded_orgs)
            .values_list("pk", flat=True)
        ]
    if not found and Role.ACCESS_APPROVER in request.roles and not access_approvers().exists():
        # The city's first access approver: the administration's own units' supervisors decide.
        found = [
            Approver(pk, ApproverBasis.ADMINISTRATION_SUPERVISOR)
            for pk in _active(
                User.objects.filter(
                    organisation__kind__in=ADMINISTRATION_UNIT_KINDS, role_grants__role=Role.SUPERVISOR
                )
            )
            .exclude(pk__in=excluded)
            .values_list("pk", flat=True)
        ]
    return sorted(set(found), key=lambda approver: approver.user_id)


def _holds_an_approver_role(user) -> bool:
    organisation = user.organisation
    return bool(
        user.is_active
        and organisation is not None
        and organisation.is_active
        and organisation.kind in SOCIAL_SERVICES_KINDS
        and user.has_role(*APPROVER_ROLES)
    )


def _still_holds(user, row: RequestApprover) -> bool:
    """Whether ``user`` still holds the role that made them an approver of the request."""
    if not _holds_an_approver_role(user):
        return False
    if row.basis == ApproverBasis.UNIT_SUPERVISOR:
        return user.organisation_id == row.organisation_id and user.has_role(Role.SUPERVISOR)
    in_administration = user.organisation.kind in ADMINISTRATION_UNIT_KINDS
    if row.basis == ApproverBasis.ACCESS_APPROVER:
        return in_administration and user.has_role(Role.ACCESS_APPROVER)
    return in_administration and user.has_role(Role.SUPERVISOR)


def _approver_row(request: AccountRequest, user) -> RequestApprover | None:
    if "approver_rows" in getattr(request, "_prefetched_objects_cache", {}):
        return next((row for row in request.approver_rows.all() if row.user_id == user.pk), None)
    return request.approver_rows.filter(user_id=user.pk).first()


def may_decide(user, request: AccountRequest) -> Decision:
    if request.requested_by_id == user.pk:
        return Decision.deny("nobody approves a request they entered")
    if request.subject_user_id == user.pk:
        return Decision.deny("nobody approves a request about their own account")
    row = _approver_row(request, user)
    if row is None:
        return Decision.deny("not among the approvers fixed when the request was made")
    if not _still_holds(user, row):
        return Decision.deny("no longer holds the role that made them an approver")
    return Decision.allow(f"among the approvers fixed when the request was made ({row.basis})")


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
        if not _holds_an_approver_role(user):
            return queryset.filter(subject_user_id=user.pk)
        return (
            queryset.filter(Q(approver_rows__user=user) | Q(subject_user_id=user.pk))
            .exclude(requested_by_id=user.pk)
            .distinct()
        )


class IdentityLinkPolicy(Policy):
    """Identity links (accounts.identities): administrators ask for them (a second person approves,
    by AccountRequestPolicy) and remove them; nobody else reaches them."""

    def decide(self, user, action, link, purpose) -> Decision:
        if user.has_role(Role.ADMINISTRATOR):
            return Decision.allow("administrator: manages accounts")
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset if user.has_role(Role.ADMINISTRATOR) else queryset.none()
