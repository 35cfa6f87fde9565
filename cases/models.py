"""People and their cases.

Every personal field of a person is encrypted under the person's own data key; the personal
identity number is also kept as a blind index for exact-match search.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases import personal_number as pnr
from lotsa.crypto import BlindIndexField, EncryptedJSONField, EncryptedTextField


class ProtectedIdentity(models.TextChoices):
    NONE = "none", _("None")
    SECRECY_MARKING = "secrecy_marking", _("Secrecy marking (sekretessmarkering)")
    PROTECTED_REGISTRATION = "protected_registration", _("Protected registration (skyddad folkbokföring)")
    FICTITIOUS_IDENTITY = "fictitious_identity", _("Fictitious identity (fingerade personuppgifter)")


class Person(models.Model):
    ENCRYPTED_FIELDS = ["given_names", "surname", "personal_number", "contact", "address"]
    encryption_subject_field = "pk"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_names = EncryptedTextField(_("given names"))
    surname = EncryptedTextField(_("surname"))
    personal_number = EncryptedTextField(_("personal identity number"))
    personal_number_index = BlindIndexField(source="personal_number", normalise=pnr.normalise_or_none)
    contact = EncryptedJSONField(_("contact details"))
    address = EncryptedJSONField(_("address"))
    protected_identity = models.CharField(
        _("protected identity"),
        max_length=32,
        choices=ProtectedIdentity.choices,
        default=ProtectedIdentity.NONE,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:  # never personal data: this ends up in logs and change histories
        return f"Person {self.pk}"

    def access_subject_id(self):
        return self.pk

    @property
    def is_protected(self) -> bool:
        return self.protected_identity != ProtectedIdentity.NONE


class Activity(models.TextChoices):
    VBE_FIRST_CONTACT = "vbe_first_contact", _("VBE-team first contact")
    INTERVENTION_GROUP = "intervention_group", _("Intervention group")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    RELATIVE_SUPPORT = "relative_support", _("Relative support")
    OTHER = "other", _("Other")


class Milieu(models.TextChoices):
    AUTONOMOUS = "autonomous", _("Autonomous milieu")
    WHITE_POWER = "white_power", _("White-power milieu")
    VIOLENT_ISLAMIST = "violent_islamist", _("Violent Islamist milieu")
    OTHER_IDEOLOGY = "other_ideology", _("Other ideology")
    UNCLEAR = "unclear", _("Unclear")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class CaseStatus(models.TextChoices):
    OPENED = "opened", _("Opened")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    owner_unit = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="cases"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible social worker"),
        on_delete=models.PROTECT,
        related_name="responsible_for",
        null=True,
        blank=True,
    )
    activity = models.CharField(_("activity"), max_length=32, choices=Activity.choices)
    milieu = models.CharField(_("milieu"), max_length=32, choices=Milieu.choices, default=Milieu.UNCLEAR)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPENED
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped by every change.")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["owner_unit", "status"])]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    def access_subject_id(self):
        return self.person_id


# django-guardian object permissions with direct foreign keys (faster than the generic ones, and
# deleted with the case instead of being left behind).
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
