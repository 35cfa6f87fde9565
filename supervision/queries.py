"""Reads for the supervisor's desk that decide nothing: when the next review of the access log is due, and
which needs-and-risk analysis was in force. The deciding reads are in supervision/selectors.py."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from accounts.local_login import BREAK_GLASS_METHODS
from audit.models import AccessOutcome, Action
from supervision.models import (
    BreakGlassLogin,
    BreakGlassReview,
    LogReview,
    NeedsRiskAnalysis,
    ReviewPlan,
)


def log_review_plan_of(organisation_id) -> ReviewPlan | None:
    return ReviewPlan.objects.filter(organisation_id=organisation_id).first()


def log_review_due(organisation_id, today: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """The next period to review, when it has ended (after the last review's period, or the plan's
    length back from yesterday), or None when none is due yet or there is no plan."""
    plan = log_review_plan_of(organisation_id)
    if plan is None:
        return None
    today = today or timezone.localdate()
    last = LogReview.objects.filter(organisation_id=organisation_id).aggregate(last=Max("period_end"))["last"]
    start = last + dt.timedelta(days=1) if last else today - dt.timedelta(days=plan.every_days)
    end = start + dt.timedelta(days=plan.every_days - 1)
    return (start, end) if end < today else None


def analysis_in_force(organisation_id, role: str, at: dt.datetime) -> NeedsRiskAnalysis | None:
    return (
        NeedsRiskAnalysis.objects.filter(
            organisation_id=organisation_id, role=role, approved_at__isnull=False, approved_at__lte=at
        )
        .order_by("-version")
        .first()
    )


def break_glass_logins():
    """Every break-glass login the access log holds (accounts.local_login writes them), decided nothing."""
    return BreakGlassLogin.objects.filter(
        action=Action.LOGIN,
        outcome=AccessOutcome.ALLOWED,
        reason__in=[method.describe() for method in BREAK_GLASS_METHODS.values()],
    )


def break_glass_logins_waiting():
    return break_glass_logins().exclude(pk__in=BreakGlassReview.objects.values("login_id"))
