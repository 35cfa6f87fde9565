"""Reads of account requests and recently issued logins. They hold no personal data of any client;
each list is still an access event."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.access import may_decide
from accounts.models import AccountRequest, EnrolmentCode, RequestStatus, User
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
    pending = access.visible_to(user, _requests().filter(status=RequestStatus.PENDING))
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
    return rows


@transaction.atomic
def account_requests_recent(*, user: User, limit: int = 50) -> list[AccountRequest]:
    """The administrators' view: every request, pending first, then the newest decided."""
    rows = list(access.visible_to(user, _requests()).order_by("-requested_at")[:limit])
    rows.sort(
        key=lambda request: (request.status != RequestStatus.PENDING, -request.requested_at.timestamp())
    )
    audit.record(
        action=Action.LIST, actor=user, target_type="accounts.accountrequest", reason="account requests"
    )
    return rows


def pending_requests_about(*, user: User) -> list[AccountRequest]:
    """What waits for approval about one account (shown to the account and its administrators)."""
    return list(_requests().filter(subject_user=user, status=RequestStatus.PENDING))


def accounts_recently_issued(*, organisation_id: int | None, days: int | None = None) -> list[User]:
    """Accounts of the unit created or whose login was reset in the last ``days`` days: a new login is
    where a borrowed or hijacked account would begin, so the supervisor's review flags them."""
    days = settings.LOTSA_RECENT_ACCOUNT_DAYS if days is None else days
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        User.objects.filter(organisation_id=organisation_id, credentials_issued_at__gte=since)
        .prefetch_related("role_grants")
        .order_by("-credentials_issued_at")
    )


def accounts_new_or_reset(*, since: dt.datetime, until: dt.datetime) -> dict[int, list[dt.datetime]]:
    """For the access-log review: the accounts created, or whose login was re-issued on approval, in the
    window, with the moments it happened (user id -> moments). No personal data of any client."""
    moments: dict[int, list[dt.datetime]] = {}
    for pk, joined in User.objects.filter(date_joined__gte=since, date_joined__lt=until).values_list(
        "pk", "date_joined"
    ):
        moments.setdefault(pk, []).append(joined)
    # A login re-issued with a two-part code: a reset, or a guarded role granted, once approved.
    reissued = EnrolmentCode.objects.filter(
        completed_by__isnull=False, request__decided_at__gte=since, request__decided_at__lt=until
    ).values_list("user_id", "request__decided_at")
    for pk, decided in reissued:
        moments.setdefault(pk, []).append(decided)
    return moments


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
    mine = AccountRequest.objects.filter(requested_by=user, status=RequestStatus.PENDING).count()
    if mine:
        text = ngettext(
            "%(n)d account request you entered waits for approval",
            "%(n)d account requests you entered wait for approval",
            mine,
        )
        items.append(Waiting(text % {"n": mine}, reverse("accounts:requests")))
    return items
