"""Reads of a relative's support, after the recorded decision to view the relative's case."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import CASEWORK_ROLES
from audit import services as audit
from audit.models import Action
from cases import selectors as case_selectors
from cases.words import Activity, TargetGroup
from lotsa import access
from lotsa.waiting import Waiting
from relatives import queries
from relatives.models import Relation, SupportConversation

# The reason of the event that names the person concerned when a relation is shown: the subject
# access extract of the person concerned leaves these events out (the relation is secret from them,
# OSL 26 kap. 1 §).
NAMED_AS_CONCERNED = "named as the person concerned in a relative's case"


def relative_page_for(*, user: User, case_id) -> dict:
    """The relative's support: the relations (their named handlers only, each shown relation its own
    access event), the support conversations, and what the page offers."""
    case = case_selectors.case_get_for(user=user, case_id=case_id, purpose="relative support")
    if case.activity != Activity.RELATIVE_SUPPORT and case.target_group not in (
        TargetGroup.RELATIVE,
        TargetGroup.HARMED,
    ):
        raise Http404
    relations = list(access.visible_to(user, Relation.objects.filter(case=case)))
    for relation in relations:
        access.check(user, Action.VIEW, relation, purpose="relation to the person concerned")
        if relation.concerned_person_id:
            # The relation shows who the person concerned is: when the unit keeps a record of them,
            # the access log names them too (their subject-access extract must leave these out: the
            # relation is secret from them).
            audit.record(
                action=Action.VIEW,
                actor=user,
                target=relation,
                subject_id=relation.concerned_person_id,
                purpose="relation to the person concerned",
                reason=NAMED_AS_CONCERNED,
            )
    return {
        "case": case,
        "person": case.person,
        "relations": relations,
        "relations_hidden": not relations and Relation.objects.filter(case=case).exists(),
        "conversations": list(SupportConversation.objects.filter(case=case).select_related("recorded_by")),
        "can_write": access.decide(user, Action.UPDATE, case).allowed,
    }


# How far ahead the start page tells a handler of a planned follow-up with a relative.
FOLLOW_UP_AHEAD = dt.timedelta(days=14)


def waiting_follow_ups(user: User) -> list:
    """For the start page (lotsa.waiting): the follow-ups planned with relatives in the live cases the
    user handles, overdue or due within two weeks (counts of cases only, never a person). A case's
    latest support conversation plans its follow-up; a later conversation is the follow-up held."""
    if not user.has_role(*CASEWORK_ROLES):
        return []
    today = timezone.localdate()
    planned = queries.planned_follow_ups(user).filter(follow_up_on__lte=today + FOLLOW_UP_AHEAD)
    overdue = planned.filter(follow_up_on__lt=today).values("case").distinct().count()
    soon = planned.filter(follow_up_on__gte=today).values("case").distinct().count()
    url = reverse("cases:my_cases")
    items = []
    if overdue:
        text = ngettext(
            "%(n)d follow-up with a relative is overdue",
            "%(n)d follow-ups with relatives are overdue",
            overdue,
        ) % {"n": overdue}
        items.append(Waiting(text=text, url=url, urgent=True))
    if soon:
        text = ngettext(
            "%(n)d follow-up with a relative is planned within two weeks",
            "%(n)d follow-ups with relatives are planned within two weeks",
            soon,
        ) % {"n": soon}
        items.append(Waiting(text=text, url=url))
    return items
