"""A relative's support pages: parse, call one service or selector, render."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Action
from cases import queries as case_queries
from lotsa.posting import post_form
from relatives import forms, selectors, services


def _page(case_id, anchor="") -> str:
    return reverse("relatives:case", kwargs={"case_id": case_id}) + anchor


def case(request, case_id):
    context = selectors.relative_page_for(user=request.user, case_id=case_id)
    context.update(
        relation_form=forms.RelationForm(),
        conversation_form=forms.ConversationRecordForm(initial={"held_on": timezone.localdate()}),
    )
    return render(request, "relatives/case.html", context)


def _post(request, case_id, form, change, done: str, anchor: str):
    """To the service, or decided on the case with its messages (lotsa.posting)."""
    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_page(case_id, anchor),
        decide_on=lambda: case_queries.case_found(case_id=case_id),
        action=Action.UPDATE,
    )


@require_POST
def relation_add(request, case_id):
    return _post(
        request,
        case_id,
        forms.RelationForm(request.POST),
        lambda data: services.relation_add(
            by=request.user,
            case_id=case_id,
            kind=data["kind"],
            concerned_name=data["concerned_name"],
            concerned_number=data["concerned_number"],
            notes=data["notes"],
        ),
        _("The relation was recorded. Only the named handlers of this case see it."),
        "#relation",
    )


@require_POST
def conversation_add(request, case_id):
    return _post(
        request,
        case_id,
        forms.ConversationRecordForm(request.POST),
        lambda data: services.conversation_record(
            by=request.user,
            case_id=case_id,
            held_on=data["held_on"],
            form=data["form"],
            notes=data["notes"],
            follow_up_on=data["follow_up_on"],
        ),
        _("The support conversation was recorded."),
        "#conversations",
    )
