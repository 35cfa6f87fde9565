"""The first accounts of a fresh installation (issue 31, item 5; ``manage.py lotsa_first_accounts``).

A fresh installation has no account, and the four-eyes rule needs two people from the start: an
administrator (who manages accounts and never reads a case) and a supervisor of a social-services
unit (who approves the access the administrator asks for; a supervisor of one of the administration's
own units also approves the very first access approver). This creates both, each without a usable
password and with a one-time enrolment code for its own person (accounts.services: the same codes
and the same activation page as every other account):

* the administrator's code is whole: the administrator's role reaches no personal data;
* the supervisor's code has two parts, like every code of an account that reads personal data (a
  login one person ever held alone never reaches personal data): the installer hands the parts over
  by two ways, and only the supervisor puts them together.

It runs once: as soon as any account exists it refuses and changes nothing. It is one transaction:
whatever fails leaves nothing behind. What it did is in the access log, with the installation (this
command) as the actor, not a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import SOCIAL_SERVICES_KINDS, EnrolmentCode, Organisation, OrganisationKind, User
from accounts.roles import Role
from accounts.services import (
    IssuedCode,
    _code_expiry,
    _code_hash,
    _issue_code,
    _new_code_text,
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
    supervisor_codes: tuple[IssuedCode, IssuedCode]  # the first part, the second part
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
                f"The organisation {name!r} exists, but is not an active organisation of a fitting kind "
                f"({', '.join(sorted(str(OrganisationKind(k).label) for k in kinds))})."
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


def _two_part_code(user: User) -> tuple[IssuedCode, IssuedCode]:
    """A two-part enrolment code, complete at once: no approver exists yet to give the second part."""
    first, second = _new_code_text(), _new_code_text()
    code = EnrolmentCode.objects.create(
        user=user,
        first_part_hash=_code_hash(user.pk, first, "first"),
        second_part_hash=_code_hash(user.pk, second, "second"),
        needs_second_part=True,
        expires_at=_code_expiry(),
    )
    return (
        IssuedCode(text=first, complete=False, expires_at=code.expires_at),
        IssuedCode(text=second, complete=True, expires_at=code.expires_at),
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
        raise DomainError(f"The supervisor's unit must be a social-services organisation, not {unit_kind!r}.")
    if administrator.username.strip().lower() == supervisor.username.strip().lower():
        raise DomainError("The administrator and the supervisor are two people: give them two usernames.")
    with transaction.atomic():
        if User.objects.exists():
            raise DomainError(
                "This installation has accounts already: the first accounts are created only on a fresh "
                "installation. Its administrators create further accounts in Lotsa."
            )
        system = _organisation(
            system_name, OrganisationKind.SYSTEM_MANAGEMENT, kinds={OrganisationKind.SYSTEM_MANAGEMENT}
        )
        unit = _organisation(unit_name, unit_kind, kinds=SOCIAL_SERVICES_KINDS, district=unit_district)
        admin = _account(administrator, system, Role.ADMINISTRATOR)
        admin_code = _issue_code(admin, request=None, by=None)
        _record(admin, "enrolment code issued by the installation")
        head = _account(supervisor, unit, Role.SUPERVISOR)
        head_codes = _two_part_code(head)
        _record(head, "enrolment code issued by the installation")
    return FirstAccounts(admin, admin_code, head, head_codes, unit, system)
