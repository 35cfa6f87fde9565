"""The access log's anchor heartbeat on the scheduler (issue 32): a round of audit's sealer as a
django-q2 job, idempotent, keeping the anchors fresh while no sealer runs; its failures on the
administrator's page like any job's."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django_q.models import Failure, Schedule, Success
from django_q.tasks import async_task

from accounts.roles import Role
from audit import services as audit
from audit.models import Action
from notifications import jobs
from notifications.tests.worker import run_queued
from tests.factories import UserFactory
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    return settings.LOTSA_AUDIT_ANCHOR_FILE


def kinds(path) -> list[str]:
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()]


def test_the_heartbeat_keeps_the_anchors_fresh_and_a_run_twice_writes_nothing_twice(anchor_file):
    with at(NOON):
        audit.append([audit.Event(action=Action.VIEW, target_type="t", target_id="1", reason="r")])
        assert jobs.anchor_heartbeat() == "checkpoint"  # the log moved: sealed and anchored
        assert jobs.anchor_heartbeat() == ""  # at once again: nothing to write
    assert kinds(anchor_file) == ["checkpoint"]
    idle = dt.timedelta(seconds=settings.LOTSA_AUDIT_HEARTBEAT + 1)
    with at(NOON + idle):
        assert jobs.anchor_heartbeat() == "heartbeat"  # idle: a heartbeat names the same head
        assert jobs.anchor_heartbeat() == ""
        assert audit.verify().ok
    assert kinds(anchor_file) == ["checkpoint", "heartbeat"]
    # Without it, the newest anchor grows older than the window, and verification says so.
    with at(NOON + idle + dt.timedelta(seconds=settings.LOTSA_AUDIT_ANCHOR_WINDOW + 1)):
        assert not audit.verify().ok
        jobs.anchor_heartbeat()
        assert audit.verify().ok


def test_the_worker_runs_the_heartbeat_and_its_failure_reaches_the_administrator(
    anchor_file, client, settings
):
    assert Schedule.objects.get(func=jobs.ANCHOR_HEARTBEAT).repeats == -1  # made by migrate
    with at(NOON):
        async_task(jobs.ANCHOR_HEARTBEAT)
    with at(NOON + dt.timedelta(seconds=1)):
        assert run_queued() == 1
    assert Success.objects.filter(func=jobs.ANCHOR_HEARTBEAT).count() == 1
    assert anchor_file.exists()
    settings.LOTSA_AUDIT_ANCHOR_KEY_FILE = anchor_file.with_name("no-such.key")  # the key is missing
    with at(NOON + dt.timedelta(minutes=1)):
        async_task(jobs.ANCHOR_HEARTBEAT)
    with at(NOON + dt.timedelta(minutes=1, seconds=1)):
        assert run_queued() == 1
    assert Failure.objects.get().func == jobs.ANCHOR_HEARTBEAT
    with at(NOON + dt.timedelta(hours=1)):
        login_verified(client, UserFactory(roles=[Role.ADMINISTRATOR]))
        home = client.get(reverse("home")).content.decode()
        page = client.get(reverse("notifications:failures")).content.decode()
    assert reverse("notifications:failures") in home
    assert escape(str(jobs.JOBS[jobs.ANCHOR_HEARTBEAT])) in page and "no-such.key" not in page
