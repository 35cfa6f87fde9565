"""Reads of an intervention group that trust the decision to open the group, already made and recorded by
the caller: which of its entries, assessments, minutes and plan a member sees (each row under the
group's policies), a person's holdings for a subject access extract, and for another app's page what it
decides on (the police's latest assessment in a group: found, never shown)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from lotsa import access
from sig.access import PlanPolicy
from sig.models import (
    InterventionGroup,
    Meeting,
    MinutesItem,
    SharedEntry,
    ThreatAssessment,
)


def visible_shared_entries(viewer: User, group: InterventionGroup) -> list[SharedEntry]:
    """Exactly what the viewer may see of what members shared (the shared-entry policy, in SQL)."""
    entries = access.visible_to(viewer, SharedEntry.objects.filter(group=group))
    return list(entries.select_related("author", "organisation", "group").order_by("created_at"))


def visible_assessments(viewer: User, group: InterventionGroup) -> list[ThreatAssessment]:
    assessments = access.visible_to(viewer, group.assessments.all())
    return list(assessments.select_related("author", "organisation", "group"))


def latest_threat_assessment(*, people) -> ThreatAssessment | None:
    """The police's latest threat assessment in any intervention group of these person records (a
    queryset or subquery of them), with its organisation: for another app's page, which shows it only
    after consent.policy lets it cross and the access is recorded. Found, never shown; the notes are not
    even read."""
    return (
        ThreatAssessment.objects.filter(person__in=people)
        .select_related("organisation")
        .defer("notes")
        .order_by("-assessed_at", "-pk")
        .first()
    )


def visible_minutes(viewer: User, meeting: Meeting) -> list[MinutesItem]:
    return list(access.visible_to(viewer, meeting.items.select_related("meeting__group__case")))


def plan_visible(viewer: User, group: InterventionGroup) -> bool:
    """Whether the action plan is shared with the viewer's organisation (the plan policy)."""
    return PlanPolicy().plan_visible(viewer, group)


def holdings_of(*, person, organisation_id) -> list[tuple[str, list[str]]]:
    """The person's intervention groups in the unit's cases, for the subject access extract (called
    after its EXPORT decision naming the person; records nothing itself): when formed, the status and
    the member organisations."""
    lines = []
    groups = InterventionGroup.objects.filter(case__person=person, case__owner_unit_id=organisation_id)
    for group in groups.prefetch_related("memberships__organisation").order_by("created_at"):
        members = sorted({m.organisation.name for m in group.memberships.all() if m.left_at is None})
        lines.append(
            _("Formed %(formed)s, %(status)s; members from %(members)s")
            % {
                "formed": timezone.localtime(group.created_at).date().isoformat(),
                "status": str(group.get_status_display()).lower(),
                "members": ", ".join(members) or "-",
            }
        )
    return [(_("Intervention groups"), lines)] if lines else []
