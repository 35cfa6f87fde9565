"""The start page shows each role what waits for it: counts and links, never a person."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from audit.models import AccessEvent
from tests.helpers import events_since, head_seq, login_verified


def start_page(client, user) -> str:
    client.logout()
    login_verified(client, user)
    before = head_seq()
    body = client.get("/").content.decode()
    # The start page names no one: no event of it names a person.
    assert not events_since(before).exclude(subject_id=None).exists()
    return body


def test_a_social_worker_sees_drafts_to_sign_and_consents_about_to_expire(client, world):
    worker = world.users["social_worker"]
    body = start_page(client, worker)
    assert "1 journalutkast att signera" in body
    assert "samtycke löper snart ut" not in body
    with time_machine.travel(timezone.now() + dt.timedelta(days=340)):
        body = start_page(client, worker)
    assert "1 samtycke löper snart ut" in body


def test_a_supervisor_sees_reviews_and_approvals_waiting_on_the_start_page_and_the_desk(client, world):
    supervisor = world.users["supervisor"]
    body = start_page(client, supervisor)
    assert "1 utlämnande eller nödåtkomst väntar på din granskning" in body
    desk = client.get("/supervision/").content.decode()
    assert "1 utlämnande eller nödåtkomst väntar på din granskning" in desk


def test_overdue_actions_show_to_the_handler_and_not_to_a_member_the_plan_is_not_shared_with(client, world):
    from sig import services as sig_services

    sig_services.group_activate(by=world.users["social_worker"], group_id=world.group.pk)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        handler = start_page(client, world.users["social_worker"])
        police = start_page(client, world.users["external_member"])
    assert "1 planerad åtgärd är försenad" in handler
    # The action is the police's, but the consent does not share the plan with them.
    assert "försenad" not in police


def test_the_coordinator_and_the_administrator_get_their_own_start_pages(client, world):
    body = start_page(client, world.users["coordinator"])
    assert "avidentifierade sammanställningar" in body
    from accounts.services import user_reset_credentials

    user_reset_credentials(by=world.users["administrator"], user=world.users["social_worker"])
    body = start_page(client, world.users["administrator"])
    assert "Roller utan godkänd behovs- och riskanalys" in body
    assert "1 kontobegäran som du registrerat väntar på godkännande" in body
    assert AccessEvent.objects.exists()
