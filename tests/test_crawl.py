"""The crawl: every page reachable from each demo user's start page, as that user. For every person
whose name or personal identity number a page shows, the request that showed it must have written an
access event naming that person (invariant 3). A new page that forgets fails here."""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from audit.models import AccessEvent
from cases.models import Person
from lotsa import crypto
from tests.helpers import login_verified, named_by

MAX_PAGES_PER_USER = 150
SKIP = ("/static/", "/i18n/", "/accounts/logout/", "/health/", "/accounts/login/")
HREF = re.compile(r'href="([^"#]+)')


@pytest.fixture
def demo(db):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    # What identifies each demo person on a page: the name as lists show it, and the number.
    marks: dict[str, set] = {}
    with crypto.key_cache():
        for person in Person.objects.all():
            for mark in (
                f"{person.surname}, {person.given_names}",
                f"{person.given_names} {person.surname}",
                person.personal_number_display,
            ):
                marks.setdefault(mark, set()).add(person.pk)
    return marks


def crawl(client, start="/"):
    seen, queue = set(), deque([start])
    while queue and len(seen) < MAX_PAGES_PER_USER:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        yield url, response
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            if target not in seen:
                queue.append(target)


@pytest.mark.slow
def test_every_person_a_page_shows_is_named_by_an_access_event_of_that_request(client, demo):
    missing, errors, pages, shown = [], [], 0, 0
    for user in User.objects.filter(is_active=True).order_by("username"):
        client.logout()
        login_verified(client, user)
        for url, response in crawl(client):
            pages += 1
            if response.status_code >= 500:
                errors.append((user.username, url, response.status_code))
                continue
            if response.status_code != 200:
                continue
            body = response.content.decode(errors="replace")
            request_id = response.get("X-Request-ID", "")
            named = set(named_by(AccessEvent.objects.filter(request_id=request_id)))
            for mark, people in demo.items():
                if mark in body:
                    shown += 1
                    if not people & named:
                        missing.append((user.username, url, mark))
    assert pages > 50 and shown > 20, f"the crawl reached too little to mean anything ({pages}, {shown})"
    assert not errors, errors
    assert not missing, "\n".join(
        f"{u} {url}: {mark!r} shown without an access event" for u, url, mark in missing
    )


def case_texts() -> set[str]:
    """Every encrypted free text the demo's cases hold (journal entries, notes, reasons, addresses):
    what a coordinator must never see."""
    from django.apps import apps

    texts = set()
    with crypto.key_cache():
        for model in apps.get_models():
            # Proxies read the same rows (and their ciphertexts are bound to the concrete model).
            # Texts under an organisation's key concern no person (the coordinator's own reports
            # and situation pictures among them): not a case's.
            of_a_person = getattr(model, "encryption_organisation_field", None) is None
            fields = getattr(model, "ENCRYPTED_FIELDS", []) if of_a_person and not model._meta.proxy else []
            for obj in model.objects.all():
                for field in fields:
                    value = getattr(obj, field, None)
                    if isinstance(value, str) and len(value.strip()) >= 12:
                        texts.add(value.strip()[:60])
    return texts


@pytest.mark.slow
def test_coordinators_see_no_name_number_or_case_text_on_any_page(client, demo):
    """Every page a coordinator reaches (the local one and the central one): no demo person's name or
    number, no free text from a case, and no access event naming a person."""
    from cases.models import Person

    with crypto.key_cache():
        people = list(Person.objects.all())
        # A person without a Swedish number is shown by their reserve identity (in both forms).
        numbers = {p.personal_number or p.reserve_identity for p in people} | {
            p.personal_number_display for p in people
        }
        numbers.discard(None)
    forbidden = set(demo) | numbers | case_texts()
    assert len(forbidden) > 50
    coordinators = User.objects.filter(role_grants__role="coordinator", is_active=True).distinct()
    assert coordinators.count() >= 2
    pages = 0
    for user in coordinators:
        client.logout()
        login_verified(client, user)
        for url, response in crawl(client):
            assert response.status_code < 500, (user.username, url)
            if response.status_code != 200:
                continue
            pages += 1
            body = response.content.decode(errors="replace")
            shown = [mark for mark in forbidden if mark in body]
            assert not shown, (user.username, url, shown[:3])
            events = AccessEvent.objects.filter(request_id=response.get("X-Request-ID", ""))
            assert not named_by(events), (user.username, url)
    assert pages >= 8, pages
