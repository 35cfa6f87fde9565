"""The per-address limit on failed logins, beside django-axes's per-user one.

axes locks a username at an address after ``AXES_FAILURE_LIMIT`` failures (settings:
``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``), so one person's failures never lock a
colleague behind the same address. axes has a single threshold, so the limit for an address as a
whole — many failures over many usernames, which is guessing, not typing — is this one: the login
page asks :func:`address_locked_out` before it checks any password. Both end after
``AXES_COOLOFF_TIME``; an administrator lifts either with ``manage.py axes_reset_ip ADDRESS`` or
``axes_reset`` (the per-user lockout also from the account's page, or ``axes_reset_username``).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from audit import services as audit
from audit.models import AccessOutcome, Action


def address_failures(ip_address: str | None) -> int:
    """Failed logins from the address, over every username, within the cool-off time."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def address_locked_out(request) -> bool:
    """True (and the lockout in the access log) when the address has reached its own limit."""
    ip_address = get_client_ip_address(request)
    if address_failures(ip_address) < settings.LOTSA_LOCKOUT_ADDRESS_FAILURES:
        return False
    audit.record(
        action=Action.LOCKOUT,
        outcome=AccessOutcome.DENIED,
        actor_username=str(request.POST.get("username", ""))[:150],
        reason="too many failures from the address, over many usernames",
    )
    return True
