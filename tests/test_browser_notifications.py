"""A real browser walks the notification settings page (issue 32): from the link beside the person's
name, a cadence chosen, saved, shown chosen and kept on a reload. Each page is checked with
axe-core."""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from notifications.models import Cadence, NotificationPreference
from tests.factories import UserFactory
from tests.test_browser import log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_person_chooses_how_often_they_are_told_saves_and_sees_it(live_server, page):
    user = UserFactory(username="notis.user", first_name="Nora", email="nora@lotsa.example")
    log_in(page, live_server, user)
    page.get_by_role("link", name="Notifikationer").first.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dina notifikationer"
    assert page.get_by_label("En daglig sammanfattning").is_checked()  # the default, until one chooses
    assert_accessible(page)

    page.get_by_label("Aldrig").check()
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.get_by_text("Ditt val är sparat.").is_visible()
    assert page.get_by_label("Aldrig").is_checked()
    assert not page.get_by_label("En daglig sammanfattning").is_checked()
    assert NotificationPreference.objects.get(user=user).cadence == Cadence.NEVER

    page.get_by_label("Direkt").check()
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    page.reload()  # the choice is kept, not just shown
    assert page.get_by_label("Direkt").is_checked()
    assert_accessible(page)
    assert NotificationPreference.objects.get(user=user).cadence == Cadence.AT_ONCE
