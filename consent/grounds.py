"""Legal grounds for disclosing information without consent: a closed list, kept as configuration.

Each ground has a code (stored with every disclosure), a citation, a short explanation and whether
the citation is confirmed. Unconfirmed ones are shown to users as "to be checked by the legal
department" (../shared/domain.md, "The legal frame"). The law changes (a new Social Services Act,
SFS 2025:400, renumbered the old one): change this table, not the code that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

UNCONFIRMED = _("to be checked by the legal department")


@dataclass(frozen=True)
class LegalGround:
    code: str
    citation: str
    title: str
    confirmed: bool = True
    never_blocked: bool = False  # a duty no missing consent may stop

    @property
    def label(self) -> str:
        """How users see the ground: an unconfirmed citation says so."""
        text = f"{self.title} ({self.citation})"
        return text if self.confirmed else f"{text}: {UNCONFIRMED}"


DEFAULT_GROUNDS = (
    LegalGround(
        "child_concern_report",
        "OSL 10 kap. 28 §, socialtjänstlagen",
        _("Duty to report concern for a child"),
        never_blocked=True,
    ),
    LegalGround("own_task", "OSL 10 kap. 2 §", _("Necessary for the authority's own task")),
    LegalGround(
        "police_under_21",
        "OSL 10 kap. 18 a §",
        _("Information about a person under 21 to the police"),
        confirmed=False,
    ),
    LegalGround(
        "prevent_terrorism",
        "OSL 10 kap. 18 b §",
        _("Information to the police or the Security Service to prevent terrorism"),
    ),
    LegalGround(
        "suspected_crime",
        "OSL 10 kap. 21-23 §§",
        _("Suspicion of a crime above the minimum-penalty threshold"),
    ),
    LegalGround(
        "international_crimes",
        "OSL 10 kap. (section to be confirmed)",
        _("Suspected genocide, war crimes or crimes against humanity"),
        confirmed=False,
    ),
    LegalGround("emergency", "BrB 24 kap. 4 §", _("Emergency (acute danger)")),
)


def grounds() -> tuple[LegalGround, ...]:
    return tuple(getattr(settings, "LOTSA_LEGAL_GROUNDS", DEFAULT_GROUNDS))


def ground(code: str) -> LegalGround | None:
    return next((g for g in grounds() if g.code == code), None)


def choices() -> list[tuple[str, str]]:
    return [(g.code, g.label) for g in grounds()]


def ground_words(code: str) -> str | None:
    """A ground's code as the access log holds it (a disclosure's reason), in words."""
    found = ground(code)
    return str(found.label) if found else None


def citation_words(citation: str) -> str | None:
    """A ground's citation as the access log holds it (a disclosure's legal ground), in words."""
    found = next((g for g in grounds() if g.citation == citation), None)
    return str(found.label) if found else None
