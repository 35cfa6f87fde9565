"""Reads of the defector programme that trust a decision already made and recorded by the caller, and
for another app's page what it decides on (BOPS's latest assessment: found, never shown)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from defectors import catalogue
from defectors.models import (
    BopsAssessment,
    Intervention,
)


def latest_bops_assessment(*, people) -> BopsAssessment | None:
    """BOPS's latest assessment of any of these person records (a queryset or subquery of them), with
    its organisation: for another app's page, which shows it only after consent.policy lets it cross
    and the access is recorded. Found, never shown; the notes are not even read."""
    return (
        BopsAssessment.objects.filter(person__in=people)
        .select_related("organisation")
        .defer("notes")
        .order_by("-assessed_at", "-pk")
        .first()
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
