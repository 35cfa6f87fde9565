"""The demo's history (issue 29, item 7): the demo is loaded in one sitting, but what it shows happened
over three years. A scene acts through the services as a user would, on the day the demo is loaded, and
then writes here, through the models' dated fields, the day each act really took place: when a case
was opened and closed, when a group was formed. A meeting, a conversation and an assessment are dated
through the services themselves (``held_on``, ``assessed_on``), which keep the rules: never in the
future, never before the case was opened (cases.queries.happened_on_check). So a scene backdates a
case's opening *before* it records what happened in it.

What a scene writes here keeps the demo's rules true:

* nothing is dated after the load day, and nothing in a case before the day it was opened;
* a case is closed after it was opened;
* the time an assessment was recorded is the day it was made (``assessment_recorded_on``): an old
  assessment is not "new since your last visit", and none is made after its re-assessment fell due.

The ages scene's edges (Nora comes of age 20 days after the load day, Sam leaves the youth unit 60
days after it) are counted from the load day, as her birth date is (demo/scenes/cases.py,
``turns_in``): backdating her case's opening moves neither her birthday nor her guardians' consent,
which is recorded on the load day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case, CaseStatusChange
from cases.services import case_latest_activity_recount
from cases.words import CaseStatus

# How far back the demo's history reaches: three years of first contacts (demo/scenes/first_contacts.py)
# and district cases opened over them.
YEARS = 3


def days_ago(days: int) -> dt.date:
    """The local day ``days`` before the load day."""
    return timezone.localdate() - dt.timedelta(days=days)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware moment on ``day`` (local time), at most now: an act of the load day is not dated ahead."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return min(at, timezone.now())


def case_opened_on(case: Case, day: dt.date) -> Case:
    """Write that ``case`` was opened on ``day`` (``opened_at`` is set when a case is opened): its
    status changes so far (opened, activated) move with it. Call it before anything dated in the case
    is recorded, which then may not lie before ``day``."""
    at = moment(day, 9)
    Case.objects.bypassing_guard("demo: a case opened before the load day").filter(pk=case.pk).update(
        opened_at=at
    )
    CaseStatusChange.objects.bypassing_guard("demo: a case opened before the load day").filter(
        case=case, changed_at__gt=at
    ).update(changed_at=at)
    case_latest_activity_recount(case_ids=[case.pk])  # what it was made of moved back
    case.opened_at = at
    return case


def case_closed_on(case: Case, day: dt.date) -> Case:
    """Write that ``case`` (closed through the four-eyes closing on the load day) was proposed for
    closing and closed on ``day``, which is not before it was opened."""
    at = max(moment(day, 15), Case.objects.values_list("opened_at", flat=True).get(pk=case.pk))
    Case.objects.bypassing_guard("demo: a case closed before the load day").filter(pk=case.pk).update(
        closed_at=at
    )
    CaseStatusChange.objects.bypassing_guard("demo: a case closed before the load day").filter(
        case=case, status__in=[CaseStatus.CLOSING, CaseStatus.CLOSED]
    ).update(changed_at=at)
    case_latest_activity_recount(case_ids=[case.pk])
    case.closed_at = at
    return case


def group_formed_on(group, day: dt.date):
    """Write that an intervention group was formed and activated on ``day`` (not before its case was
    opened)."""
    at = moment(day, 13)
    type(group).objects.bypassing_guard("demo: a group formed before the load day").filter(
        pk=group.pk
    ).update(created_at=at, activated_at=at)
    group.created_at = group.activated_at = at
    return group


def assessment_recorded_on(assessment):
    """Write that an assessment made on an earlier day (its ``assessed_on``) was recorded that day too,
    not on the load day: an old assessment is nobody's news."""
    at = moment(assessment.assessed_on, 16)
    type(assessment).objects.bypassing_guard("demo: an assessment recorded the day it was made").filter(
        pk=assessment.pk
    ).update(recorded_at=at)
    assessment.recorded_at = at
    return assessment
