"""The case page in a real browser at a desk (1280 px) and on a phone (390 px): the consent matrix's
headings wrap between words, never inside one."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from consent import services as consent_services
from lotsa.vocabulary import InformationCategory, Purpose
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.helpers import logged_in_page
from tests.test_browser_journal import assert_accessible

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every word of every heading of the matrix that a line break cut in two: a word whose text spans
# more than one line box.
WORDS_BROKEN = """() => {
  const broken = [];
  for (const th of document.querySelectorAll('table.matrix th')) {
    const text = th.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE) continue;
    for (const match of text.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(box => Math.round(box.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.fixture
def case_with_a_matrix():
    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen lokalpolisområde Rinkeby", kind=OrganisationKind.POLICE)
    worker = UserFactory(username="amina", first_name="Amina", organisation=unit, roles=[Role.SOCIAL_WORKER])
    case = CaseFactory(
        person=PersonFactory(given_names="Sam", surname="Exempelsson", organisation=unit),
        owner_unit=unit,
        responsible=worker,
    )
    assign_perm("cases.view_case", worker, case)
    today = timezone.localdate()
    consent_services.consent_record(
        by=worker,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose=Purpose.INTERVENTION_GROUP,
            purpose_text="",
            recipient_ids=[police.pk],
            categories=list(InformationCategory.values),
            valid_from=today,
            valid_until=today + dt.timedelta(days=180),
            given_how="oral",
            witness="Vera Vittne",
        ),
    )
    return worker, case


@pytest.mark.parametrize("width", [1280, 390])
def test_the_consent_matrix_headings_wrap_between_words_only(live_server, browser, case_with_a_matrix, width):
    worker, case = case_with_a_matrix
    page = logged_in_page(browser, live_server, worker, width=width)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("table.matrix th").count() > 10
    assert page.evaluate(WORDS_BROKEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    assert_accessible(page, f"the case page at {width} px")
    page.context.close()
