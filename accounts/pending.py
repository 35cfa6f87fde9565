"""A login between its two steps: the password is checked, the second factor is not yet.

The session remembers whom the password proved (for five minutes) and where the login goes next. The
second-factor page (an authenticator code, accounts.views) and the passkey ceremony (accounts.passkeys)
both read it here, and end it here when the second factor is proven.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import local_login
from accounts.models import User

PENDING_USER = "lotsa_pending_user"
PENDING_AT = "lotsa_pending_at"
PENDING_NEXT = "lotsa_pending_next"
PENDING_SECONDS = 300


def pending_user(request) -> User | None:
    """The person whose password was checked in this session, within five minutes; else None."""
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or timezone.now().timestamp() - started > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True, organisation__is_active=True).first()
    # Whatever started it, a login local login does not admit never reaches its second factor.
    return user if user is not None and local_login.admits(user) else None


def pending_start(request, user: User, then: str) -> None:
    """Password checked: the login waits for its second factor (a new session key, five minutes)."""
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_AT] = timezone.now().timestamp()
    request.session[PENDING_NEXT] = then


def pending_end(request) -> str:
    """The second factor is proven: forget the waiting login, and say where it goes now."""
    destination = request.session.get(PENDING_NEXT) or reverse(settings.LOGIN_REDIRECT_URL)
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
        request.session.pop(key, None)
    return destination
