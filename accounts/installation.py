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
reset of the supervisor's login that approver approves). A login through the city's identity provider
is the provider's, not the installer's, and is not confined: it ends the chain, and a second part
completed in such a session is an ordinary one. A purely local installation never gets out of it.

It runs once: as soon as any account exists it refuses and changes nothing. It is one transaction:
whatever fails leaves nothing behind. What it did is in the access log, with the installation (this
command) as the actor, not a person.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Whether a session is a login set by the installation's code (not one through the provider) of an
    account whose roles reach personal data or approve access to it (the administrator's reach neither)."""
    return bool(
        user.is_authenticated
        and not isinstance(device, IdentityLink)
        and user.login_code_id is not None  # the demo's and the fixtures' logins: no query
        and user.has_role(*GUARDED_ROLES)
        and user.login_by_installation
    )


def confined_home() -> str:
    return reverse("accounts:requests")


def confined_message() -> str:
    return _(
        "Your login was set with a code one person may have held alone (the installation's, or one "
        "completed by such a login): it approves account requests only. Log in with your e-ID through "
        "the city's login service to reach your pages; ask your administrator to connect it."
    )


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
