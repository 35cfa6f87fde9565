"""``manage.py check --deploy``: what a notification links to, and how it leaves Lotsa."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register("lotsa", deploy=True)
def notifications_link_to_the_public_address(app_configs, **kwargs):
    if not settings.LOTSA_PRODUCTION:
        return []
    problems = []
    if not settings.LOTSA_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                f"LOTSA_BASE_URL is {settings.LOTSA_BASE_URL!r}: notifications would link there",
                hint="Set LOTSA_BASE_URL to Lotsa's public https address (e.g. https://lotsa.stad.se).",
                id="lotsa.W036",
            )
        )
    if not (settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL):
        problems.append(
            Warning(
                "notifications are sent to the mail server without TLS",
                hint="Set LOTSA_EMAIL_STARTTLS=1 (port 587) or LOTSA_EMAIL_TLS=1 (port 465) "
                "(docs/operations.md).",
                id="lotsa.W037",
            )
        )
    return problems
