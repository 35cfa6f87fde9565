"""The VBE team's first contacts (seed 001), their meetings with the police, and reports of concern for
a child. The models belong to the cases app (label ``cases``): cases/models.py imports them, where
Django looks for the app's models. They name the case core's models by label ("cases.Case"), so
that the core's models module can import this one without a cycle."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.records import PersonalRecord
from lotsa.crypto import EncryptedTextField
from lotsa.records import Recorded


class Referrer(models.TextChoices):
    POLICE = "police", _("The police")
    SECURITY_SERVICE = "security_service", _("The Security Service, through the police")
    CITY_SERVICE = "city_service", _("Another city service")


class FirstContact(PersonalRecord):
    """A request for a first contact: who flagged the person and when, and whether they have minor
    children (the target group is adults without children: the team goes on only with a reason). The
    case it belongs to (the VBE team's) carries the milieu."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="first_contact")
    referrer = models.CharField(_("flagged by"), max_length=32, choices=Referrer.choices)
    referrer_detail = EncryptedTextField(_("which unit or service"))
    flagged_on = models.DateField(_("flagged on"))
    has_minor_children = models.BooleanField(_("has minor children"), null=True)
    children_reason = EncryptedTextField(_("why the team goes on although the person has children"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class ContactOutcome(models.TextChoices):
    ACCEPTED = "accepted_help", _("Accepted help")
    DECLINED = "declined", _("Declined")
    NOT_REACHED = "not_reached", _("Not reached")
    OTHER_HELP = "other_help", _("Needs other help")


class FirstContactMeeting(Recorded, PersonalRecord):
    """The meeting together with the police (one is the goal; more can be recorded)."""

    first_contact = models.ForeignKey(FirstContact, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    vbe_participants = EncryptedTextField(_("from the VBE team"))
    police_participants = EncryptedTextField(_("from the police"))
    outcome = models.CharField(_("outcome"), max_length=32, choices=ContactOutcome.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts to reach the person"), default=1)
    notes = EncryptedTextField(_("notes"))

    class Meta:
        ordering = ["held_on"]


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received, to be assessed")
    CASE_OPENED = "case_opened", _("Assessed: a case of the child was opened")
    NO_ACTION = "no_action", _("Assessed: no further action")


class ConcernReport(Recorded, PersonalRecord):
    """A report of concern for a child (orosanmälan): the police report concern for a person's minor
    child to the responsible district, and the VBE team records it. It is sent under the duty to
    report (OSL 10 kap. 28 §): never blocked by a missing consent, always reviewed. The child is the
    receiving district's own record (``child``); the district's child and youth unit assesses it (up
    to and including 20 years), and may open the child's own case."""

    encryption_subject_field = "child_id"

    person = None  # the person it is about is the child
    child = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    from_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="concern_reports_sent")
    from_unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible district"),
        on_delete=models.PROTECT,
        related_name="concern_reports_received",
    )
    reported_by_police = EncryptedTextField(_("reported by (police)"))
    concern = EncryptedTextField(_("the concern"))
    reported_on = models.DateField(_("reported on"))
    # The disclosure it was sent under (consent.Disclosure's id: ground child_concern_report).
    disclosure_ref = models.UUIDField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    # The protection assessment (skyddsbedömning, SoL 11 kap. 1 a §): whether the child needs immediate
    # protection, made the day the report comes in. The preliminary assessment (förhandsbedömning:
    # status, assessed_*) follows within LOTSA_CONCERN_PRELIMINARY_DAYS.
    protection_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    protection_assessed_at = models.DateTimeField(_("protection assessed"), null=True, blank=True)
    immediate_protection = models.BooleanField(_("needs immediate protection"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessment_note = EncryptedTextField(_("the assessment"))
    child_case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="concern_reports", null=True, blank=True
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["to_unit", "status"], name="concern_inbox")]

    def child_age(self) -> int | None:
        return self.child.age()

    def received_on(self):
        """The day the district received it (recorded here, it reached the district): the protection
        assessment is due that day, the preliminary one within LOTSA_CONCERN_PRELIMINARY_DAYS of it."""
        return timezone.localdate(self.recorded_at)

    def preliminary_due(self):
        return self.received_on() + dt.timedelta(days=settings.LOTSA_CONCERN_PRELIMINARY_DAYS)

    @property
    def for_child_and_youth_unit(self) -> bool:
        age = self.child.age()
        return age is None or age <= settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE
