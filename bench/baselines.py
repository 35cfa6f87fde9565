"""What the baseline pages of rows 11 and 12 show, read from the plaintext copies with no access
decision, no consent and no audit: the baselines' counterpart of the selectors the real pages call, so
that their views stay as thin as the real ones (bench/views.py)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone

from bench.models import (
    PlainAccessEvent,
    PlainBopsAssessment,
    PlainCase,
    PlainEnrolment,
    PlainFollowUp,
    PlainIntervention,
    PlainPerson,
    PlainSupportDecision,
)
from defectors import catalogue
from defectors import forms as defector_forms
from defectors.gate import CONDITIONS, CONSENT, DECISION, NOT_WITNESS, Gate, GateItem, _bops_item
from defectors.models import DecisionStatus
from lotsa.listing import list_filters
from supervision import selectors as supervision_selectors
from supervision.filters import AccessEventFilter
from supervision.log_review import period_bounds


def programme_page_context(case_id) -> dict:
    """Row 11: the programme's page of one case from plaintext copies, with no access decision, no
    consent and no audit (the gate's consent is taken as held: it is the consent policy's to say)."""
    case = get_object_or_404(
        PlainCase.objects.select_related("person", "owner_unit", "responsible"), pk=case_id
    )
    enrolment = PlainEnrolment.objects.filter(case=case).first()
    interventions = list(
        PlainIntervention.objects.filter(case=case)
        .select_related("placement__private_programme")
        .order_by("starts_on")
    )
    for intervention in interventions:
        intervention.kind_info = catalogue.intervention(intervention.kind)
        intervention.section_info = catalogue.section(intervention.section)
        if hasattr(intervention, "placement"):
            intervention.placement.shown_address = intervention.placement.address
    decisions = list(
        PlainSupportDecision.objects.filter(case=case)
        .select_related("author", "reviewed_by")
        .order_by("-created_at")
    )
    for decision in decisions:
        decision.section_info = catalogue.section(decision.section)
        decision.can_review = decision.status == DecisionStatus.PENDING
    assessments = list(
        PlainBopsAssessment.objects.filter(case=case)
        .select_related("organisation", "author")
        .order_by("-assessed_on", "-recorded_at")
    )
    conditions = enrolment is not None and enrolment.conditions_signed
    witness = enrolment is not None and enrolment.not_protected_witness_confirmed_at is not None
    approved = any(d.status == DecisionStatus.APPROVED for d in decisions)
    gate = Gate(
        (
            _bops_item(assessments[0] if assessments else None),
            GateItem(CONSENT, True),
            GateItem(CONDITIONS, conditions),
            GateItem(NOT_WITNESS, witness),
            GateItem(DECISION, approved),
        )
    )
    return {
        "case": case,
        "person": case.person,
        "enrolment": enrolment,
        "group_assessment": None,
        "gate": gate,
        "assessments": assessments,
        "decisions": decisions,
        "interventions": interventions,
        "follow_ups": list(
            PlainFollowUp.objects.filter(case=case).select_related("recorded_by").order_by("due_on")
        ),
        "can_write": True,
        "conditions_form": defector_forms.ConditionsForm(),
        "decision_form": defector_forms.DecisionForm(),
        "decision_review_form": defector_forms.DecisionReviewForm(),
        "intervention_form": defector_forms.InterventionForm(),
        "placement_form": defector_forms.PlacementForm(),
        "protect_form": defector_forms.ProtectForm(),
        "close_form": defector_forms.CloseForm(initial={"version": case.version}),
        "follow_up_form": defector_forms.FollowUpForm(),
        "update_form": defector_forms.InterventionUpdateForm(),
    }


def person_access_context(request, person_id) -> dict:
    """Row 12: who accessed a person, from a plaintext log of the events naming them: the same filters,
    picture, page and template, with no access decision, no audit event, no seal and no merged records."""
    person = get_object_or_404(PlainPerson, pk=person_id)
    filters = list_filters(request, AccessEventFilter)
    today = timezone.localdate()
    end = filters.value("end") or today
    start = filters.value("start") or end - dt.timedelta(weeks=supervision_selectors.CHART_WEEKS)
    begin, finish = period_bounds(start, end)
    naming = PlainAccessEvent.objects.filter(person=person)
    events = filters.apply(naming.filter(occurred_at__gte=begin, occurred_at__lt=finish))
    organisations = sorted(set(naming.values_list("actor_organisation", flat=True).distinct()))
    if not events.query.order_by:
        events = events.order_by("-occurred_at", "-id")
    # The same reads as the page's (one of the period's events, then the page's rows).
    shown, picture, weeks, series = supervision_selectors.period_page(
        events, start=start, end=end, page=request.GET.get("page")
    )
    filters = filters.offering(organisations)
    return {
        "person": person,
        "page_obj": shown,
        "rows": [supervision_selectors.EventRow.of(event) for event in shown.object_list],
        "picture": picture,
        "weeks": weeks,
        "series": series,
        "organisations": organisations,
        "start": start,
        "end": end,
        "total": shown.paginator.count,
        "filters": filters,
        "form": filters.form,
        "query": filters.query(),
    }
