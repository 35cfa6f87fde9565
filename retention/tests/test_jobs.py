"""The jobs are scheduled by migrate: the month's lists on the first of a month, the carrying out hourly."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_q.models import Schedule

from notifications.jobs import JOBS, RETENTION_CARRY_OUT, RETENTION_DRAW, ensure_schedules

pytestmark = pytest.mark.django_db


def test_the_retention_jobs_are_scheduled_and_named():
    ensure_schedules(sender=apps.get_app_config("notifications"))
    draw = Schedule.objects.get(func=RETENTION_DRAW)
    assert draw.schedule_type == Schedule.MONTHLY and draw.next_run.day == 1
    first = draw.next_run
    ensure_schedules(sender=apps.get_app_config("notifications"))  # a later migrate keeps its next run
    assert Schedule.objects.get(func=RETENTION_DRAW).next_run == first
    assert Schedule.objects.get(func=RETENTION_CARRY_OUT).schedule_type == Schedule.HOURLY
    assert RETENTION_DRAW in JOBS and RETENTION_CARRY_OUT in JOBS
