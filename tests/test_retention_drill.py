"""The retention drill: a unit's destruction list is approved and carried out in the demo, then every
page reachable from every demo user's start page answers (the crawl's machinery), the erased records'
case pages among them, the certificate verifies, and so does the access log (``audit_verify``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases.models import Case, Person
from retention import jobs, services
from retention.models import DestructionList, ItemState, ListStatus
from retention.tests.archive_key import archive_configured
from tests.helpers import login_verified
from tests.test_crawl import crawl

PAGES_PER_USER = 20  # the drill asks that pages answer; the full crawl is tests/test_crawl.py


def one_user_per_role() -> list[User]:
    """The first active demo user holding each role: every role, each crawled once."""
    found: dict[str, User] = {}
    for user in User.objects.filter(is_active=True).order_by("username"):
        for role in sorted(user.role_codes()):
            found.setdefault(role, user)
    return sorted(set(found.values()), key=lambda user: user.username)


@pytest.mark.slow
@pytest.mark.django_db
def test_drill_erase_a_list_then_every_page_answers_and_the_log_verifies(client, settings, tmp_path):
    settings.LOTSA_AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    # Nine years on, the demo's closed files are due: the job draws the lists, as it would that month.
    later = timezone.now() + dt.timedelta(days=9 * 365)
    with (
        time_machine.travel(later, tick=True),
        override_settings(LOTSA_RETENTION_ACT="2001"),
        archive_configured(tmp_path),
    ):
        _drill(client)


def _drill(client):
    assert jobs.draw_lists() >= 1
    drawn = (
        DestructionList.objects.filter(items__state__in=[ItemState.DUE, ItemState.TO_ARCHIVE])
        .distinct()
        .order_by("pk")
        .first()
    )
    unit = drawn.organisation
    supervisor = (
        User.objects.filter(role_grants__role=Role.SUPERVISOR, is_active=True, organisation=unit)
        .order_by("pk")
        .first()
    )
    erased_people = list(drawn.items.values_list("person_id", flat=True))
    erased_cases = list(Case.objects.filter(person_id__in=erased_people))
    services.destruction_list_approve(by=supervisor, list_id=drawn.pk)
    jobs.carry_out_lists()
    drawn.refresh_from_db()
    assert drawn.status == ListStatus.CARRIED_OUT
    assert all(p.erased_at for p in Person.objects.filter(pk__in=erased_people))
    assert erased_cases

    failures = []
    for user in one_user_per_role():
        client.logout()
        login_verified(client, user)
        for number, (url, response) in enumerate(crawl(client)):
            if number >= PAGES_PER_USER:
                break
            if response.status_code not in (200, 302):
                failures.append((user.username, url, response.status_code))
    client.logout()
    login_verified(client, supervisor)
    for case in erased_cases:
        response = client.get(f"/cases/{case.pk}/")
        if response.status_code != 200:
            failures.append((supervisor.username, f"/cases/{case.pk}/", response.status_code))
    for url in ("/retention/", f"/retention/{drawn.pk}/"):
        if client.get(url).status_code != 200:
            failures.append((supervisor.username, url, "not 200"))
    assert not failures, failures

    call_command("retention_verify_certificate", stdout=io.StringIO())
    call_command("audit_sealer", "--once", stdout=io.StringIO())
    call_command("audit_anchor", stdout=io.StringIO())
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()
