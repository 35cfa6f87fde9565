"""The coordinator's material: de-identified reports of concern or events linked to violent
extremism (blankett för avidentifierad information, seed 001).

A report names no one: its text is refused if it holds a personal identity number, a telephone
number, an e-mail address or a street address (coordination/identity.py), and it keeps who sent it
only as the sending unit — what the coordinator needs to ask back — never the person. (The access log
records that a user sent a report, but not which one.)
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.words import Milieu
from lotsa.crypto import EncryptedTextField
from lotsa.records import GuardedRecord

# A de-identified report is about something linked to violent extremism: "not relevant" is no answer.
REPORTED_MILIEUS = [m for m in Milieu if m != Milieu.NOT_RELEVANT]


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


class DeidentifiedReport(GuardedRecord):
    """Its texts are encrypted under the receiving administration's key (they concern no person, and a
    name that slips past the check must not sit in clear), bound to the row's own key."""

    encryption_organisation_field = "administration_id"
    encryption_row_field = "row_key"

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    administration = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    area = EncryptedTextField(_("area"), help_text=_("A district or neighbourhood, not an address."))
    occurred_on = models.DateField(_("date of the concern or event"))
    kind = models.CharField(_("concern or event"), max_length=16, choices=ReportKind.choices)
    milieu = models.CharField(_("milieu"), max_length=32, choices=Milieu.choices)
    setting = models.CharField(_("setting"), max_length=32, choices=Setting.choices)
    age_band = models.CharField(_("age"), max_length=16, choices=AgeBand.choices)
    description = EncryptedTextField(_("short description"))
    from_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("sent from"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("de-identified report")
        verbose_name_plural = _("de-identified reports")
        indexes = [models.Index(fields=["administration", "occurred_on"], name="report_admin_date")]


class SituationPicture(GuardedRecord):
    """The local situation picture of one district administration for one year (lokal lägesbild),
    updated with the police: the coordinator's and the police's assessments, and the counts of the
    area as they were published when this version was written (already protected: a version holds
    "fewer than 5", never the number behind it). Each save is a new version; none is ever changed.
    The assessments are encrypted under the administration's key."""

    encryption_organisation_field = "administration_id"
    encryption_row_field = "row_key"

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    administration = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("administration"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"))
    coordinator_assessment = EncryptedTextField(_("the coordinator's assessment"))
    police_assessment = EncryptedTextField(_("the police's assessment"))
    counts = models.JSONField(_("counts"), default=dict)
    written_by = models.ForeignKey(
        "accounts.User", verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["administration", "-year", "-version"]
        verbose_name = _("local situation picture")
        verbose_name_plural = _("local situation pictures")
        constraints = [
            models.UniqueConstraint(fields=["administration", "year", "version"], name="one_picture_version")
        ]

    def __str__(self) -> str:
        return f"SituationPicture {self.administration_id} {self.year} v{self.version}"

    def save(self, *args, **kwargs):
        # A version is written once: a change is a new version (services.situation_picture_write).
        if self.pk is not None:
            raise ValueError("a version of the situation picture is never changed")
        super().save(*args, **kwargs)


class InputGeneration(models.Model):
    """How many times the rows of one model the coordinator's figures are counted from have been
    written: raised in the writing transaction by every save, delete and guarded bulk write of the
    model (coordination.published), so a stored figure computed at another generation is stale."""

    label = models.CharField(max_length=100, unique=True)
    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.label} {self.generation}"


class IndicatorTable(models.Model):
    """One indicator of effect for one year, as published: already protected (coordination.suppression),
    so it holds "fewer than 5" and "hidden", never the number behind them, nor a median over fewer than
    five, and no name (its rows are keyed by administration id). ``inputs`` is what it was computed
    from (the generation of each model it reads, the administrations in order, the day); a view whose
    inputs differ computes it anew (coordination.published)."""

    key = models.CharField(max_length=50)
    year = models.PositiveSmallIntegerField()
    inputs = models.JSONField()
    table = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "year"], name="one_indicator_table_a_year")]

    def __str__(self) -> str:
        return f"IndicatorTable {self.key} {self.year}"
