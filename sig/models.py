"""Social intervention groups (SIG): a multi-agency group around one consenting person.

Social services and the police are always members; school, prison and probation, employment
services, Jobbtorg, healthcare and civil society can join. What one member organisation records is
seen by another only while consent.policy allows that crossing; civil-society members see only the
summaries written for them, and accept a confidentiality undertaking when they join.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.records import PersonalRecord
from lotsa.crypto import EncryptedTextField
from lotsa.records import GuardedRecord
from lotsa.vocabulary import InformationCategory, ThreatLevel


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class GroupOutcome(models.TextChoices):
    GOALS_MET = "goals_met", _("The goals were met")
    DECLINED = "declined", _("The person left the group")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The consent was withdrawn")
    REFERRED = "referred", _("Referred to the defector programme")
    OTHER = "other", _("Other")


class MemberRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator (social services)")
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE_CONTACT = "police_contact", _("Police contact")
    SCHOOL_CONTACT = "school_contact", _("School contact")
    MENTOR = "mentor", _("Mentor")
    EMPLOYMENT = "employment", _("Employment and Jobbtorg")
    HEALTHCARE = "healthcare", _("Healthcare")
    PROBATION = "probation", _("Prison and probation")
    OTHER = "other", _("Other")


class InterventionGroup(GuardedRecord):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="intervention_group")
    band = models.CharField(_("band"), max_length=32)
    # The day the group's person outgrows the band (the birthday after its upper age): checked on every
    # read, not only at forming. A plain date, written when the group is formed, so that the handlers'
    # tasks are counted without decrypting a personal identity number; None for an unknown birth date.
    band_ends_on = models.DateField(_("outgrows the band on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=GroupStatus.choices, default=GroupStatus.FORMING
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=GroupOutcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    next_meeting_on = models.DateField(_("next meeting"), null=True, blank=True)

    class Meta:
        verbose_name = _("intervention group")
        verbose_name_plural = _("intervention groups")

    def access_subject_id(self):
        # The group's person is its case's (the group records nothing under a key of its own).
        return self.case.person_id


class Membership(models.Model):
    group = models.ForeignKey(InterventionGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sig_memberships"
    )
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role in the group"), max_length=32, choices=MemberRole.choices)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    undertaking_accepted_at = models.DateTimeField(
        _("confidentiality undertaking accepted"), null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(left_at__isnull=True),
                name="one_current_membership_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Membership {self.pk}"


class ThreatAssessment(PersonalRecord):
    """The police's continuous assessment of threat and protection need (hotbild och skyddsbehov)."""

    CATEGORY = InformationCategory.THREAT_PROTECTION

    group = models.ForeignKey(InterventionGroup, on_delete=models.PROTECT, related_name="assessments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("threat level"), max_length=16, choices=ThreatLevel.choices)
    protection_need = models.BooleanField(_("protection need"), default=False)
    notes = EncryptedTextField(_("notes"))
    # When the assessment was made (cases.queries: not in the future, not before the case was opened),
    # and when it was recorded here: the latest is the one made last; "new" is what was recorded since.
    assessed_on = models.DateField(_("assessed on"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    reassessment_due = models.DateField(_("re-assessment due"))

    NEWS_EVENTS = (("recorded_at", "author"),)  # lotsa.news: new since the user's last visit

    class Meta:
        ordering = ["-assessed_on", "-recorded_at"]

    @property
    def reassessment_overdue(self) -> bool:
        return timezone.localdate() > self.reassessment_due

    @property
    def recorded_on(self):
        """The local day it was recorded (shown beside the day it was made when the two differ)."""
        return timezone.localdate(self.recorded_at)


class SharedEntry(PersonalRecord):
    """What a member records for the group. ``for_civil_society`` marks a summary written for the
    civil-society members: the only kind of entry they ever see."""

    group = models.ForeignKey(InterventionGroup, on_delete=models.PROTECT, related_name="shared_entries")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("information category"), max_length=32, choices=InformationCategory.choices)
    text = EncryptedTextField(_("text"))
    for_civil_society = models.BooleanField(_("summary written for civil-society members"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    NEWS_EVENTS = (("created_at", "author"),)  # lotsa.news: new since the user's last visit

    class Meta:
        ordering = ["created_at"]


class Meeting(PersonalRecord):
    group = models.ForeignKey(InterventionGroup, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    decisions = EncryptedTextField(_("decisions"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on"]


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Attendance {self.pk}"


class MinutesItem(PersonalRecord):
    """One item of the minutes, with its information category: recorded by the coordinator's
    organisation and shared like any other entry."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("information category"), max_length=32, choices=InformationCategory.choices)
    text = EncryptedTextField(_("text"))


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Goal(PersonalRecord):
    group = models.ForeignKey(InterventionGroup, on_delete=models.PROTECT, related_name="goals")
    text = EncryptedTextField(_("goal"))
    created_at = models.DateTimeField(auto_now_add=True)


class PlanAction(PersonalRecord):
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("owned by"), on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField(_("action"))
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    follow_up = EncryptedTextField(_("follow-up"))
    # When it was marked done: whether plans are carried out on time is one of the coordinator's
    # indicators of effect.
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due"]

    @property
    def overdue(self) -> bool:
        return self.status in {ActionStatus.PLANNED, ActionStatus.ONGOING} and self.due < timezone.localdate()
