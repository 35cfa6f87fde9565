"""Reads of the defector programme that trust a decision already made and recorded by the caller, and
for another app's page what it decides on (BOPS's latest assessment: found, never shown)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind
from cases import queries as case_queries
from cases.words import Activity, CaseStatus
from defectors import catalogue
from defectors.access import PURPOSE, is_bops
from defectors.models import (
    BopsAssessment,
    FollowUp,
    Intervention,
    Placement,
    SupportDecision,
)
from lotsa import access
from lotsa.calendar_items import CalendarItem, within


def bops_assessments_shown_elsewhere() -> QuerySet[BopsAssessment]:
    """BOPS's assessments as another app's page shows one (cases.selectors.latest_of_same_person_shown:
    only after lotsa.access lets it cross, and recorded): with their organisation, the notes not even
    read."""
    return BopsAssessment.objects.select_related("organisation").defer("notes")


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


def people_for_bops(user) -> QuerySet:
    """The people in the programme whose consent for the defector programme names the user's
    organisation (the person rule, consent.policy): BOPS's people, for the caller to record."""
    return (
        access.visible_to(user, case_queries.people(), purpose=PURPOSE)
        .filter(
            cases__activity=Activity.DEFECTOR_PROGRAMME,
            cases__owner_unit__kind=OrganisationKind.DEFECTOR_PROGRAMME,
        )
        .exclude(cases__status=CaseStatus.CLOSED)
        .distinct()
    )


def _latest_bops_assessments(user) -> QuerySet[BopsAssessment]:
    """Each programme case's latest BOPS assessment, where the user may see it (the assessment policy)."""
    latest = (
        BopsAssessment.objects.filter(case=OuterRef("case"))
        .order_by("-assessed_on", "-recorded_at")
        .values("pk")[:1]
    )
    return access.visible_to(user, BopsAssessment.objects.filter(pk=Subquery(latest)))


def calendar_of_the_programme(user, *, start, end, case=None) -> list[CalendarItem]:
    """For the calendar (lotsa.calendar_items): the follow-ups after the programme not yet recorded, in
    the cases the user handles (or in ``case``); BOPS's re-assessments due, for BOPS (the people whose
    consent names it) and for the handlers of the cases (where the consent lets threat cross)."""
    today = timezone.localdate()
    follow_ups = access.visible_to(user, FollowUp.objects.filter(recorded_at__isnull=True))
    assessments = _latest_bops_assessments(user)
    bops = case is None and is_bops(user)
    if case is not None:
        follow_ups, assessments = follow_ups.filter(case=case), assessments.filter(case=case)
    elif bops:
        follow_ups = follow_ups.none()
        assessments = assessments.filter(
            organisation_id=user.organisation_id, person__in=people_for_bops(user).values("pk")
        )
    else:
        handled = case_queries.cases_handled_by(user=user)
        follow_ups, assessments = follow_ups.filter(case__in=handled), assessments.filter(case__in=handled)
    items = [
        CalendarItem(
            day=follow_up.due_on,
            what=_("Follow-up %(months)d months after the programme") % {"months": follow_up.months},
            url=reverse("defectors:case", kwargs={"case_id": follow_up.case_id}),
            record=follow_up,
            person=follow_up.case.person,
            urgent=follow_up.due_on < today,
        )
        for follow_up in follow_ups.filter(within("due_on", start, end))
        .select_related("case__person")
        .order_by("due_on", "pk")
    ]
    items += [
        CalendarItem(
            day=assessment.reassessment_due,
            what=_("BOPS's threat assessment to be made again"),
            url=reverse("defectors:bops_person", kwargs={"person_id": assessment.person_id})
            if bops
            else reverse("defectors:case", kwargs={"case_id": assessment.case_id}),
            record=assessment,
            person=assessment.case.person,
            urgent=assessment.reassessment_due < today,
        )
        for assessment in assessments.filter(within("reassessment_due", start, end))
        .select_related("case__person")
        .order_by("reassessment_due", "pk")
    ]
    return items


def summary_of_the_programme(user, case) -> list[tuple[str, list[str]]]:
    """For the case's printable summary: BOPS's latest assessment of the case, where the user may see
    it (the programme's readers of the case, while the consent lets threat and protection cross)."""
    assessment = _latest_bops_assessments(user).filter(case=case).select_related("organisation").first()
    if assessment is None:
        return []
    return [
        (
            _("BOPS's latest assessment"),
            [
                _("Threat level: %(level)s, assessed %(day)s by %(organisation)s")
                % {
                    "level": str(assessment.get_level_display()).lower(),
                    "day": assessment.assessed_on.isoformat(),
                    "organisation": assessment.organisation.name,
                },
                _("Special protection need: %(need)s")
                % {"need": _("yes") if assessment.special_protection_need else _("no")},
                _("To be made again by %(day)s") % {"day": assessment.reassessment_due.isoformat()},
            ],
        )
    ]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _yes_no(value) -> str:
    return "-" if value is None else (_("yes") if value else _("no"))


def archive_of_the_programme(case) -> list[tuple[str, list[str]]]:
    """For the archive's package (retention.archive): what the unit's file holds of the case in the
    programme — its decisions, interventions, placements, follow-ups and BOPS's assessments — called
    after the package's EXPORT decision naming the person is recorded; it records nothing itself. A
    placement's address is a protected address and goes into no export: the placement is named as
    such. BOPS's own notes are BOPS's, not the unit's file: its assessments are named by level and day."""
    sections = []
    decisions = []
    for decision in SupportDecision.objects.filter(case=case).select_related("author", "reviewed_by"):
        cited = catalogue.section(decision.section)
        decisions.append(
            _("%(when)s, under %(section)s, %(status)s")
            % {
                "when": _when(decision.created_at),
                "section": cited.label if cited else decision.section,
                "status": str(decision.get_status_display()).lower(),
            }
        )
        decisions.append(decision.text or "-")
        if decision.reviewed_at:
            decisions.append(
                _("Reviewed %(when)s: %(note)s")
                % {"when": _when(decision.reviewed_at), "note": decision.review_note or "-"}
            )
    if decisions:
        sections.append((_("Decisions on support"), decisions))
    interventions = []
    placements = {p.intervention_id: p for p in Placement.objects.filter(case=case).defer("address")}
    for intervention in Intervention.objects.filter(case=case).order_by("starts_on", "decided_at"):
        kind = catalogue.intervention(intervention.kind)
        interventions.append(
            _("%(kind)s from %(start)s to %(end)s (%(status)s), provided by %(provider)s")
            % {
                "kind": kind.title if kind else intervention.kind,
                "start": intervention.starts_on.isoformat(),
                "end": intervention.planned_end.isoformat() if intervention.planned_end else "-",
                "status": str(intervention.get_status_display()).lower(),
                "provider": intervention.provider or "-",
            }
        )
        if intervention.follow_up:
            interventions.append(_("Follow-up notes: %(notes)s") % {"notes": intervention.follow_up})
        placement = placements.get(intervention.pk)
        if placement is not None:
            interventions.append(
                _(
                    "Placement recorded %(when)s; protected housing: %(protected)s; outside Stockholm: "
                    "%(outside)s. The address is protected and not in this package."
                )
                % {
                    "when": _when(placement.created_at),
                    "protected": _yes_no(placement.protected_housing),
                    "outside": _yes_no(placement.outside_stockholm),
                }
            )
    if interventions:
        sections.append((_("Interventions in the defector programme"), interventions))
    follow_ups = []
    for follow_up in FollowUp.objects.filter(case=case):
        follow_ups.append(
            _(
                "%(months)d months, due %(due)s, recorded %(recorded)s; in work or education: %(work)s; "
                "in stable housing: %(housing)s; back in the milieu: %(milieu)s"
            )
            % {
                "months": follow_up.months,
                "due": follow_up.due_on.isoformat(),
                "recorded": _when(follow_up.recorded_at),
                "work": _yes_no(follow_up.in_work_or_education),
                "housing": _yes_no(follow_up.stable_housing),
                "milieu": _yes_no(follow_up.back_in_milieu),
            }
        )
        if follow_up.notes:
            follow_ups.append(follow_up.notes)
    if follow_ups:
        sections.append((_("Follow-ups after the programme"), follow_ups))
    assessments = [
        _("Threat level: %(level)s, special protection need: %(need)s, assessed %(day)s by %(organisation)s")
        % {
            "level": str(assessment.get_level_display()).lower(),
            "need": _yes_no(assessment.special_protection_need),
            "day": assessment.assessed_on.isoformat(),
            "organisation": assessment.organisation.name,
        }
        for assessment in bops_assessments_shown_elsewhere()
        .filter(case=case)
        .order_by("assessed_on", "recorded_at")
    ]
    if assessments:
        sections.append((_("BOPS's assessments"), assessments))
    return sections
