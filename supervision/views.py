"""The supervisor's desk: parse, call one selector or service, render."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import SUPERVISOR_ROLES
from audit.models import Action
from cases import queries as case_queries
from cases.selectors import case_get_for
from lotsa import access, menu, pdf, waiting
from lotsa.listing import list_filters
from lotsa.posting import as_ids, form_page, post_form
from supervision import forms, queries, selectors, services
from supervision.access import ACCESS_REVIEW
from supervision.filters import AccessEventFilter
from supervision.models import LogReview, NeedsRiskAnalysis, ReviewPlan, SubjectAccessExtract


def desk(request):
    """Everything the start page lists for a supervisor, gathered: what waits (approvals first), and
    the supervisor's pages (lotsa.menu), the log review and the account requests among them."""
    access.require_role(request.user, *SUPERVISOR_ROLES, target="supervision.desk", purpose=ACCESS_REVIEW)
    waiting_items = waiting.waiting_for(request.user)
    return render(
        request,
        "supervision/desk.html",
        {
            "due": queries.log_review_due(request.user.organisation_id),
            "approvals": [item for item in waiting_items if item.approval],
            "others": [item for item in waiting_items if not item.approval],
            "links": menu.links_for(request.user, menu.DESK),
        },
    )


def person_access(request, person_id):
    filters = list_filters(request, AccessEventFilter)
    context = selectors.person_access_log_for(
        user=request.user, person_id=person_id, filters=filters, page=request.GET.get("page")
    )
    # The organisations to choose among are known only once the read is allowed and recorded.
    filters = filters.offering(context["organisations"])
    context.update(filters=filters, form=filters.form, query=filters.query())
    return render(request, "supervision/person_access.html", context)


def log_reviews(request):
    context = selectors.log_reviews_for(user=request.user)
    due = context["due"]
    context.update(
        plan_form=forms.PlanForm(instance=context["plan"]),
        draw_form=forms.DrawForm(initial={"start": due[0], "end": due[1]} if due else None),
    )
    return render(request, "supervision/reviews.html", context)


def _own_plan(request):
    return ReviewPlan.objects.filter(organisation_id=request.user.organisation_id).first() or ReviewPlan(
        organisation_id=request.user.organisation_id
    )


@require_POST
def log_review_plan(request):
    return post_form(
        request,
        forms.PlanForm(request.POST),
        change=lambda data: services.log_review_plan_set(by=request.user, **data),
        done=_("The review plan was saved."),
        back=reverse("supervision:reviews"),
        decide_on=lambda: _own_plan(request),
        action=Action.UPDATE,
    )


@require_POST
def log_review_draw(request):
    return post_form(
        request,
        forms.DrawForm(request.POST),
        change=lambda data: services.log_review_draw(by=request.user, **data),
        done=_("The sample was drawn. Mark each event, then sign the review off."),
        back=reverse("supervision:reviews"),
        decide_on=lambda: LogReview(organisation_id=request.user.organisation_id),
        action=Action.CREATE,
        then=lambda review: reverse("supervision:review", kwargs={"review_id": review.pk}),
    )


def log_review(request, review_id):
    context = selectors.log_review_get_for(user=request.user, review_id=review_id)
    context.update(mark_form=forms.MarkForm(), sign_off_form=forms.SignOffForm())
    return render(request, "supervision/review.html", context)


@require_POST
def log_review_mark(request, review_id, item_id):
    return post_form(
        request,
        forms.MarkForm(request.POST),
        change=lambda data: services.log_review_item_mark(by=request.user, item_id=item_id, **data),
        done=_("The event was marked."),
        back=reverse("supervision:review", kwargs={"review_id": review_id}) + f"#item-{item_id}",
        decide_on=lambda: get_object_or_404(LogReview, pk=review_id),
        action=Action.UPDATE,
    )


@require_POST
def log_review_sign_off(request, review_id):
    return post_form(
        request,
        forms.SignOffForm(request.POST),
        change=lambda data: services.log_review_sign_off(by=request.user, review_id=review_id, **data),
        done=_("The review was signed off. It can no longer change."),
        back=reverse("supervision:review", kwargs={"review_id": review_id}) + "#sign-off",
        decide_on=lambda: get_object_or_404(LogReview, pk=review_id),
        action=Action.DECIDE,
    )


def analyses(request):
    context = selectors.analyses_for(user=request.user)
    context["form"] = forms.AnalysisForm(user=request.user)
    return render(request, "supervision/analyses.html", context)


@require_POST
def analysis_write(request):
    writing = NeedsRiskAnalysis(organisation_id=request.user.organisation_id, written_by=request.user)
    return post_form(
        request,
        forms.AnalysisForm(request.POST, user=request.user),
        change=lambda data: services.analysis_write(by=request.user, **as_ids(data, "organisation")),
        done=_(
            "The new version was saved. It is in force once a supervisor who did not write it approves it."
        ),
        back=reverse("supervision:analyses"),
        decide_on=lambda: writing,
        action=Action.CREATE,
    )


def analysis(request, analysis_id):
    item = selectors.analysis_get_for(user=request.user, analysis_id=analysis_id)
    may_approve = access.decide(request.user, Action.DECIDE, item).allowed
    return render(request, "supervision/analysis.html", {"analysis": item, "may_approve": may_approve})


@require_POST
def analysis_approve(request, analysis_id):
    return post_form(
        request,
        change=lambda data: services.analysis_approve(by=request.user, analysis_id=analysis_id),
        done=_("The analysis was approved and is now in force."),
        back=reverse("supervision:analysis", kwargs={"analysis_id": analysis_id}),
        decide_on=lambda: get_object_or_404(NeedsRiskAnalysis, pk=analysis_id),
        action=Action.DECIDE,
    )


def subject_accesses(request):
    extracts = selectors.subject_access_extracts_for(user=request.user)
    return render(request, "supervision/subject_accesses.html", {"extracts": extracts})


def _draft_extract(request, case) -> SubjectAccessExtract:
    return SubjectAccessExtract(
        person=case.person, organisation_id=case.owner_unit_id, prepared_by=request.user
    )


def subject_access_new(request, case_id):
    draft = _draft_extract(request, case_queries.case_found(case_id=case_id, related=("person",)))

    def page() -> dict:
        case = case_get_for(user=request.user, case_id=case_id, purpose="subject access extract")
        # What the page offers (unrecorded: preparing is decided when it is posted).
        may_prepare = access.decide(request.user, Action.CREATE, _draft_extract(request, case)).allowed
        return {"case": case, "person": case.person, "may_prepare": may_prepare}

    return form_page(
        request,
        forms.ExtractForm(request.POST or None),
        template="supervision/subject_access_new.html",
        context=page,
        act=(Action.CREATE, draft),
        change=lambda data: services.subject_access_prepare(by=request.user, case_id=case_id, **data),
        done=_("The extract was prepared. It is given out once the unit's supervisor approves it."),
        then=lambda extract: reverse("supervision:subject_access", kwargs={"extract_id": extract.pk}),
    )


def subject_access(request, extract_id):
    context = selectors.subject_access_get_for(user=request.user, extract_id=extract_id)
    context["form"] = forms.ExtractDecisionForm()
    return render(request, "supervision/subject_access.html", context)


@require_POST
def subject_access_decide(request, extract_id):
    return post_form(
        request,
        forms.ExtractDecisionForm(request.POST),
        change=lambda data: services.subject_access_decide(
            by=request.user, extract_id=extract_id, approve=data["decision"] == "approve", note=data["note"]
        ),
        done=_("The decision on the extract was recorded."),
        back=reverse("supervision:subject_access", kwargs={"extract_id": extract_id}),
        decide_on=lambda: get_object_or_404(SubjectAccessExtract, pk=extract_id),
        action=Action.DECIDE,
    )


def subject_access_pdf(request, extract_id):
    extract, document = selectors.subject_access_pdf_for(user=request.user, extract_id=extract_id)
    return pdf.response(document, f"registerutdrag-{extract.pk}.pdf")


def subject_access_preview(request, extract_id):
    extract, document = selectors.subject_access_preview_for(user=request.user, extract_id=extract_id)
    return pdf.response(document, f"registerutdrag-{extract.pk}-forhandsvisning.pdf", inline=True)


def break_glass(request):
    context = selectors.break_glass_logins_for(user=request.user)
    return render(request, "supervision/break_glass.html", context)


@require_POST
def break_glass_review(request, login_id):
    return post_form(
        request,
        change=lambda data: services.break_glass_login_review(by=request.user, login_id=login_id),
        done=_("The break-glass login is marked reviewed."),
        back=reverse("supervision:break_glass"),
        decide_on=lambda: get_object_or_404(queries.break_glass_logins(), pk=login_id),
        action=Action.DECIDE,
    )
