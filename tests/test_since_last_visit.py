"""New since your last visit (issue 28, 10): the case page and the group page mark what someone else
wrote or did after the user's last visit of that page, with a summary at the top; My cases and the
list of groups carry a badge counting it, in one query for the whole list. A visit is kept only after
an allowed, recorded decision to show the page, and an erasure deletes it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import CaseVisit
from cases.words import VisitedPage
from consent import services as consent_services
from sig import services as sig_services
from tests.factories import CaseFactory, PersonFactory
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db

# The visible mark is the word, and a screen reader hears the whole phrase (not a colour alone).
MARK = 'Ny<span class="visually-hidden"> sedan ditt senaste besök</span>'
START = timezone.now()


def at(days: float):
    return time_machine.travel(START + dt.timedelta(days=days), tick=False)


def page(client, user, url) -> str:
    login_verified(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def case_url(case):
    return reverse("cases:detail", kwargs={"case_id": case.pk})


def entry_article(body: str, entry) -> str:
    match = re.search(rf'<article[^>]*id="entry-{entry.pk}".*?</article>', body, re.S)
    assert match, f"entry {entry.pk} is not on the page"
    return match.group(0)


@pytest.fixture
def colleague(world):
    """A second handler of the world's case, who writes in it."""
    user = world.users["social_worker_unassigned"]
    assign_perm("cases.view_case", user, world.case_a)
    return user


def test_a_first_visit_marks_nothing_and_says_so(client, world, colleague):
    with at(1):
        body = page(client, world.users["social_worker"], case_url(world.case_a))
    assert "Ditt första besök" in body
    assert "new-mark" not in body
    visit = CaseVisit.objects.get(user=world.users["social_worker"], case=world.case_a)
    assert visit.page == VisitedPage.CASE and visit.seen_at == START + dt.timedelta(days=1)


def test_what_others_wrote_since_the_last_visit_is_marked_and_own_entries_are_not(client, world, colleague):
    worker = world.users["social_worker"]
    with at(1):
        page(client, worker, case_url(world.case_a))
    with at(2):
        theirs = case_services.journal_add(
            by=colleague, case_id=world.case_a.pk, category="housing", text="Ny"
        )
        mine = case_services.journal_add(by=worker, case_id=world.case_a.pk, category="housing", text="Min")
    with at(3):
        body = page(client, worker, case_url(world.case_a))
    assert "1 ny sedan ditt senaste besök" in body
    assert MARK in entry_article(body, theirs)
    assert 'class="entry draft new"' in entry_article(body, theirs)
    assert "new-mark" not in entry_article(body, mine)
    assert "new-mark" not in entry_article(body, world.signed_entry)  # older than the visit
    # The next visit measures from this one: nothing new any more.
    with at(4):
        body = page(client, worker, case_url(world.case_a))
    assert "Inget nytt sedan ditt senaste besök" in body and "new-mark" not in body


def test_a_draft_signed_by_its_author_after_the_visit_is_new_again(client, world, colleague):
    worker = world.users["social_worker"]
    with at(1):
        draft = case_services.journal_add(by=colleague, case_id=world.case_a.pk, category="housing", text="U")
    with at(2):
        body = page(client, worker, case_url(world.case_a))
    assert "new-mark" not in entry_article(body, draft)
    with at(3):
        case_services.journal_sign(by=colleague, entry_id=draft.pk, expected_version=draft.version)
    with at(4):
        body = page(client, worker, case_url(world.case_a))
    assert MARK in entry_article(body, draft)


def test_a_consent_recorded_or_withdrawn_by_someone_else_is_marked(client, world, colleague):
    worker = world.users["social_worker"]
    with at(1):
        page(client, worker, case_url(world.case_a))
    with at(2):
        consent_services.consent_withdraw(
            by=colleague, consent_id=world.consent.pk, case_id=world.case_a.pk, how="oral", note=""
        )
    with at(3):
        body = page(client, worker, case_url(world.case_a))
    row = re.search(rf"<tr><td><a href=\"[^\"]*{world.consent.pk}/\">.*?</tr>", body, re.S).group(0)
    assert MARK in row and "1 ny sedan ditt senaste besök" in body


def test_a_status_change_by_someone_else_is_marked_in_the_history(client, world, colleague):
    worker = world.users["social_worker"]
    with at(1):
        page(client, worker, case_url(world.case_a))
    with at(2):
        case_services.case_activate(
            by=colleague, case_id=world.case_a.pk, expected_version=world.case_a.version
        )
    with at(3):
        body = page(client, worker, case_url(world.case_a))
    history = re.search(r'<ul class="history">.*?</ul>', body, re.S).group(0)
    assert history.count("new-mark") == 1 and MARK in history


def test_a_denied_visit_keeps_no_visit(client, world):
    login_verified(client, world.users["social_worker_other_district"])
    assert client.get(case_url(world.case_a)).status_code == 403
    assert not CaseVisit.objects.filter(case=world.case_a).exists()


def test_my_cases_badges_the_cases_with_something_new_and_counts_as_the_page_does(client, world, colleague):
    worker = world.users["social_worker"]
    my_cases = reverse("cases:my_cases")
    with at(1):
        page(client, worker, case_url(world.case_a))
    with at(2):
        case_services.journal_add(by=worker, case_id=world.case_a.pk, category="housing", text="Min")
        body = page(client, worker, my_cases)
    assert "new-mark" not in body  # only the user's own entry is newer than the visit
    with at(3):
        for _ in range(2):
            case_services.journal_add(by=colleague, case_id=world.case_a.pk, category="housing", text="Ny")
        body = page(client, worker, my_cases)
    assert '2 nya<span class="visually-hidden"> sedan ditt senaste besök</span>' in body
    with at(4):
        assert "2 nya sedan ditt senaste besök" in page(client, worker, case_url(world.case_a))
        assert "new-mark" not in page(client, worker, my_cases)


def test_my_cases_reads_the_news_of_every_case_in_one_query(world, colleague):
    worker = world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            case = CaseFactory(
                owner_unit=world.district_a,
                person=PersonFactory(organisation=world.district_a),
                responsible=worker,
            )
            assign_perm("cases.view_case", worker, case)
            assign_perm("cases.view_case", colleague, case)
            with at(1):
                case_services.case_visit_record(user=worker, case=case)
            with at(2):
                case_services.journal_add(by=colleague, case_id=case.pk, category="housing", text="Ny")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            _page, rows = case_selectors.my_cases_for(user=worker)
        # The last visits are read once, in the one query that counts the news of every case shown.
        visits = [q["sql"] for q in captured.captured_queries if "cases_casevisit" in q["sql"]]
        assert len(visits) == 1
        return len(captured.captured_queries), rows

    grow(2)
    with at(3):
        queries()  # warm what is cached per process
        small, rows = queries()
        assert sum(1 for case in rows if case.news == 1) == 2
        grow(5)
        large, rows = queries()
    assert sum(1 for case in rows if case.news == 1) == 7
    assert small == large


def test_the_lists_news_compiled_once_counts_as_the_expression_for_each_user(world, colleague):
    """My cases' news is SQL compiled once per process for a user id no account has, then given each
    user's id: for two users of the same case it counts what the expression built for that user counts
    (each one's own entries are not news to them), and a second call compiles nothing."""
    from django.db.models import OuterRef

    from cases import queries as case_queries
    from cases.models import Case

    worker = world.users["social_worker"]
    with at(1):
        for user in (worker, colleague):
            case_services.case_visit_record(user=user, case=world.case_a)
    with at(2):
        case_services.journal_add(by=colleague, case_id=world.case_a.pk, category="housing", text="Ny")
        for _ in range(2):
            case_services.journal_add(by=worker, case_id=world.case_a.pk, category="housing", text="Min")
    case_selectors.news_on_case_pages(user=worker)
    compiled = case_selectors._NEWS.compiled()
    for user, expected in ((worker, 1), (colleague, 2)):
        cases = Case.objects.filter(pk=world.case_a.pk)
        built = cases.annotate(
            seen=case_queries.last_visit(user=user, page=VisitedPage.CASE, case=OuterRef("pk"))
        ).annotate(news=case_selectors._news_on_case_page(user=user))
        fast = cases.annotate(**case_selectors.news_on_case_pages(user=user))
        assert [(c.seen, c.news) for c in fast] == [(c.seen, c.news) for c in built]
        assert fast.get().news == expected and fast.get().seen is not None
    assert case_selectors._NEWS.compiled() == compiled  # compiled once, not again per user or call


def test_the_group_page_and_the_list_of_groups_mark_what_others_shared(client, world):
    police, worker = world.users["external_member"], world.users["social_worker"]
    group_url = reverse("sig:detail", kwargs={"group_id": world.group.pk})
    with at(1):
        body = page(client, police, group_url)
    assert "Ditt första besök" in body
    with at(2):
        sig_services.shared_entry_add(
            by=worker, group_id=world.group.pk, category="work_income", text="Delat arbete"
        )
        # Not crossing to the police (the consent covers work and income only): neither marked nor counted.
        sig_services.shared_entry_add(by=worker, group_id=world.group.pk, category="housing", text="Bostad")
        sig_services.threat_assess(
            by=police, group_id=world.group.pk, level="low", protection_need=False, notes=""
        )
    with at(3):
        overview = page(client, police, reverse("sig:overview"))
        assert '1 ny<span class="visually-hidden"> sedan ditt senaste besök</span>' in overview
        body = page(client, police, group_url)
    assert "1 ny sedan ditt senaste besök" in body and body.count("new-mark") == 1  # the entry
    assert "Delat arbete" in body and "Bostad" not in body
    # The case page is another page, with its own last visit: the handler's first visit of it.
    with at(4):
        assert "Ditt första besök" in page(client, worker, case_url(world.case_a))


def test_an_erasure_deletes_the_visits_and_keeps_none_again(client, world, colleague):
    worker = world.users["social_worker"]
    with at(1):
        page(client, worker, case_url(world.case_a))
        page(
            client, world.users["external_member"], reverse("sig:detail", kwargs={"group_id": world.group.pk})
        )
    assert CaseVisit.objects.filter(case=world.case_a).count() == 2
    case_services.person_erase(person_id=world.case_a.person_id, reason="gallring")
    assert not CaseVisit.objects.filter(case=world.case_a).exists()
    page(client, worker, case_url(world.case_a))  # the placeholder page still opens
    assert not CaseVisit.objects.filter(case=world.case_a).exists()
