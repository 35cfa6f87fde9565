"""Reads of the coordinator's pages: each asks lotsa.access, records the access event and returns (or
raises a denial that is already recorded). Nothing here returns a name, a number or a case's text."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audit.models import Action
from coordination.access import administrations_of
from coordination.models import DeidentifiedReport, ReportKind
from lotsa import access, charts

COORDINATION = "coordination, de-identified"
PAGE_SIZE = 50


def report_form_for(*, user: User) -> None:
    """Opening the blank form: decided as the act it prepares (any member of staff but an
    administrator), recorded without any report."""
    access.check(user, Action.VIEW, DeidentifiedReport(), purpose="the de-identified form")


def reports_visible_to(
    *, user: User, year: int | None = None, administration=None, kind: str = "", milieu: str = "", page=None
) -> dict:
    """The reports to the coordinator's administrations (every one for the central coordinator), for a
    year, newest first, one page; with the reports per month by kind as a picture and a table."""
    access.require_role(
        user,
        Role.COORDINATOR,
        action=Action.LIST,
        target="coordination.deidentifiedreport",
        purpose=COORDINATION,
    )
    year = year or timezone.localdate().year
    reports = access.visible_to(
        user, DeidentifiedReport.objects.select_related("administration", "from_unit")
    )
    reports = reports.filter(occurred_on__year=year)
    if administration is not None:
        reports = reports.filter(administration=administration)
    if kind:
        reports = reports.filter(kind=kind)
    if milieu:
        reports = reports.filter(milieu=milieu)
    per_month = {k: [0] * 12 for k in ReportKind.values}
    for occurred_on, k in reports.values_list("occurred_on", "kind"):
        per_month[k][occurred_on.month - 1] += 1
    series = [charts.Series(str(label), per_month[value]) for value, label in ReportKind.choices]
    columns = [str(MONTHS_3[m]) for m in range(1, 13)]
    picture = charts.stacked_bars(
        title=_("De-identified reports per month, %(year)s") % {"year": year},
        description=_("Reports of concern and of events witnessed, per month, stacked by kind."),
        columns=columns,
        series=series,
    )
    shown = Paginator(reports.order_by("-occurred_on", "-pk"), PAGE_SIZE).get_page(page)
    return {
        "page_obj": shown,
        "total": shown.paginator.count,
        "year": year,
        "picture": picture,
        "columns": columns,
        "series": series,
        "administrations": administrations_of(user),
    }


def report_get_for(*, user: User, report_id) -> DeidentifiedReport:
    report = (
        DeidentifiedReport.objects.select_related("administration", "from_unit").filter(pk=report_id).first()
    )
    if report is None:
        raise Http404
    access.check(user, Action.VIEW, report, purpose=COORDINATION)
    return report
