"""The hand-over pages: what waits for the unit and what its side sent, one hand-over, and sending one
from a case. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES, HANDOVER_PAGE_ROLES
from audit.models import Action
from cases import pages
from cases.handovers import forms, selectors, services
from cases.handovers.filters import HandoverFilter
from cases.handovers.models import Handover, HandoverRequest
from cases.models import Case
from lotsa import access
from lotsa.listing import list_filters
from lotsa.posting import as_ids, decide, form_page, post_form


def _handover_page(handover_or_id) -> str:
    handover_id = getattr(handover_or_id, "pk", handover_or_id)
    return reverse("cases:handover", kwargs={"handover_id": handover_id})


def handovers(request):
    """What waits for the unit (oldest first, overdue flagged), what it decided, and what its side
    sent, with the receiver's decision and reason."""
    access.require_role(request.user, *HANDOVER_PAGE_ROLES, action=Action.VIEW, target="cases.handover")
    context = selectors.handovers_for(user=request.user, filters=list_filters(request, HandoverFilter))
    context["requests_link"] = access.holds_role(request.user, *CASE_PAGE_ROLES)
    return render(request, "cases/handovers.html", context)


def _empty_forms() -> dict:
    """The forms the hand-over's page may offer: declining it, keeping the sending case open."""
    return {"decline_form": forms.HandoverDeclineForm(), "keep_open_form": forms.KeepCaseOpenForm()}


def handover_detail(request, handover_id):
    user = request.user
    handover = selectors.handover_get_for(user=user, handover_id=handover_id)
    return render(
        request,
        "cases/handover_detail.html",
        {
            "handover": handover,
            # What the page offers (unrecorded: the act is decided when it is posted).
            "can_decide": handover.is_open and access.decide(user, Action.DECIDE, handover).allowed,
            "can_withdraw": handover.is_open and access.decide(user, Action.WITHDRAW, handover).allowed,
            **_empty_forms(),
            "closing_to_propose": selectors.closing_to_propose_for(user=user, handover=handover),
        },
    )


def handover_send(request, case_id):
    """The form to hand the person over to another unit (VIEW of the case to show it; the service
    decides the sending)."""
    case = get_object_or_404(Case.objects.select_related("person", "owner_unit"), pk=case_id)
    # From a request for a hand-over's page: the request, its asking unit and purpose (ids, no data).
    answering = {key: request.GET[key] for key in ("answering", "to_unit", "purpose") if request.GET.get(key)}
    return form_page(
        request,
        forms.HandoverForm(
            request.POST or None,
            initial=answering,
            own_unit_id=case.owner_unit_id,
            own_unit_kind=case.owner_unit.kind,
        ),
        template="cases/handover_send.html",
        context={"case": case},
        show=lambda: decide(request, Action.VIEW, case, purpose="the form to send a hand-over"),
        act=(Action.UPDATE, case),
        change=lambda data: services.handover_send(
            by=request.user, case_id=case.pk, **as_ids(data, "to_unit")
        ),
        done=_("The hand-over was sent. You see its decision under Hand-overs."),
        then=pages.detail(case),
    )


def _handover_change(request, handover_id, change, done: str, *, action, form=None):
    """An act on a hand-over from its page; accepting leads to the case it opened (if the user may
    read it), anything else back to the hand-over."""

    def onward(result):
        if not isinstance(result, Case):
            return _handover_page(handover_id)
        may_read = access.decide(request.user, Action.VIEW, result).allowed
        return pages.detail(result) if may_read else "cases:handovers"

    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_handover_page(handover_id),
        decide_on=lambda: get_object_or_404(Handover, pk=handover_id),
        action=action,
        then=onward,
    )


@require_POST
def handover_accept(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_accept(by=request.user, handover_id=handover_id),
        _("The hand-over was accepted and the unit's own case opened."),
        action=Action.DECIDE,
    )


@require_POST
def handover_decline(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_decline(by=request.user, handover_id=handover_id, **data),
        _("The hand-over was declined. The sender sees your reason."),
        action=Action.DECIDE,
        form=forms.HandoverDeclineForm(request.POST),
    )


@require_POST
def handover_withdraw(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_withdraw(by=request.user, handover_id=handover_id),
        _("The hand-over was withdrawn."),
        action=Action.WITHDRAW,
    )


def _sending_case(handover_id) -> Case:
    """The case a hand-over was sent from (404: no such hand-over, or one not sent from a case)."""
    case = get_object_or_404(Handover, pk=handover_id).from_case
    if case is None:
        raise Http404
    return case


@require_POST
def handover_keep_case_open(request, handover_id):
    """Keep the sending case open instead of proposing to close it (its handler, with a reason);
    decided as a change of that case, an invalid post too."""
    keep_open = services.handover_keep_case_open
    return post_form(
        request,
        forms.KeepCaseOpenForm(request.POST),
        change=lambda data: keep_open(by=request.user, handover_id=handover_id, **data),
        done=_("Your case stays open; you are no longer asked to propose closing it."),
        back=_handover_page(handover_id),
        decide_on=lambda: _sending_case(handover_id),
        action=Action.UPDATE,
    )


def _request_page(request_id) -> str:
    return reverse("cases:handover_request", kwargs={"request_id": request_id})


def handover_requests(request):
    """The requests for a hand-over the user's side sent to other units, and those waiting for (or
    answered by) the user's unit as the unit holding the person's record."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.handoverrequest")
    return render(request, "cases/handover_requests.html", selectors.handover_requests_for(user=request.user))


def _request_form(request) -> forms.HandoverRequestForm:
    """From the pointer's notice the number and the unit are posted along (``prefill``: nothing is
    checked yet, the form is shown filled in); otherwise the form as posted, or empty."""
    own = request.user.organisation_id
    if request.POST.get("prefill"):
        typed = {key: request.POST.get(key, "") for key in ("personal_number", "to_unit")}
        return forms.HandoverRequestForm(initial=typed, own_unit_id=own)
    return forms.HandoverRequestForm(request.POST or None, own_unit_id=own)


def handover_request_new(request):
    """Ask the unit the cross-unit pointer named for a hand-over; the service decides."""
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="cases.handoverrequest")
    return form_page(
        request,
        _request_form(request),
        template="cases/handover_request_new.html",
        change=lambda data: services.handover_request_send(by=request.user, **as_ids(data, "to_unit")),
        done=_("Your request was sent. Its answer is shown under Requests for a hand-over."),
        then="cases:handover_requests",
    )


def handover_request_detail(request, request_id):
    user = request.user
    asked = selectors.handover_request_get_for(user=user, request_id=request_id)
    open_to_answer = asked.is_open and not asked.lapsed
    return render(
        request,
        "cases/handover_request_detail.html",
        {
            "asked": asked,
            # What the page offers (unrecorded: the act is decided when it is posted).
            "can_decline": open_to_answer and access.decide(user, Action.DECIDE, asked).allowed,
            "answer_from": selectors.cases_to_answer_from(user=user, request=asked),
            "decline_form": forms.HandoverRequestDeclineForm(),
        },
    )


@require_POST
def handover_request_decline(request, request_id):
    return post_form(
        request,
        forms.HandoverRequestDeclineForm(request.POST),
        change=lambda data: services.handover_request_decline(
            by=request.user, request_id=request_id, reason=data["reason"]
        ),
        done=_("The request was declined. The asking unit reads your reason."),
        back=_request_page(request_id),
        decide_on=lambda: get_object_or_404(HandoverRequest, pk=request_id),
        action=Action.DECIDE,
    )
