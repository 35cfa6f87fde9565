"""Reads of the coordinator's pages: each asks lotsa.access, records the access event and returns (or
raises a denial that is already recorded). Nothing here returns a name, a number or a case's text."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import COORDINATOR_ROLES
from audit.models import Action
from coordination import indicators, published
from coordination.access import administrations_of, is_central_coordinator
from coordination.models import DeidentifiedReport, ReportKind, SituationPicture
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
        *COORDINATOR_ROLES,
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


# --- The situation picture, the indicators, the export ---------------------------------------------
# Every table is computed over all administrations at once and protected as one (coordination/
# suppression.py); a local coordinator sees their row of it, never a table of their own that could be
# set against the city-wide one.

TREND_YEARS = 3


def _projected(names: set[str] | None, table):
    """The whole table for the central coordinator, the local one's row of it, or None."""
    if names is None:
        return table
    own = [label for label in table.rows if label in names]
    return table.row(own[0]) if own else None


def _own_names(user: User) -> set[str] | None:
    """The rows a local coordinator sees (their administrations); None for the central one (all)."""
    if is_central_coordinator(user):
        return None
    return set(administrations_of(user).values_list("name", flat=True))


def _indicator_rows(names: set[str] | None, result):
    return result.rows if names is None else [row for row in result.rows if row.label in names]


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


def indicators_for(*, user: User, year: int | None = None) -> dict:
    """Every indicator of effect for the year, as rows the coordinator may see (the whole city's
    total among them), with a picture of the shares and their trend over the last years."""
    access.require_role(user, *COORDINATOR_ROLES, target="coordination.indicators", purpose=COORDINATION)
    return _indicators_page(year=_year(year), names=_own_names(user))


def _indicators_page(*, year: int, names: set[str] | None) -> dict:
    """The indicators page's content once its read is decided and recorded (the benchmarks' plaintext
    baseline calls it without, to measure what the decision and its event cost)."""
    years = list(range(year - TREND_YEARS + 1, year + 1))
    shown = []
    trend = []
    # A median has no trend line: only its year is shown. As published: computed anew only when what
    # it counts has changed (coordination.published).
    published_tables = published.indicator_results(
        {i.key: (years[-1:] if i.median else years) for i in indicators.INDICATORS}
    )
    for indicator in indicators.INDICATORS:
        per_year = {
            y: published_tables[indicator.key, y] for y in (years[-1:] if indicator.median else years)
        }
        result = per_year[year]
        rows = _indicator_rows(names, result)
        item = {"result": result, "rows": rows, "total": result.total}
        shown.append(item)
        if indicator.median:
            continue
        item["picture"] = charts.share_bars(
            title=_("%(indicator)s, %(year)s, by administration")
            % {"indicator": indicator.title, "year": year},
            description=_("The share in per cent for each administration and the whole city."),
            rows=[*((row.label, row.share) for row in rows), (_("The whole city"), result.total.share)],
            missing=_("too few to show"),
        )
        own = rows[0].label if len(rows) == 1 and names is not None else None

        def share(r, own=own):
            match = [row for row in r.rows if row.label == own] if own else [r.total]
            return match[0].share if match else None

        trend.append(charts.Line(str(indicator.title), [share(per_year[y]) for y in years]))
    picture = charts.lines(
        title=_("Indicators of effect, %(first)s to %(last)s") % {"first": years[0], "last": years[-1]},
        description=_(
            "The share, in per cent, for each indicator and year; a gap where the numbers are too small "
            "to show."
        )
        + (
            ""
            if names is None
            else " "
            + _(
                "Your administration's share where an indicator is counted by administration; the whole "
                "city's where the work is city-wide."
            )
        ),
        columns=[str(y) for y in years],
        series=trend,
        unit=" %",
    )
    return {
        "year": year,
        "indicators": shown,
        "picture": picture,
        "years": [str(y) for y in years],
        "trend": trend,
        "central": names is None,
    }


def situation_counts_for(*, user: User, year: int | None = None) -> dict:
    """The counts of the situation picture for the year (reports, first contacts, groups, programme
    cases by district and milieu), as the coordinator may see them."""
    access.require_role(user, *COORDINATOR_ROLES, target="coordination.counts", purpose=COORDINATION)
    year = _year(year)
    tables = indicators.situation_counts(year)
    names = _own_names(user)
    return {
        "year": year,
        "administrations": administrations_of(user),
        "tables": [
            (str(indicators.COUNT_TITLES[key]), _projected(names, table)) for key, table in tables.items()
        ],
    }


def situation_for(*, user: User, administration_id, year: int | None = None) -> dict:
    """One administration's situation picture for a year: its versions, newest first, and the counts
    as they stand now (a new version is written from them)."""
    year = _year(year)
    access.check(
        user,
        Action.VIEW,
        SituationPicture(administration_id=administration_id, year=year),
        purpose=COORDINATION,
    )
    versions = list(
        SituationPicture.objects.filter(administration_id=administration_id, year=year).select_related(
            "written_by", "administration"
        )
    )
    return {
        "year": year,
        "administration": administrations_of(user).get(pk=administration_id),
        "versions": versions,
        "latest": versions[0] if versions else None,
        "counts": indicators.snapshot_tables(indicators.snapshot(administration_id, year)),
    }


def _picture(user: User, picture_id, action: str) -> SituationPicture:
    picture = (
        SituationPicture.objects.select_related("administration", "written_by").filter(pk=picture_id).first()
    )
    if picture is None:
        raise Http404
    access.check(user, action, picture, purpose=COORDINATION)
    return picture


def situation_version_for(*, user: User, picture_id) -> SituationPicture:
    return _picture(user, picture_id, Action.VIEW)


def situation_pdf_for(*, user: User, picture_id) -> SituationPicture:
    return _picture(user, picture_id, Action.EXPORT)


def export_for(*, user: User, year: int | None = None) -> list[list[str]]:
    """The coordinator's aggregates for the year as CSV rows, protected exactly as on the pages."""
    access.require_role(
        user, *COORDINATOR_ROLES, action=Action.EXPORT, target="coordination.export", purpose=COORDINATION
    )
    year = _year(year)
    rows: list[list[str]] = [[_("Table"), _("Row"), _("Column"), _("Value")]]
    names = _own_names(user)
    for key, table in indicators.situation_counts(year).items():
        table = _projected(names, table)
        if table is None:
            continue
        title = str(indicators.COUNT_TITLES[key])
        for label, cells, total in table.lines():
            rows += [
                [title, label, column, count.csv] for column, count in zip(table.columns, cells, strict=True)
            ]
            rows.append([title, label, str(_("Total")), total.csv])
    published_tables = published.indicator_results({i.key: [year] for i in indicators.INDICATORS})
    for indicator in indicators.INDICATORS:
        result = published_tables[indicator.key, year]
        for row in [*_indicator_rows(names, result), result.total]:
            if indicator.median:
                rows.append([str(indicator.title), row.label, str(_("referrals decided")), row.counted.csv])
                rows.append([str(indicator.title), row.label, str(_("median days")), _num(row.median)])
                continue
            rows.append([str(indicator.title), row.label, str(_("met")), row.met.csv])
            rows.append([str(indicator.title), row.label, str(_("not met")), row.not_met.csv])
            rows.append([str(indicator.title), row.label, str(_("share, per cent")), _num(row.share)])
    return rows


def _num(value) -> str:
    return ".." if value is None else str(value)
