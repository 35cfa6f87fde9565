"""Reads of first contacts and reports of concern that ask lotsa.access, record the access event and
return (or raise a denial that is already recorded)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import CASE_PAGE_ROLES, FIRST_CONTACT_ROLES
from audit.models import Action
from cases.first_contacts.filters import MET, UNMET, FirstContactFilter
from cases.first_contacts.models import ConcernReport, ConcernStatus, FirstContact, FirstContactMeeting
from cases.models import CaseStatus
from cases.selectors import case_get_for, cases_visible_to
from lotsa import access, crypto
from lotsa.waiting import Waiting


def waiting_first_contacts(user: User) -> list:
    """For the start page (lotsa.waiting): the VBE team's live first contacts, counts only: those
    waiting for the meeting with the police, and those met but neither closed nor proposed for closing
    (the team hands the person over, or closes the contact)."""
    if not user.has_role(*FIRST_CONTACT_ROLES):
        return []
    live = cases_visible_to(user=user).filter(
        first_contact__isnull=False, status__in=(CaseStatus.OPENED, CaseStatus.ACTIVE)
    )
    unmet = live.filter(first_contact__meetings__isnull=True).count()
    met = live.filter(first_contact__meetings__isnull=False).distinct().count()
    url = reverse("cases:first_contacts")
    items = []
    if unmet:
        text = ngettext(
            "%(n)d first contact waits for the meeting with the police",
            "%(n)d first contacts wait for the meeting with the police",
            unmet,
        ) % {"n": unmet}
        items.append(Waiting(text=text, url=f"{url}?stage={UNMET}"))
    if met:
        text = ngettext(
            "%(n)d first contact is met and not yet closed",
            "%(n)d first contacts are met and not yet closed",
            met,
        ) % {"n": met}
        items.append(Waiting(text=text, url=f"{url}?stage={MET}"))
    return items


def first_contacts_for(*, user: User, filters: FirstContactFilter | None = None, page=None):
    """The VBE team's first contacts (their cases that began as one), filtered and sorted as ``filters``
    (read by the view) asks, one page; one access event naming the people shown, before anything is
    decrypted."""
    filters = filters or FirstContactFilter.opening()
    last_meeting = (
        FirstContactMeeting.objects.filter(first_contact__case=OuterRef("pk"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    cases = cases_visible_to(user=user).filter(first_contact__isnull=False)
    cases = filters.apply(cases.annotate(last_meeting=Subquery(last_meeting)))
    cases = cases.select_related("person", "first_contact", "responsible")
    if not cases.query.order_by:
        cases = cases.order_by("-first_contact__flagged_on", "-pk")
    shown = Paginator(cases, filters.value("size") or 25).get_page(page)
    rows = list(shown.object_list)
    with transaction.atomic():
        access.record_list(user, rows, purpose="first contacts")
    crypto.prefetch_data_keys(case.person_id for case in rows)
    return shown, rows


def first_contact_page_for(*, user: User, case_id) -> dict:
    """The first contact of a VBE-team case, after one recorded decision to view the case: the request,
    the meetings with the police, the reports of concern and hand-overs sent from it."""
    case = case_get_for(user=user, case_id=case_id, purpose="first contact")
    contact = FirstContact.objects.filter(case=case).select_related("created_by").first()
    if contact is None:
        raise Http404
    return {
        "case": case,
        "person": case.person,
        "contact": contact,
        "meetings": list(contact.meetings.select_related("recorded_by")),
        "reports": list(case.concern_reports_sent.select_related("to_unit", "child")),
        "handovers_sent": list(case.handovers_sent.select_related("to_unit")),
        "can_write": access.decide(user, Action.UPDATE, case).allowed,
    }


def concern_reports_for(*, user: User, recent: int = 50) -> dict:
    """Reports of concern the unit received (those to assess first, oldest first) and those its side
    sent; one access event naming the children shown."""
    visible = access.visible_to(user, ConcernReport.objects.all()).select_related(
        "child", "from_unit", "to_unit", "assessed_by"
    )
    to_assess = list(
        visible.filter(to_unit_id=user.organisation_id, status=ConcernStatus.RECEIVED).order_by("recorded_at")
    )
    assessed = list(
        visible.filter(to_unit_id=user.organisation_id)
        .exclude(status=ConcernStatus.RECEIVED)
        .order_by("-assessed_at")[:recent]
    )
    sent = list(visible.exclude(to_unit_id=user.organisation_id).order_by("-recorded_at")[:recent])
    with transaction.atomic():
        access.record_list(user, [*to_assess, *assessed, *sent], purpose="reports of concern")
    crypto.prefetch_data_keys(r.child_id for r in [*to_assess, *assessed, *sent])
    return {"to_assess": to_assess, "assessed": assessed, "sent": sent}


def concern_report_get_for(*, user: User, report_id) -> ConcernReport:
    report = (
        ConcernReport.objects.select_related("child", "from_unit", "to_unit", "recorded_by", "assessed_by")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    access.check(user, Action.VIEW, report, purpose="report of concern")
    return report


def waiting_concern_reports(user: User) -> list:
    """For the start page and the reminders (lotsa.waiting): the reports of concern the district has to
    assess, counts only, against the deadlines the law sets (SoL 11 kap. 1 a §): the protection
    assessment the day a report comes in — urgent from the start, since that day has no working hours
    to wait for — and the preliminary assessment within LOTSA_CONCERN_PRELIMINARY_DAYS, urgent once
    overdue."""
    if not user.has_role(*CASE_PAGE_ROLES) or user.organisation_id is None:
        return []
    now = timezone.now()
    # Received on or before this day's midnight, LOTSA_CONCERN_PRELIMINARY_DAYS ago: overdue today.
    last_day = timezone.localdate(now) - dt.timedelta(days=settings.LOTSA_CONCERN_PRELIMINARY_DAYS)
    late = timezone.make_aware(dt.datetime.combine(last_day, dt.time.min))
    counts = (
        access.visible_to(user, ConcernReport.objects.all())
        .filter(to_unit_id=user.organisation_id, status=ConcernStatus.RECEIVED)
        .aggregate(
            waiting=Count("pk"),
            protection=Count("pk", filter=Q(protection_assessed_at__isnull=True)),
            overdue=Count("pk", filter=Q(recorded_at__lt=late)),
        )
    )
    url = reverse("cases:concern_reports")
    items = []
    if protection := counts["protection"]:
        text = ngettext(
            "%(n)d report of concern for a child waits for its protection assessment, due the same day",
            "%(n)d reports of concern for children wait for their protection assessment, due the same day",
            protection,
        ) % {"n": protection}
        items.append(Waiting(text=text, url=url, urgent=True))
    if waiting := counts["waiting"]:
        text = ngettext(
            "%(n)d report of concern for a child waits for its preliminary assessment",
            "%(n)d reports of concern for children wait for their preliminary assessment",
            waiting,
        ) % {"n": waiting}
        if overdue := counts["overdue"]:
            text += ngettext(
                "; %(n)d is past its %(days)d days", "; %(n)d are past their %(days)d days", overdue
            ) % {"n": overdue, "days": settings.LOTSA_CONCERN_PRELIMINARY_DAYS}
        items.append(Waiting(text=text, url=url, urgent=bool(counts["overdue"])))
    return items
