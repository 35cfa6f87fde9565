"""Assurance floors per role, for every single sign-on protocol (OpenID Connect's ``acr``, SAML's
AuthnContextClassRef): one rule, called by accounts.oidc and accounts.saml.

A protocol's levels are listed lowest first (``order``); ``floors`` names the lowest level a role
needs. A guarded role or an administrator's that is not named needs the highest level (an unattainable
one when no levels are configured); any other role not named needs none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accounts.models import User
from accounts.roles import ADMINISTRATOR_ROLES, GUARDED_ROLES

UNATTAINABLE = "?"


def _rank(level: str, order: Sequence[str]) -> int:
    return list(order).index(level) if level in order else -1


def assurance_floor(role: str, *, order: Sequence[str], floors: Mapping[str, str]) -> str | None:
    """The lowest level ``role`` needs, or None when it needs none."""
    if role in floors:
        return floors[role]
    if role in GUARDED_ROLES or role in ADMINISTRATOR_ROLES:
        return order[-1] if order else UNATTAINABLE
    return None


def assurance_short(
    user: User, level: str, *, order: Sequence[str], floors: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(role, floor) for each role of ``user`` whose floor ``level`` does not reach."""
    short = []
    for role in sorted(user.role_codes()):
        floor = assurance_floor(role, order=order, floors=floors)
        if floor is not None and (_rank(floor, order) < 0 or _rank(level, order) < _rank(floor, order)):
            short.append((role, floor))
    return short
