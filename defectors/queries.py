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
