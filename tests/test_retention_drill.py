"""The retention drill: a unit's destruction list is approved and carried out in the demo, then every
page reachable from every demo user's start page answers (the crawl's machinery), the erased records'
case pages among them, the certificate verifies, and so does the access log (``audit_verify``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases.models import Case, Person
from retention import jobs, services
from retention.models import DestructionList, ItemState, ListItem, ListStatus
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
    supervisor = User.objects.filter(role_grants__role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    unit = supervisor.organisation
    erased_cases = list(Case.objects.filter(owner_unit=unit).order_by("opened_at")[:2])
    now = timezone.now()
    # The list as the job draws it when these records are due (the demo's records are young).
    drawn = DestructionList.objects.create(
        organisation=unit, month=now.date().replace(day=1), act="2001", drawn_at=now
    )
    ListItem.objects.bulk_create(
        ListItem(
            destruction_list=drawn,
            person_id=case.person_id,
            rule_id="sol2001-file",
            last_entry_at=now - dt.timedelta(days=6 * 365),
            erase_from=now.date().replace(month=1, day=1),
            erase_by=now.date().replace(month=12, day=31),
            state=ItemState.DUE,
        )
        for case in {case.person_id: case for case in erased_cases}.values()
    )
    services.destruction_list_approve(by=supervisor, list_id=drawn.pk)
    assert jobs.carry_out_lists() == 1
    drawn.refresh_from_db()
    assert drawn.status == ListStatus.CARRIED_OUT
    assert all(p.erased_at for p in Person.objects.filter(pk__in=[c.person_id for c in erased_cases]))

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
