"""The coordinator's material: de-identified reports of concern or events linked to violent
extremism (blankett för avidentifierad information, seed 001).

A report names no one: its text is refused if it holds a personal identity number, a telephone
number, an e-mail address or a street address (coordination/identity.py), and it keeps who sent it
only as the sending unit — what the coordinator needs to ask back — never the person. (The access log
records that a user sent a report, but not which one.)
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Milieu


class ReportKind(models.TextChoices):
    CONCERN = "concern", _("Concern")
    EVENT = "event", _("An event witnessed")


class Setting(models.TextChoices):
    SCHOOL = "school", _("School")
    PRESCHOOL = "preschool", _("Preschool")
    LEISURE = "leisure", _("Leisure activity, youth centre")
    ONLINE = "online", _("Online, social media")
    PUBLIC_PLACE = "public_place", _("Public place")
    HOME = "home", _("Home, family")
    WORKPLACE = "workplace", _("Workplace")
    SOCIAL_SERVICES = "social_services", _("Contact with social services")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    FROM_13_TO_15 = "13_15", _("13 to 15")
    FROM_16_TO_17 = "16_17", _("16 to 17")
    FROM_18_TO_24 = "18_24", _("18 to 24")
    FROM_25 = "25_plus", _("25 or older")
    UNKNOWN = "unknown", _("Unknown, or several ages")


class DeidentifiedReport(models.Model):
    administration = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField(
        _("area"), max_length=80, help_text=_("A district or neighbourhood, not an address.")
    )
    occurred_on = models.DateField(_("date of the concern or event"))
    kind = models.CharField(_("concern or event"), max_length=16, choices=ReportKind.choices)
    milieu = models.CharField(_("milieu"), max_length=32, choices=Milieu.choices)
    setting = models.CharField(_("setting"), max_length=32, choices=Setting.choices)
    age_band = models.CharField(_("age"), max_length=16, choices=AgeBand.choices)
    description = models.TextField(_("short description"), max_length=1000)
    from_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("sent from"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("de-identified report")
        verbose_name_plural = _("de-identified reports")
        indexes = [models.Index(fields=["administration", "occurred_on"], name="report_admin_date")]

    def __str__(self) -> str:
        return f"DeidentifiedReport {self.pk}"
