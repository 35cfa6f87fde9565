"""Reads of relatives' support that trust a decision already made and recorded by the caller."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relatives.models import SupportConversation


def holdings_of(*, person, organisation_id) -> list[tuple[str, list[str]]]:
    """The support conversations held with the person in the unit's cases, for the subject access
    extract (called after its EXPORT decision naming the person; records nothing itself). Dates and
    forms only; the relation to the person concerned is the relative's own and is not repeated."""
    conversations = SupportConversation.objects.filter(person=person, case__owner_unit_id=organisation_id)
    lines = [f"{c.held_on.isoformat()}: {c.get_form_display()}" for c in conversations.order_by("held_on")]
    return [(_("Support conversations"), lines)] if lines else []
