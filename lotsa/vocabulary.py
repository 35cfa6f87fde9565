"""Words every app shares, below every app: the categories of information a consent names and a
journal entry carries, and the purposes information is shared for. (Roles: accounts/roles.py.)"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InformationCategory(models.TextChoices):
    """The categories of the journal; consents name the ones they cover."""

    IDENTITY_CONTACT = "identity_contact", _("Identity and contact")
    FAMILY_SOCIAL = "family_social", _("Family and social situation")
    HOUSING = "housing", _("Housing")
    SCHOOL_EDUCATION = "school_education", _("School and education")
    WORK_INCOME = "work_income", _("Work and income")
    HEALTH_SUBSTANCE = "health_substance", _("Health and substance use")
    CRIME_POLICE = "crime_police", _("Crime and police information")
    THREAT_PROTECTION = "threat_protection", _("Threat and protection")
    IDEOLOGY_MILIEU = "ideology_milieu", _("Ideology and milieu")
    INTERVENTIONS_PLANS = "interventions_plans", _("Interventions and plans")


class ThreatLevel(models.TextChoices):
    """The police's assessment of the threat against a person (hotbild): in the intervention groups,
    and BOPS's assessment that opens the defector programme."""

    LOW = "low", _("Low")
    ELEVATED = "elevated", _("Elevated")
    HIGH = "high", _("High")


class Purpose(models.TextChoices):
    INTERVENTION_GROUP = "intervention_group", _("Intervention group")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    HANDOVER = "handover", _("Hand-over from the VBE team to the district")
    RELATIVE_SUPPORT = "relative_support", _("Relative support")
    # A person who moves: from one district to another, or back to the district from the city's
    # defector programme or treatment unit (cases.handovers.models.ROUTES says which units send and
    # receive under each, and what case the receiving unit opens).
    DISTRICT_MOVE = "district_move", _("Hand-over from one district to another")
    BACK_TO_DISTRICT = (
        "back_to_district",
        _("Hand-over back to the district after the defector programme or the treatment unit"),
    )
    OTHER = "other", _("Other purpose")


# Information crosses from one organisation to another for one purpose at a time: under a consent for
# one of the purposes above, or under a recorded legal ground (a disclosure, consent.grounds), which is
# a purpose of its own. A crossing read names one of these; anything else crosses nothing.
LEGAL_GROUND = "legal_ground"
CROSSING_PURPOSES = (*Purpose.values, LEGAL_GROUND)


def crossing_purpose_label(value: str) -> str:
    if value == LEGAL_GROUND:
        return str(_("Under a legal ground"))
    return str(Purpose(value).label)
