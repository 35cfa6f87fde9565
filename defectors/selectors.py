"""Reads of the defector programme. Each asks lotsa.access, records the access event, and returns —
or raises a denial already recorded."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import OrganisationKind, User
from accounts.roles import CASE_PAGE_ROLES, Role
from audit.models import Action
from cases import queries as case_queries
from cases import selectors as case_selectors
from cases.access import THREAT_PICTURE_ON_PROGRAMME_PAGE
from cases.words import Activity, CaseStatus
from defectors import catalogue, queries
from defectors.access import is_bops
from defectors.gate import gates_for
from defectors.models import (
    BopsAssessment,
    DecisionStatus,
    Enrolment,
    FollowUp,
    Intervention,
    Placement,
    SupportDecision,
)
from lotsa import access, crypto
from lotsa.vocabulary import Purpose
from lotsa.waiting import Waiting
from sig import queries as group_queries

PURPOSE = Purpose.DEFECTOR_PROGRAMME


def programme_cases_visible_to(*, user: User) -> QuerySet:
    return case_selectors.cases_visible_to(user=user).filter(
        activity=Activity.DEFECTOR_PROGRAMME, owner_unit__kind=OrganisationKind.DEFECTOR_PROGRAMME
    )


def _latest_assessments(user: User, case_ids) -> dict:
    latest = {}
    rows = access.visible_to(user, BopsAssessment.objects.filter(case_id__in=case_ids)).order_by(
        "case_id", "-assessed_on", "-recorded_at"
    )
    for assessment in rows:
        latest.setdefault(assessment.case_id, assessment)
    return latest


def programme_overview_for(*, user: User) -> dict:
    """The programme's open cases with their gates, BOPS's re-assessment dates, lowered threats and
    the follow-ups due; one access event naming the people shown."""
    cases = list(
        programme_cases_visible_to(user=user)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("person", "responsible")
        .order_by("-opened_at")
    )
    gates = gates_for(cases)
    latest = _latest_assessments(user, [case.pk for case in cases])
    lowered = {
        enrolment.case_id
        for enrolment in Enrolment.objects.filter(case__in=cases, threat_lowered_at__isnull=False)
        if enrolment.awaiting_continue_decision
    }
    follow_ups = list(
        access.visible_to(
            user, FollowUp.objects.filter(recorded_at__isnull=True, due_on__lte=timezone.localdate())
        )
        .select_related("case__person")
        .order_by("due_on")
    )
    rows = [
        {
            "case": case,
            "gate": gates[case.pk],
            "assessment": latest.get(case.pk),
            "lowered": case.pk in lowered,
        }
        for case in cases
    ]
    with transaction.atomic():
        access.record_list(user, [*cases, *[f.case for f in follow_ups]], purpose="defector programme")
    crypto.prefetch_data_keys([case.person_id for case in cases] + [f.person_id for f in follow_ups])
    return {"rows": rows, "follow_ups": follow_ups}


def programme_page_for(*, user: User, case_id) -> dict:
    """The programme's page of one case, after one recorded decision to view the case: the gate, BOPS's
    assessments (while the consent lets them cross), the decisions, the interventions and placements
    (an address only for the named handlers, each shown address its own access event), follow-ups.
    The page's events (the case, each address shown, the group's threat picture) commit together."""
    with access.page_commit(actor=user):
        return _programme_page(user, case_id)


def _programme_page(user: User, case_id) -> dict:
    case = case_selectors.case_get_for(user=user, case_id=case_id, purpose="defector programme")
    if case.activity != Activity.DEFECTOR_PROGRAMME:
        raise Http404
    enrolment = Enrolment.objects.filter(case=case).first()
    interventions = list(
        Intervention.objects.filter(case=case).select_related("placement__private_programme")
    )
    placements = [i.placement for i in interventions if hasattr(i, "placement")]
    for placement in placements:
        placement.shown_address = None
        if access.decide(user, Action.VIEW, placement).allowed:
            access.check(user, Action.VIEW, placement, purpose="placement address")
            placement.shown_address = placement.address
    for intervention in interventions:
        intervention.kind_info = catalogue.intervention(intervention.kind)
        intervention.section_info = catalogue.section(intervention.section)
    decisions = list(SupportDecision.objects.filter(case=case).select_related("author", "reviewed_by"))
    for decision in decisions:
        decision.section_info = catalogue.section(decision.section)
        decision.can_review = (
            decision.status == DecisionStatus.PENDING and access.decide(user, Action.DECIDE, decision).allowed
        )
    group_assessment = group_assessment_for(user=user, case=case)
    return {
        "case": case,
        "person": case.person,
        "enrolment": enrolment,
        "group_assessment": group_assessment,
        # From the enrolment and the decisions read above (every decision of the case, not only those
        # shown): the gate reads only BOPS's latest assessment and the consent itself.
        "gate": gates_for(
            [case],
            enrolments={case.pk: enrolment} if enrolment is not None else {},
            approved={case.pk} if any(d.status == DecisionStatus.APPROVED for d in decisions) else set(),
        )[case.pk],
        "assessments": list(
            access.visible_to(user, BopsAssessment.objects.filter(case=case)).select_related(
                "organisation", "author"
            )
        ),
        "decisions": decisions,
        "interventions": interventions,
        "follow_ups": list(FollowUp.objects.filter(case=case).select_related("recorded_by")),
        "can_write": access.decide(user, Action.UPDATE, case).allowed,
    }


def group_assessment_for(*, user: User, case):
    """One person, one threat picture: the police's latest threat assessment of the case's person in an
    intervention group, for the programme's page (its own decision already recorded). The group's case
    is usually a district's, with its own record of the person: found through the blind index, never
    by decrypting. It is shown only while the consent for the intervention group lets threat and
    protection cross to the viewer's organisation — decided by its policy (sig.access) on every
    request, and recorded. Otherwise None, and nothing is recorded: the page says nothing of any group."""
    return case_selectors.latest_of_same_person_shown(
        user=user,
        records=group_queries.threat_assessments_shown_elsewhere(),
        person_id=case.person_id,
        purpose=THREAT_PICTURE_ON_PROGRAMME_PAGE,
    )


# --- BOPS --------------------------------------------------------------------------------------------


def bops_people_for(*, user: User) -> list[dict]:
    """For BOPS: the people in the programme whose consent for the defector programme names BOPS (the
    person rule, consent.policy), each with BOPS's latest assessment; one access event naming them."""
    if not is_bops(user):
        return []
    people = list(queries.people_for_bops(user))
    own = {}
    for assessment in BopsAssessment.objects.filter(
        person__in=people, organisation_id=user.organisation_id
    ).order_by("person_id", "-assessed_on", "-recorded_at"):
        own.setdefault(assessment.person_id, assessment)
    with transaction.atomic():
        access.record_list(user, people, purpose=PURPOSE)
    crypto.prefetch_data_keys(person.pk for person in people)
    return [{"person": person, "assessment": own.get(person.pk)} for person in people]


def bops_person_for(*, user: User, person_id) -> dict:
    """For BOPS: one person in the programme, after a recorded decision for the defector programme:
    BOPS's own assessments, and a placement's address only while the consent covers housing."""
    person = case_queries.person_found(person_id=person_id)
    access.check(user, Action.VIEW, person, purpose=PURPOSE)
    if not is_bops(user):
        raise Http404
    placements = [
        placement
        for placement in Placement.objects.filter(person=person).select_related("case", "private_programme")
        if access.decide(user, Action.VIEW, placement).allowed
    ]
    for placement in placements:
        with transaction.atomic():
            access.check(user, Action.VIEW, placement, purpose="placement address")
    return {
        "person": person,
        "assessments": list(
            BopsAssessment.objects.filter(person=person, organisation_id=user.organisation_id).select_related(
                "author"
            )
        ),
        "placements": placements,
    }


# --- The start page --------------------------------------------------------------------------------------


def waiting_in_the_programme(user: User) -> list:
    """For the start page (lotsa.waiting): counts only, never a person."""
    items = []
    if is_bops(user):
        due = BopsAssessment.objects.filter(organisation_id=user.organisation_id).order_by(
            "person_id", "-assessed_on", "-recorded_at"
        )
        latest = {}
        for assessment in due:
            latest.setdefault(assessment.person_id, assessment)
        overdue = sum(1 for a in latest.values() if a.reassessment_overdue)
        if overdue:
            items.append(
                Waiting(
                    ngettext(
                        "%(n)d re-assessment for the defector programme is overdue",
                        "%(n)d re-assessments for the defector programme are overdue",
                        overdue,
                    )
                    % {"n": overdue},
                    reverse("defectors:bops"),
                    urgent=True,
                )
            )
        return items
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation is None:
        return items
    if user.organisation.kind != OrganisationKind.DEFECTOR_PROGRAMME:
        return items
    url = reverse("defectors:overview")
    cases = programme_cases_visible_to(user=user)
    follow_ups = access.visible_to(
        user, FollowUp.objects.filter(recorded_at__isnull=True, due_on__lte=timezone.localdate())
    ).count()
    if follow_ups:
        items.append(
            Waiting(
                ngettext("%(n)d follow-up is due", "%(n)d follow-ups are due", follow_ups)
                % {"n": follow_ups},
                url,
            )
        )
    lowered = [e for e in Enrolment.objects.filter(case__in=cases) if e.awaiting_continue_decision]
    if lowered:
        items.append(
            Waiting(
                ngettext(
                    "BOPS lowered the threat for %(n)d person: decide whether to go on",
                    "BOPS lowered the threat for %(n)d people: decide whether to go on",
                    len(lowered),
                )
                % {"n": len(lowered)},
                url,
                urgent=True,
            )
        )
    if user.has_role(Role.SUPERVISOR):
        pending = (
            SupportDecision.objects.filter(case__in=cases, status=DecisionStatus.PENDING)
            .exclude(author=user)
            .count()
        )
        if pending:
            items.append(
                Waiting(
                    ngettext(
                        "%(n)d decision on support waits for your approval",
                        "%(n)d decisions on support wait for your approval",
                        pending,
                    )
                    % {"n": pending},
                    url,
                    approval=True,
                )
            )
    mine = SupportDecision.objects.filter(case__in=cases, status=DecisionStatus.PENDING, author=user).count()
    if mine:
        items.append(
            Waiting(
                ngettext(
                    "%(n)d of your decisions on support waits for the supervisor's approval",
                    "%(n)d of your decisions on support wait for the supervisor's approval",
                    mine,
                )
                % {"n": mine},
                url,
            )
        )
    return items
