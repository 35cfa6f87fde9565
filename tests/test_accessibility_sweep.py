"""Every page the crawl reaches, as every demo user, in a real browser, checked with axe-core.

The crawl (tests/test_crawl.py) finds the pages with Django's test client; the browser then opens
each kind of page (its URL name) once for each set of roles, so a new page or a new role's view of a
page is checked without opening the same template a hundred times.
"""

from __future__ import annotations

import io
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from accounts.models import User
from tests.helpers import login_verified
from tests.test_crawl import crawl

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.sweep,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _pages_to_check() -> list[tuple[User, list[str]]]:
    """For each demo user, the pages (one per URL name and set of roles) the crawl reaches."""
    chosen: dict[tuple, tuple[User, str]] = {}
    for user in User.objects.filter(is_active=True).order_by("username"):
        client = Client()
        login_verified(client, user)
        roles = tuple(sorted(user.role_codes()))
        for url, response in crawl(client):
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            try:
                name = resolve(url.split("?")[0]).view_name
            except Resolver404:
                continue
            chosen.setdefault((name, roles), (user, url))
    by_user: dict[int, tuple[User, list[str]]] = {}
    for user, url in chosen.values():
        by_user.setdefault(user.pk, (user, []))[1].append(url)
    return list(by_user.values())


def test_every_page_the_crawl_reaches_passes_axe(live_server, browser):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    pages = _pages_to_check()
    assert sum(len(urls) for _, urls in pages) > 60, "the sweep reached too few pages to mean anything"
    axe, failures, checked = Axe(), [], 0
    for user, urls in pages:
        client = Client()
        login_verified(client, user)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for url in urls:
            page.goto(live_server.url + url)
            results = axe.run(page)
            checked += 1
            if results.violations_count:
                failures.append(f"{user.username} {url}:\n{results.generate_report()}")
        context.close()
    assert not failures, f"{len(failures)} of {checked} pages fail axe:\n" + "\n".join(failures)


# A day on a phone: one user of each kind (a social worker, a supervisor, a police member of a group,
# a coordinator, an administrator), every kind of page they reach.
PHONE_USERS = ("socialsekreterare.rk", "enhetschef.rk", "polis.jarva", "samordnare", "administrator")
PHONE_WIDTH = 390

MENU_OFF_SCREEN = """() => [...document.querySelectorAll('header nav a')]
    .map(a => [a.getAttribute('href'), a.getBoundingClientRect()])
    .filter(([, box]) => box.width === 0 || box.left < 0 || box.right > window.innerWidth)
    .map(([href]) => href)"""


def _kinds_of_page(user) -> list[str]:
    """One URL of each kind of page (URL name) the crawl reaches as ``user``."""
    client = Client()
    login_verified(client, user)
    chosen: dict[str, str] = {}
    for url, response in crawl(client):
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        try:
            chosen.setdefault(resolve(url.split("?")[0]).view_name, url)
        except Resolver404:
            continue
    return list(chosen.values())


def test_on_a_phone_no_page_is_wider_than_the_screen_and_the_menu_is_usable(live_server, browser):
    """At 390 px every page of these users' crawl: nothing wider than the screen, every menu link on
    the screen and reachable, axe finds nothing. (At a desk's 1280 px, axe has checked each of these
    pages for each set of roles in the sweep above.)"""
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    pages = [(user, _kinds_of_page(user)) for user in User.objects.filter(username__in=PHONE_USERS)]
    assert len(pages) == len(PHONE_USERS)
    axe, failures, checked = Axe(), [], 0
    for user, urls in pages:
        client = Client()
        login_verified(client, user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, locale="sv-SE")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        for url in urls:
            page.goto(live_server.url + url)
            checked += 1
            where = f"{user.username} {url} at {PHONE_WIDTH} px"
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > PHONE_WIDTH + 1:
                failures.append(f"{where}: {scroll_width} px wide")
            if off := page.evaluate(MENU_OFF_SCREEN):
                failures.append(f"{where}: menu links off the screen: {off}")
            results = axe.run(page)
            if results.violations_count:
                failures.append(f"{where}:\n{results.generate_report()}")
        context.close()
    assert checked > 30, checked
    assert not failures, f"{len(failures)} problems on {checked} pages:\n" + "\n".join(failures)
