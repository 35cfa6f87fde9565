"""Retention's records: destruction lists, their items, legal holds, the destruction certificates,
and the archive packages.

Nothing here holds personal content: an item names the unit's record of a person by its id (the opaque
subject id the access log uses), the rule and the dates; a hold names its kind of reason, never a text;
a certificate names subject ids, counts, rule ids and staff accounts. An ``ArchivePackage`` row, the
proof that what the rules keep went to the archive, is kept after the live copy of what it holds is
erased: when, by whom, for which list, which file (its SHA-256 and size), to which archive key (the
certificate's fingerprint) and how much (counts); the people are named only in the access log's export
events (their opaque ids) and in the encrypted package itself.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ListStatus(models.TextChoices):
    DRAWN = "drawn", _("Waiting for approval")
    APPROVED = "approved", _("Approved, being carried out")
    CARRIED_OUT = "carried_out", _("Carried out")


class ItemState(models.TextChoices):
    DUE = "due", _("To be erased")
    HELD = "held", _("Held")
    TO_ARCHIVE = "to_archive", _("To the archive first")
    ARCHIVED = "archived", _("Archived, to be erased")
    ERASED = "erased", _("Erased")
    # Checked again when the list was carried out: a new case or entry since the draw moved its date.
    NO_LONGER_DUE = "no_longer_due", _("No longer due (new case or entry)")


class HoldReason(models.TextChoices):
    APPEAL = "appeal", _("An appeal is pending")
    POLICE = "police", _("A police investigation")
    COURT = "court", _("A court or supervisory authority asked for it")
    COMPLAINT = "complaint", _("A complaint is being handled")


class DestructionList(models.Model):
    """One unit's records due in one month: drawn by the scheduled work (or by hand), approved by a
    supervisor of the unit who did not draw it, then carried out."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text="The first day of the month it was drawn for.")
    act = models.CharField(max_length=8)
    drawn_at = models.DateTimeField(_("drawn"))
    drawn_by = models.ForeignKey(  # empty: drawn by the scheduled work
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=16, choices=ListStatus.choices, default=ListStatus.DRAWN)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    carried_out_at = models.DateTimeField(_("carried out"), null=True, blank=True)

    class Meta:
        verbose_name = _("destruction list")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month"], name="one_destruction_list_per_unit_and_month"
            )
        ]
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"destruction list {self.pk}"


class ListItem(models.Model):
    destruction_list = models.ForeignKey(DestructionList, on_delete=models.PROTECT, related_name="items")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    rule_id = models.CharField(max_length=40)
    last_entry_at = models.DateTimeField(_("last entry"))
    erase_from = models.DateField()
    erase_by = models.DateField(_("to be erased by"))
    state = models.CharField(max_length=16, choices=ItemState.choices)
    erased_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Born on a research day: to the archive before the erasure (whichever rule set the window).
    for_research = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["destruction_list", "person"], name="a_record_once_per_list")
        ]
        ordering = ["erase_by", "pk"]

    def __str__(self) -> str:
        return f"item {self.pk} of destruction list {self.destruction_list_id}"

    def access_subject_id(self):
        return self.person_id


class Hold(models.Model):
    """A legal hold on one unit's record of a person: it stops the erasure at once, and is reviewed
    by another person than the one who placed it, by ``review_on`` at the latest (and again after)."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ListItem, on_delete=models.PROTECT, related_name="holds", null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=HoldReason.choices)
    review_on = models.DateField(_("review by"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_on", "pk"]

    def __str__(self) -> str:
        return f"hold {self.pk}"

    def access_subject_id(self):
        return self.person_id

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class Certificate(models.Model):
    """The signed proof that a list was carried out, kept after the data is gone. ``body`` is the
    canonical JSON that was signed; ``digest`` its SHA-256; the access event ``sealed_by`` carries the
    digest in its reason, so the access log's chain (and its seals) binds the certificate."""

    destruction_list = models.OneToOneField(
        DestructionList, on_delete=models.PROTECT, related_name="certificate"
    )
    issued_at = models.DateTimeField()
    body = models.TextField()
    digest = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)
    sealed_by = models.BigIntegerField(null=True, blank=True)  # the access event's id

    def __str__(self) -> str:
        return f"destruction certificate {self.pk}"


class ArchivePackage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    # The destruction list the package was made for; empty: made on its own.
    destruction_list = models.ForeignKey(
        DestructionList,
        verbose_name=_("destruction list"),
        on_delete=models.PROTECT,
        related_name="archive_packages",
        null=True,
        blank=True,
    )
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the encrypted package"), max_length=64)
    size = models.PositiveBigIntegerField(_("size of the encrypted package (bytes)"))
    key_fingerprint = models.CharField(_("SHA-256 fingerprint of the archive's certificate"), max_length=64)
    people = models.PositiveIntegerField(_("people"))
    cases = models.PositiveIntegerField(_("cases"))
    files = models.PositiveIntegerField(_("files in the package"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("archive package")

    def __str__(self) -> str:  # never personal data: this ends up in logs and change histories
        return f"archive package {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("an archive package's record is written once")
        super().save(*args, **kwargs)
