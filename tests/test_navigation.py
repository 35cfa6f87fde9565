"""Every page says where the user is: a <title> naming the page (and, on a page about one case, person,
group or record, which one), and the menu link of its section marked aria-current="page".

The pages are the crawl's (tests/test_crawl.py): every page reachable from every demo user's start page.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from config.navigation import SECTIONS, sections_of
from tests.helpers import login_verified
from tests.test_crawl import crawl

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
MENU = re.compile(r'<nav aria-label="(?:Huvudmeny|Main menu)">(.*?)</nav>', re.S)
LINK = re.compile(r"<a ([^>]*)>")
CURRENT = 'aria-current="page"'
DASH = "\u2013"  # the en dash between a title's parts

# Pages with no section in the menu: the start page is reached by the brand link, and a
# de-identified report is written by anyone (its section is the coordinators' list of reports).
# The person's own settings (passkeys, notifications) are linked beside their name, not in the menu.
NO_SECTION = {"home", "coordination:report_new", "accounts:passkeys", "notifications:settings"}
# The printable consent form is a sheet of paper: no menu.
NO_MENU = {"consent:print"}


@pytest.fixture
def demo_pages(db, client):
    """(user, url, view name, whether the url names an object, body) for every page of the crawl."""
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    pages = []
    for user in User.objects.filter(is_active=True).order_by("username"):
        client.logout()
        login_verified(client, user)
        for url, response in crawl(client):
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            try:
                match = resolve(url.split("?")[0])
            except Resolver404:
                continue
            pages.append((user, url, match.view_name, bool(match.kwargs), response.content.decode()))
    assert len(pages) > 200, len(pages)
    return pages


def _title(body: str) -> str:
    head = body.split("</head>", 1)[0]  # (a chart's SVG has <title>s of its own)
    titles = TITLE.findall(head)
    assert len(titles) == 1, titles
    return titles[0]


@pytest.mark.slow
def test_every_page_has_a_plain_title_naming_what_it_is_about_and_marks_its_section(demo_pages):
    """One crawl, two checks: the title, and the menu's mark."""
    titles, marks, marked = [], [], 0
    for user, url, view_name, about_one, body in demo_pages:
        titles.extend(_title_problems(url, view_name, about_one, body, user))
        problems, current = _menu_problems(url, view_name, body, user)
        marks.extend(problems)
        marked += bool(current)
    assert not titles, "\n".join(map(str, titles))
    assert not marks, "\n".join(map(str, marks))
    assert marked > 200, marked


def _title_problems(url, view_name, about_one, body, user) -> list:
    raw = _title(body)
    title = " ".join(html.unescape(raw).split())
    parts = title.split(f" {DASH} ")
    if "<" in raw or "{" in raw:
        return [(user.username, url, f"not plain text: {raw!r}")]
    if parts[-1] != "Lotsa" or not all(part.strip() for part in parts):
        return [(user.username, url, f"not '<page> {DASH} … {DASH} Lotsa': {title!r}")]
    if about_one and len(parts) < 3:
        # A page about one case, person, group or record names which (every case page was
        # "Ärende, dash, Lotsa" before).
        return [(user.username, url, f"does not say which {view_name}: {title!r}")]
    return []


def _menu_problems(url, view_name, body, user) -> tuple[list, list]:
    menu = MENU.search(body)
    if menu is None:
        assert view_name in NO_MENU, (user.username, url)
        return [], []
    links = LINK.findall(menu.group(1))
    hrefs = [re.search(r'href="([^"]+)"', attrs).group(1) for attrs in links]
    current = [href for attrs, href in zip(links, hrefs, strict=True) if CURRENT in attrs]
    if len(current) > 1:
        return [(user.username, url, f"{len(current)} links marked")], current
    if url in hrefs and current != [url]:
        # The page a menu link leads to marks that very link.
        return [(user.username, url, f"its own menu link is not marked: {current}")], current
    if view_name not in NO_SECTION and not sections_of(view_name):
        return [(user.username, url, f"{view_name} belongs to no section (config/navigation.py)")], current
    shown = [reverse(name) for name in sections_of(view_name) if reverse(name) in hrefs]
    if current != shown[:1]:
        # The first of the section's links that this user's menu shows (an external member's menu has no
        # link to the hand-overs a sports club may still reach from its start page: nothing is marked).
        return [(user.username, url, f"marked {current}, not the first of {shown}")], current
    return [], current


def test_the_login_page_title_is_plain_text(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert _title(body) == f"Logga in {DASH} Lotsa"


def test_every_section_names_menu_links_that_exist():
    for key, sections in SECTIONS.items():
        assert sections, key
        for name in sections:
            reverse(name)
    # An app's pages fall back on its own entry; a page's own entry overrides it.
    assert sections_of("cases:detail") == ("cases:my_cases",)
    assert sections_of("cases:handover") == ("cases:handovers",)
    assert sections_of("home") == ()
