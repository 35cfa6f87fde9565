"""The defector programme's configuration: the sections a support decision cites and the catalogue
of interventions (seeds 001 and 002), kept as tables the city changes without touching the code.

A new Social Services Act (SFS 2025:400) took effect on 1 July 2025 and renumbered the old one: every
citation here is marked unconfirmed — shown as "to be checked by the legal department" — until the
legal department has checked it against the new act (set ``confirmed=True`` then, or replace the
tables through the settings ``LOTSA_SUPPORT_SECTIONS`` and ``LOTSA_DEFECTOR_INTERVENTIONS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consent.grounds import UNCONFIRMED


@dataclass(frozen=True)
class Section:
    code: str
    citation: str
    title: str
    confirmed: bool = False

    @property
    def label(self) -> str:
        text = f"{self.title} ({self.citation})"
        return text if self.confirmed else f"{text}: {UNCONFIRMED}"


DEFAULT_SECTIONS = (
    Section("sol_4_1", "SoL (2001:453) 4 kap. 1 §", _("Assistance for support and living")),
    Section("sol_6_1", "SoL (2001:453) 6 kap. 1 §", _("Placement outside the home")),
    Section("lvu", "LVU (1990:52)", _("Care of young persons (compulsory, children only)")),
)


@dataclass(frozen=True)
class InterventionKind:
    code: str
    title: str
    section: str  # the section that usually decides it (a Section code)
    housing: bool = False  # it places the person somewhere: it carries a placement and its address
    private_programme: bool = False  # placed through a private defector programme


DEFAULT_INTERVENTIONS = (
    InterventionKind("budget_debt", _("Budget and debt counselling"), "sol_4_1"),
    InterventionKind("training_flat", _("Training flat with housing support"), "sol_4_1", housing=True),
    InterventionKind(
        "temporary_supported_housing", _("Temporary supported housing"), "sol_4_1", housing=True
    ),
    InterventionKind("temporary_flat", _("Temporary flat with housing support"), "sol_4_1", housing=True),
    InterventionKind("outpatient_treatment", _("Outpatient treatment"), "sol_4_1"),
    InterventionKind("crisis_support", _("Crisis support"), "sol_4_1"),
    InterventionKind("motivational_interviewing", _("Motivational interviewing"), "sol_4_1"),
    InterventionKind(
        "residential_substance_crime",
        _("Residential substance treatment with a crime programme"),
        "sol_6_1",
        housing=True,
    ),
    InterventionKind("healthcare_contacts", _("Support in contacts with healthcare"), "sol_4_1"),
    InterventionKind("treatment_contact", _("Individual treatment contact at the treatment unit"), "sol_4_1"),
    InterventionKind("jobbtorg", _("Cooperation with Jobbtorg"), "sol_4_1"),
    InterventionKind("employment_service", _("Cooperation with the employment service"), "sol_4_1"),
    InterventionKind("placement_sol", _("Placement outside the home (SoL)"), "sol_6_1", housing=True),
    InterventionKind("placement_lvu", _("Placement outside the home (LVU)"), "lvu", housing=True),
    InterventionKind(
        "private_programme",
        _("Placement outside Stockholm through a private defector programme"),
        "sol_6_1",
        housing=True,
        private_programme=True,
    ),
)


def sections() -> tuple[Section, ...]:
    return tuple(getattr(settings, "LOTSA_SUPPORT_SECTIONS", DEFAULT_SECTIONS))


def section(code: str) -> Section | None:
    return next((s for s in sections() if s.code == code), None)


def interventions() -> tuple[InterventionKind, ...]:
    return tuple(getattr(settings, "LOTSA_DEFECTOR_INTERVENTIONS", DEFAULT_INTERVENTIONS))


def intervention(code: str) -> InterventionKind | None:
    return next((k for k in interventions() if k.code == code), None)


def section_choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in sections()]


def intervention_choices() -> list[tuple[str, str]]:
    return [(k.code, k.title) for k in interventions()]
