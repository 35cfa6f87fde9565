"""Support for relatives (anhörigstöd, seeds 000-003): a relative — parent, sibling, partner, child or
other, relatives over 20 with adult children included — is a client with their own case, recorded
with their own consent. The treatment unit complements the districts with support conversations.

The relation to the person concerned is itself secret: it is kept in the relative's case, encrypted
under the relative's key, shown only to the relative case's named handlers, never from the person's
case and never in a list of the person's. Nothing links it to any unit's record of the person: the
relative's case shows nothing of the person's unless the person's own consent shares it (the shared
pages, consent.policy).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.records import PersonalRecord
from lotsa.crypto import EncryptedTextField
from lotsa.records import Recorded


class RelationKind(models.TextChoices):
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    PARTNER = "partner", _("Partner")
    CHILD = "child", _("Child")
    OTHER = "other", _("Other")


class Relation(Recorded, PersonalRecord):
    """The relative's relation to the person concerned, in the relative's own case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="relations")
    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    concerned_name = EncryptedTextField(_("the person concerned"))
    concerned_number = EncryptedTextField(_("their personal identity number, if known"))
    # The unit's own record of the person concerned, when it keeps one (found by the number's blind
    # index, in the relative's unit only). Never shown from the person's side; used so that showing
    # the relation names the person concerned in the access log too.
    concerned_person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    notes = EncryptedTextField(_("notes"))

    class Meta:
        ordering = ["recorded_at"]


class ConversationForm(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")
    PARENT_NETWORK = "parent_network", _("Parent network")


class SupportConversation(Recorded, PersonalRecord):
    """A support conversation with the relative (the treatment unit's, or a district's)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="support_conversations")
    held_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=16, choices=ConversationForm.choices)
    notes = EncryptedTextField(_("notes"))
    follow_up_on = models.DateField(_("planned follow-up"), null=True, blank=True)

    class Meta:
        ordering = ["held_on"]
