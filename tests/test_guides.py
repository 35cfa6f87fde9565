"""The role guides' screenshots are taken by walking the demo in a real browser.

Each guide in ``docs/guides/`` (Swedish in ``sv/``, English beside it) shows pages of its user's day
as ``![…](img/<name>.png)`` (``../img/`` from ``sv/``); every such name is a walk below (a demo user,
a page, the links they follow from it, a screen width), and every walk is shown by some guide. The
browser test walks each one as its user on the demo data, checks the page with axe, that it refused
nothing and that it is in Swedish, and takes its screenshot. The screenshots in
``docs/guides/img/`` are replaced only when asked:

    LOTSA_GUIDE_SCREENSHOTS=update .venv/bin/pytest tests/test_guides.py -m browser

(the demo's dates are relative to the day it is loaded, so a run on another day changes every
picture a little; the pictures are committed when a page changed, not on every run).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from accounts.models import User
from tests.helpers import login_verified

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

GUIDES = Path(__file__).resolve().parent.parent / "docs" / "guides"
IMAGES = GUIDES / "img"
SHOWN = re.compile(r"!\[[^\]]+\]\((?:\.\./)?img/([a-z0-9-]+)\.png\)")
PHONE, DESK = 390, 1280


@dataclass(frozen=True)
class Walk:
    user: str
    page: str  # a URL name that takes no argument
    follow: tuple[str, ...] = ()  # links followed in turn, by their visible names (regular expressions)
    width: int = DESK


WALKS = {
    "social-worker-start": Walk("socialsekreterare.rk", "home"),
    "social-worker-my-cases": Walk("socialsekreterare.rk", "cases:my_cases"),
    "social-worker-case": Walk("socialsekreterare.rk", "cases:my_cases", ("^Testsson, Adam",)),
    "social-worker-case-phone": Walk("socialsekreterare.rk", "cases:my_cases", ("^Testsson, Adam",), PHONE),
    "social-worker-consent": Walk(
        "socialsekreterare.rk", "cases:my_cases", ("^Testsson, Adam", "^Social insatsgrupp$")
    ),
    "social-worker-calendar": Walk("socialsekreterare.rk", "calendar"),
    "supervisor-desk": Walk("enhetschef.rk", "supervision:desk"),
    "supervisor-log-reviews": Walk("enhetschef.rk", "supervision:reviews"),
    "supervisor-log-review": Walk("enhetschef.rk", "supervision:reviews", (r"^\d{4}-\d{2}-\d{2} \u2013 ",)),
    "vbe-team-start": Walk("vbe-teamet", "home"),
    "vbe-team-first-contact": Walk("vbe-teamet", "cases:my_cases", ("^Demoson, Oskar", "^Första kontakten")),
    "defector-programme-overview": Walk("avhopparverksamheten", "defectors:overview"),
    "defector-programme-gate": Walk("avhopparverksamheten", "defectors:overview", ("^Exempelsson, Cecilia",)),
    "treatment-unit-start": Walk("behandlingsenheten", "home"),
    "treatment-unit-support": Walk(
        "behandlingsenheten", "cases:my_cases", ("^Testsson, Maria", "^Stöd: relation och stödsamtal")
    ),
    "group-member-start": Walk("polis.jarva", "home"),
    "group-member-groups": Walk("polis.jarva", "sig:overview"),
    "group-member-group": Walk("polis.jarva", "sig:overview", ("^Elin Fiktiv",)),
    "bops-programme": Walk("polis.bops", "defectors:bops"),
    "bops-person": Walk("polis.bops", "defectors:bops", ("^Provsson, Jamal",)),
    "coordinator-overview": Walk("samordnare.central", "coordination:overview"),
    "administrator-accounts": Walk("administrator", "accounts:user_list"),
    "access-approver-requests": Walk("behorighetsansvarig", "accounts:requests"),
}


def compact(png: bytes) -> bytes:
    """The screenshot in 256 colours without dithering: a page's flat colours and text stay sharp at
    about a third of the size, so the pictures stay small in the repository."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


def shown_in_guides() -> dict[str, list[str]]:
    """Each screenshot name the guides show, with the guides that show it."""
    shown: dict[str, list[str]] = {}
    for guide in sorted(GUIDES.rglob("*.md")):
        for name in SHOWN.findall(guide.read_text(encoding="utf-8")):
            shown.setdefault(name, []).append(str(guide.relative_to(GUIDES)))
    return shown


def test_every_screenshot_a_guide_shows_is_a_walk_and_every_walk_is_shown():
    shown = shown_in_guides()
    assert sorted(set(shown) - set(WALKS)) == [], "shown in a guide, but no walk takes it"
    assert sorted(set(WALKS) - set(shown)) == [], "walked, but no guide shows it"
    missing = [name for name in WALKS if not (IMAGES / f"{name}.png").is_file()]
    assert missing == [], "run LOTSA_GUIDE_SCREENSHOTS=update pytest tests/test_guides.py -m browser"


def test_each_guide_is_in_swedish_first_and_each_language_links_to_the_other():
    english = sorted(path.name for path in GUIDES.glob("*.md"))
    swedish = sorted(path.name for path in (GUIDES / "sv").glob("*.md") if path.name != "README.md")
    assert english, "no guides found"
    assert swedish == english, "a guide without its Swedish (or English) version"
    index = (GUIDES / "sv" / "README.md").read_text(encoding="utf-8")
    for name in english:
        in_english, in_swedish = (
            (folder / name).read_text(encoding="utf-8") for folder in (GUIDES, GUIDES / "sv")
        )
        assert f"På svenska: [sv/{name}](sv/{name})" in in_english, name
        assert f"In English: [../{name}](../{name})" in in_swedish, name
        assert f"]({name})" in index, f"{name} is missing from sv/README.md"
    pictures_in_english = {
        name
        for name, guides in shown_in_guides().items()
        if not any(guide.startswith("sv/") for guide in guides)
    }
    assert pictures_in_english == set(), "a picture shown only in English: show it in the Swedish guide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_guides_walks_open_for_their_user_and_are_accessible(live_server, browser, tmp_path):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    update = os.environ.get("LOTSA_GUIDE_SCREENSHOTS") == "update"
    cookies: dict[str, dict] = {}
    failures = []
    for name, walk in WALKS.items():
        if walk.user not in cookies:
            client = Client()
            login_verified(client, User.objects.get(username=walk.user))
            cookies[walk.user] = {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        context = browser.new_context(viewport={"width": walk.width, "height": 900}, locale="sv-SE")
        context.add_cookies([cookies[walk.user]])
        page = context.new_page()
        response = page.goto(live_server.url + reverse(walk.page))
        statuses = [response.status]
        for link in walk.follow:
            with page.expect_navigation() as navigation:
                page.get_by_role("link", name=re.compile(link)).first.click()
            statuses.append(navigation.value.status)
        if statuses != [200] * len(statuses) or "Åtkomst nekad" in page.content():
            failures.append(f"{name}: {walk.user} was refused on the way ({statuses})")
        if page.get_by_role("button", name="Logga ut").count() != 1:
            failures.append(f"{name}: not in Swedish (compile the messages: python -m lotsa.i18n locale)")
        results = Axe().run(page)
        if results.violations_count:
            failures.append(f"{name}:\n{results.generate_report()}")
        shot = page.screenshot(full_page=True)
        assert shot.startswith(b"\x89PNG"), name
        (IMAGES if update else tmp_path).mkdir(parents=True, exist_ok=True)
        ((IMAGES if update else tmp_path) / f"{name}.png").write_bytes(compact(shot))
        context.close()
    assert not failures, "\n".join(failures)
