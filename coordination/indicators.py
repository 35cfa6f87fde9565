"""Indicators of effect, and the counts of the local situation picture, computed from the case data
without exposing a person.

Everything here reads only codes, dates and yes/no answers (never a name, a number or a text), counts
them per district administration, and hands the counts to ``coordination.suppression.protect`` — the
one place small numbers are hidden. Each indicator says how it is computed (shown beside it).

Where a case belongs: a district's own case belongs to its district; a case of a city-wide unit (the
VBE team's first contact, the defector programme's case) belongs to the district it was handed over to,
or else the district that handed it over; otherwise to "city-wide units".
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from cases.models import Case, ContactOutcome, FirstContact, FirstContactMeeting, Handover, HandoverStatus
from cases.words import Activity, Milieu
from coordination.models import REPORTED_MILIEUS, DeidentifiedReport
from coordination.suppression import THRESHOLD, Count, ProtectedTable, protect
from defectors.models import FollowUp
from lotsa.vocabulary import ThreatLevel
from sig.models import ActionStatus, InterventionGroup, PlanAction, ThreatAssessment

CITY_WIDE = None  # the row of what belongs to no district
LEVELS = {ThreatLevel.LOW: 0, ThreatLevel.ELEVATED: 1, ThreatLevel.HIGH: 2}


def districts() -> list[Organisation]:
    return list(Organisation.objects.filter(kind=OrganisationKind.DISTRICT_ADMINISTRATION).order_by("name"))


def _district_ids() -> set:
    administrations = Organisation.objects.filter(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    return set(administrations.values_list("pk", flat=True))


def district_of_cases(case_ids) -> dict:
    """Case id → the district administration id it belongs to (CITY_WIDE if none)."""
    cases = dict(Case.objects.filter(pk__in=list(case_ids)).values_list("pk", "owner_unit_id"))
    district_ids = _district_ids()
    result = {case: (unit if unit in district_ids else CITY_WIDE) for case, unit in cases.items()}
    pending = [case for case, district in result.items() if district is CITY_WIDE]
    if pending:
        accepted = Handover.objects.filter(status=HandoverStatus.ACCEPTED).order_by("decided_at")
        for from_case, to_unit in accepted.filter(from_case__in=pending).values_list("from_case", "to_unit"):
            if to_unit in district_ids:
                result[from_case] = to_unit
        made_here = accepted.filter(accepted_case__in=pending).values_list("accepted_case", "from_unit")
        for made, from_unit in made_here:
            if result[made] is CITY_WIDE and from_unit in district_ids:
                result[made] = from_unit
    return result


# --- Indicators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    how: str
    # year → {district id or CITY_WIDE: [True/False for each one counted]} (shares), or [days] (medians)
    compute: Callable[[int], dict]
    median: bool = False
    # Counted for the whole city only, not by district: the work is city-wide (the VBE team, the
    # defector programme), and the ones who say no are handed over to no district, so a district's
    # row would hold only the ones who said yes.
    city_wide: bool = False
    # The models it reads (their labels), besides those every indicator reads to place a case in its
    # district (DISTRICT_INPUTS): a write to any of them makes its published table stale
    # (coordination.published).
    inputs: tuple[str, ...] = ()
    # Counts what is due up to today: the same rows count differently tomorrow.
    as_of_today: bool = False


# What district_of_cases reads: the cases' owning units and the accepted hand-overs.
DISTRICT_INPUTS = ("cases.case", "cases.handover")


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def _by_district(pairs) -> dict:
    """[(case id, value)] → {district: [values]}"""
    pairs = list(pairs)
    where = district_of_cases({case for case, _value in pairs})
    result: dict = defaultdict(list)
    for case, value in pairs:
        result[where[case]].append(value)
    return dict(result)


def threat_lowered(year: int) -> dict:
    """Groups whose first threat assessment was made in the year and was above low: did a later
    assessment within twelve months of it put the threat lower?"""
    first_of: dict = {}
    later: dict = defaultdict(list)
    rows = ThreatAssessment.objects.order_by("assessed_on", "recorded_at").values_list(
        "group_id", "group__case_id", "level", "assessed_on"
    )
    for group, case, level, at in rows:
        if group not in first_of:
            first_of[group] = (case, level, at)
        else:
            later[group].append((level, at))
    pairs = []
    for group, (case, level, on) in first_of.items():
        if on.year != year or LEVELS[level] == 0:
            continue
        within = on + dt.timedelta(days=365)
        lowered = any(LEVELS[lv] < LEVELS[level] and when <= within for lv, when in later[group])
        pairs.append((case, lowered))
    return _by_district(pairs)


def first_contact_accepted(year: int) -> dict:
    """First contacts flagged in the year: did a meeting end with the person accepting help?"""
    contacts = dict(FirstContact.objects.filter(flagged_on__year=year).values_list("pk", "case_id"))
    meetings = FirstContactMeeting.objects.filter(first_contact__in=list(contacts))
    accepted = set(
        meetings.filter(outcome=ContactOutcome.ACCEPTED).values_list("first_contact_id", flat=True)
    )
    return _by_district((case, contact in accepted) for contact, case in contacts.items())


def _follow_up(months: int) -> Callable[[int], dict]:
    def compute(year: int) -> dict:
        recorded = FollowUp.objects.filter(months=months, due_on__year=year, recorded_at__isnull=False)
        rows = recorded.values_list("case_id", "in_work_or_education", "stable_housing")
        return _by_district((case, bool(work) or bool(housing)) for case, work, housing in rows)

    return compute


def plans_on_time(year: int) -> dict:
    """Groups with plan actions due in the year (and already due): were all of them done by their due
    date?"""
    today = timezone.localdate()
    actions = PlanAction.objects.filter(due__year=year, due__lt=today).exclude(status=ActionStatus.DROPPED)
    on_time: dict = {}
    for case, status, due, done_on in actions.values_list("goal__group__case_id", "status", "due", "done_on"):
        done = status == ActionStatus.DONE and done_on is not None and done_on <= due
        on_time[case] = on_time.get(case, True) and done
    return _by_district(on_time.items())


def referral_days(year: int) -> dict:
    """Referrals and hand-overs sent in the year and decided: days from sending to the decision."""
    start, end = _year_bounds(year)
    rows = Handover.objects.filter(
        sent_at__gte=start,
        sent_at__lt=end,
        decided_at__isnull=False,
        status__in=[HandoverStatus.ACCEPTED, HandoverStatus.DECLINED],
    ).values_list("to_unit_id", "from_unit_id", "sent_at", "decided_at")
    district_ids = _district_ids()
    result: dict = defaultdict(list)
    for to_unit, from_unit, sent, decided in rows:
        where = to_unit if to_unit in district_ids else from_unit if from_unit in district_ids else CITY_WIDE
        result[where].append((decided - sent).total_seconds() / 86400)
    return dict(result)


INDICATORS = [
    Indicator(
        "threat_lowered",
        _("Threat lowered within a year"),
        _(
            "Intervention groups whose first police threat assessment was made in the year and was "
            "elevated or high: the share where a later assessment within twelve months put the threat "
            "lower. Groups first assessed as low are not counted (the threat cannot go lower)."
        ),
        threat_lowered,
        inputs=("sig.threatassessment", "sig.interventiongroup"),
    ),
    Indicator(
        "first_contact_accepted",
        _("First contacts that led to accepted help"),
        _(
            "People flagged to the VBE team in the year: the share for whom a first-contact meeting "
            "ended with the person accepting help. People not reached count as not accepting."
        ),
        first_contact_accepted,
        city_wide=True,
        inputs=("cases.firstcontact", "cases.firstcontactmeeting"),
    ),
    Indicator(
        "follow_up_6",
        _("In work, education or stable housing after 6 months"),
        _(
            "Defector-programme participants whose 6-month follow-up after closure fell due in the year "
            "and was recorded: the share in work or education, or in stable housing."
        ),
        _follow_up(6),
        city_wide=True,
        inputs=("defectors.followup",),
    ),
    Indicator(
        "follow_up_12",
        _("In work, education or stable housing after 12 months"),
        _(
            "As at 6 months, for the follow-ups 12 months after closure that fell due in the year and "
            "were recorded."
        ),
        _follow_up(12),
        city_wide=True,
        inputs=("defectors.followup",),
    ),
    Indicator(
        "plans_on_time",
        _("Groups whose plan was carried out on time"),
        _(
            "Intervention groups with actions due in the year (up to today; dropped actions left out): "
            "the share where every action was marked done by its due date."
        ),
        plans_on_time,
        inputs=("sig.planaction", "sig.goal", "sig.interventiongroup"),
        as_of_today=True,
    ),
    Indicator(
        "referral_days",
        _("Median days from referral to decision"),
        _(
            "Referrals and hand-overs sent in the year and decided (accepted or declined): the median "
            "number of days from sending to the decision. Shown only where at least five were decided."
        ),
        referral_days,
        median=True,
    ),
]


# --- Tables a coordinator sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    label: str
    met: Count
    not_met: Count
    counted: Count
    share: int | None  # per cent, only when both counts are shown
    median: float | None = None


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    rows: list[IndicatorRow]
    total: IndicatorRow


def _labels(rows: list[Organisation]) -> list[str]:
    return [o.name for o in rows] + [str(_("City-wide units"))]


def _share(met: Count, not_met: Count) -> int | None:
    if met.hidden or not_met.hidden or met.value + not_met.value == 0:
        return None
    return round(100 * met.value / (met.value + not_met.value))


def indicator_result(
    indicator: Indicator, year: int, where: list[Organisation] | None = None
) -> IndicatorResult:
    """One indicator for every district (``where``, all of them by default, in the order of their
    names) and the city-wide units, protected as one table. Computed from every row it counts: what
    the coordinator's pages show is this as published (coordination.published), computed anew only
    when what it reads has changed."""
    values = indicator.compute(year)
    if indicator.city_wide:
        # One row, the whole city: what the table's total row shows; no district rows.
        where, keys, labels = [], [CITY_WIDE], [str(_("The whole city"))]
        values = {CITY_WIDE: [v for found in values.values() for v in found]}
    else:
        where = districts() if where is None else where
        keys = [o.pk for o in where] + [CITY_WIDE]
        labels = _labels(where)
    if indicator.median:
        counts = [[len(values.get(k, []))] for k in keys]
        table = protect(labels, [str(_("referrals decided"))], counts)
        rows = []
        for i, key in enumerate(keys):
            days = values.get(key, [])
            shown = table.cells[i][0]
            median = None if shown.hidden else _median(days)
            rows.append(IndicatorRow(labels[i], shown, Count(0), shown, None, median))
        every = [d for k in keys for d in values.get(k, [])]
        median = None if table.total.hidden else _median(every)
        total = IndicatorRow(str(_("All")), table.total, Count(0), table.total, None, median)
        return IndicatorResult(indicator, [] if indicator.city_wide else rows, total)
    counts = [[sum(values.get(k, [])), len(values.get(k, [])) - sum(values.get(k, []))] for k in keys]
    table = protect(labels, [str(_("met")), str(_("not met"))], counts)
    rows = [
        IndicatorRow(label, met, not_met, counted, _share(met, not_met))
        for label, (met, not_met), counted in zip(labels, table.cells, table.row_totals, strict=True)
    ]
    met, not_met = table.column_totals
    total = IndicatorRow(str(_("All")), met, not_met, table.total, _share(met, not_met))
    return IndicatorResult(indicator, [] if indicator.city_wide else rows, total)


def _median(days: list[float]) -> float | None:
    return round(statistics.median(days), 1) if len(days) >= THRESHOLD else None


# --- The counts of the situation picture ------------------------------------------------------------


def _count_table(where: list[Organisation], per: dict, milieus) -> ProtectedTable:
    """A table by district and milieu. Only milieus that can occur are columns: a cell that is zero
    by definition would be hidden as a small count and take the totals with it, for nothing."""
    keys = [o.pk for o in where] + [CITY_WIDE]
    counts = [[per.get((key, milieu.value), 0) for milieu in milieus] for key in keys]
    return protect(_labels(where), [str(milieu.label) for milieu in milieus], counts)


COUNT_TITLES = {
    "reports": _("De-identified reports of concern, by the date of what happened"),
    "first_contacts": _("First contacts, by the date the person was flagged"),
    "groups": _("Intervention groups active at some time in the year"),
    "programme": _("Defector-programme cases open at some time in the year"),
}
# The columns of each table: a de-identified report always names a milieu ("not relevant" is no answer).
COUNT_MILIEUS = {
    "reports": REPORTED_MILIEUS,
    "first_contacts": list(Milieu),
    "groups": list(Milieu),
    "programme": list(Milieu),
}


def situation_counts(year: int) -> dict[str, ProtectedTable]:
    """What the situation picture attaches, per district and milieu, each a protected table."""
    where = districts()
    start, end = _year_bounds(year)
    per: dict[str, dict] = {key: defaultdict(int) for key in COUNT_TITLES}
    for administration, milieu in DeidentifiedReport.objects.filter(occurred_on__year=year).values_list(
        "administration_id", "milieu"
    ):
        per["reports"][administration, milieu] += 1
    contacts = list(FirstContact.objects.filter(flagged_on__year=year).values_list("case_id", "case__milieu"))
    groups = list(
        InterventionGroup.objects.filter(created_at__lt=end)
        .exclude(closed_at__lt=start)
        .exclude(activated_at__isnull=True)
        .values_list("case_id", "case__milieu")
    )
    programme = list(
        Case.objects.filter(activity=Activity.DEFECTOR_PROGRAMME, opened_at__lt=end)
        .exclude(closed_at__lt=start)
        .values_list("pk", "milieu")
    )
    for name, rows in (("first_contacts", contacts), ("groups", groups), ("programme", programme)):
        where_case = district_of_cases({case for case, _m in rows})
        for case, milieu in rows:
            per[name][where_case[case], milieu] += 1
    return {name: _count_table(where, counts, COUNT_MILIEUS[name]) for name, counts in per.items()}


def snapshot(administration_id, year: int) -> list[dict]:
    """The administration's row of each protected count table as published (what a version of the
    situation picture keeps): the table and its columns by code, the counts as shown (a small count
    as ``<5``, never the number behind it). Words are the reader's, added when it is shown
    (:func:`snapshot_tables`), so a version reads in the language of whoever reads it."""
    name = Organisation.objects.get(pk=administration_id).name
    result = []
    for key, table in situation_counts(year).items():
        row = table.row(name)
        result.append(
            {
                "key": key,
                "milieus": [milieu.value for milieu in COUNT_MILIEUS[key]],
                "cells": [count.csv for count in row.cells[0]],
                "total": row.total.csv,
            }
        )
    return result


def snapshot_tables(tables: list[dict]) -> list[dict]:
    """Stored tables (:func:`snapshot`) in the reader's language: each with its title and columns."""
    milieus = dict(Milieu.choices)
    return [
        {
            "key": table["key"],
            "title": str(COUNT_TITLES.get(table["key"], table["key"])),
            "columns": [str(milieus.get(code, code)) for code in table["milieus"]],
            "cells": table["cells"],
            "total": table["total"],
        }
        for table in tables
    ]
