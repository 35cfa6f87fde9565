"""The supervisor's desk: the plan and the documented reviews of the access log, and the versioned
needs-and-risk analysis behind each role (HSLF-FS 2016:40 4 kap. 2 och 9 §§).

A review names events of the access log by id and keeps the supervisor's marks. Once signed off it
cannot change: the service refuses, the models refuse, and on PostgreSQL a trigger refuses UPDATE and
DELETE of a signed review and its items, and DELETE of any review less than five years old. Notes are
about the access, not the person: the event identifies the person, and the person's own access log is
one click away (and is itself logged).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from audit.models import AccessEvent
from cases.models import Person
from lotsa.crypto import EncryptedTextField
from lotsa.records import GuardedRecord


class PersonAccessLog(Person):
    """A person, as the subject of the page that shows who accessed them: its own access rule (the
    owning unit's supervisor), its own target in the access log."""

    class Meta:
        proxy = True
        verbose_name = _("access log of a person")
        verbose_name_plural = _("access logs of people")


class SignedOff(Exception):
    """A signed-off review, or an approved analysis, is never changed."""


class ReviewPlan(models.Model):
    """How often a unit reviews its access log, and how large the sample is."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="review_plan"
    )
    every_days = models.PositiveSmallIntegerField(
        _("review every (days)"), default=30, validators=[MinValueValidator(7), MaxValueValidator(366)]
    )
    random_samples = models.PositiveSmallIntegerField(
        _("random events per review"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    per_rule = models.PositiveSmallIntegerField(
        _("events per risk rule"), default=3, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review plan")
        verbose_name_plural = _("review plans")

    def __str__(self) -> str:
        return f"ReviewPlan of organisation {self.organisation_id}"


class LogReview(GuardedRecord):
    """One period's review: the sample drawn (reproducible from ``seed`` and the period), the marks,
    the sign-off. The conclusion is encrypted under the unit's key."""

    encryption_organisation_field = "organisation_id"
    encryption_row_field = "row_key"

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    seed = models.BigIntegerField()
    random_samples = models.PositiveSmallIntegerField()
    per_rule = models.PositiveSmallIntegerField()
    events_in_scope = models.PositiveIntegerField(default=0)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)
    conclusion = EncryptedTextField(_("conclusion"))
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("review of the access log")
        verbose_name_plural = _("reviews of the access log")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period_start", "period_end"], name="one_review_per_unit_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="review_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"LogReview {self.pk} of organisation {self.organisation_id}"

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and type(self).objects.filter(pk=self.pk, signed_off_at__isnull=False).exists()
        ):
            raise SignedOff(f"review {self.pk} is signed off")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedOff("reviews are kept")

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class Mark(models.TextChoices):
    IN_ORDER = "in_order", _("In order")
    FOLLOW_UP = "follow_up", _("Needs follow-up")


class ReviewItem(GuardedRecord):
    """One sampled event and why it was drawn (random, or the risk rules that selected it). The note is
    encrypted under the reviewing unit's key."""

    encryption_organisation_field = "review.organisation_id"
    encryption_row_field = "row_key"

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(LogReview, on_delete=models.PROTECT, related_name="items")
    event = models.ForeignKey(AccessEvent, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    reasons = models.JSONField(default=list)
    mark = models.CharField(_("mark"), max_length=16, choices=Mark.choices, blank=True)
    note = EncryptedTextField(_("note"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id"]
        constraints = [models.UniqueConstraint(fields=["review", "event"], name="one_item_per_event")]
        verbose_name = _("sampled access event")
        verbose_name_plural = _("sampled access events")

    def __str__(self) -> str:
        return f"ReviewItem {self.pk} (event {self.event_id})"

    def save(self, *args, **kwargs):
        if LogReview.objects.filter(pk=self.review_id, signed_off_at__isnull=False).exists():
            raise SignedOff(f"review {self.review_id} is signed off")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedOff("reviews are kept")


class NeedsRiskAnalysis(GuardedRecord):
    """The needs-and-risk analysis behind one role in one organisation: why the role needs the access
    it has, and what risks that brings. Versioned: a new version is written, approved by a supervisor
    of the organisation who did not write it, and from then on is the one in force. Its texts are
    encrypted under the organisation's key."""

    encryption_organisation_field = "organisation_id"
    encryption_row_field = "row_key"

    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    version = models.PositiveIntegerField()
    needs = EncryptedTextField(_("needs: what the role must reach, and why"))
    risks = EncryptedTextField(_("risks, and how they are met"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation_id", "role", "-version"]
        verbose_name = _("needs-and-risk analysis")
        verbose_name_plural = _("needs-and-risk analyses")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "role", "version"], name="one_analysis_version"),
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("written_by")),
                name="analysis_not_approved_by_author",
            ),
        ]

    def __str__(self) -> str:
        return f"NeedsRiskAnalysis {self.role} v{self.version} of organisation {self.organisation_id}"

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and type(self).objects.filter(pk=self.pk, approved_at__isnull=False).exists()
        ):
            raise SignedOff(f"analysis {self.pk} is approved")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedOff("analyses are kept")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class ExtractStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class SubjectAccessExtract(models.Model):
    """A person's subject access extract (GDPR Art. 15): prepared by a handler, approved by the unit's
    supervisor (never its author). It covers the access log up to ``last_event_id`` (the event of its
    own preparation) and what the unit holds; the PDF is made from these on each download, and is
    never stored."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    last_event_id = models.BigIntegerField(default=0)
    with_staff_names = models.BooleanField(_("name the staff"), default=False)
    staff_names_reason = models.CharField(_("why the staff are named"), max_length=300, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=ExtractStatus.choices, default=ExtractStatus.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = _("subject access extract")
        verbose_name_plural = _("subject access extracts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reviewed_by=models.F("prepared_by")),
                name="extract_not_reviewed_by_author",
            ),
            models.CheckConstraint(
                condition=models.Q(with_staff_names=False) | ~models.Q(staff_names_reason=""),
                name="extract_staff_names_have_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"SubjectAccessExtract {self.pk} of {self.person_id}"

    def access_subject_id(self):
        return self.person_id


class BreakGlassLogin(AccessEvent):
    """A break-glass login (issue 31, item 4), as the access log holds it: the login event the kernel
    wrote (accounts.local_login), with its own access rule. It waits at the supervisor's desk until a
    supervisor of the account's organisation, or an access approver of the administration, marks it
    reviewed (never the account itself)."""

    class Meta:
        proxy = True
        verbose_name = _("break-glass login")
        verbose_name_plural = _("break-glass logins")


class BreakGlassReview(models.Model):
    """That a break-glass login was reviewed, by whom and when. Kept, never changed."""

    login = models.OneToOneField(
        AccessEvent, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("review of a break-glass login")
        verbose_name_plural = _("reviews of break-glass logins")

    def __str__(self) -> str:
        return f"BreakGlassReview of event {self.login_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SignedOff("a review of a break-glass login is kept as it was made")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedOff("reviews are kept")
