"""``manage.py check --deploy``: how staff log in to a production installation (issue 31, item 4).

Production needs a way in that is not everyone's local password: the city's identity provider
(``LOTSA_SINGLE_SIGN_ON``), a short list of break-glass accounts (``LOTSA_BREAK_GLASS_ACCOUNTS``), or
both. The named accounts are looked up as the access log's checks look at the database (audit/checks.py):
before the first accounts exist (a fresh installation, before ``lotsa_first_accounts``) there is
nothing to look up.

The installation's root of trust is the city's identity provider naming the first supervisor
(accounts.installation): with single sign-on on, a provider must be told which claim does
(``LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM``, ``LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE``) while the chain of
logins the installer may have held alone has not ended.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.db import DatabaseError
from django.db.models.functions import Lower

from accounts.installation import first_supervisor_claim, first_supervisor_claim_problem
from accounts.local_login import MAX_BREAK_GLASS_ACCOUNTS, break_glass_usernames
from accounts.models import IdentityLink, User
from accounts.oidc import oidc_configured
from accounts.roles import GUARDED_ROLES
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


# The settings that name the first supervisor's claim, per protocol, with whether that provider is set up.
_FIRST_SUPERVISOR_SETTINGS = (
    ("LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM", oidc_configured),
    ("LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE", saml_configured),
)


def _chain_not_ended() -> tuple[bool, int]:
    """Whether no login from the first accounts can reach personal data yet (a fresh installation, or
    installation logins or unconfirmed links of the installation's and no other link of an account with
    a guarded role), and how many links of the installation's wait for the provider's confirmation."""
    waiting = IdentityLink.objects.filter(by_installation=True, provider_confirmed_at__isnull=True)
    if not User.objects.exists():
        return True, 0
    guarded = list(GUARDED_ROLES)
    tainted = (
        waiting.exists()
        or User.objects.filter(
            is_active=True, login_code__by_installation=True, role_grants__role__in=guarded
        ).exists()
    )
    ended = (
        IdentityLink.objects.filter(user__is_active=True, user__role_grants__role__in=guarded)
        .exclude(by_installation=True, provider_confirmed_at__isnull=True)
        .exists()
    )
    return tainted and not ended, waiting.count()


@register("lotsa", deploy=True)
def the_provider_names_the_first_supervisor(app_configs, **kwargs):
    """An error, not a warning: without the claim, an installation whose chain has not ended can never
    open a login that reaches personal data (each is confined), and the only way round would be to let
    one person's login through, the hole the claim closes. Noticed here, before the supervisor is stuck."""
    if not settings.LOTSA_PRODUCTION or not settings.LOTSA_SINGLE_SIGN_ON:
        return []
    problems, named = [], False
    for name, configured in _FIRST_SUPERVISOR_SETTINGS:
        value = getattr(settings, name)
        problem = first_supervisor_claim_problem(value) if value else None
        if problem:
            problems.append(
                Error(
                    f"{name} {problem}",
                    hint="Name a group or assignment of the first supervisor in the city's directory, e.g. "
                    '"groups=lotsa-first-supervisor" (docs/operations.md, "The first accounts").',
                    id="lotsa.E039",
                )
            )
        named = named or bool(configured() and first_supervisor_claim(value))
    if named:
        return problems
    try:
        not_ended, waiting = _chain_not_ended()
    except DatabaseError:
        not_ended, waiting = True, 0  # not migrated yet: a fresh installation
    if not_ended:
        problems.append(
            Error(
                "single sign-on is on, and no provider is told which claim names the first supervisor: "
                "no login from the first accounts could ever reach personal data",
                hint="Have the city's IT department assign the first supervisor a group or assignment in "
                "its directory, released to Lotsa, and name it in LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM or "
                "LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE (name=value) for a configured provider "
                '(docs/operations.md, "The first accounts").',
                id="lotsa.E038",
            )
        )
    elif waiting:
        problems.append(
            Warning(
                f"{waiting} identity links approved by the installation's logins wait for the provider to "
                "confirm the first supervisor, and no claim is named: their logins stay confined",
                hint="Remove those links and have a supervisor who logs in with e-ID approve them anew, or "
                "name the first-supervisor claim.",
                id="lotsa.W038",
            )
        )
    return problems
