"""The indicators as published: computed once and kept, already protected, and computed anew on the
first view after anything they count has changed (coordination.published)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import AccessEvent
from cases.words import Milieu
from coordination import indicators, published, selectors
from coordination.models import IndicatorTable, InputGeneration
from coordination.suppression import THRESHOLD
from coordination.tests.test_indicators import (  # noqa: F401 (units: a fixture)
    TODAY,
    assess,
    follow_up,
    group_in,
    programme_case_from,
    units,
)
from defectors.models import FollowUp
from lotsa.vocabulary import ThreatLevel
from tests.helpers import login_verified

YEAR = TODAY.year
FOLLOW_UP_6 = "follow_up_6"


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def computed(monkeypatch):
    """Counts the indicators computed from their rows (not read as stored)."""
    calls = []
    real = indicators.indicator_result

    def counting(indicator, year, where=None):
        calls.append((indicator.key, year))
        return real(indicator, year, where)

    monkeypatch.setattr(indicators, "indicator_result", counting)
    return calls


def followed_up(world, units, n, *, work):  # noqa: F811
    return [
        follow_up(programme_case_from(world, units, units["a"]), 6, dt.date(YEAR, 5, 1), work=work)
        for _ in range(n)
    ]


def shown(user) -> dict:
    """The whole city's row of the 6-month follow-up, as the page's selector gives it."""
    page = selectors.indicators_for(user=user, year=YEAR)
    item = next(i for i in page["indicators"] if i["result"].indicator.key == FOLLOW_UP_6)
    total = item["total"]
    return {"met": total.met.csv, "not_met": total.not_met.csv, "share": total.share}


def test_computed_once_then_read_as_stored_each_view_still_recorded(world, units, frozen, computed):  # noqa: F811
    followed_up(world, units, 6, work=True)
    followed_up(world, units, 5, work=False)
    coordinator = world.users["coordinator"]
    first = shown(coordinator)
    assert first == {"met": "6", "not_met": "5", "share": 55}
    # Three years of five shares, and this year's median.
    assert len(computed) == 5 * 3 + 1
    events = AccessEvent.objects.filter(target_type="coordination.indicators").count()
    assert shown(coordinator) == first
    assert len(computed) == 5 * 3 + 1  # nothing computed again
    # Every view is its own decision and event, stored tables or not.
    assert AccessEvent.objects.filter(target_type="coordination.indicators").count() == events + 1


def test_the_next_view_shows_a_new_row_a_change_in_place_and_a_deletion(world, units, frozen):  # noqa: F811
    coordinator = world.users["coordinator"]
    followed_up(world, units, 6, work=True)
    [*_rest, last] = followed_up(world, units, 5, work=False)
    assert shown(coordinator)["not_met"] == "5"
    followed_up(world, units, 1, work=False)
    assert shown(coordinator)["not_met"] == "6"  # a new row
    last.in_work_or_education = True
    last.save()
    assert shown(coordinator) == {"met": "7", "not_met": "5", "share": 58}  # a row changed in place
    FollowUp.objects.filter(pk=last.pk).delete()
    assert shown(coordinator)["met"] == "6"  # a row deleted
    FollowUp.objects.bypassing_guard("test: a bulk write").filter(in_work_or_education=False).update(
        in_work_or_education=True
    )
    assert shown(coordinator) == {"met": "11", "not_met": "<5", "share": None}  # a bulk write past save()


def test_a_case_moved_to_another_district_moves_its_count(world, units, frozen):  # noqa: F811
    groups = [group_in(units["a"]) for _ in range(5)]
    for group in groups:
        assess(world, group, ThreatLevel.HIGH, (YEAR, 2, 1))
        assess(world, group, ThreatLevel.LOW, (YEAR, 6, 1))

    def counted():
        results = published.indicator_results({"threat_lowered": [YEAR]})
        return {row.label: row.met.csv for row in results["threat_lowered", YEAR].rows}

    assert counted()[units["a"].name] != "<5"  # five lowered (or hidden to protect another count)
    case = groups[0].case
    case.owner_unit = units["b"]
    case.save(update_fields=["owner_unit"])
    assert counted()[units["a"].name] == "<5"  # four
    # A change of a case that no indicator reads leaves what is stored alone.
    before = dict(InputGeneration.objects.values_list("label", "generation"))
    case.milieu = Milieu.AUTONOMOUS
    case.save(update_fields=["milieu"])  # read by the situation picture's counts, not stale here
    case.version += 1
    case.save(update_fields=["version"])
    after = dict(InputGeneration.objects.values_list("label", "generation"))
    assert after["cases.case"] == before["cases.case"] + 1  # the milieu, not the version


def test_what_is_stored_holds_no_small_count_and_no_name(world, units, frozen):  # noqa: F811
    followed_up(world, units, 2, work=True)
    followed_up(world, units, 7, work=False)
    selectors.indicators_for(user=world.users["coordinator"], year=YEAR)
    stored = list(IndicatorTable.objects.all())
    assert stored
    names = {units["a"].name, units["b"].name, world.users["coordinator"].username}
    medians = {i.key for i in indicators.INDICATORS if i.median}
    for table in stored:
        text = str(table.table)
        assert not any(name in text for name in names)
        for row in [*table.table["rows"], table.table["total"]]:
            # (A median's row has no "not met": its place holds a zero that counts nothing.)
            counts = (
                (row["met"], row["counted"])
                if table.key in medians
                else (row["met"], row["not_met"], row["counted"])
            )
            for count in counts:
                assert count in (f"<{THRESHOLD}", "..") or int(count) >= THRESHOLD
            if row["median"] is not None:
                assert int(row["counted"]) >= THRESHOLD
    follow_ups = next(t for t in stored if t.key == FOLLOW_UP_6 and t.year == YEAR).table["total"]
    assert follow_ups["met"] == "<5" and follow_ups["not_met"] == "7" and follow_ups["share"] is None


def test_the_page_stores_every_table_it_shows_and_a_migration_drops_them(client, world, frozen):
    login_verified(client, world.users["coordinator"])
    assert client.get(reverse("coordination:indicators")).status_code == 200
    stored = IndicatorTable.objects.count()
    assert stored == 5 * 3 + 1
    # A migration may have written past save(): after one, nothing stored is trusted.
    published._migrated(sender=type("Config", (), {"label": "coordination"})())
    assert not IndicatorTable.objects.exists()
    assert client.get(reverse("coordination:indicators")).status_code == 200
    assert IndicatorTable.objects.count() == stored


def test_only_what_counts_up_to_today_is_computed_anew_the_next_day(world, units, computed):  # noqa: F811
    with time_machine.travel(TODAY, tick=False):
        published.indicator_results({i.key: [YEAR] for i in indicators.INDICATORS})
    assert len(computed) == 6
    with time_machine.travel(TODAY + dt.timedelta(days=1), tick=False):
        published.indicator_results({i.key: [YEAR] for i in indicators.INDICATORS})
    assert computed[6:] == [("plans_on_time", YEAR)]
