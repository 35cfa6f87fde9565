"""What waits for a user, for the start page: each domain app registers a provider (as it registers
its access policies), so the kernel shows what waits without importing any domain app.

A provider takes the user and returns :class:`Waiting` items: a translated line, where to go, and
whether it is urgent (overdue). Items carry counts only, never a person: the start page records no
access event, and shows no one's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    text: str
    url: str
    urgent: bool = False
    # Waits for this user's approval (four eyes): also listed on the supervisor's desk.
    approval: bool = False


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def waiting_for(user) -> list[Waiting]:
    return [item for provider in _providers for item in provider(user)]
