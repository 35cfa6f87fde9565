"""State changes of accounts and organisations. Each one is atomic and audited."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth import login
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, RoleGrant, User, UserSession
from audit import services as audit
from audit.models import Action

SESSION_AUTH_AT = "lotsa_auth_at"
SESSION_LAST_SEEN = "lotsa_last_seen"


def user_complete_login(*, request, user: User, device: TOTPDevice) -> None:
    """Both factors verified: start the session, remember it, record the login."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now
    request.session.save()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    audit.record(action=Action.LOGIN, actor=user, reason="password and second factor")


def end_sessions(*, user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def user_set_roles(*, user: User, roles: set[str]) -> None:
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleGrant.objects.get_or_create(user=user, role=role)
    user.forget_roles()


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
    password: str,
) -> User:
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email, organisation=organisation
    )
    user.set_password(password)
    user.save()
    user_set_roles(user=user, roles=roles)
    audit.record(action=Action.CREATE, actor=by, target=user, reason="account created")
    return user


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
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.organisation, user.is_active = organisation, is_active
    user.save(update_fields=["first_name", "last_name", "email", "organisation", "is_active"])
    user_set_roles(user=user, roles=roles)
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="account updated")
    if was_active and not is_active:
        ended = end_sessions(user=user)
        audit.record(action=Action.ACCOUNT_DISABLED, actor=by, target=user, reason=f"{ended} sessions ended")
    return user


@transaction.atomic
def user_reset_second_factor(*, by: User, user: User) -> None:
    """The user enrols a new authenticator at their next login; their open sessions end now."""
    TOTPDevice.objects.filter(user=user).delete()
    end_sessions(user=user)
    audit.record(action=Action.SECOND_FACTOR_RESET, actor=by, target=user, reason="second factor reset")


@transaction.atomic
def user_set_password(*, by: User, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user=user)
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="password set by administrator")


def user_unlock(*, by: User, user: User) -> None:
    axes_reset(username=user.username)
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="lockout lifted")


@transaction.atomic
def organisation_save(*, by: User, organisation: Organisation) -> Organisation:
    creating = organisation.pk is None
    organisation.save()
    audit.record(
        action=Action.CREATE if creating else Action.UPDATE,
        actor=by,
        target=organisation,
        reason="organisation created" if creating else "organisation updated",
    )
    return organisation
