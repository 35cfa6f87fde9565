"""Every link a demo user's start page and menu offers opens for that user: a start page that sends
someone into a logged denial teaches them that Lotsa refuses, and repeated denials are one of the
log review's risk rules."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from audit.models import AccessOutcome
from tests.helpers import events_since, head_seq, login_verified

HREF = re.compile(r'<a [^>]*href="([^"#]+)')
NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
MAIN = re.compile(r'<main id="main">(.*?)</main>', re.S)


@pytest.fixture
def demo(db):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())


def offered(body: str) -> set[str]:
    """The links of the menu and of the start page itself (not the brand, the skip link, the footer)."""
    parts = NAV.findall(body) + MAIN.findall(body)
    links = {href.replace("&amp;", "&") for part in parts for href in HREF.findall(part)}
    return {link for link in links if urlsplit(link).path.startswith("/") and not urlsplit(link).netloc}


@pytest.mark.slow
def test_every_link_on_every_demo_users_start_page_and_menu_opens_for_that_user(client, demo):
    refused, users = [], 0
    for user in User.objects.filter(is_active=True).order_by("username"):
        client.logout()
        login_verified(client, user)
        start = client.get("/")
        assert start.status_code == 200, user.username
        links = offered(start.content.decode())
        assert links, f"{user.username}'s start page offers nothing"
        users += 1
        for link in sorted(links):
            before = head_seq()
            status = client.get(link).status_code
            denied = events_since(before).filter(outcome=AccessOutcome.DENIED).exists()
            if status != 200 or denied:
                refused.append(f"{user.username}: {link} answers {status}{' (a denial logged)' * denied}")
    assert users > 10
    assert not refused, "\n".join(refused)


WAITING = re.compile(r'<ul class="waiting">(.*?)</ul>', re.S)
ITEM = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@pytest.mark.slow
def test_the_supervisors_desk_gathers_everything_the_start_page_lists_for_a_supervisor(client, demo):
    """What waits for a supervisor, and the supervisor's own pages (the log review, the review queue,
    the account requests, the analyses, the extracts): on the start page and on the desk alike."""
    supervisors = User.objects.filter(role_grants__role="supervisor", is_active=True).distinct()
    assert supervisors.count() >= 3
    for user in supervisors:
        client.logout()
        login_verified(client, user)
        start, desk = client.get("/").content.decode(), client.get("/supervision/").content.decode()
        waiting = {item for part in WAITING.findall(start) for item in ITEM.findall(part)}
        desk_waiting = {item for part in WAITING.findall(desk) for item in ITEM.findall(part)}
        assert waiting and waiting <= desk_waiting, (user.username, waiting - desk_waiting)
        own = {
            "/supervision/reviews/",
            "/supervision/subject-access/",
            "/supervision/analyses/",
            "/consent/reviews/",
            "/accounts/requests/",
        }
        assert own <= offered(start) and own <= offered(desk), user.username
