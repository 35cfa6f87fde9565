"""Who accessed a person sorts and filters like every list (lotsa.listing): by action and outcome too,
by time, organisation or user; a bad value says so and shows the log as it opens; the look is one
access event naming the person, whatever the filters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessOutcome, Action
from supervision.tests.test_supervision import WORKDAY, event
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def log(world):
    person = world.case_a.person
    event(world.users["social_worker"], person, when=WORKDAY)
    event(world.users["social_worker"], person, action=Action.UPDATE, when=WORKDAY + dt.timedelta(days=1))
    event(
        world.users["external_member"],
        person,
        outcome=AccessOutcome.DENIED,
        when=WORKDAY + dt.timedelta(days=2),
    )
    return person


def _rows(client, person, **query):
    url = reverse("supervision:person_access", kwargs={"person_id": person.pk})
    before = head_seq()
    response = client.get(url, {**PERIOD, **query})
    assert response.status_code == 200
    looked = [e for e in events_since(before) if e.target_type == "supervision.personaccesslog"]
    assert len(looked) == 1 and looked[0].subject_id == person.pk  # one look, naming the person
    assert not [e for e in events_since(before) if e.subject_id not in (None, person.pk)]
    return response, [(row.event.actor_username, row.event.action) for row in response.context["rows"]]


def test_who_accessed_opens_newest_first_and_sorts_by_user_or_time(client, world, log):
    login_verified(client, world.users["supervisor"])
    member, worker = world.users["external_member"].username, world.users["social_worker"].username
    response, rows = _rows(client, log)
    assert rows == [(member, "view"), (worker, "update"), (worker, "view")]
    headers = re.findall(
        r'<th scope="col" aria-sort="(\w+)"><a href="([^"]*)">([^<]*)', response.content.decode()
    )
    assert [(state, label.strip()) for state, _, label in headers] == [("descending", "När")]
    assert "start=2026-11-01" in headers[0][1] and "sort=when" in headers[0][1]  # the period is kept
    assert _rows(client, log, sort="when")[1] == [(worker, "view"), (worker, "update"), (member, "view")]
    by_user = _rows(client, log, sort="user")[1]
    assert [user for user, _ in by_user] == sorted([member, worker, worker])


def test_who_accessed_filters_by_action_and_outcome(client, world, log):
    login_verified(client, world.users["supervisor"])
    worker = world.users["social_worker"].username
    assert _rows(client, log, action="update")[1] == [(worker, "update")]
    assert _rows(client, log, outcome="denied")[1] == [(world.users["external_member"].username, "view")]
    assert _rows(client, log, action="view", outcome="allowed")[1] == [(worker, "view")]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-13-01"},
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"action": "login"},
        {"sort": "why"},
    ],
)
def test_a_bad_value_says_so_and_shows_the_log_as_it_opens(client, world, log, query):
    login_verified(client, world.users["supervisor"])
    url = reverse("supervision:person_access", kwargs={"person_id": log.pk})
    response = client.get(url, query)
    assert response.status_code == 200
    (text,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Listan visas utan dina filter" in text
    today = timezone.localdate()
    assert response.context["end"] == today and response.context["start"] == today - dt.timedelta(weeks=12)
