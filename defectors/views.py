"""The defector programme's pages, and BOPS's. Views parse input, call one service or selector, and
render; an invalid post is decided (recorded) before its message is shown."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import BOPS_PAGE_ROLES, PROGRAMME_PAGE_ROLES, Role
from audit.models import Action
from cases import queries as case_queries
from cases import services as case_services
from cases.handovers import services as handover_services
from defectors import forms, selectors, services
from defectors.access import is_bops
from defectors.models import FollowUp, Intervention, SupportDecision
from lotsa import access
from lotsa.posting import as_ids, decide, form_page, post_form, versioned


def _page(case_id, anchor="") -> str:
    return reverse("defectors:case", kwargs={"case_id": case_id}) + anchor


def _post(request, case_id, form, change, done: str, anchor="", *, action=Action.UPDATE, target=None):
    """To the service, or decided on the case (or ``target``) with its messages (lotsa.posting)."""
    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_page(case_id, anchor),
        decide_on=lambda: target or case_queries.case_found(case_id=case_id),
        action=action,
    )


def overview(request):
    access.require_role(request.user, *PROGRAMME_PAGE_ROLES, action=Action.VIEW, target="defectors.enrolment")
    return render(request, "defectors/overview.html", selectors.programme_overview_for(user=request.user))


def case(request, case_id):
    context = selectors.programme_page_for(user=request.user, case_id=case_id)
    context.update(
        conditions_form=forms.ConditionsForm(),
        decision_form=forms.DecisionForm(),
        decision_review_form=forms.DecisionReviewForm(),
        intervention_form=forms.InterventionForm(),
        placement_form=forms.PlacementForm(),
        protect_form=forms.ProtectForm(),
        close_form=forms.CloseForm(initial={"version": context["case"].version}),
        follow_up_form=forms.FollowUpForm(),
        update_form=forms.InterventionUpdateForm(),
    )
    return render(request, "defectors/case.html", context)


@require_POST
def witness(request, case_id):
    return _post(
        request,
        case_id,
        forms.forms.Form(request.POST),
        lambda data: services.not_protected_witness_confirm(by=request.user, case_id=case_id),
        _("Recorded: the person is not a protected witness."),
        "#gate",
    )


@require_POST
def conditions(request, case_id):
    form = forms.ConditionsForm(request.POST, request.FILES)

    def record(data):
        upload = data.get("scan")
        services.conditions_record(
            by=request.user,
            case_id=case_id,
            signed_on=data["signed_on"],
            witness=data["witness"],
            scan=upload.read() if upload else None,
            scan_name=upload.name if upload else "",
        )

    return _post(request, case_id, form, record, _("The signed conditions form was recorded."), "#gate")


@require_POST
def decision_prepare(request, case_id):
    return _post(
        request,
        case_id,
        forms.DecisionForm(request.POST),
        lambda data: services.decision_prepare(
            by=request.user, case_id=case_id, section=data["section"], text=data["text"]
        ),
        _("The decision waits for the supervisor's approval."),
        "#gate",
    )


@require_POST
def decision_review(request, case_id, decision_id):
    decision = get_object_or_404(
        SupportDecision.objects.select_related("case"), pk=decision_id, case_id=case_id
    )
    approve = request.POST.get("decision") == "approve"  # for the message; the form requires one
    return _post(
        request,
        case_id,
        forms.DecisionReviewForm(request.POST),
        lambda data: services.decision_review(
            by=request.user, decision_id=decision.pk, approve=data["decision"] == "approve", note=data["note"]
        ),
        _("The decision was approved.") if approve else _("The decision was sent back."),
        "#gate",
        action=Action.DECIDE,
        target=decision,
    )


@require_POST
def intervention_add(request, case_id):
    return _post(
        request,
        case_id,
        forms.InterventionForm(request.POST),
        lambda data: services.intervention_add(by=request.user, case_id=case_id, **data),
        _("The intervention was added to the plan."),
        "#interventions",
    )


@require_POST
def intervention_update(request, case_id, intervention_id):
    intervention = get_object_or_404(Intervention, pk=intervention_id, case_id=case_id)
    return _post(
        request,
        case_id,
        forms.InterventionUpdateForm(request.POST),
        lambda data: services.intervention_update(
            by=request.user, intervention_id=intervention.pk, **versioned(data)
        ),
        _("The intervention was updated."),
        "#interventions",
    )


@require_POST
def placement_add(request, case_id, intervention_id):
    intervention = get_object_or_404(Intervention, pk=intervention_id, case_id=case_id)

    return _post(
        request,
        case_id,
        forms.PlacementForm(request.POST),
        lambda data: services.placement_add(
            by=request.user, intervention_id=intervention.pk, **_placed(data)
        ),
        _("The placement was recorded."),
        "#interventions",
    )


def _placed(data: dict) -> dict:
    """The placement's form as its service takes it: the address as one, the programme by its id."""
    address = {key: data.pop(key) for key in ("street", "postcode", "town")}
    return {**as_ids(data, "private_programme"), "address": address}


@require_POST
def protect(request, case_id):
    return _post(
        request,
        case_id,
        forms.ProtectForm(request.POST),
        lambda data: case_services.person_protect(by=request.user, case_id=case_id, level=data["level"]),
        _("The person's protected-identity level was set."),
        "#interventions",
    )


@require_POST
def go_on(request, case_id):
    return _post(
        request,
        case_id,
        forms.forms.Form(request.POST),
        lambda data: services.programme_continue(by=request.user, case_id=case_id),
        _("Recorded: the programme goes on after the lowered threat."),
        "#gate",
    )


@require_POST
def close(request, case_id):
    return _post(
        request,
        case_id,
        forms.CloseForm(request.POST),
        lambda data: services.programme_close(by=request.user, case_id=case_id, **versioned(data)),
        _("The case was closed; follow-ups are due at 6 and 12 months."),
        "#closure",
    )


@require_POST
def follow_up(request, case_id, follow_up_id):
    row = get_object_or_404(FollowUp, pk=follow_up_id, case_id=case_id)
    return _post(
        request,
        case_id,
        forms.FollowUpForm(request.POST),
        lambda data: services.follow_up_record(by=request.user, follow_up_id=row.pk, **data),
        _("The follow-up was recorded."),
        "#closure",
        target=row,
    )


# --- BOPS -------------------------------------------------------------------------------------------


def bops(request):
    """BOPS's list: the people in the programme whose consent names BOPS."""
    access.require_role(request.user, *BOPS_PAGE_ROLES, action=Action.VIEW, target="defectors.bopsassessment")
    return render(
        request,
        "defectors/bops.html",
        {"rows": selectors.bops_people_for(user=request.user), "is_bops": is_bops(request.user)},
    )


def bops_person(request, person_id):
    """One person for BOPS: BOPS's assessments, and the form to record a new one."""
    access.require_role(request.user, Role.EXTERNAL_MEMBER, action=Action.VIEW, target="cases.person")
    return form_page(
        request,
        forms.BopsAssessmentForm(request.POST or None),
        template="defectors/bops_person.html",
        context=lambda: selectors.bops_person_for(user=request.user, person_id=person_id),
        change=lambda data: services.bops_assess(by=request.user, person_id=person_id, **data),
        done=_("The assessment was recorded. The programme sees it under the consent."),
        then=reverse("defectors:bops_person", kwargs={"person_id": person_id}),
    )


def police_request(request):
    """BOPS or the police defector programme ask the programme to take a person on (a hand-over the
    programme accepts or declines; the sender sees the decision under Hand-overs)."""
    user = request.user
    probe = case_queries.police_request_probe(user=user)
    return form_page(
        request,
        forms.PoliceRequestForm(request.POST or None),
        template="defectors/police_request.html",
        show=lambda: decide(request, Action.CREATE, probe, purpose="the form to ask the defector programme"),
        act=(Action.CREATE, probe),
        change=lambda data: handover_services.handover_request_from_police(
            by=user, number=data.pop("personal_number"), **as_ids(data, "to_unit")
        ),
        done=_("The request was sent. You see the programme's decision under Hand-overs."),
        then="cases:handovers",
    )
