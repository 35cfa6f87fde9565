"""Local login (password and second factor) only where it must be (issue 31, item 4).

In production, staff log in through the city's identity provider with e-ID (``LOTSA_SINGLE_SIGN_ON``).
A password with a second factor is kept for the few break-glass accounts named in
``LOTSA_BREAK_GLASS_ACCOUNTS``: the way in when the provider is down, and for the first accounts of
an installation. Once either is set, every other account is refused at the login page (with a denial
event), and a break-glass login says so in its event, where the supervisor's desk finds it for review
(the desk reads the access log: the kernel knows nothing of the desk).

The demo and the test suite are not production (``LOTSA_PRODUCTION``): there every local account logs in.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import PASSWORD_AND_PASSKEY, PASSWORD_AND_TOTP, LoginMethod
from audit import services as audit
from audit.models import AccessOutcome, Action

# The login event's reason for a break-glass login, by its second factor (words in audit.vocabulary);
# the supervisor's desk lists the events with these reasons until each is marked reviewed.
BREAK_GLASS = LoginMethod(method="break-glass: password and second factor")
BREAK_GLASS_PASSKEY = LoginMethod(method="break-glass: password and passkey")
BREAK_GLASS_METHODS = {PASSWORD_AND_TOTP: BREAK_GLASS, PASSWORD_AND_PASSKEY: BREAK_GLASS_PASSKEY}
REFUSED = "local login only for break-glass accounts"
# More than this many break-glass accounts is no longer a short list (a deploy warning).
MAX_BREAK_GLASS_ACCOUNTS = 5


def break_glass_usernames() -> set[str]:
    return {name.strip().lower() for name in settings.LOTSA_BREAK_GLASS_ACCOUNTS if name.strip()}


def restricted() -> bool:
    """Whether local login is kept for the break-glass accounts: in production, once single sign-on is
    on or a break-glass list is set."""
    return bool(
        settings.LOTSA_PRODUCTION and (settings.LOTSA_SINGLE_SIGN_ON or settings.LOTSA_BREAK_GLASS_ACCOUNTS)
    )


def is_break_glass(user: User) -> bool:
    return user.get_username().lower() in break_glass_usernames()


def admits(user: User) -> bool:
    """Whether this account may log in with a password and second factor here (decides, records nothing)."""
    return not restricted() or is_break_glass(user)


def refusal(user: User) -> str | None:
    """After the password (at login or at activation): None when this account may go on to its second
    factor; otherwise the message to show, with the denial already recorded."""
    if admits(user):
        return None
    audit.record(
        action=Action.LOGIN_FAILURE,
        outcome=AccessOutcome.DENIED,
        actor_username=user.username,
        reason=REFUSED,
    )
    return _(
        "Log in with your e-ID through the city's login service. A password here is only for the "
        "few emergency (break-glass) accounts."
    )


def method_for(user: User, how: LoginMethod) -> LoginMethod:
    """How a local login (password and ``how``, its second factor) is recorded: a break-glass login
    says so, whichever second factor ended it."""
    return BREAK_GLASS_METHODS[how] if restricted() and is_break_glass(user) else how
