"""When it happened, not when it was typed (issue 29, item 6): a threat assessment (the police's in an
intervention group, BOPS's in the defector programme), a group meeting, a support conversation and a
first-contact meeting are dated by the day they took place, which is never in the future and never
before the case they belong to was opened (the one rule, cases.queries). An assessment also keeps the
moment it was recorded: the latest is the one made last, "new since your last visit" is what was
recorded since, and the change history keeps both."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from cases import queries as case_queries
from cases.queries import happened_on_check
from defectors import services as programme
from defectors.models import BopsAssessment
from lotsa.dates import add_months
from lotsa.errors import DomainError
from sig import queries as sig_queries
from sig import services as sig
from sig.models import Meeting, ThreatAssessment
from tests.factories import CaseFactory
from tests.helpers import case_opened_days_ago, login_verified, migrate_to_latest
from tests.test_threat_picture import picture  # noqa: F401  (the fixture: a group and a programme case)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FUTURE = "framtiden"
BEFORE_OPENING = "före den dag ärendet öppnades"


def today() -> dt.date:
    return timezone.localdate()


def police_assess(p, **kwargs):
    return sig.threat_assess(
        by=p["officer"], group_id=p["group"].pk, level="low", protection_need=False, notes="", **kwargs
    )


def bops_assess(p, **kwargs):
    return programme.bops_assess(
        by=p["analyst"],
        person_id=p["programme_case"].person_id,
        level="elevated",
        special_protection_need=False,
        notes="",
        **kwargs,
    )


@pytest.mark.django_db
def test_the_day_a_case_was_opened_is_its_local_day_and_the_first_day_anything_in_it_can_have_happened():
    # 00:30 in Stockholm on 11 March is still 10 March in UTC: the case was opened on the 11th.
    with time_machine.travel(dt.datetime(2026, 3, 11, 0, 30, tzinfo=STOCKHOLM), tick=False):
        case = CaseFactory()
        assert happened_on_check(dt.date(2026, 3, 11), case=case) == dt.date(2026, 3, 11)
        with pytest.raises(DomainError, match=BEFORE_OPENING):
            happened_on_check(dt.date(2026, 3, 10), case=case)
        with pytest.raises(DomainError, match=FUTURE):
            happened_on_check(dt.date(2026, 3, 12), case=case)
        with pytest.raises(DomainError, match=FUTURE):
            happened_on_check(None, case=case)
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=STOCKHOLM), tick=False):
        assert happened_on_check(dt.date(2026, 5, 31), case=case)  # a later day may record it


def test_a_threat_assessment_keeps_the_day_it_was_made_beside_the_moment_it_was_recorded(picture):  # noqa: F811
    case_opened_days_ago(picture["group_case"], 60)
    made = today() - dt.timedelta(days=20)
    assessment = police_assess(picture, assessed_on=made)
    assert assessment.assessed_on == made and assessment.recorded_on == today()
    assert assessment.reassessment_due == add_months(made, 3)  # counted from the day it was made
    changes = LogEntry.objects.get_for_object(assessment).get().changes_dict
    assert changes["assessed_on"][1] == made.isoformat() and changes["recorded_at"][1]


def test_a_bops_assessment_keeps_the_day_it_was_made_beside_the_moment_it_was_recorded(picture):  # noqa: F811
    case_opened_days_ago(picture["programme_case"], 60)
    made = today() - dt.timedelta(days=3)
    assessment = bops_assess(picture, assessed_on=made)
    assert assessment.assessed_on == made and assessment.recorded_on == today()
    assert assessment.reassessment_due == add_months(made, 3)
    changes = LogEntry.objects.get_for_object(assessment).get().changes_dict
    assert changes["assessed_on"][1] == made.isoformat() and changes["recorded_at"][1]


def test_an_assessment_is_never_dated_in_the_future_nor_before_its_case_was_opened(picture):  # noqa: F811
    for case in ("group_case", "programme_case"):
        case_opened_days_ago(picture[case], 10)
    before = (ThreatAssessment.objects.count(), BopsAssessment.objects.count())
    for assess in (police_assess, bops_assess):
        for day, message in (
            (today() + dt.timedelta(days=1), FUTURE),
            (today() - dt.timedelta(days=11), BEFORE_OPENING),
        ):
            with pytest.raises(DomainError, match=message):
                assess(picture, assessed_on=day)
        assess(picture, assessed_on=today() - dt.timedelta(days=10))  # the day it was opened: allowed
    assert (ThreatAssessment.objects.count(), BopsAssessment.objects.count()) == (
        before[0] + 1,
        before[1] + 1,
    )


def test_a_late_recorded_assessment_may_already_be_due_again_but_never_before_it_was_made(picture):  # noqa: F811
    case_opened_days_ago(picture["group_case"], 200)
    late = police_assess(picture, assessed_on=today() - dt.timedelta(days=120))
    assert late.reassessment_overdue  # made four months ago: its re-assessment has fallen due
    with pytest.raises(DomainError, match="efter bedömningen"):
        police_assess(
            picture,
            assessed_on=today() - dt.timedelta(days=5),
            reassessment_due=today() - dt.timedelta(days=5),
        )


def test_the_latest_assessment_is_the_one_made_last_not_the_one_recorded_last(picture):  # noqa: F811
    for case in ("group_case", "programme_case"):
        case_opened_days_ago(picture[case], 60)
    made_last = picture["group_assessment"]  # made and recorded today
    police_assess(picture, assessed_on=today() - dt.timedelta(days=30))  # typed after, made before
    latest = case_queries.latest_of_same_person(
        sig_queries.threat_assessments_shown_elsewhere(), person_id=picture["programme_case"].person_id
    )
    assert latest.pk == made_last.pk
    assert picture["group"].assessments.first().pk == made_last.pk
    bops_made_last = picture["bops_assessment"]
    bops_assess(picture, assessed_on=today() - dt.timedelta(days=30))
    assert BopsAssessment.objects.filter(case=picture["programme_case"]).first().pk == bops_made_last.pk


def test_a_group_meeting_is_never_dated_in_the_future_nor_before_its_case_was_opened(picture):  # noqa: F811
    case_opened_days_ago(picture["group_case"], 7)
    present = {m.pk for m in sig.current_members(picture["group"])}

    def meet(day):
        return sig.meeting_record(
            by=picture["coordinator"],
            group_id=picture["group"].pk,
            held_on=day,
            present_ids=present,
            items=[("work_income", "Genomgång")],
            decisions="",
        )

    for day, message in (
        (today() + dt.timedelta(days=1), FUTURE),
        (today() - dt.timedelta(days=8), BEFORE_OPENING),
    ):
        with pytest.raises(DomainError, match=message):
            meet(day)
    assert not Meeting.objects.exists()
    assert meet(today() - dt.timedelta(days=7)).held_on == today() - dt.timedelta(days=7)


def test_the_page_shows_the_day_recorded_beside_the_day_assessed_where_they_differ(client, picture):  # noqa: F811
    case_opened_days_ago(picture["programme_case"], 60)
    made = today() - dt.timedelta(days=12)
    bops_assess(picture, assessed_on=made)
    login_verified(client, picture["analyst"])
    url = reverse("defectors:bops_person", kwargs={"person_id": picture["programme_case"].person_id})
    html = client.get(url).content.decode()
    assert f"{made.isoformat()} (registrerad {today().isoformat()})" in html
    assert f"{today().isoformat()} (registrerad" not in html  # made the day it was recorded: one date


@pytest.mark.django_db(transaction=True)
def test_the_time_an_assessment_was_recorded_stays_and_the_day_it_was_made_is_filled_from_it(picture):  # noqa: F811
    recorded = {
        ThreatAssessment: picture["group_assessment"].recorded_at,
        BopsAssessment: picture["bops_assessment"].recorded_at,
    }
    executor = MigrationExecutor(connection)
    try:
        executor.loader.build_graph()
        executor.migrate([("sig", "0009_group_band_ends_on_filled"), ("defectors", "0002_reassessment_due")])
        with connection.cursor() as cursor:
            for table in ("sig_threatassessment", "defectors_bopsassessment"):
                cursor.execute(
                    f"UPDATE {table} SET assessed_at = %s", [timezone.now() - dt.timedelta(days=40)]
                )
    finally:
        migrate_to_latest()
    for model in (ThreatAssessment, BopsAssessment):
        (assessment,) = model.objects.all()
        assert assessment.recorded_at != recorded[model]  # the column moved with its (rewritten) value
        assert assessment.assessed_on == timezone.localdate(assessment.recorded_at)
        assert assessment.assessed_on == today() - dt.timedelta(days=40)
