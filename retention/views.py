"""The unit's destruction lists: parse, call one selector or service, render."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.models import Action
from lotsa.posting import confirm_page, post_form
from retention import forms, selectors, services
from retention.models import DestructionList, Hold, ListItem


def destruction_lists(request):
    context = selectors.destruction_lists_for(user=request.user)
    context["review_form"] = forms.HoldReviewForm()
    return render(request, "retention/lists.html", context)


def destruction_list(request, list_id):
    context = selectors.destruction_list_get_for(user=request.user, list_id=list_id)
    context["hold_form"] = forms.HoldForm()
    return render(request, "retention/list.html", context)


@require_POST
def destruction_list_draw(request):
    return post_form(
        request,
        change=lambda data: services.destruction_list_draw(
            organisation_id=request.user.organisation_id, by=request.user
        ),
        done=_("The list of this month is drawn (if anything was due). Another supervisor approves it."),
        back=reverse("retention:lists"),
        decide_on=lambda: DestructionList(organisation_id=request.user.organisation_id),
        action=Action.CREATE,
    )


@require_safe
def destruction_list_approve_confirm(request, list_id):
    """Before the list is approved: its records are then erased for good (lotsa.posting.confirm_page)."""
    return confirm_page(
        request,
        "retention/approve_confirm.html",
        show=lambda: selectors.destruction_list_get_for(user=request.user, list_id=list_id),
        act=reverse("retention:approve", kwargs={"list_id": list_id}),
        back=reverse("retention:list", kwargs={"list_id": list_id}),
        context=lambda shown: shown,
    )


@require_POST
def destruction_list_approve(request, list_id):
    return post_form(
        request,
        change=lambda data: services.destruction_list_approve(by=request.user, list_id=list_id),
        done=_("The list is approved. The records not held are erased by the scheduled work."),
        back=reverse("retention:list", kwargs={"list_id": list_id}),
        decide_on=lambda: get_object_or_404(DestructionList, pk=list_id),
        action=Action.DECIDE,
    )


def _hold_on(list_id, item_id) -> Hold:
    """The hold a post would place (what an invalid post is decided on)."""
    item = get_object_or_404(
        ListItem.objects.select_related("destruction_list"), pk=item_id, destruction_list_id=list_id
    )
    return Hold(person_id=item.person_id, organisation_id=item.destruction_list.organisation_id, item=item)


@require_POST
def hold_place(request, list_id, item_id):
    return post_form(
        request,
        forms.HoldForm(request.POST),
        change=lambda data: services.hold_place(by=request.user, item_id=item_id, **data),
        done=_("The record is held. Another supervisor reviews the hold."),
        back=reverse("retention:list", kwargs={"list_id": list_id}) + f"#item-{item_id}",
        decide_on=lambda: _hold_on(list_id, item_id),
        action=Action.CREATE,
    )


@require_POST
def hold_review(request, hold_id):
    return post_form(
        request,
        forms.HoldReviewForm(request.POST),
        change=lambda data: services.hold_review(
            by=request.user, hold_id=hold_id, keep=data["decision"] == "keep", review_on=data["review_on"]
        ),
        done=_("The hold was reviewed."),
        back=reverse("retention:lists") + "#holds",
        decide_on=lambda: get_object_or_404(Hold, pk=hold_id),
        action=Action.DECIDE,
    )
