"""A plaintext copy of the case data: the baseline the secured pages are compared against.

Installed only in the benchmark settings (tables made by `migrate --run-syncdb`), never in Lotsa.
"""

import uuid

from django.conf import settings
from django.db import models

from cases.models import PersonFacts
from cases.words import Activity, CaseStatus, CloseReason, Milieu, ProtectedIdentity
from lotsa.vocabulary import InformationCategory


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
