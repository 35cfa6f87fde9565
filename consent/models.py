"""Consent under OSL 10 kap. 1 §, disclosures under other legal grounds, and emergency access.

A recorded consent is never edited: a change is a new consent that supersedes the old one, and a
withdrawal is recorded on it (when, by whom, how the person said it). Withdrawing stops sharing only;
it deletes nothing from the case.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.records import PersonalRecord
from consent import grounds
from lotsa.crypto import EncryptedTextField
from lotsa.querysets import GuardedQuerySet
from lotsa.records import GuardedRecord, Recorded
from lotsa.vocabulary import Purpose


class GivenHow(models.TextChoices):
    WRITTEN = "written", _("In writing")
    ORAL = "oral", _("Orally")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PENDING = "pending", _("Not yet valid")
    INCOMPLETE = "incomplete", _("Waiting for the guardians' consent")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    ENDED_AT_MAJORITY = "ended_at_majority", _("Ended when the young person came of age")
    SUPERSEDED = "superseded", _("Superseded")


class ConsentQuerySet(GuardedQuerySet):
    """Which consents are in force is the sharing policy's to say (consent.policy.in_force)."""

    def update(self, **kwargs):
        raise TypeError(
            "a recorded consent is never edited: supersede or withdraw it through consent.services"
        )

    def erase_day_of_majority(self) -> int:
        """Erasure only (``consent.services.consent_dates_erase``): an erased person's consents keep no
        day of majority, from which the birth date could be read back. Nothing else of a recorded
        consent is ever changed."""
        return models.QuerySet.update(self, adult_on=None)

    def correct_day_of_majority(self, adult_on) -> int:
        """A birth date known for certain at last (``consent.services.consent_dates_correct``): the
        consents recorded for a child come of age on the real day, never later than the day they were
        recorded with (an approximate date moves majority no later: guardians' consent never outlives
        it). Nothing else of a recorded consent is ever changed."""
        changed = 0
        for consent in self.filter(child_at_consent=True).exclude(adult_on__isnull=True):
            if adult_on is not None and adult_on < consent.adult_on:
                changed += models.QuerySet.update(self.filter(pk=consent.pk), adult_on=adult_on)
        return changed


class Consent(Recorded, PersonalRecord):
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="consents")
    # The case it was recorded in: that case's handlers manage it (supersede, withdraw).
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="consents", null=True, blank=True
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recorded by unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    purpose_text = EncryptedTextField(_("purpose, in words"))
    recipients = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("named recipients"), related_name="consents_received"
    )
    categories = models.JSONField(_("information categories"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    given_how = models.CharField(_("given"), max_length=16, choices=GivenHow.choices)
    signed_form = EncryptedTextField(_("signed form"))  # base64 of the uploaded file, encrypted
    # A file name often carries a name or a personal identity number: encrypted like the form itself.
    signed_form_name = EncryptedTextField(_("name of the signed form's file"))
    witness = EncryptedTextField(_("witness"))
    # A child: the guardians' consents beside the child's own.
    child_at_consent = models.BooleanField(default=False)
    guardians_consented = models.PositiveSmallIntegerField(_("guardians who consented"), default=0)
    guardians_required = models.PositiveSmallIntegerField(_("guardians required"), default=0)
    child_own_consent = models.BooleanField(_("the child consented too"), default=False)
    # The day the child comes of age (a consent recorded for a child; None for an adult's): from that
    # day on the guardians' consent covers nothing (consent.policy). Kept in clear, as a plain date, so
    # that the policy's SQL never decrypts a personal identity number; it tells no more than the
    # child's age, which the consent's guardian fields already show.
    adult_on = models.DateField(_("comes of age on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_how = models.CharField(
        _("how the person withdrew"), max_length=16, choices=GivenHow.choices, blank=True
    )
    withdrawal_note = EncryptedTextField(_("note on the withdrawal"))
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="supersedes", null=True, blank=True
    )

    objects = ConsentQuerySet.as_manager()

    # Recorded, and perhaps withdrawn (lotsa.news: new since the user's last visit).
    NEWS_EVENTS = (("recorded_at", "recorded_by"), ("withdrawn_at", "withdrawn_by"))

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["person", "valid_until"])]

    # Where the consent stands now, set by consent.policy.with_status (the rule lives there).
    current_status: str = ""

    def get_status_display(self) -> str:
        return ConsentStatus(self.current_status).label if self.current_status else ""


class Disclosure(PersonalRecord):
    """Information disclosed without consent, under a legal ground from consent.grounds. It lets
    the recipient see the named categories until ``access_until``, and waits for a supervisor's review."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="disclosures")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("legal ground"), max_length=40)
    categories = models.JSONField(_("information categories"), default=list)
    what = EncryptedTextField(_("what was disclosed"))
    why = EncryptedTextField(_("why"))
    access_until = models.DateField(_("the recipient may see it until"))
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disclosed_at"]

    @property
    def ground_label(self) -> str:
        """The legal ground in words (as written, if it is no longer in consent.grounds)."""
        return grounds.ground_words(self.ground) or self.ground


class EmergencyAccess(PersonalRecord):
    """Nödåtkomst: a user of the owning unit, not assigned to the case, opens it for a stated reason
    for a limited time. Every use waits for a supervisor's review."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"))
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "case", "expires_at"])]

    def is_open(self, at: dt.datetime | None = None) -> bool:
        return (at or timezone.now()) < self.expires_at


class ConsentReviewOutcome(models.TextChoices):
    APPROVED = "approved", _("Signed off")
    MISUSE = "misuse", _("Flagged as misuse")


class Review(GuardedRecord):
    """A supervisor's review of a disclosure or an emergency access. Until it is signed off the item
    stays in the owning unit's review queue. (Not a PersonalRecord: its key is the database's, and
    its person is the ``subject``.)"""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    emergency_access = models.OneToOneField(
        EmergencyAccess, on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    due_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    outcome = models.CharField(max_length=16, choices=ConsentReviewOutcome.choices, blank=True)
    comment = EncryptedTextField(_("comment"))
    subject = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    encryption_subject_field = "subject_id"

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disclosure__isnull=False) ^ models.Q(emergency_access__isnull=False),
                name="review_of_exactly_one_thing",
            )
        ]

    @property
    def is_overdue(self) -> bool:
        return self.reviewed_at is None and timezone.now() > self.due_at

    @property
    def actor_id(self):
        """Who made the disclosure or used the emergency access: never their reviewer."""
        if self.disclosure_id:
            return self.disclosure.disclosed_by_id
        return self.emergency_access.user_id
