"""What a case's printable summary shows of the apps above the case core: each domain app registers
its sections (``LotsaAppConfig.summary_sections``), as it registers what waits on the start page, so
the case core prints them without importing any app that builds on it.

A section provider takes the user and the case and returns (heading, lines) of what that user may see
of the case in the app (narrowed with ``lotsa.access.visible_to`` or decided with
``lotsa.access.decide``), the shape of the subject access extract's holdings. It records nothing: it
is called only after the summary's export of the case's person is decided and recorded, and what it
prints is that person's.

The archive's package (retention.archive) asks the same apps for the whole of what the unit's file
holds of a case (``LotsaAppConfig.archive_sections``): an archive provider takes the case alone, since
the package keeps the unit's file, not what one reader may see of it. It too records nothing: it is
called only after the package's export of the case's person is decided and recorded. It never gives a
protected address (a placement's, or a protected person's): those go into no export.
"""

from __future__ import annotations

from collections.abc import Callable

_providers: list[Callable] = []
_archive_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections_for(user, case) -> list[tuple[str, list[str]]]:
    return [section for provider in _providers for section in provider(user, case)]


def register_archive(provider: Callable) -> None:
    if provider not in _archive_providers:
        _archive_providers.append(provider)


def archive_sections_for(case) -> list[tuple[str, list[str]]]:
    return [section for provider in _archive_providers for section in provider(case)]
