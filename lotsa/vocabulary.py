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


class Purpose(models.TextChoices):
    INTERVENTION_GROUP = "intervention_group", _("Intervention group")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    HANDOVER = "handover", _("Hand-over from the VBE team to the district")
    RELATIVE_SUPPORT = "relative_support", _("Relative support")
    OTHER = "other", _("Other purpose")
