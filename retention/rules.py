"""The retention rules (gallring) as configuration, and the one function that decides a record's date.

Each rule names its legal source, whether that source is confirmed (``to_be_checked``: the legal
department has still to confirm it), its period, the event the period runs from, and how the erasure
is completed. The rules in force are those of ``settings.LOTSA_RETENTION_ACT``; the periods and the
research days come from the settings (docs/operations.md, "Retention").

:func:`erasure_due` is pure: given what is known of one unit's record of a person (:class:`Facts`) and
the day, it answers which rule governs the record and when it is erased. Everything that shows or acts
on a date asks it, so there is one rule and one date.

Under the 2001 act (SoL 2001:453, 12 kap. 1 §) the duty to erase a person's file arises five years
after its last entry, and the erasure is carried out during the calendar year after the year the duty
arose: a file whose last entry was made on 3 March 2020 may be erased from 1 January 2026 and must be
by 31 December 2026. An open case has no date: its file is still being written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What starts a rule's period.
LAST_ENTRY = "last_entry"  # the last entry of the file (or the last case's closure, if later)
# How the erasure is completed.
DURING_FOLLOWING_YEAR = "during_following_year"  # from 1 January to 31 December of the year after
NOT_ERASED = "not_erased"  # kept (for research, the archive, or longer than this system keeps it)

# What the rules decide for a record.
ERASE = "erase"  # erased in its window
RESEARCH = "research"  # kept for research: to the archive, then the live copy is erased
KEPT = "kept"  # kept longer (placements): not on a list
OPEN = "open"  # a case is open: the period has not begun
HELD = "held"  # a legal hold (an appeal, a police investigation) stops the erasure
ERASED = "erased"


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    source: str  # the legal source, as the legal department would cite it
    to_be_checked: bool  # the source is not confirmed: "to be checked by the legal department"
    years: int  # the period; 0 with NOT_ERASED
    starts: str
    completion: str


@dataclass(frozen=True)
class Facts:
    """What the rules need of one unit's record of a person (no content, only dates and flags)."""

    last_entry_at: dt.datetime | None
    open_cases: int = 0
    birth_day: int | None = None  # the day of the month of the birth date, if known
    has_placement: bool = False
    held: bool = False
    erased: bool = False


@dataclass(frozen=True)
class Verdict:
    rule: Rule
    outcome: str
    duty_on: dt.date | None = None  # the day the duty to erase arises
    erase_from: dt.date | None = None  # the first day of the window the erasure is carried out in
    erase_by: dt.date | None = None  # its last day

    @property
    def to_be_checked(self) -> bool:
        return self.rule.to_be_checked

    def is_due(self, today: dt.date) -> bool:
        """On a list drawn ``today``: its window has opened (and it is to be erased, or archived)."""
        return self.outcome in (ERASE, RESEARCH) and self.erase_from is not None and self.erase_from <= today

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_due(today) and self.erase_by is not None and today > self.erase_by


_ACTS = {
    "2001": (_("Social Services Act (2001:453)"), False),
    "2025": (_("Social Services Act (2025:400)"), True),
}


def act_code() -> str:
    return settings.LOTSA_RETENTION_ACT


def act(code: str | None = None) -> tuple[str, bool]:
    """An act's name (by default the one in force) and whether its rules are still unconfirmed."""
    name, unconfirmed = _ACTS[code or settings.LOTSA_RETENTION_ACT]
    return str(name), unconfirmed


def rules(code: str | None = None) -> dict[str, Rule]:
    """The rules of an act (by default the one in force), by id, built from the settings."""
    code = code or settings.LOTSA_RETENTION_ACT
    name, unconfirmed = act(code)
    years = settings.LOTSA_RETENTION_YEARS
    placement_years = settings.LOTSA_RETENTION_PLACEMENT_YEARS
    found = [
        Rule(
            id=f"sol{code}-file",
            label=str(_("The file is erased %(years)s years after its last entry") % {"years": years}),
            source=f"{name}, 12 kap. 1 §" if code == "2001" else name,
            to_be_checked=unconfirmed,
            years=years,
            starts=LAST_ENTRY,
            completion=DURING_FOLLOWING_YEAR,
        ),
        Rule(
            id=f"sol{code}-research",
            label=str(_("Born on a research day: kept for research (to the archive)")),
            source=f"{name}, 12 kap. 1 § 2 st.; SoF (2001:937) 7 kap. 1 §" if code == "2001" else name,
            to_be_checked=unconfirmed,
            years=years,
            starts=LAST_ENTRY,
            completion=DURING_FOLLOWING_YEAR,
        ),
        # Placements of the defector programme are not the placements the act names (of children in
        # family homes and care homes): that they are kept longer is the project's reading.
        Rule(
            id=f"sol{code}-placement",
            label=str(_("A placement: kept longer")),
            source=f"{name}, 12 kap. 2 §" if code == "2001" else name,
            to_be_checked=True,
            years=placement_years,
            starts=LAST_ENTRY,
            completion=DURING_FOLLOWING_YEAR if placement_years else NOT_ERASED,
        ),
    ]
    return {rule.id: rule for rule in found}


def rule(kind: str) -> Rule:
    return rules()[f"sol{settings.LOTSA_RETENTION_ACT}-{kind}"]


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the 28th
        return day.replace(year=day.year + years, day=28)


def is_research_day(birth_day: int | None) -> bool:
    return birth_day is not None and birth_day in settings.LOTSA_RETENTION_RESEARCH_DAYS


def _window(governing: Rule, last_entry_at: dt.datetime) -> tuple[dt.date, dt.date, dt.date]:
    last = timezone.localdate(last_entry_at)
    duty_on = add_years(last, governing.years)
    following = duty_on.year + 1
    return duty_on, dt.date(following, 1, 1), dt.date(following, 12, 31)


def erasure_due(facts: Facts) -> Verdict:
    """Which rule governs the record, and when it is erased (the one place that decides it)."""
    if facts.has_placement:
        governing = rule("placement")
    elif is_research_day(facts.birth_day):
        governing = rule("research")
    else:
        governing = rule("file")
    if facts.erased:
        return Verdict(governing, ERASED)
    if facts.open_cases or facts.last_entry_at is None:
        return Verdict(governing, OPEN)
    if governing.completion == NOT_ERASED:
        return Verdict(governing, KEPT)
    duty_on, erase_from, erase_by = _window(governing, facts.last_entry_at)
    # Born on a research day: kept for research whichever rule sets the window (a placement's too).
    outcome = HELD if facts.held else (RESEARCH if is_research_day(facts.birth_day) else ERASE)
    return Verdict(governing, outcome, duty_on, erase_from, erase_by)
