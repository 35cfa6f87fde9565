"""A plaintext copy of the case data: the baseline the secured pages are compared against.

Installed only in the benchmark settings (tables made by `migrate --run-syncdb`), never in Lotsa.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import PersonFacts
from cases.words import Activity, CaseStatus, CloseReason, Milieu, ProtectedIdentity
from defectors.models import DecisionStatus, InterventionStatus
from lotsa.vocabulary import InformationCategory, ThreatLevel


class BenchMeta(models.Model):
    """What the cached data set was generated with; a mismatch makes the runner generate it anew."""

    key = models.CharField(max_length=50, unique=True)
    value = models.JSONField()


class PlainPerson(PersonFacts, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    given_names = models.TextField()
    surname = models.TextField()
    personal_number = models.CharField(max_length=12, db_index=True)
    contact = models.JSONField(default=dict)
    address = models.JSONField(default=dict)
    protected_identity = models.CharField(max_length=32, choices=ProtectedIdentity.choices, default="none")

    def get_protected_identity_display(self):
        return ProtectedIdentity(self.protected_identity).label


class PlainCase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    person = models.ForeignKey(PlainPerson, on_delete=models.CASCADE, related_name="cases")
    owner_unit = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    activity = models.CharField(max_length=32, choices=Activity.choices)
    milieu = models.CharField(max_length=32, choices=Milieu.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default="opened")
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["responsible", "opened_at"])]

    @property
    def is_closed(self):
        return self.status == CaseStatus.CLOSED


class PlainStatusChange(models.Model):
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=CaseStatus.choices)
    reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    reason_text = models.TextField(null=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)


class PlainJournalEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="journal")
    category = models.CharField(max_length=32, choices=InformationCategory.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    corrects = models.ForeignKey("self", on_delete=models.CASCADE, null=True, related_name="corrections")

    @property
    def is_signed(self):
        return self.signed_at is not None


# --- Row 11: the defector programme's page of one case, in plaintext -------------------------------------


class PlainEnrolment(models.Model):
    case = models.OneToOneField(PlainCase, on_delete=models.CASCADE, related_name="enrolment")
    conditions_signed_on = models.DateField(null=True)
    conditions_witness = models.TextField(null=True)
    conditions_scan_name = models.TextField(null=True)
    conditions_scan_type = models.CharField(max_length=32, blank=True)
    conditions_scan_size = models.PositiveIntegerField(null=True)
    not_protected_witness_confirmed_at = models.DateTimeField(null=True)
    threat_lowered_at = models.DateTimeField(null=True)
    continue_decided_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=32, blank=True)

    @property
    def conditions_signed(self) -> bool:
        return self.conditions_signed_on is not None

    @property
    def awaiting_continue_decision(self) -> bool:
        return self.threat_lowered_at is not None and (
            self.continue_decided_at is None or self.continue_decided_at < self.threat_lowered_at
        )


class PlainBopsAssessment(models.Model):
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=ThreatLevel.choices)
    special_protection_need = models.BooleanField(default=False)
    notes = models.TextField(null=True)
    assessed_on = models.DateField()
    recorded_at = models.DateTimeField()
    reassessment_due = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["case", "-assessed_on", "-recorded_at"])]

    @property
    def opens_the_programme(self) -> bool:
        return self.level == ThreatLevel.HIGH and self.special_protection_need

    @property
    def reassessment_overdue(self) -> bool:
        return timezone.localdate() > self.reassessment_due

    @property
    def recorded_on(self):
        return timezone.localdate(self.recorded_at)


class PlainSupportDecision(models.Model):
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=32)
    text = models.TextField(null=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=DecisionStatus.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True)
    review_note = models.TextField(null=True)


class PlainIntervention(models.Model):
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    section = models.CharField(max_length=32)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decided_at = models.DateTimeField()
    provider = models.TextField(null=True)
    starts_on = models.DateField()
    planned_end = models.DateField(null=True)
    status = models.CharField(max_length=16, choices=InterventionStatus.choices)
    follow_up = models.TextField(null=True)
    version = models.PositiveIntegerField(default=1)


class PlainPlacement(models.Model):
    intervention = models.OneToOneField(PlainIntervention, on_delete=models.CASCADE, related_name="placement")
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="+")
    address = models.JSONField(null=True)
    protected_housing = models.BooleanField(default=False)
    outside_stockholm = models.BooleanField(default=False)
    private_programme = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, related_name="+"
    )


class PlainFollowUp(models.Model):
    case = models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    recorded_at = models.DateTimeField(null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    in_work_or_education = models.BooleanField(null=True)
    stable_housing = models.BooleanField(null=True)
    back_in_milieu = models.BooleanField(null=True)
    notes = models.TextField(null=True)


# --- Row 12: who accessed a person, from a plaintext access log -------------------------------------------


class PlainAccessEvent(models.Model):
    """An access event naming a person, in a plaintext log with no seal, no chain and no merged records."""

    person = models.ForeignKey(PlainPerson, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    actor_username = models.CharField(max_length=150, blank=True)
    actor_organisation = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=32)
    purpose = models.CharField(max_length=100, blank=True)
    legal_ground = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=8)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "occurred_at"])]
