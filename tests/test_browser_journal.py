"""The journal in a real browser, at a desk (1280 px) and on a phone (390 px), with axe on each page:
newest first with the new entry's form at the top, a draft edited and deleted (after confirming) by
its author, and a long journal paged."""

from __future__ import annotations

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.roles import Role
from cases import services
from cases.models import JournalEntry
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.helpers import logged_in_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page, where):
    results = Axe().run(page)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"


@pytest.fixture
def journal_case():
    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    worker = UserFactory(username="amina", first_name="Amina", organisation=unit, roles=[Role.SOCIAL_WORKER])
    case = CaseFactory(
        person=PersonFactory(given_names="Sam", surname="Exempelsson", organisation=unit),
        owner_unit=unit,
        responsible=worker,
    )
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", worker, case)
    for i in range(22):
        entry = services.journal_add(by=worker, case_id=case.pk, category="housing", text=f"Signerad nr {i}")
        services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    services.journal_add(by=worker, case_id=case.pk, category="housing", text="Mitt utkast om boendet.")
    return worker, case


@pytest.mark.parametrize("width", [1280, 390])
def test_a_social_worker_edits_and_deletes_a_draft_and_pages_the_journal(
    live_server, browser, journal_case, width
):
    worker, case = journal_case
    page = logged_in_page(browser, live_server, worker, width=width)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    journal = page.locator("section.journal")
    # Newest first: the form, then the draft, then the newest signed entry.
    first_entry = journal.locator("article.entry").first
    assert "Mitt utkast om boendet." in first_entry.inner_text()
    assert journal.get_by_role("heading", name="Ny anteckning").is_visible()
    assert journal.locator("article.entry").count() == 20
    assert_accessible(page, f"the case page at {width} px")

    first_entry.get_by_role("link", name="Redigera utkastet").click()
    page.get_by_role("heading", name="Redigera ett utkast").wait_for()
    assert page.get_by_label("Anteckning").input_value() == "Mitt utkast om boendet."
    assert_accessible(page, f"the edit page at {width} px")
    page.get_by_label("Anteckning").fill("")
    page.get_by_role("button", name="Spara utkastet").click()
    page.get_by_text("Skriv något i anteckningen").first.wait_for()  # the server's message, at the field
    assert_accessible(page, f"the edit page with an error at {width} px")
    page.get_by_label("Anteckning").fill("Mitt utkast om boendet, ändrat.")
    page.get_by_role("button", name="Spara utkastet").click()
    page.get_by_text("Utkastet sparades.").wait_for()
    assert "Mitt utkast om boendet, ändrat." in journal.locator("article.entry").first.inner_text()

    journal.locator("article.entry").first.get_by_role("link", name="Ta bort utkastet").click()
    page.get_by_role("heading", name="Vad som händer").wait_for()
    assert JournalEntry.objects.filter(case=case, signed_at__isnull=True).count() == 1  # only asked
    assert_accessible(page, f"the page asking before deleting at {width} px")
    page.get_by_role("button", name="Ta bort utkastet").click()
    page.get_by_text("Utkastet togs bort.").wait_for()
    assert not JournalEntry.objects.filter(case=case, signed_at__isnull=True).exists()

    pages = page.get_by_role("navigation", name="Sidor")
    assert pages.get_by_text("Sida 1 av 2").is_visible()
    pages.get_by_role("link", name="Nästa").click()
    page.get_by_text("Sida 2 av 2").wait_for()
    assert journal.locator("article.entry").count() == 2
    assert "Signerad nr 0" in journal.locator("article.entry").last.inner_text()  # the oldest, last
    assert_accessible(page, f"the journal's second page at {width} px")
    page.context.close()
