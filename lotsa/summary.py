"""What a case's printable summary shows of the apps above the case core: each domain app registers
its sections (``LotsaAppConfig.summary_sections``), as it registers what waits on the start page, so
the case core prints them without importing any app that builds on it.

A section provider takes the user and the case and returns (heading, lines) of what that user may see
of the case in the app (narrowed with ``lotsa.access.visible_to`` or decided with
``lotsa.access.decide``), the shape of the subject access extract's holdings. It records nothing: it
is called only after the summary's export of the case's person is decided and recorded, and what it
prints is that person's.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections_for(user, case) -> list[tuple[str, list[str]]]:
    return [section for provider in _providers for section in provider(user, case)]
