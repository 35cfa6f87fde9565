"""Reads of account requests and recently issued logins. They hold no personal data of any client;
each list is still an access event."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.access import may_decide
from accounts.identities import with_identity_shown
from accounts.models import AccountRequest, AccountRequestStatus, User
from accounts.roles import APPROVER_ROLES
from audit import services as audit
from audit.models import Action
from lotsa import access
from lotsa.waiting import Waiting


def _requests():
    return AccountRequest.objects.select_related(
        "subject_user",
        "subject_user__login_code__issued_by",
        "subject_user__login_code__completed_by",
        "organisation",
        "requested_by",
        "decided_by",
    ).prefetch_related("subject_user__role_grants", "approver_rows")


def _waiting_for(user: User) -> list[AccountRequest]:
    pending = access.visible_to(user, _requests().filter(status=AccountRequestStatus.PENDING))
    return [request for request in pending if may_decide(user, request).allowed]


@transaction.atomic
def account_requests_waiting_for(*, user: User) -> list[AccountRequest]:
    """Pending requests ``user`` may approve or refuse, oldest first."""
    rows = _waiting_for(user)
    audit.record(
        action=Action.LIST,
        actor=user,
        target_type="accounts.accountrequest",
        reason=f"account requests waiting for approval: {len(rows)}",
    )
    return with_identity_shown(user, rows)


@transaction.atomic
def account_requests_recent(*, user: User, limit: int = 50) -> list[AccountRequest]:
    """The administrators' view: every request, pending first, then the newest decided."""
    rows = list(access.visible_to(user, _requests()).order_by("-requested_at")[:limit])
    rows.sort(
        key=lambda request: (
            request.status != AccountRequestStatus.PENDING,
            -request.requested_at.timestamp(),
        )
    )
    audit.record(
        action=Action.LIST, actor=user, target_type="accounts.accountrequest", reason="account requests"
    )
    return with_identity_shown(user, rows)


def pending_requests_about(*, user: User) -> list[AccountRequest]:
    """What waits for approval about one account (shown to the account and its administrators)."""
    return list(_requests().filter(subject_user=user, status=AccountRequestStatus.PENDING))


def waiting_account_requests(user: User) -> list[Waiting]:
    """For the start page (counts only): the account requests that wait for ``user``'s approval (an
    approver's, decided request by request; also on the supervisor's desk), and those ``user`` entered
    that still wait for a second person's approval."""
    items = []
    if user.has_role(*APPROVER_ROLES) and (to_decide := len(_waiting_for(user))):
        text = ngettext(
            "%(n)s account request waits for your approval.",
            "%(n)s account requests wait for your approval.",
            to_decide,
        )
        items.append(Waiting(text % {"n": to_decide}, reverse("accounts:requests"), approval=True))
    mine = AccountRequest.objects.filter(requested_by=user, status=AccountRequestStatus.PENDING).count()
    if mine:
        text = ngettext(
            "%(n)d account request you entered waits for approval",
            "%(n)d account requests you entered wait for approval",
            mine,
        )
        items.append(Waiting(text % {"n": mine}, reverse("accounts:requests")))
    return items
