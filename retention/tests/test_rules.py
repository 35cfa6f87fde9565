"""The one function that dates a record: the period, the year-end rule, the exemptions and holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from retention import entries, rules
from tests.factories import CaseFactory, PersonFactory


def at(year, month, day):
    return timezone.make_aware(dt.datetime(year, month, day, 12, 0))


@override_settings(LOTSA_RETENTION_ACT="2001")
def test_erased_during_the_calendar_year_after_the_duty_arose():
    verdict = rules.erasure_due(rules.Facts(last_entry_at=at(2020, 3, 3)))
    assert verdict.outcome == rules.ERASE and verdict.rule.id == "sol2001-file"
    assert verdict.duty_on == dt.date(2025, 3, 3)
    assert (verdict.erase_from, verdict.erase_by) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert not verdict.is_due(dt.date(2025, 12, 31)) and verdict.is_due(dt.date(2026, 1, 1))
    assert verdict.is_overdue(dt.date(2027, 1, 1)) and not verdict.to_be_checked
    # A last entry on 31 December moves the window a year: the duty arises in the next year.
    later = rules.erasure_due(rules.Facts(last_entry_at=at(2020, 12, 31)))
    assert later.erase_from == dt.date(2026, 1, 1)
    leap = rules.erasure_due(rules.Facts(last_entry_at=at(2020, 2, 29)))
    assert leap.duty_on == dt.date(2025, 2, 28)


@override_settings(LOTSA_RETENTION_ACT="2001")
@pytest.mark.parametrize("day, research", [(5, True), (15, True), (25, True), (6, False), (None, False)])
def test_people_born_on_a_research_day_are_kept_for_research(day, research):
    verdict = rules.erasure_due(rules.Facts(last_entry_at=at(2018, 6, 1), birth_day=day))
    assert (verdict.outcome == rules.RESEARCH) is research
    assert verdict.is_due(dt.date(2024, 1, 1))  # due: to the archive first


@override_settings(LOTSA_RETENTION_ACT="2001")
def test_placements_open_cases_holds_and_erased_records():
    kept = rules.erasure_due(rules.Facts(last_entry_at=at(2010, 1, 1), has_placement=True))
    assert kept.outcome == rules.KEPT and kept.to_be_checked and not kept.is_due(dt.date(2030, 1, 1))
    with override_settings(LOTSA_RETENTION_PLACEMENT_YEARS=10):
        longer = rules.erasure_due(rules.Facts(last_entry_at=at(2010, 1, 1), has_placement=True))
        assert longer.outcome == rules.ERASE and longer.erase_from == dt.date(2021, 1, 1)
    assert rules.erasure_due(rules.Facts(last_entry_at=at(2010, 1, 1), open_cases=1)).outcome == rules.OPEN
    held = rules.erasure_due(rules.Facts(last_entry_at=at(2010, 1, 1), held=True))
    assert held.outcome == rules.HELD and not held.is_due(dt.date(2030, 1, 1))
    assert rules.erasure_due(rules.Facts(last_entry_at=at(2010, 1, 1), erased=True)).outcome == rules.ERASED


def test_the_2025_acts_rules_are_to_be_checked_by_the_legal_department():
    with override_settings(LOTSA_RETENTION_ACT="2025"):
        assert all(rule.to_be_checked for rule in rules.rules().values())
    with override_settings(LOTSA_RETENTION_ACT="2001", LOTSA_RETENTION_YEARS=7):
        verdict = rules.erasure_due(rules.Facts(last_entry_at=at(2020, 3, 3)))
        assert verdict.erase_from == dt.date(2028, 1, 1) and "7" in verdict.rule.label


@pytest.mark.django_db
def test_the_last_entries_are_read_in_chunks_of_people(monkeypatch):
    cases = [CaseFactory() for _ in range(3)]
    monkeypatch.setattr(entries, "CHUNK", 2)
    found = entries.last_entries([case.person_id for case in cases])
    assert set(found) == {case.person_id for case in cases}
    assert all(found[case.person_id] == case.opened_at for case in cases)
    assert set(entries.open_cases_and_placements([case.person_id for case in cases])) == set(found)


@pytest.mark.django_db
def test_the_case_pages_read_of_one_file_is_the_draws_read_anew_on_every_call(world):
    """retention.entries.file_of (the case page's, one statement compiled once) answers what the
    draw's reads answer (last_entries, open_cases_and_placements, the holds), days and moments alike,
    for every person; and it reads the tables on every call: what is written after a first call moves
    what the next one says."""
    from cases.models import Person
    from retention.models import Hold, HoldReason
    from sig import services as sig_services

    worker = world.users["social_worker"]
    sig_services.meeting_record(
        by=worker,
        group_id=world.group.pk,
        held_on=timezone.localdate(),
        present_ids={worker.pk},
        items=[("housing", "Boende")],
        decisions="",
    )
    alone = PersonFactory(organisation=world.district_a)
    assert entries.file_of(alone.pk) == entries.OneFile(None, 0, 0, False)
    counts = entries.open_cases_and_placements(Person.objects.values_list("pk", flat=True))
    for person_id in Person.objects.values_list("pk", flat=True):
        file = entries.file_of(person_id)
        assert file.last_entry_at == entries.last_entries([person_id]).get(person_id)
        assert (file.open_cases, file.placements) == counts.get(person_id, (0, 0))
        assert not file.held
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))
    assert entries.file_of(world.case_a.person_id).last_entry_at >= noon  # the meeting's day, its noon
    case = CaseFactory(person=alone, owner_unit=world.district_a)
    assert entries.file_of(alone.pk) == entries.OneFile(case.opened_at, 1, 0, False)
    hold = Hold.objects.create(
        person=alone,
        organisation=world.district_a,
        reason=HoldReason.APPEAL,
        review_on=timezone.localdate(),
        placed_by=world.users["supervisor"],
        placed_at=timezone.now(),
    )
    assert entries.file_of(alone.pk).held
    Hold.objects.filter(pk=hold.pk).update(lifted_at=timezone.now())
    assert not entries.file_of(alone.pk).held
    case.status = "closed"
    case.save(update_fields=["status"])
    assert entries.file_of(alone.pk).open_cases == 0
