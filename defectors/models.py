"""The city-wide defector programme (avhopparverksamhet, seeds 000, 001, 002, 004).

A person reaches the programme through a hand-over (cases.Handover: an intervention group, a
district, or a request from the police) and the programme opens its own case (activity defector
programme). Before support starts, five things must hold — the gate (defectors.gate): BOPS's
assessment of high threat with a special protection need, the person's consent to sharing between
social services and BOPS, the police conditions form signed, confirmation that the person is not a
protected witness, and a social-services decision on support approved by the supervisor. Then the
programme plans interventions from a catalogue (defectors.catalogue), places the person where needed
(a placement's address is a protected address), and at closure records an outcome and follows up at
6 and 12 months.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.records import PersonalRecord
from lotsa.crypto import EncryptedJSONField, EncryptedTextField
from lotsa.vocabulary import InformationCategory, ThreatLevel


class ProgrammeOutcome(models.TextChoices):
    LEFT_THE_MILIEU = "left_the_milieu", _("Left the milieu")
    ORDINARY_SERVICES = "ordinary_services", _("Moved on to ordinary social services")
    ENDED_BY_PERSON = "ended_by_person", _("Ended by the person")
    MOVED_AWAY = "moved_away", _("Moved away")
    OTHER = "other", _("Other")


class Enrolment(PersonalRecord):
    """The programme's record of the gate for one case: the checks that are not documents of their
    own. The conditions form's scan, if kept, is encrypted like every personal field."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="enrolment")
    # The police conditions form (villkorsblankett), signed by the person.
    conditions_signed_on = models.DateField(_("conditions form signed on"), null=True, blank=True)
    conditions_witness = EncryptedTextField(_("who witnessed the signature"))
    conditions_scan = EncryptedTextField(_("scan of the signed form"))  # base64, encrypted
    conditions_scan_name = EncryptedTextField(_("name of the scan's file"))
    conditions_scan_type = models.CharField(
        _("type of the scan"),
        max_length=32,
        blank=True,
        choices=[("application/pdf", "PDF"), ("image/jpeg", "JPEG"), ("image/png", "PNG")],
    )
    conditions_scan_size = models.PositiveIntegerField(_("size of the scan (bytes)"), null=True, blank=True)
    conditions_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Not a protected witness (the police confirm it; the programme records who and when).
    not_protected_witness_confirmed_at = models.DateTimeField(null=True, blank=True)
    not_protected_witness_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # When BOPS lowers the threat below high, the programme is told and decides whether to go on.
    threat_lowered_at = models.DateTimeField(null=True, blank=True)
    continue_decided_at = models.DateTimeField(null=True, blank=True)
    continue_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=32, blank=True, choices=ProgrammeOutcome.choices)
    version = models.PositiveIntegerField(default=1)

    @property
    def conditions_signed(self) -> bool:
        return self.conditions_signed_on is not None

    @property
    def awaiting_continue_decision(self) -> bool:
        return self.threat_lowered_at is not None and (
            self.continue_decided_at is None or self.continue_decided_at < self.threat_lowered_at
        )


class BopsAssessment(PersonalRecord):
    """BOPS's assessment of threat and special protection need for a person in the programme, recorded
    by a BOPS user, with a re-assessment date. The programme reads it while the consent between social
    services and BOPS lets threat and protection cross."""

    CATEGORY = InformationCategory.THREAT_PROTECTION

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="bops_assessments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("threat level"), max_length=16, choices=ThreatLevel.choices)
    special_protection_need = models.BooleanField(_("special protection need"), default=False)
    notes = EncryptedTextField(_("notes"))
    # When BOPS made the assessment (cases.queries: not in the future, not before the case was opened),
    # and when it was recorded here: the latest is the one made last.
    assessed_on = models.DateField(_("assessed on"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    reassessment_due = models.DateField(_("re-assessment due"))

    class Meta:
        ordering = ["-assessed_on", "-recorded_at"]
        indexes = [models.Index(fields=["case", "-assessed_on", "-recorded_at"], name="bops_latest")]

    @property
    def opens_the_programme(self) -> bool:
        return self.level == ThreatLevel.HIGH and self.special_protection_need

    @property
    def reassessment_overdue(self) -> bool:
        return timezone.localdate() > self.reassessment_due

    @property
    def recorded_on(self):
        """The local day it was recorded (shown beside the day it was made when the two differ)."""
        return timezone.localdate(self.recorded_at)


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the supervisor's approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Sent back by the supervisor")


class SupportDecision(PersonalRecord):
    """The social-services decision on support, citing a section from configuration. Prepared by a
    handler, approved by the unit's supervisor — never by its author."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="support_decisions")
    section = models.CharField(_("under the section"), max_length=32)
    text = EncryptedTextField(_("the decision"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(_("the supervisor's note"))

    class Meta:
        ordering = ["-created_at"]


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class Intervention(PersonalRecord):
    """One intervention from the catalogue: decided (by whom, under which section), provided by whom,
    from when to when, with its status and encrypted follow-up notes."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="interventions")
    kind = models.CharField(_("intervention"), max_length=40)
    section = models.CharField(_("under the section"), max_length=32)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    provider = EncryptedTextField(_("provider"))
    starts_on = models.DateField(_("start"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED
    )
    follow_up = EncryptedTextField(_("follow-up notes"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_on"]


class Placement(PersonalRecord):
    """Where an intervention places the person. The address is a protected address: shown only to the
    case's named handlers, never in a list, an export or a letter, and to BOPS only while the consent
    covers housing. A placement through a private defector programme names it as a recipient only
    under a consent that names it."""

    CATEGORY = InformationCategory.HOUSING

    intervention = models.OneToOneField(Intervention, on_delete=models.PROTECT, related_name="placement")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="placements")
    address = EncryptedJSONField(_("address"))
    protected_housing = models.BooleanField(_("protected housing"), default=False)
    outside_stockholm = models.BooleanField(_("outside Stockholm"), default=False)
    private_programme = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("private defector programme"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class FollowUp(PersonalRecord):
    """A follow-up 6 or 12 months after closure: due on the worker's start page until recorded."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="follow_ups")
    months = models.PositiveSmallIntegerField(_("months after closure"))
    due_on = models.DateField(_("due"))
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # De-identified answers the coordinator's indicators count (no free text crosses).
    in_work_or_education = models.BooleanField(_("in work or education"), null=True)
    stable_housing = models.BooleanField(_("in stable housing"), null=True)
    back_in_milieu = models.BooleanField(_("back in the milieu"), null=True)
    notes = EncryptedTextField(_("notes"))

    class Meta:
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "months"], name="one_follow_up_per_milestone")]

    @property
    def due(self) -> bool:
        return self.recorded_at is None and self.due_on <= timezone.localdate()
