"""The first accounts of a fresh installation (issue 31, item 5; ``manage.py lotsa_first_accounts``).

A fresh installation has no account, and the four-eyes rule needs two people from the start: an
administrator (who manages accounts and never reads a case) and a supervisor of a social-services
unit (who approves the access the administrator asks for; a supervisor of one of the administration's
own units also approves the very first access approver). This creates both, each without a usable
password and with a one-time enrolment code (accounts.services: the same activation page as every
other account's).

Both codes are printed to the one person who runs the command, so both are recorded as what they are:
whole codes the installation gave one person (``EnrolmentCode.by_installation``; the login they set is
``LoginKind.INSTALLATION``). Splitting the supervisor's code in two would only pretend otherwise: the
installer saw both parts. Invariant 5 (a login one person ever held alone never reaches personal data)
is kept by confining that login instead (:func:`confined`, accounts.middleware): the supervisor logs in
with it to approve the first accounts (an access approver first) and reaches nothing else, no page
with personal data. The taint carries (accounts.services._complete_code): the installer holds the
administrator's login too, so a code whose second part such a login completed is recorded as the
installation's as well, and the login it sets is confined in turn (the first access approver's, a
reset of the supervisor's login that approver approves).

The root of trust is the city's identity provider asserting who the first supervisor is. An identity
link approved in such a session (the supervisor's first e-ID link, asked for by the administrator and
approved by the confined supervisor or access approver) is the installation's too
(``IdentityLink.by_installation``): the installer could have linked the account to their own e-ID. A
login through it is confined like the installation's logins, unless the provider's answer carries the
configured first-supervisor claim (:func:`first_supervisor_claim`: ``LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM``
for OpenID Connect, ``LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE`` for SAML, each ``name=value``), a group
or an assignment the city's IT department gives the named first supervisor in its own directory, out of
the installer's reach. Then the link is confirmed (:func:`link_confirm_by_provider`: when, by which
claim, an access event) and is the provider's from then on: its sessions are not confined, and a second
part completed or a link approved in them is an ordinary one. The chain ends there. A link approved by
an untainted login needs no claim, and the claim on it changes nothing. A purely local installation
never gets out of the chain.

It runs once: as soon as any account exists it refuses and changes nothing. It is one transaction:
whatever fails leaves nothing behind. What it did is in the access log, with the installation (this
command) as the actor, not a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    SOCIAL_SERVICES_KINDS,
    EnrolmentCode,
    IdentityLink,
    Organisation,
    OrganisationKind,
    User,
)
from accounts.roles import GUARDED_ROLES, Role
from accounts.services import (
    IssuedCode,
    _code_expiry,
    _code_hash,
    _new_code_text,
    _void_codes,
    user_set_roles,
)
from audit import services as audit
from audit.models import Action
from lotsa.errors import DomainError

# The access log's actor for what the installation did: no person, the command.
INSTALLATION = "installation: lotsa_first_accounts"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class FirstAccounts:
    administrator: User
    administrator_code: IssuedCode
    supervisor: User
    supervisor_code: IssuedCode
    unit: Organisation
    system: Organisation


def _record(target, reason: str) -> None:
    audit.record(action=Action.CREATE, actor_username=INSTALLATION, target=target, reason=reason)


def _organisation(name: str, kind: str, *, kinds, district: str = "") -> Organisation:
    """The organisation of that name, when it exists, is of a fitting kind and active; else a new one."""
    name = name.strip()
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        if existing.kind not in kinds or not existing.is_active:
            raise DomainError(
                _(
                    "The organisation %(name)s exists, but is not an active organisation of a fitting "
                    "kind (%(kinds)s)."
                )
                % {
                    "name": repr(name),
                    "kinds": ", ".join(sorted(str(OrganisationKind(k).label) for k in kinds)),
                }
            )
        return existing
    organisation = Organisation(name=name, kind=kind, district=district.strip(), is_active=True)
    try:
        organisation.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    organisation.save()
    _record(organisation, "organisation created by the installation")
    return organisation


def _account(person: Person, organisation: Organisation, role: str) -> User:
    user = User(
        username=person.username.strip(),
        first_name=person.first_name.strip(),
        last_name=person.last_name.strip(),
        email=person.email.strip(),
        organisation=organisation,
        credentials_issued_at=timezone.now(),
    )
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise DomainError(f"{person.username!r}: " + " ".join(error.messages)) from None
    user.save()
    user_set_roles(user=user, roles={role})
    _record(user, "first account created by the installation")
    return user


def _installation_code(user: User) -> IssuedCode:
    """A whole enrolment code, recorded as the installation's: the one installer is shown it."""
    _void_codes(user)
    text = _new_code_text()
    code = EnrolmentCode.objects.create(
        user=user,
        first_part_hash=_code_hash(user.pk, text, "first"),
        needs_second_part=False,
        by_installation=True,
        expires_at=_code_expiry(),
    )
    _record(user, "enrolment code issued by the installation")
    return IssuedCode(text=text, complete=True, expires_at=code.expires_at)


# What a login set by the installation's code reaches (accounts.middleware): the account requests it
# approves (the code page of an approved account is that decision's answer), its own passkeys, logging
# out. The start page leads to the requests. Everything else is refused, recorded.
CONFINED_URL_NAMES = (
    "accounts:requests",
    "accounts:request_decide",
    "accounts:logout",
    "accounts:passkeys",
    "accounts:passkey_remove",
)
# Pages that lead to the requests instead (the start page, where a login lands).
CONFINED_PAGE_NAMES = ("home",)
CONFINED_REASON = "a login one person held alone never reaches personal data"


def confined(user, device) -> bool:
    """Whether a session is one the installer may have held alone, of an account whose roles reach
    personal data or approve access to it (the administrator's reach neither): a login set by the
    installation's code, or a login through an identity link such a login approved that the provider
    has not confirmed (``device``: the session's verified django-otp device)."""
    if not user.is_authenticated:
        return False
    if isinstance(device, IdentityLink):
        return device.held_by_installation and user.has_role(*GUARDED_ROLES)
    return bool(
        user.login_code_id is not None  # the demo's and the fixtures' logins: no query
        and user.has_role(*GUARDED_ROLES)
        and user.login_by_installation
    )


def confined_home() -> str:
    return reverse("accounts:requests")


def confined_message(device=None) -> str:
    """Why the session approves account requests only: its password, or its unconfirmed e-ID link."""
    if isinstance(device, IdentityLink):
        return _(
            "You logged in with your e-ID, but its link to this account was approved by a login the "
            "installer may have held alone, and the city's login service did not confirm that you are "
            "the first supervisor: this login approves account requests only. If you are the first "
            "supervisor, ask the city's IT department to give you the first supervisor's assignment at "
            "the login service, then log in again. Otherwise ask your administrator to have the link "
            "approved anew by a supervisor who logged in with e-ID."
        )
    return _(
        "Your login was set with a code one person may have held alone (the installation's, or one "
        "completed by such a login): it approves account requests only. Log in with your e-ID through "
        "the city's login service to reach your pages; ask your administrator to connect it."
    )


# --- The root of trust: the provider says who the first supervisor is --------------------------------


@dataclass(frozen=True)
class FirstSupervisorClaim:
    """A claim (OpenID Connect) or attribute (SAML) and the value the provider asserts for the first
    supervisor, e.g. ``groups`` containing ``lotsa-first-supervisor``."""

    name: str
    value: str

    def describe(self) -> str:
        return f"{self.name}={self.value}"[:300]


def _linking_claims() -> set[str]:
    """The claims that say which account a login is (an identity link's match): the person who sets the
    environment could name their own e-ID by one of them, so none names the first supervisor."""
    names = {"sub", settings.LOTSA_OIDC_CLAIM, settings.LOTSA_SAML_ATTRIBUTE}
    return {name.strip().casefold() for name in names if name and name.strip()}


def first_supervisor_claim_problem(setting: str) -> str | None:
    """Why a setting names no first-supervisor claim (``check --deploy``'s words), or None when it names
    one. Refused: not ``name=value``, or a claim that links a login to an account (``sub``,
    ``LOTSA_OIDC_CLAIM``, ``LOTSA_SAML_ATTRIBUTE``): the claim must be one the city's IT department gives
    the person in its own directory, not one naming a person's e-ID."""
    name, separator, value = (setting or "").partition("=")
    name, value = name.strip(), value.strip()
    if not (separator and name and value):
        return "is not of the form name=value"
    if name.casefold() in _linking_claims():
        return (
            f"names {name!r}, a claim that links a login to an account (sub, LOTSA_OIDC_CLAIM, "
            "LOTSA_SAML_ATTRIBUTE): whoever sets it could name their own e-ID"
        )
    return None


def first_supervisor_claim(setting: str) -> FirstSupervisorClaim | None:
    """The claim a setting names (``name=value``, split at the first ``=``: a group's value may be a
    directory name with ``=`` in it); None when it is empty, malformed or a linking claim
    (:func:`first_supervisor_claim_problem`: then nothing is confirmed by it)."""
    if not setting or first_supervisor_claim_problem(setting) is not None:
        return None
    name, _separator, value = setting.partition("=")
    return FirstSupervisorClaim(name.strip(), value.strip())


def _asserted(raw) -> list[str]:
    """A claim's values as the provider gave them: one string or number, or a list of them."""
    if isinstance(raw, str | int):
        return [str(raw)]
    if isinstance(raw, list | tuple):
        return [str(item) for item in raw if isinstance(item, str | int)]
    return []


def link_confirm_by_provider(
    *, link: IdentityLink, claim: FirstSupervisorClaim | None, asserted: Callable[[str], object]
) -> bool:
    """A login through ``link`` whose verified answer (``asserted``: a claim's or attribute's values by
    name) carries the first-supervisor ``claim`` confirms a link the installation's logins approved:
    the provider, not the installer, said who the person is. Recorded on the link (when, which claim)
    and as an access event of the person; True when it confirmed. Any other link, or no claim, or
    another value: nothing changes (an ordinary link needs no claim, and the claim adds nothing to it)."""
    if claim is None or not link.held_by_installation:
        return False
    if claim.value not in _asserted(asserted(claim.name)):
        return False
    with transaction.atomic():
        locked = IdentityLink.objects.select_for_update().get(pk=link.pk)
        if not locked.held_by_installation:
            return False
        link.provider_confirmed_at = timezone.now()
        link.provider_confirmed_by = claim.describe()
        link.save(update_fields=["provider_confirmed_at", "provider_confirmed_by"])
        audit.record(
            action=Action.UPDATE,
            actor=link.user,
            target=link.user,
            reason="identity link confirmed by the provider's first-supervisor claim",
        )
    return True


def first_accounts_create(
    *,
    administrator: Person,
    supervisor: Person,
    unit_name: str,
    unit_kind: str = OrganisationKind.VBE_TEAM,
    unit_district: str = "",
    system_name: str,
) -> FirstAccounts:
    """The installation's administrator (in a system-management organisation) and a supervisor (of a
    social-services unit), created or named by name, each with an enrolment code. Refused, changing
    nothing, once any account exists."""
    if unit_kind not in SOCIAL_SERVICES_KINDS:
        raise DomainError(
            _("The supervisor's unit must be a social-services organisation, not %(kind)s.")
            % {"kind": repr(unit_kind)}
        )
    if administrator.username.strip().lower() == supervisor.username.strip().lower():
        raise DomainError(_("The administrator and the supervisor are two people: give them two usernames."))
    with transaction.atomic():
        if User.objects.exists():
            raise DomainError(
                _(
                    "This installation has accounts already: the first accounts are created only on a "
                    "fresh installation. Its administrators create further accounts in Lotsa."
                )
            )
        system = _organisation(
            system_name, OrganisationKind.SYSTEM_MANAGEMENT, kinds={OrganisationKind.SYSTEM_MANAGEMENT}
        )
        unit = _organisation(unit_name, unit_kind, kinds=SOCIAL_SERVICES_KINDS, district=unit_district)
        admin = _account(administrator, system, Role.ADMINISTRATOR)
        admin_code = _installation_code(admin)
        head = _account(supervisor, unit, Role.SUPERVISOR)
        head_code = _installation_code(head)
    return FirstAccounts(admin, admin_code, head, head_code, unit, system)
