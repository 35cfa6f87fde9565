"""Retention's doors: the unit's destruction lists, one list, and a record's date for its case page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import SUPERVISOR_ROLES, Role
from audit.models import Action
from lotsa import access, waiting
from retention import entries, rules
from retention.access import RETENTION
from retention.models import DestructionList, Hold, ListStatus


def retention_of(*, person, now: dt.datetime | None = None) -> rules.Verdict:
    """When the unit's record of ``person`` is erased and under which rule, for a page that has
    already decided (and recorded) its reading of the person: no event of its own. The last entry,
    the open cases and placements and the holds, in one statement (entries.file_of, compiled once)."""
    file = entries.file_of(person.pk)
    erased = person.erased_at is not None
    born = None if erased else person.birth_date
    facts = rules.Facts(
        last_entry_at=file.last_entry_at,
        open_cases=file.open_cases,
        has_placement=bool(file.placements),
        birth_day=born.day if born and not person.birth_date_is_approximate else None,
        held=file.held,
        erased=erased,
    )
    return rules.erasure_due(facts)


def destruction_lists_for(*, user: User) -> dict:
    """The unit's lists, newest first, and the holds waiting for a review (no person named)."""
    access.require_role(user, *SUPERVISOR_ROLES, target="retention.destructionlist", purpose=RETENTION)
    lists = access.visible_to(user, DestructionList.objects.select_related("drawn_by", "approved_by"))
    holds = access.visible_to(user, Hold.objects.filter(lifted_at__isnull=True).select_related("item"))
    act, unconfirmed = rules.act()
    return {
        "lists": list(lists),
        "holds": list(holds),
        "act": act,
        "unconfirmed": unconfirmed,
        "rules": list(rules.rules().values()),
        "today": timezone.localdate(),
    }


def destruction_list_get_for(*, user: User, list_id) -> dict:
    """One list: its records (by subject id, rule and dates), their holds, and its certificate. One
    event names every record the list shows."""
    found = (
        DestructionList.objects.select_related("organisation", "drawn_by", "approved_by")
        .filter(pk=list_id)
        .first()
    )
    if found is None:
        raise Http404
    access.check(user, Action.VIEW, found, purpose=RETENTION)
    items = list(found.items.order_by("erase_by", "pk"))
    access.record_list(user, items, purpose=RETENTION)
    holds: dict = {}
    for hold in Hold.objects.filter(item__destruction_list=found).select_related("placed_by", "reviewed_by"):
        holds.setdefault(hold.item_id, []).append(hold)
    for item in items:
        item.hold_list = holds.get(item.pk, [])
        item.active_hold = next((hold for hold in item.hold_list if hold.lifted_at is None), None)
    rules_of_list = rules.rules(found.act)  # the act the list was drawn under
    for item in items:
        item.rule = rules_of_list.get(item.rule_id)
    return {
        "destruction_list": found,
        "items": items,
        "certificate": getattr(found, "certificate", None)
        if found.status == ListStatus.CARRIED_OUT
        else None,
        "may_approve": access.decide(user, Action.DECIDE, found, RETENTION).allowed,
        "may_hold": found.status != ListStatus.CARRIED_OUT,
        "today": timezone.localdate(),
    }


def waiting_lists(user: User) -> list[waiting.Waiting]:
    """The start page and the desk: lists waiting for approval, holds due for review. Counts only."""
    if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
        return []
    url = reverse("retention:lists")
    items = []
    lists = (
        DestructionList.objects.filter(organisation_id=user.organisation_id, status=ListStatus.DRAWN)
        .exclude(drawn_by=user)
        .count()
    )
    if lists:
        text = ngettext(
            "%(n)s destruction list waits for approval.", "%(n)s destruction lists wait for approval.", lists
        ) % {"n": lists}
        items.append(waiting.Waiting(text, url, urgent=False, approval=True))
    today = timezone.localdate()
    holds = (
        Hold.objects.filter(organisation_id=user.organisation_id, lifted_at__isnull=True)
        .filter(Q(reviewed_at__isnull=True) | Q(review_on__lte=today))
        .exclude(placed_by=user)
        .aggregate(waiting=Count("pk"), overdue=Count("pk", filter=Q(review_on__lt=today)))
    )
    if holds["waiting"]:
        text = ngettext(
            "%(n)s hold on a record waits for review.",
            "%(n)s holds on records wait for review.",
            holds["waiting"],
        ) % {"n": holds["waiting"]}
        # Urgent once a review date has passed: the record stays held without anyone's decision.
        items.append(waiting.Waiting(text, url, urgent=bool(holds["overdue"]), approval=True))
    return items
