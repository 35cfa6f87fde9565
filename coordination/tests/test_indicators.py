"""Indicators of effect and the situation picture's counts, on hand-made data with known answers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import ContactOutcome, FirstContact, FirstContactMeeting, Handover, HandoverStatus
from cases.words import Activity, Milieu
from coordination import indicators
from coordination.indicators import CITY_WIDE
from coordination.models import DeidentifiedReport
from defectors.models import FollowUp
from lotsa.vocabulary import ThreatLevel
from sig.models import ActionStatus, Goal, InterventionGroup, PlanAction, ThreatAssessment
from tests.factories import CaseFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 12, 5, 12, 0, tzinfo=STOCKHOLM)


def at(year, month, day):
    return time_machine.travel(dt.datetime(year, month, day, 10, 0, tzinfo=STOCKHOLM), tick=False)


@pytest.fixture
def units(world):
    vbe = world.users["vbe_worker"].organisation
    return {"a": world.district_a, "b": world.district_b, "vbe": vbe, "programme": world.programme}


def group_in(unit, milieu=Milieu.WHITE_POWER):
    case = CaseFactory(owner_unit=unit, activity=Activity.INTERVENTION_GROUP, milieu=milieu)
    return InterventionGroup.objects.create(case=case, band="x", status="active", activated_at=TODAY)


def assess(world, group, level, when):
    with at(*when):
        ThreatAssessment.objects.create(
            group=group,
            person_id=group.case.person_id,
            organisation=world.police,
            author=world.users["external_member"],
            level=level,
            assessed_on=dt.date(*when),
            reassessment_due=dt.date(2027, 6, 1),
        )


def sort(result):
    return {key: sorted(values) for key, values in result.items()}


def test_threat_lowered_within_a_year(world, units):
    lowered = [group_in(units["a"]) for _ in range(4)]
    same, too_late, started_low, last_year = (group_in(units["a"]) for _ in range(4))
    for group in [*lowered, same, too_late]:
        assess(world, group, ThreatLevel.HIGH, (2026, 2, 1))
    for group in lowered:
        assess(world, group, ThreatLevel.ELEVATED, (2026, 6, 1))
    assess(world, same, ThreatLevel.HIGH, (2026, 8, 1))
    assess(world, too_late, ThreatLevel.LOW, (2027, 3, 1))
    assess(world, started_low, ThreatLevel.LOW, (2026, 3, 1))
    assess(world, last_year, ThreatLevel.HIGH, (2025, 3, 1))
    assess(world, last_year, ThreatLevel.LOW, (2026, 1, 15))
    with time_machine.travel(TODAY, tick=False):
        assert sort(indicators.threat_lowered(2026)) == {
            units["a"].pk: [False, False, True, True, True, True]
        }
        assert sort(indicators.threat_lowered(2025)) == {units["a"].pk: [True]}


def first_contact(world, units, flagged_on, outcomes, handed_to=None):
    case = CaseFactory(owner_unit=units["vbe"], activity=Activity.VBE_FIRST_CONTACT)
    contact = FirstContact.objects.create(
        case=case,
        person_id=case.person_id,
        referrer="police",
        flagged_on=flagged_on,
        created_by=world.users["vbe_worker"],
    )
    for outcome in outcomes:
        FirstContactMeeting.objects.create(
            first_contact=contact,
            person_id=case.person_id,
            held_on=flagged_on,
            outcome=outcome,
            recorded_by=world.users["vbe_worker"],
        )
    if handed_to is not None:
        Handover.objects.create(
            person_id=case.person_id,
            source="case",
            from_case=case,
            from_unit=units["vbe"],
            to_unit=handed_to,
            purpose="handover",
            sent_by=world.users["vbe_worker"],
            status=HandoverStatus.ACCEPTED,
            decided_at=TODAY,
        )
    return contact


def test_first_contacts_that_led_to_accepted_help(world, units):
    first_contact(world, units, dt.date(2026, 3, 1), [ContactOutcome.ACCEPTED], handed_to=units["b"])
    first_contact(world, units, dt.date(2026, 4, 1), [ContactOutcome.DECLINED, ContactOutcome.ACCEPTED])
    first_contact(world, units, dt.date(2026, 5, 1), [ContactOutcome.NOT_REACHED])
    first_contact(world, units, dt.date(2026, 6, 1), [])
    first_contact(world, units, dt.date(2025, 6, 1), [ContactOutcome.ACCEPTED])
    assert sort(indicators.first_contact_accepted(2026)) == {
        units["b"].pk: [True],
        CITY_WIDE: [False, False, True],
    }


def programme_case_from(world, units, district):
    case = CaseFactory(owner_unit=units["programme"], activity=Activity.DEFECTOR_PROGRAMME)
    Handover.objects.create(
        person_id=case.person_id,
        source="case",
        from_unit=district,
        to_unit=units["programme"],
        purpose="defector_programme",
        sent_by=world.users["social_worker"],
        status=HandoverStatus.ACCEPTED,
        decided_at=TODAY,
        accepted_case=case,
    )
    return case


def follow_up(case, months, due_on, *, recorded=True, work=None, housing=None):
    return FollowUp.objects.create(
        case=case,
        person_id=case.person_id,
        months=months,
        due_on=due_on,
        recorded_at=TODAY if recorded else None,
        in_work_or_education=work,
        stable_housing=housing,
    )


def test_in_work_education_or_housing_at_the_follow_ups(world, units):
    working, housed, neither, unrecorded = (programme_case_from(world, units, units["a"]) for _ in range(4))
    follow_up(working, 6, dt.date(2026, 5, 1), work=True, housing=False)
    follow_up(housed, 6, dt.date(2026, 7, 1), work=False, housing=True)
    follow_up(neither, 6, dt.date(2026, 8, 1), work=False, housing=False)
    follow_up(unrecorded, 6, dt.date(2026, 9, 1), recorded=False)
    follow_up(working, 12, dt.date(2026, 11, 1), work=False, housing=None)
    follow_up(housed, 12, dt.date(2027, 1, 1), work=True, housing=True)
    assert sort(indicators.INDICATORS[2].compute(2026)) == {units["a"].pk: [False, True, True]}
    assert sort(indicators.INDICATORS[3].compute(2026)) == {units["a"].pk: [False]}
    assert sort(indicators.INDICATORS[3].compute(2027)) == {units["a"].pk: [True]}


def plan(world, group, actions):
    goal = Goal.objects.create(group=group, person_id=group.case.person_id)
    for due, status, done_on in actions:
        PlanAction.objects.create(
            goal=goal,
            person_id=group.case.person_id,
            owner=world.district_a,
            due=due,
            status=status,
            done_on=done_on,
        )


def test_groups_whose_plan_was_carried_out_on_time(world, units):
    d = dt.date
    plan(
        world,
        group_in(units["a"]),
        [
            (d(2026, 3, 1), ActionStatus.DONE, d(2026, 2, 20)),
            (d(2026, 4, 1), ActionStatus.DONE, d(2026, 4, 1)),
            (d(2026, 5, 1), ActionStatus.DROPPED, None),
        ],
    )
    plan(world, group_in(units["a"]), [(d(2026, 3, 1), ActionStatus.DONE, d(2026, 3, 5))])
    plan(world, group_in(units["a"]), [(d(2026, 5, 1), ActionStatus.PLANNED, None)])
    plan(world, group_in(units["b"]), [(d(2026, 5, 1), ActionStatus.DROPPED, None)])
    plan(world, group_in(units["b"]), [(d(2026, 12, 20), ActionStatus.PLANNED, None)])
    with time_machine.travel(TODAY, tick=False):
        assert sort(indicators.plans_on_time(2026)) == {units["a"].pk: [False, False, True]}


def test_median_days_from_referral_to_decision(world, units):
    case = CaseFactory(owner_unit=units["a"])

    def sent(to_unit, from_unit, days, status=HandoverStatus.ACCEPTED):
        start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=STOCKHOLM)
        Handover.objects.create(
            person_id=case.person_id,
            source="case",
            from_case=case,
            from_unit=from_unit,
            to_unit=to_unit,
            purpose="handover",
            sent_by=world.users["social_worker"],
            sent_at=start,
            status=status,
            decided_at=None if days is None else start + dt.timedelta(days=days),
        )

    sent(units["b"], units["vbe"], 2)
    sent(units["programme"], units["a"], 10)
    sent(units["programme"], units["a"], 4, HandoverStatus.DECLINED)
    sent(units["b"], units["vbe"], None, HandoverStatus.SENT)
    sent(units["b"], units["vbe"], 1, HandoverStatus.WITHDRAWN)
    assert sort(indicators.referral_days(2026)) == {units["b"].pk: [2.0], units["a"].pk: [4.0, 10.0]}


def test_an_indicator_shows_shares_only_from_counts_it_may_show(world, units, monkeypatch):
    fake = {units["a"].pk: [True] * 12 + [False] * 8, units["b"].pk: [True] * 3 + [False] * 9, CITY_WIDE: []}
    indicator = indicators.Indicator("t", "T", "how", lambda year: fake)
    result = indicators.indicator_result(indicator, 2026)
    rows = {row.label: row for row in result.rows}
    a = rows[units["a"].name]
    assert (a.met.value, a.not_met.value, a.share) == (12, 8, 60)
    b = rows[units["b"].name]
    assert b.met.small and b.share is None
    # What would give b's small count away is hidden too: b's total, the column's, the grand total.
    assert b.counted.hidden and result.total.met.hidden and result.total.counted.hidden
    assert result.total.share is None


def test_a_median_is_shown_only_over_five_or_more(world, units):
    fake = {units["a"].pk: [1, 2, 3, 4, 30], units["b"].pk: [5, 6]}
    indicator = indicators.Indicator("m", "M", "how", lambda year: fake, median=True)
    rows = {row.label: row for row in indicators.indicator_result(indicator, 2026).rows}
    assert rows[units["a"].name].median == 3
    assert rows[units["b"].name].median is None and rows[units["b"].name].counted.small


def test_the_situation_counts(world, units):
    for n in range(6):
        DeidentifiedReport.objects.create(
            administration=units["a"],
            area="Rinkeby",
            occurred_on=dt.date(2026, 3, 1 + n),
            kind="concern",
            milieu=Milieu.WHITE_POWER,
            setting="school",
            age_band="13_15",
            description="x",
            from_unit=units["a"],
        )
    DeidentifiedReport.objects.create(
        administration=units["b"],
        area="Tensta",
        occurred_on=dt.date(2026, 4, 1),
        kind="event",
        milieu=Milieu.AUTONOMOUS,
        setting="online",
        age_band="18_24",
        description="x",
        from_unit=units["a"],
    )
    group_in(units["a"], Milieu.VIOLENT_ISLAMIST)
    tables = indicators.situation_counts(2026)
    reports = tables["reports"]
    white = reports.columns.index(str(Milieu.WHITE_POWER.label))
    row_a = reports.rows.index(units["a"].name)
    assert reports.cells[row_a][white].value == 6
    row_b = reports.rows.index(units["b"].name)
    assert reports.cells[row_b][reports.columns.index(str(Milieu.AUTONOMOUS.label))].small
    groups = tables["groups"]
    assert groups.cells[groups.rows.index(units["a"].name)][
        groups.columns.index(str(Milieu.VIOLENT_ISLAMIST.label))
    ].small


def test_a_city_wide_indicator_has_one_row_the_whole_city(world, units):
    # The VBE team's first contacts: those who said yes were handed over to a district, those who said
    # no to none; by district, a district's row would hold only yeses and never show a share.
    for n in range(6):
        first_contact(world, units, dt.date(2026, 3, 1 + n), [ContactOutcome.ACCEPTED], handed_to=units["a"])
    for n in range(5):
        first_contact(world, units, dt.date(2026, 4, 1 + n), [ContactOutcome.DECLINED])
    indicator = next(i for i in indicators.INDICATORS if i.key == "first_contact_accepted")
    assert indicator.city_wide
    with time_machine.travel(TODAY, tick=False):
        result = indicators.indicator_result(indicator, 2026)
    assert result.rows == []
    assert (result.total.met.value, result.total.not_met.value, result.total.counted.value) == (6, 5, 11)
    assert result.total.share == 55
    # By district the same data would show nothing at all.
    by_district = indicators.indicator_result(
        indicators.Indicator("d", "D", "how", indicators.first_contact_accepted), 2026
    )
    assert by_district.total.share is None
    assert all(row.share is None for row in by_district.rows)
