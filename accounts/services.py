"""State changes of accounts and organisations. Each one is atomic and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import login, password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.access import approvers_for
from accounts.models import (
    AccountRequest,
    AccountRequestStatus,
    EnrolmentCode,
    IdentityLink,
    Organisation,
    OrganisationKind,
    RequestApprover,
    RequestKind,
    RoleGrant,
    User,
    UserSession,
    role_conflicts,
    roles_not_fitting,
    widens,
)
from accounts.roles import APPROVER_ROLES, GUARDED_ROLES, Role
from audit import services as audit
from audit.models import AccessOutcome, Action
from lotsa import access
from lotsa.crypto import blind_index_lookup
from lotsa.errors import DomainError

SESSION_AUTH_AT = "lotsa_auth_at"
SESSION_LAST_SEEN = "lotsa_last_seen"


@dataclass(frozen=True)
class LoginMethod:
    """How a person proved who they are, recorded as the login event's reason, so the log tells a
    password and authenticator app from a passkey or a city's identity provider.

    ``method`` is a reason code the access log's vocabulary (``audit.vocabulary``) knows, such as
    "password and second factor"; ``provider`` (issuer or entity id) and ``assurance`` (``acr`` or
    AuthnContextClassRef) are added for single sign-on as "<method> via <provider> at <assurance>"."""

    method: str
    provider: str = ""
    assurance: str = ""

    def describe(self) -> str:
        text = self.method
        if self.provider:
            text += f" via {self.provider}"
        if self.assurance:
            text += f" at {self.assurance}"
        return text[:300]


# Refusing pending requests in bulk writes their status and a fixed note, never an encrypted field
# (an identity value stays as it was sealed): the guard of AccountRequest's queryset allows it, said so.
BULK_REFUSAL = "pending requests refused: status and a fixed note only, no encrypted field"


PASSWORD_AND_TOTP = LoginMethod(method="password and second factor")
PASSWORD_AND_PASSKEY = LoginMethod(method="password and passkey")


def user_complete_login(
    *, request, user: User, how: LoginMethod, device=None, sso_subject: str = "", sso_session: str = ""
) -> None:
    """The person is proven (both factors, or the provider at the required level): start the session,
    remember it, record the login and how it was made. ``device`` is the django-otp device that
    verified the second factor, where there is one; ``sso_subject`` and ``sso_session`` the keyed
    hashes of a SAML login's NameID and SessionIndex, which the provider's single logout names."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now
    request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "sso_subject": sso_subject, "sso_session": sso_session},
    )
    audit.record(action=Action.LOGIN, actor=user, reason=how.describe())


def end_sessions(*, user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


SINGLE_LOGOUT = "single logout by the provider"
SINGLE_LOGOUT_NONE_OPEN = "single logout by the provider: no open session"


@transaction.atomic
def sessions_end_single_logout(*, sso_subject: str, sso_sessions: list[str]) -> list[str]:
    """The identity provider logged the person out (a verified LogoutRequest): end every Lotsa session
    made from that login (its NameID, and one of its SessionIndexes when the request names any), one
    logout event per account. Returns the ended session keys."""
    if not sso_subject:
        return []
    rows = UserSession.objects.select_related("user").filter(sso_subject=sso_subject)
    if sso_sessions:
        rows = rows.filter(sso_session__in=sso_sessions)
    rows = list(rows)
    # A session that ended meanwhile (expired, or its cookie's session gone) is only forgotten.
    open_keys = set(
        Session.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    UserSession.objects.filter(session_key__in=[row.session_key for row in rows]).delete()
    rows = [row for row in rows if row.session_key in open_keys]
    keys = [row.session_key for row in rows]
    Session.objects.filter(session_key__in=keys).delete()
    for user in {row.user_id: row.user for row in rows}.values():
        audit.record(action=Action.LOGOUT, actor=user, reason=SINGLE_LOGOUT)
    if not rows:
        audit.record(action=Action.LOGOUT, reason=SINGLE_LOGOUT_NONE_OPEN)
    return keys


NO_APPROVER = _(
    "No one could approve this change: it needs an active access approver of the social-services "
    "administration (or the unit's own supervisor), other than you and the account it concerns."
)
KIND_DOES_NOT_FIT = _(
    "Some accounts of the organisation hold roles its new kind cannot hold. Change them first."
)


@dataclass(frozen=True)
class IssuedCode:
    """A part of an enrolment code, shown once to whoever is given it and never stored in clear."""

    text: str
    complete: bool  # False: the other part comes from the approver
    expires_at: dt.datetime | None


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 12


def _new_code_text() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _code_hash(user_id: int, part: str, which: str) -> str:
    key = hashlib.sha256(b"lotsa enrolment code|" + settings.SECRET_KEY.encode()).digest()
    canonical = "".join(ch for ch in part.upper() if ch in CODE_ALPHABET)
    return hmac.new(key, f"{user_id}|{which}|{canonical}".encode(), hashlib.sha256).hexdigest()


def _code_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.LOTSA_ENROLMENT_CODE_HOURS)


def _void_codes(user: User) -> None:
    """Void the account's unused codes; a request still waiting on one of them could never complete
    it, so it is refused with them (enter it again)."""
    codes = list(EnrolmentCode.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True))
    for code in codes:
        code.voided_at = timezone.now()
        code.save(update_fields=["voided_at"])
    AccountRequest.objects.bypassing_guard(BULK_REFUSAL).filter(
        pk__in=[code.request_id for code in codes if code.request_id], status=AccountRequestStatus.PENDING
    ).update(
        status=AccountRequestStatus.REFUSED,
        decision_note="its code was replaced by a newer one: enter it again",
    )


def _issue_code(user: User, *, request: AccountRequest | None, by: User) -> IssuedCode:
    """A new code for ``user``, replacing any earlier one. With a request, only its first part now;
    the approver is given the second part when they approve."""
    _void_codes(user)
    text = _new_code_text()
    two_parts = request is not None
    code = EnrolmentCode.objects.create(
        user=user,
        request=request,
        issued_by=by,
        first_part_hash=_code_hash(user.pk, text, "first"),
        needs_second_part=two_parts,
        expires_at=None if two_parts else _code_expiry(),
    )
    return IssuedCode(text=text, complete=not two_parts, expires_at=code.expires_at)


def session_held_alone(user: User, device=None) -> bool:
    """Whether a session of ``user`` may be one person's alone (the installer's): a password login set
    with a code one person held (the installation's), or a login through an identity link such a login
    approved that the provider has not confirmed (``IdentityLink.held_by_installation``). ``device`` is
    the session's verified django-otp device: an identity link for a login through the provider."""
    if isinstance(device, IdentityLink):
        return device.held_by_installation
    return user.login_held_alone


def _complete_code(request: AccountRequest, *, by: User, held_alone: bool) -> IssuedCode:
    """The second part of the request's code, given to the approver ``by``. When ``by`` decides in a
    session one person may have held alone (:func:`session_held_alone`), that person may hold the
    first part too (the installer holds the administrator's login as well): the code is then recorded
    as held alone, the installation's, and the login it sets is confined like the approver's own
    (invariant 5: the taint carries, no chain of such logins reaches personal data)."""
    code = (
        EnrolmentCode.objects.select_for_update()
        .filter(request=request, used_at__isnull=True, voided_at__isnull=True)
        .first()
    )
    if code is None:
        raise DomainError(_("The enrolment code of this request is no longer valid. Ask for a new reset."))
    text = _new_code_text()
    code.second_part_hash = _code_hash(code.user_id, text, "second")
    code.expires_at = _code_expiry()
    code.completed_by = by
    code.by_installation = held_alone
    code.save(update_fields=["second_part_hash", "expires_at", "completed_by", "by_installation"])
    return IssuedCode(text=text, complete=True, expires_at=code.expires_at)


def _disable_credentials(user: User) -> None:
    user.set_unusable_password()
    user.credentials_issued_at = timezone.now()
    user.login_code, user.login_set_at = None, None
    user.save(update_fields=["password", "credentials_issued_at", "login_code", "login_set_at"])
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()  # passkeys are second factors too
    # An identity at a login provider is a login too: a reissued login needs a link approved anew.
    IdentityLink.objects.filter(user=user).delete()
    end_sessions(user=user)


@transaction.atomic
def user_set_roles(*, user: User, roles: set[str]) -> None:
    added = set(roles) - set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleGrant.objects.get_or_create(user=user, role=role)
    user.forget_roles()
    if added and IdentityLink.objects.filter(user=user).exists():
        # A login provider's assurance level was checked against the roles held at login: with a new
        # role, the next login checks it again (accounts.oidc.assurance_short).
        end_sessions(user=user)


def _check_roles(roles: set[str], organisation: Organisation) -> None:
    problems = role_conflicts(roles) + roles_not_fitting(roles, organisation.kind)
    if problems:
        raise DomainError(" ".join(str(problem) for problem in problems))


def _request(*, by: User, kind: str, organisation: Organisation, subject: User | None = None, **fields):
    """A request, with its approvers fixed now (refused, changing nothing, when nobody could approve it)."""
    request = AccountRequest.objects.create(
        kind=kind, organisation=organisation, subject_user=subject, requested_by=by, **fields
    )
    approvers = approvers_for(request)
    if not approvers:
        raise DomainError(NO_APPROVER)
    RequestApprover.objects.bulk_create(
        RequestApprover(request=request, user_id=a.user_id, basis=a.basis, organisation_id=a.organisation_id)
        for a in approvers
    )
    audit.record(
        action=Action.CREATE,
        actor=by,
        target=request,
        reason=f"account request: {kind}, waiting for approval by "
        + ", ".join(f"#{a.user_id} ({a.basis})" for a in approvers),
    )
    return request


def _pending(kind: str, **filters) -> AccountRequest | None:
    return AccountRequest.objects.filter(kind=kind, status=AccountRequestStatus.PENDING, **filters).first()


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: set[str],
) -> tuple[User, IssuedCode, AccountRequest | None]:
    """Create an account without a usable password. Its owner sets their own with an enrolment code.
    Guarded roles (those that read personal data or approve access to it) wait for a second person's
    approval, and the code then has two parts; the others apply at once, with a whole code."""
    _check_roles(roles, organisation)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation=organisation,
        credentials_issued_at=timezone.now(),
    )
    user.set_unusable_password()
    user.save()
    user_set_roles(user=user, roles=roles - GUARDED_ROLES)
    audit.record(action=Action.CREATE, actor=by, target=user, reason="account created")
    request = None
    if roles & GUARDED_ROLES:
        request = _request(
            by=by, kind=RequestKind.ROLES, organisation=organisation, subject=user, roles=sorted(roles)
        )
    return user, _issue_code(user, request=request, by=by), request


def _refuse_pending(user: User, kinds, note: str) -> None:
    AccountRequest.objects.bypassing_guard(BULK_REFUSAL).filter(
        kind__in=kinds, subject_user=user, status=AccountRequestStatus.PENDING
    ).update(status=AccountRequestStatus.REFUSED, decision_note=note)


def _kept_until_approved(*, current: set[str], roles: set[str], moving: bool) -> set[str]:
    """What an account holds while a request about it waits: what it has and keeps (its guarded roles
    only if it stays; removing an approving role is itself the request), and new unguarded roles when
    they fit with that."""
    kept = (current & roles) - (GUARDED_ROLES if moving else set())
    kept |= current & APPROVER_ROLES
    if not role_conflicts(kept | (roles - GUARDED_ROLES)):
        kept |= roles - GUARDED_ROLES
    return kept


@dataclass(frozen=True)
class UserUpdated:
    """What saving an account led to: a request waiting for approval, and the first part of a new
    login's code when approval will re-issue the login."""

    request: AccountRequest | None = None
    issued: IssuedCode | None = None


@transaction.atomic
def user_update(
    *,
    by: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: set[str],
    is_active: bool,
) -> UserUpdated:
    """Names, e-mail and disabling apply at once, and so does anything that narrows what the account
    reaches. Granting a guarded role, or moving an account that holds one to another organisation,
    becomes a request that waits for approval, and its approval re-issues the account's login as a
    two-part code (its first part is returned, for the administrator). Removing a supervisor's or an
    access approver's role, or disabling such an account, changes who approves others: it is a request
    too, and the account keeps its role until it is approved."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk and not is_active:
        raise DomainError(_("You cannot disable your own account."))
    if user.pk == by.pk and Role.ADMINISTRATOR not in roles:
        raise DomainError(_("You cannot remove your own administrator role."))
    _check_roles(roles, organisation)
    current = set(user.role_codes())
    moving = organisation.pk != user.organisation_id
    widening = widens(current=current, roles=roles, moving=moving)
    removing_approver = bool(current & APPROVER_ROLES - roles) or (moving and bool(current & APPROVER_ROLES))
    disabling = user.is_active and not is_active
    if disabling and current & APPROVER_ROLES and (widening or removing_approver):
        raise DomainError(_("Disable the account, or change its roles: one at a time."))
    user.first_name, user.last_name, user.email = first_name, last_name, email
    fields = ["first_name", "last_name", "email"]
    if is_active and not user.is_active:
        user.is_active = True  # enabling again reaches only what the account already holds
        fields.append("is_active")
    outcome = UserUpdated()
    if disabling and current & APPROVER_ROLES:
        if _pending(RequestKind.ACCOUNT_DISABLE, subject_user=user):
            raise DomainError(_("Disabling this account is already waiting for approval."))
        outcome = UserUpdated(
            request=_request(
                by=by, kind=RequestKind.ACCOUNT_DISABLE, organisation=user.organisation, subject=user
            )
        )
        disabling = False
    elif widening or removing_approver:
        # Until approved, the account keeps what it has in its present organisation.
        user_set_roles(user=user, roles=_kept_until_approved(current=current, roles=roles, moving=moving))
        _refuse_pending(user, [RequestKind.ROLES], "replaced by a newer request")
        request = _request(
            by=by, kind=RequestKind.ROLES, organisation=organisation, subject=user, roles=sorted(roles)
        )
        issued = _issue_code(user, request=request, by=by) if widening else None
        outcome = UserUpdated(request=request, issued=issued)
    else:
        user.organisation = organisation
        fields.append("organisation")
        user_set_roles(user=user, roles=roles)
    if disabling:
        user.is_active = False
        fields.append("is_active")
    user.save(update_fields=fields)
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="account updated")
    if disabling:
        ended = end_sessions(user=user)
        audit.record(action=Action.ACCOUNT_DISABLED, actor=by, target=user, reason=f"{ended} sessions ended")
    return outcome


@transaction.atomic
def user_reset_credentials(*, by: User, user: User) -> tuple[IssuedCode, AccountRequest | None]:
    """The owner sets a new password and enrols a new authenticator with an enrolment code. For an
    account that holds a guarded role the reset waits for approval, and the code has two parts."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        raise DomainError(_("Another administrator resets your own login."))
    if user.role_codes() & GUARDED_ROLES:
        if _pending(RequestKind.CREDENTIAL_RESET, subject_user=user):
            raise DomainError(_("A reset of this login is already waiting for approval."))
        request = _request(
            by=by, kind=RequestKind.CREDENTIAL_RESET, organisation=user.organisation, subject=user
        )
        return _issue_code(user, request=request, by=by), request
    # The new whole code replaces the two-part code of any request still waiting to widen the account.
    _refuse_pending(user, [RequestKind.ROLES], "the login was reset meanwhile: enter the request again")
    _disable_credentials(user)
    audit.record(action=Action.SECOND_FACTOR_RESET, actor=by, target=user, reason="login reset")
    return _issue_code(user, request=None, by=by), None


@transaction.atomic
def account_request_decide(
    *, by: User, request_id: int, approve: bool, note: str = "", device=None
) -> tuple[AccountRequest, IssuedCode | None]:
    """One of the approvers fixed when the request was made approves it (the change takes effect) or
    refuses it. Returns the second part of an enrolment code when approving completes one, to be shown
    once to the approver. ``device``: the approver's session's verified device (an identity link for a
    login through the city's identity provider): whether the session may be one person's alone
    (:func:`session_held_alone`) is recorded on the code it completes or the link it approves."""
    request = (
        AccountRequest.objects.select_for_update(of=("self",))
        .select_related("subject_user", "organisation")
        .get(pk=request_id)
    )
    access.check(by, Action.UPDATE, request, purpose="approve" if approve else "refuse")
    if not request.is_pending:
        raise DomainError(_("This request has been decided already."))
    request.status = AccountRequestStatus.APPROVED if approve else AccountRequestStatus.REFUSED
    request.decided_by, request.decided_at = by, timezone.now()
    request.decision_note = (note or "").strip()[:300]
    issued = None
    if approve:
        issued = _apply(request, by=by, held_alone=session_held_alone(by, device))
    elif request.kind in (RequestKind.ROLES, RequestKind.CREDENTIAL_RESET):
        EnrolmentCode.objects.filter(request=request, used_at__isnull=True, voided_at__isnull=True).update(
            voided_at=timezone.now()
        )
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request, issued


def _apply(request: AccountRequest, *, by: User, held_alone: bool) -> IssuedCode | None:
    if request.kind == RequestKind.ORGANISATION_KIND:
        organisation = Organisation.objects.select_for_update().get(pk=request.organisation_id)
        for member in organisation.users.filter(is_active=True):
            if roles_not_fitting(member.role_codes(), request.new_kind):
                raise DomainError(KIND_DOES_NOT_FIT)
        organisation.kind = request.new_kind
        organisation.save(update_fields=["kind"])
        return None
    if request.kind == RequestKind.ORGANISATION_ACTIVATE:
        Organisation.objects.filter(pk=request.organisation_id).update(is_active=True)
        return None
    if request.kind == RequestKind.ORGANISATION_DEACTIVATE:
        organisation = Organisation.objects.select_for_update().get(pk=request.organisation_id)
        organisation.is_active = False
        organisation.save(update_fields=["is_active"])
        _end_organisation_sessions(by=by, organisation=organisation)
        return None
    user = User.objects.select_for_update().get(pk=request.subject_user_id)
    if request.kind == RequestKind.IDENTITY_LINK:
        _link_identity(request, user=user, by=by, held_alone=held_alone)
        return None
    if request.kind == RequestKind.ACCOUNT_DISABLE:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = end_sessions(user=user)
        audit.record(action=Action.ACCOUNT_DISABLED, actor=by, target=user, reason=f"{ended} sessions ended")
        return None
    if request.kind == RequestKind.CREDENTIAL_RESET:
        _disable_credentials(user)
        return _complete_code(request, by=by, held_alone=held_alone)
    roles = set(request.roles)
    _check_roles(roles, request.organisation)
    reissue = request.reissues_login
    if reissue:
        # A credential one person ever held alone never reaches personal data: the login in use stops
        # working now, and the next is set only with both parts of the request's code.
        _disable_credentials(user)
    user.organisation = request.organisation
    user.save(update_fields=["organisation"])
    user_set_roles(user=user, roles=roles)
    return _complete_code(request, by=by, held_alone=held_alone) if reissue else None


def _link_identity(request: AccountRequest, *, user: User, by: User, held_alone: bool) -> None:
    """An approved identity link (accounts.identities): the account can now log in through it. Approved
    in a session one person may have held alone (the installer's), it is recorded so: the installer
    could have named their own e-ID, so a login through it is confined until the provider confirms
    who the person is (accounts.installation)."""
    taken = IdentityLink.objects.filter(
        provider=request.identity_provider,
        claim=request.identity_claim,
        **blind_index_lookup(IdentityLink, "value_index", request.identity_value),
    ).exists()
    if taken or IdentityLink.objects.filter(user=user, provider=request.identity_provider).exists():
        raise DomainError(_("This identity, or this account at that login provider, is linked already."))
    IdentityLink.objects.create(
        user=user,
        name="single sign-on",
        confirmed=True,
        provider=request.identity_provider,
        claim=request.identity_claim,
        value=request.identity_value,
        request=request,
        by_installation=held_alone,
    )
    audit.record(
        action=Action.UPDATE,
        actor=by,
        target=user,
        reason="identity linked by the installation" if held_alone else "identity linked",
    )


class ActivationFailed(DomainError):
    pass


def _activation_refused() -> ActivationFailed:
    return ActivationFailed(
        _(
            "The username or the code is not right, or the code has expired. "
            "Ask your administrator for a new one."
        )
    )


def user_activate(*, username: str, first_part: str, second_part: str, password: str) -> User:
    """The account's owner sets their own password with an enrolment code (the authenticator is
    enrolled next, at the login's second step). Wrong codes are counted and logged, and survive the
    refusal; five void the code."""
    username = username.strip()
    with transaction.atomic():
        user = User.objects.filter(
            username__iexact=username, is_active=True, organisation__is_active=True
        ).first()
        code = None
        if user is not None:
            code = (
                EnrolmentCode.objects.select_for_update()
                .filter(
                    user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()
                )
                .first()
            )
        if code is None or (code.needs_second_part and not code.second_part_hash):
            failure = "enrolment code: none usable"
        else:
            ok = hmac.compare_digest(code.first_part_hash, _code_hash(user.pk, first_part, "first"))
            if code.needs_second_part:
                ok = (
                    hmac.compare_digest(code.second_part_hash, _code_hash(user.pk, second_part, "second"))
                    and ok
                )
            failure = "" if ok else "enrolment code: wrong"
            if not ok:
                code.failures += 1
                if code.failures >= EnrolmentCode.MAX_FAILURES:
                    code.voided_at = timezone.now()
                code.save(update_fields=["failures", "voided_at"])
        if failure:
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=AccessOutcome.DENIED,
                actor_username=username[:150],
                reason=failure,
            )
    if failure:
        raise _activation_refused()  # outside the transaction: the count and the event are kept
    with transaction.atomic():
        code = EnrolmentCode.objects.select_for_update().get(pk=code.pk)
        if code.used_at is not None or code.voided_at is not None:
            raise _activation_refused()  # used a moment ago by another request
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages)) from None
        user.set_password(password)
        user.login_code, user.login_set_at = code, timezone.now()
        user.save(update_fields=["password", "login_code", "login_set_at"])
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        TOTPDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        audit.record(action=Action.UPDATE, actor=user, target=user, reason="login set with an enrolment code")
    return user


def user_unlock(*, by: User, user: User) -> None:
    axes_reset(username=user.username)
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="lockout lifted")


def _activation_needs_approval(kind: str) -> bool:
    """Every organisation but system management holds or receives personal data (a unit holds cases,
    the others are named by consents): it takes part only once a second person approves."""
    return kind != OrganisationKind.SYSTEM_MANAGEMENT


@transaction.atomic
def organisation_save(*, by: User, organisation: Organisation) -> AccountRequest | None:
    """Name, district and deactivation apply at once; deactivating ends its users' sessions. A new
    organisation, or one activated again, takes part only when approved (it waits inactive), and so
    does a new kind, which changes what its members may see: each is a request (returned)."""
    creating = organisation.pk is None
    request = None
    activating = organisation.is_active and _activation_needs_approval(organisation.kind)
    if not creating:
        stored = Organisation.objects.select_for_update().get(pk=organisation.pk)
        activating = activating and not stored.is_active
        if activating and _pending(RequestKind.ORGANISATION_ACTIVATE, organisation=stored):
            raise DomainError(_("Activating this organisation is already waiting for approval."))
        if organisation.kind != stored.kind:
            if activating:
                raise DomainError(_("Activate the organisation, or change its kind: one at a time."))
            if _pending(RequestKind.ORGANISATION_KIND, organisation=stored):
                raise DomainError(_("A change of this organisation's kind is already waiting for approval."))
            for member in stored.users.filter(is_active=True):
                if roles_not_fitting(member.role_codes(), organisation.kind):
                    raise DomainError(KIND_DOES_NOT_FIT)
            request = _request(
                by=by, kind=RequestKind.ORGANISATION_KIND, organisation=stored, new_kind=organisation.kind
            )
            organisation.kind = stored.kind
        deactivating = stored.is_active and not organisation.is_active
        if deactivating and _holds_approvers(stored):
            if request is not None:
                raise DomainError(_("Deactivate the organisation, or change its kind: one at a time."))
            if _pending(RequestKind.ORGANISATION_DEACTIVATE, organisation=stored):
                raise DomainError(_("Deactivating this organisation is already waiting for approval."))
            # Its staff approve others' access: ending them changes who approves, so it waits.
            request = _request(by=by, kind=RequestKind.ORGANISATION_DEACTIVATE, organisation=stored)
            organisation.is_active, deactivating = True, False
    else:
        deactivating = False
    if activating:
        organisation.is_active = False  # until a second person approves
    organisation.save()
    audit.record(
        action=Action.CREATE if creating else Action.UPDATE,
        actor=by,
        target=organisation,
        reason="organisation created" if creating else "organisation updated",
    )
    if activating:
        request = _request(by=by, kind=RequestKind.ORGANISATION_ACTIVATE, organisation=organisation)
    elif not organisation.is_active:
        _refuse_pending_activation(organisation)  # left inactive: the activation is withdrawn
    if deactivating:
        _end_organisation_sessions(by=by, organisation=organisation)
    return request


def _holds_approvers(organisation: Organisation) -> bool:
    return organisation.users.filter(is_active=True, role_grants__role__in=list(APPROVER_ROLES)).exists()


def _end_organisation_sessions(*, by: User, organisation: Organisation) -> None:
    ended = sum(end_sessions(user=member) for member in organisation.users.all())
    audit.record(
        action=Action.ACCOUNT_DISABLED,
        actor=by,
        target=organisation,
        reason=f"organisation deactivated: {ended} sessions ended",
    )


def _refuse_pending_activation(organisation: Organisation) -> None:
    AccountRequest.objects.bypassing_guard(BULK_REFUSAL).filter(
        kind=RequestKind.ORGANISATION_ACTIVATE, organisation=organisation, status=AccountRequestStatus.PENDING
    ).update(
        status=AccountRequestStatus.REFUSED, decision_note="withdrawn: the organisation was left inactive"
    )
