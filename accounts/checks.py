"""``manage.py check --deploy``: how staff log in to a production installation (issue 31, item 4).

Production needs a way in that is not everyone's local password: the city's identity provider
(``LOTSA_SINGLE_SIGN_ON``), a short list of break-glass accounts (``LOTSA_BREAK_GLASS_ACCOUNTS``), or
both. The named accounts are looked up as the access log's checks look at the database (audit/checks.py):
before the first accounts exist (a fresh installation, before ``lotsa_first_accounts``) there is
nothing to look up.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError
from django.db.models.functions import Lower

from accounts.local_login import MAX_BREAK_GLASS_ACCOUNTS, break_glass_usernames
from accounts.models import User
from accounts.oidc import oidc_configured
from accounts.saml import saml_configured


def _named_accounts_problems(names: set[str]) -> list[Warning]:
    try:
        if not User.objects.exists():
            return []
        found = {
            username.lower(): active and organisation_active
            for username, active, organisation_active in User.objects.annotate(name=Lower("username"))
            .filter(name__in=names)
            .values_list("username", "is_active", "organisation__is_active")
        }
    except DatabaseError:
        return []  # not migrated yet: nothing to compare with
    problems = []
    for name in sorted(names):
        if name not in found:
            problems.append(
                Warning(
                    f"LOTSA_BREAK_GLASS_ACCOUNTS names {name!r}, which is no account of this installation",
                    hint='Name existing accounts only (docs/operations.md, "Logging in").',
                    id="lotsa.W033",
                )
            )
        elif not found[name]:
            problems.append(
                Warning(
                    f"LOTSA_BREAK_GLASS_ACCOUNTS names {name!r}, whose account or organisation is inactive: "
                    "it cannot be the way in when the identity provider is down",
                    hint='Name active accounts only (docs/operations.md, "Logging in").',
                    id="lotsa.W033",
                )
            )
    return problems


@register("lotsa", deploy=True)
def local_login_only_where_it_must_be(app_configs, **kwargs):
    if not settings.LOTSA_PRODUCTION:
        return []
    names = break_glass_usernames()
    if not settings.LOTSA_SINGLE_SIGN_ON and not names:
        return [
            Error(
                "production has no single sign-on and no break-glass accounts: every account would log "
                "in with a local password",
                hint="Connect the city's identity provider (LOTSA_SINGLE_SIGN_ON=1) and name the few "
                'break-glass accounts in LOTSA_BREAK_GLASS_ACCOUNTS (docs/operations.md, "Logging in").',
                id="lotsa.E031",
            )
        ]
    problems = []
    provider_configured = oidc_configured() or saml_configured()
    if settings.LOTSA_SINGLE_SIGN_ON and not provider_configured:
        problems.append(
            Error(
                "single sign-on is on but no identity provider is configured: only the break-glass "
                "accounts could log in",
                hint="Set LOTSA_OIDC_ISSUER, LOTSA_OIDC_CLIENT_ID and the client secret, or the SAML "
                "identity provider (LOTSA_SAML_SP_ENTITY_ID, LOTSA_SAML_IDP_ENTITY_ID, its metadata file, "
                "Lotsa's key and certificate) (docs/operations.md, \"A city's login provider\").",
                id="lotsa.E032",
            )
        )
    if provider_configured and not settings.LOTSA_SINGLE_SIGN_ON:
        problems.append(
            Warning(
                "an identity provider is configured but single sign-on is off: every account may still "
                "log in with a local password",
                hint="Set LOTSA_SINGLE_SIGN_ON=1 once the city's provider carries the logins.",
                id="lotsa.W034",
            )
        )
    if len(names) > MAX_BREAK_GLASS_ACCOUNTS:
        problems.append(
            Warning(
                f"LOTSA_BREAK_GLASS_ACCOUNTS names {len(names)} accounts: break-glass is for a few "
                f"(at most {MAX_BREAK_GLASS_ACCOUNTS}), each login reviewed",
                hint="Keep the list short: staff log in through the city's identity provider.",
                id="lotsa.W031",
            )
        )
    if settings.LOTSA_SINGLE_SIGN_ON and not names:
        problems.append(
            Warning(
                "single sign-on is on and no break-glass account is named: nobody can log in while the "
                "identity provider is down",
                hint="Name one or two break-glass accounts in LOTSA_BREAK_GLASS_ACCOUNTS.",
                id="lotsa.W032",
            )
        )
    if names:
        problems += _named_accounts_problems(names)
    return problems


@register("lotsa", deploy=True)
def passkeys_bound_to_a_named_domain(app_configs, **kwargs):
    """Passkeys are bound to a domain: without LOTSA_PASSKEY_RP_ID it is taken from the request's Host
    (checked against ALLOWED_HOSTS), and a later change of it strands every passkey."""
    if not settings.LOTSA_PRODUCTION or settings.LOTSA_PASSKEY_RP_ID:
        return []
    return [
        Warning(
            "LOTSA_PASSKEY_RP_ID is not set: passkeys are bound to whatever host a request names",
            hint="Set LOTSA_PASSKEY_RP_ID to the public host name (e.g. lotsa.stad.se) before anyone adds "
            "a passkey: changing it later strands every passkey (docs/operations.md).",
            id="lotsa.W035",
        )
    ]
