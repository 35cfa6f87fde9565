"""Reads of an intervention group that trust the decision to open the group, already made and recorded by
the caller: which of its entries, assessments, minutes and plan a member sees (each row under the
group's policies), a person's holdings for a subject access extract, and for another app's page what it
decides on (the police's latest assessment in a group: found, never shown)."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import queries as case_queries
from lotsa import access
from lotsa.calendar_items import CalendarItem, within
from sig.access import PlanPolicy
from sig.models import (
    GroupStatus,
    InterventionGroup,
    Meeting,
    Membership,
    MinutesItem,
    PlanAction,
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


def threat_assessments_shown_elsewhere() -> QuerySet[ThreatAssessment]:
    """The police's assessments as another app's page shows one (cases.selectors.
    latest_of_same_person_shown: only after lotsa.access lets it cross, and recorded): with their
    organisation, the notes not even read."""
    return ThreatAssessment.objects.select_related("organisation").defer("notes")


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's current memberships of intervention groups: for another app's policy (the threat
    picture) to ask whether the user takes part in a group about a person."""
    return Membership.objects.filter(user_id=user.pk, left_at__isnull=True)


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


# --- The calendar and the case summary (lotsa.calendar_items, lotsa.summary) -----------------------


def _groups(user: User, case=None) -> QuerySet[InterventionGroup]:
    """The open groups ``user`` may read: of ``case``, or (no case) the user's own: groups they are a
    member of, and the groups of the cases they handle."""
    groups = access.visible_to(user, InterventionGroup.objects.exclude(status=GroupStatus.CLOSED))
    if case is not None:
        return groups.filter(case=case)
    member = Membership.objects.filter(user=user, left_at__isnull=True).values("group_id")
    return groups.filter(Q(pk__in=member) | Q(case__in=case_queries.cases_handled_by(user=user)))


def latest_assessments_visible(user: User, groups: QuerySet) -> QuerySet[ThreatAssessment]:
    """Each group's latest threat assessment, where the user may see it (the assessment policy)."""
    latest = (
        ThreatAssessment.objects.filter(group=OuterRef("group"))
        .order_by("-assessed_on", "-recorded_at")
        .values("pk")[:1]
    )
    return access.visible_to(
        user, ThreatAssessment.objects.filter(group__in=groups.values("pk"), pk=Subquery(latest))
    )


def calendar_of_groups(user: User, *, start, end, case=None) -> list[CalendarItem]:
    """The groups' next meetings and their threat re-assessments due."""
    today = timezone.localdate()
    groups = _groups(user, case)
    items = [
        CalendarItem(
            day=group.next_meeting_on,
            what=_("Meeting of the intervention group"),
            url=reverse("sig:detail", kwargs={"group_id": group.pk}),
            record=group,
            person=group.case.person,
        )
        for group in groups.filter(within("next_meeting_on", start, end), next_meeting_on__isnull=False)
        .select_related("case__person")
        .order_by("next_meeting_on", "pk")
    ]
    assessments = latest_assessments_visible(user, groups).filter(within("reassessment_due", start, end))
    items += [
        CalendarItem(
            day=assessment.reassessment_due,
            what=_("Threat assessment to be made again"),
            url=reverse("sig:detail", kwargs={"group_id": assessment.group_id}),
            record=assessment,
            person=assessment.group.case.person,
            urgent=assessment.reassessment_due < today,
        )
        for assessment in assessments.select_related("group__case__person").order_by("reassessment_due", "pk")
    ]
    return items


def summary_of_groups(user: User, case) -> list[tuple[str, list[str]]]:
    """For the case's printable summary: its open intervention group, and the group's latest threat
    assessment where the user may see it (a member the consent lets it cross to; never civil society,
    never a reader of the case who is not in the group)."""
    groups = _groups(user, case)
    group = groups.first()
    if group is None:
        return []
    lines = [
        _("Status: %(status)s, formed %(formed)s")
        % {
            "status": str(group.get_status_display()).lower(),
            "formed": timezone.localtime(group.created_at).date().isoformat(),
        }
    ]
    if group.next_meeting_on:
        lines.append(_("Next meeting: %(day)s") % {"day": group.next_meeting_on.isoformat()})
    sections = [(_("Intervention group"), lines)]
    assessment = latest_assessments_visible(user, groups).select_related("organisation").first()
    if assessment is not None:
        sections.append(
            (
                _("Latest threat assessment"),
                [
                    _("Threat level: %(level)s, assessed %(day)s by %(organisation)s")
                    % {
                        "level": str(assessment.get_level_display()).lower(),
                        "day": assessment.assessed_on.isoformat(),
                        "organisation": assessment.organisation.name,
                    },
                    _("Protection need: %(need)s")
                    % {"need": _("yes") if assessment.protection_need else _("no")},
                    _("To be made again by %(day)s") % {"day": assessment.reassessment_due.isoformat()},
                ],
            )
        )
    return sections


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def archive_of_groups(case) -> list[tuple[str, list[str]]]:
    """For the archive's package (retention.archive): the case's intervention group as the owning
    unit's file holds it — the group, its members by organisation and role, its meetings' decisions, its
    plan, the threat assessments by level and day, and what the unit itself shared and minuted. Called
    after the package's EXPORT decision naming the person is recorded; records nothing. What another
    organisation wrote (its entries, its minutes, its assessments' notes) is that organisation's record,
    not the unit's file: it is counted, never given."""
    group = InterventionGroup.objects.filter(case=case).first()
    if group is None:
        return []
    unit = case.owner_unit_id
    lines = [
        _("Status: %(status)s, formed %(formed)s, activated %(activated)s, closed %(closed)s")
        % {
            "status": str(group.get_status_display()).lower(),
            "formed": _when(group.created_at),
            "activated": _when(group.activated_at),
            "closed": _when(group.closed_at),
        }
    ]
    if group.outcome:
        lines.append(_("Outcome: %(outcome)s") % {"outcome": group.get_outcome_display()})
    members = Membership.objects.filter(group=group).select_related("organisation").order_by("joined_at")
    for member in members:
        lines.append(
            _("Member: %(organisation)s, %(role)s, from %(joined)s to %(left)s")
            % {
                "organisation": member.organisation.name,
                "role": member.get_role_display(),
                "joined": _when(member.joined_at),
                "left": _when(member.left_at),
            }
        )
    for meeting in Meeting.objects.filter(group=group).order_by("held_on"):
        lines.append(
            _("Meeting %(day)s: %(decisions)s")
            % {"day": meeting.held_on.isoformat(), "decisions": meeting.decisions or "-"}
        )
        for item in MinutesItem.objects.filter(meeting=meeting, organisation_id=unit):
            lines.append(item.text)
    actions = PlanAction.objects.filter(goal__group=group).select_related("goal", "owner")
    for action in actions.order_by("goal__created_at", "due"):
        lines.append(
            _("Goal: %(goal)s. Action: %(action)s (%(owner)s, due %(due)s, %(status)s)")
            % {
                "goal": action.goal.text,
                "action": action.text,
                "owner": action.owner.name,
                "due": action.due.isoformat(),
                "status": str(action.get_status_display()).lower(),
            }
        )
    for assessment in (
        ThreatAssessment.objects.filter(group=group)
        .select_related("organisation")
        .order_by("assessed_on", "recorded_at")
    ):
        lines.append(
            _("Threat level: %(level)s, assessed %(day)s by %(organisation)s")
            % {
                "level": str(assessment.get_level_display()).lower(),
                "day": assessment.assessed_on.isoformat(),
                "organisation": assessment.organisation.name,
            }
        )
    for entry in SharedEntry.objects.filter(group=group, organisation_id=unit).order_by("created_at"):
        lines.append(f"{_when(entry.created_at)} · {entry.get_category_display()}: {entry.text}")
    others = SharedEntry.objects.filter(group=group).exclude(organisation_id=unit).count()
    others += MinutesItem.objects.filter(meeting__group=group).exclude(organisation_id=unit).count()
    if others:
        lines.append(
            _("%(n)d entries written by other organisations are their records, not in this package.")
            % {"n": others}
        )
    return [(_("Intervention group"), lines)]
