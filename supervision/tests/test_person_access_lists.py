"""Who accessed a person sorts and filters like every list (lotsa.listing): by action and outcome too,
by time, organisation or user; a bad value says so and shows the log as it opens; the look is one
access event naming the person, whatever the filters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessOutcome, Action
from supervision.selectors import PAGE_SIZE
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


def test_who_accessed_pages_through_many_events_in_a_constant_number_of_queries(client, world):
    """More events than a page: the page holds the newest 50, the next page the rest in the same order,
    the total and the picture count every event of the period, and how many queries the page asks does
    not grow with the events (one read of the period's events, then the page's rows by their ids)."""
    person, worker = world.case_a.person, world.users["social_worker"]
    made = [event(worker, person, when=WORKDAY + dt.timedelta(minutes=i)) for i in range(PAGE_SIZE + 5)]
    newest_first = [e.pk for e in sorted(made, key=lambda e: (e.occurred_at, e.pk), reverse=True)]
    login_verified(client, world.users["supervisor"])
    url = reverse("supervision:person_access", kwargs={"person_id": person.pk})
    with CaptureQueriesContext(connection) as first:
        response = client.get(url, PERIOD)
    assert [row.event.pk for row in response.context["rows"]] == newest_first[:PAGE_SIZE]
    assert response.context["total"] == PAGE_SIZE + 5
    assert sum(sum(series.values) for series in response.context["series"]) == PAGE_SIZE + 5
    # The events naming the person are found twice: the organisations of all of them (the filter's
    # choices) and the period's, once for the count, the picture and the page.
    finding = [q for q in first.captured_queries if '"audit_accesseventsubject"' in q["sql"]]
    assert len(finding) == 2, [q["sql"][:120] for q in finding]
    second = client.get(url, {**PERIOD, "page": 2})
    assert [row.event.pk for row in second.context["rows"]] == newest_first[PAGE_SIZE:]
    for i in range(PAGE_SIZE):
        event(worker, person, when=WORKDAY + dt.timedelta(hours=2, minutes=i))
    with CaptureQueriesContext(connection) as more:
        assert client.get(url, PERIOD).context["total"] == 2 * PAGE_SIZE + 5
    assert len(more.captured_queries) == len(first.captured_queries)
