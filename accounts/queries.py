"""Reads about accounts for other apps' pages and reviews, after their own decision: no access is decided or
recorded here (that is the caller's door, a selector)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts.models import EnrolmentCode, User


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
