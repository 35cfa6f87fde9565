"""A demo with a history (issue 29, item 7): the demo is loaded in one sitting, but its first contacts,
meetings, conversations, assessments and closures carry their own days over three years
(demo/scenes/history.py), and those days keep the rules the services keep for a user: nothing in the
future, nothing in a case before the day it was opened, a case closed after it was opened, no
assessment made after its re-assessment fell due. The ages scene and the history agree: Nora's case
was opened when she was 17 and her guardians' consent still pauses 20 days after the load day."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, FirstContactMeeting
from consent import policy
from consent.models import Consent
from defectors.models import BopsAssessment
from relatives.models import SupportConversation
from sig.models import Meeting, ThreatAssessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    with override_settings(DEMO_MODE=True):
        call_command("load_demo")


def opened_on(case: Case) -> dt.date:
    return timezone.localdate(case.opened_at)


def dated_acts():
    """(what, the day it happened, its case) for every dated act in the demo."""
    for meeting in FirstContactMeeting.objects.select_related("first_contact__case"):
        yield "first-contact meeting", meeting.held_on, meeting.first_contact.case
    for meeting in Meeting.objects.select_related("group__case"):
        yield "group meeting", meeting.held_on, meeting.group.case
    for conversation in SupportConversation.objects.select_related("case"):
        yield "support conversation", conversation.held_on, conversation.case
    for assessment in ThreatAssessment.objects.select_related("group__case"):
        yield "threat assessment", assessment.assessed_on, assessment.group.case
    for assessment in BopsAssessment.objects.select_related("case"):
        yield "BOPS assessment", assessment.assessed_on, assessment.case


def test_the_demos_dates_are_never_in_the_future_nor_before_their_case_was_opened(demo):
    today = timezone.localdate()
    acts = list(dated_acts())
    assert {what for what, _day, _case in acts} == {
        "first-contact meeting",
        "group meeting",
        "support conversation",
        "threat assessment",
        "BOPS assessment",
    }
    assert not [(what, day) for what, day, _case in acts if day > today]
    assert not [(what, day, opened_on(case)) for what, day, case in acts if day < opened_on(case)]
    assert not Case.objects.filter(opened_at__gt=timezone.now()).exists()
    assert not Case.objects.filter(closed_at__gt=timezone.now()).exists()


def test_the_demos_cases_are_closed_after_they_were_opened_and_earlier_ones_on_earlier_days(demo):
    closed = list(Case.objects.filter(closed_at__isnull=False))
    assert closed and all(case.closed_at >= case.opened_at for case in closed)
    today = timezone.localdate()
    assert len({timezone.localdate(case.closed_at) for case in closed}) > 20  # not all on the load day
    assert min(timezone.localdate(case.closed_at) for case in closed) < today - dt.timedelta(days=365)


def test_the_demos_assessments_are_made_before_their_re_assessment_fell_due_and_recorded_that_day(demo):
    assessments = [*ThreatAssessment.objects.all(), *BopsAssessment.objects.all()]
    assert all(a.reassessment_due > a.assessed_on for a in assessments)
    assert all(a.recorded_on >= a.assessed_on for a in assessments)
    # An earlier assessment in a group came before its re-assessment was due; the last one is overdue.
    for case_id in {a.group.case_id for a in ThreatAssessment.objects.select_related("group")}:
        history = list(ThreatAssessment.objects.filter(group__case_id=case_id).order_by("assessed_on"))
        for earlier, later in itertools.pairwise(history):
            assert later.assessed_on <= earlier.reassessment_due
    old = ThreatAssessment.objects.filter(assessed_on__lt=timezone.localdate())
    assert old.exists() and all(a.recorded_on == a.assessed_on for a in old)  # nobody's news


def test_the_demos_history_spreads_over_at_least_two_years_and_agrees_with_the_ages_scene(demo):
    today = timezone.localdate()
    first = min(opened_on(case) for case in Case.objects.all())
    assert (today - first).days >= 2 * 365
    days = {opened_on(case).year for case in Case.objects.all()}
    assert len(days) >= 3
    # Nora's case was opened while she was a child; her guardians' consent is found and pauses sharing
    # when she comes of age, 20 days after the load day.
    nora = Consent.objects.get(child_at_consent=True)
    assert nora.adult_on == today + dt.timedelta(days=20)
    assert 0 < (nora.adult_on - today).days <= settings.LOTSA_MAJORITY_WARNING_DAYS
    assert policy.sharing_pauses_on(person_id=nora.person_id, purpose="intervention_group") == nora.adult_on
    (case,) = Case.objects.filter(person_id=nora.person_id, activity="intervention_group")
    assert opened_on(case) < today and case.youth_unit_ends_on is not None
