"""Reads of the defector programme that trust a decision already made and recorded by the caller."""

from __future__ import annotations

from django.utils.translation import gettext as _

from defectors import catalogue
from defectors.models import (
    Intervention,
)


def holdings_of(*, person, organisation_id) -> list[tuple[str, list[str]]]:
    """The person's interventions in the programme, for the subject access extract (called after its
    EXPORT decision naming the person; records nothing itself). A placement is named as such, never
    with its address."""
    lines = []
    interventions = Intervention.objects.filter(case__person=person, case__owner_unit_id=organisation_id)
    for intervention in interventions.order_by("starts_on"):
        kind = catalogue.intervention(intervention.kind)
        lines.append(
            _("%(kind)s from %(start)s (%(status)s)")
            % {
                "kind": kind.title if kind else intervention.kind,
                "start": intervention.starts_on.isoformat(),
                "status": str(intervention.get_status_display()).lower(),
            }
        )
    return [(_("Interventions in the defector programme"), lines)] if lines else []
