"""Every list selector reads in a constant number of queries, whatever the number of rows it returns:
measured at two sizes, side by side (a selector that asks or decrypts row by row fails here)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.roles import Role
from cases import selectors as case_selectors
from cases import services as case_services
from consent import selectors as consent_selectors
from consent import services as consent_services
from sig import selectors as sig_selectors
from sig import services as sig_services
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _count(run) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        result = run()
    return len(queries.captured_queries), _size(result)


def _size(result) -> int:
    if isinstance(result, tuple):  # (object, rows) or (page, rows)
        return len(result[1])
    if isinstance(result, dict):
        return sum(len(value) for value in result.values() if isinstance(value, list))
    if result and isinstance(result[0], dict):  # sections
        return sum(len(section["people"]) for section in result)
    return len(result)


def assert_constant(run, grow, *, small: int = 2, large: int = 7) -> None:
    grow(small)
    run()  # warm what is cached per process (content types, the user's roles)
    queries_small, rows_small = _count(run)
    grow(large - small)
    queries_large, rows_large = _count(run)
    assert rows_large > rows_small, "the second size must show more rows"
    assert queries_large == queries_small, (
        f"{queries_small} queries for {rows_small} rows, {queries_large} for {rows_large}"
    )


def _case_of(world, responsible):
    case = CaseFactory(
        owner_unit=world.district_a,
        person=PersonFactory(organisation=world.district_a),
        responsible=responsible,
    )
    return case


def _consent(world, case, *, recipients, days=365, purpose="intervention_group", categories=("work_income",)):
    return consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=recipients,
            categories=list(categories),
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=days),
            given_how="oral",
            witness="Vittne",
        ),
    )


def test_assignment_requests_waiting(world):
    supervisor, asker = world.users["supervisor"], world.users["social_worker_unassigned"]

    def grow(n):
        for _ in range(n):
            case = _case_of(world, world.users["social_worker"])
            case_services.assignment_request_create(by=asker, case_id=case.pk, reason="Vikarie")

    assert_constant(lambda: case_selectors.assignment_requests_waiting_for(user=supervisor), grow)


def test_consents_about_to_expire(world):
    worker = world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            _consent(world, _case_of(world, worker), recipients=[world.police.pk], days=5)

    assert_constant(lambda: consent_selectors.consents_expiring_for(user=worker), grow)


def test_review_queue(world):
    supervisor, worker = world.users["supervisor"], world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            consent_services.disclosure_record(
                by=worker,
                case_id=world.case_a.pk,
                recipient_id=world.police.pk,
                ground_code="own_task",
                categories=["housing"],
                what="Uppgift",
                why="Skäl",
            )

    assert_constant(lambda: consent_selectors.consent_review_queue_for(user=supervisor), grow)


def test_people_shared_with_another_organisation(world):
    police, worker = world.users["external_member"], world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            _consent(world, _case_of(world, worker), recipients=[world.police.pk])

    assert_constant(lambda: consent_selectors.people_shared_with(user=police), grow)


def test_one_person_shared_for_a_purpose(world):
    police, worker = world.users["external_member"], world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            entry = case_services.journal_add(
                by=worker, case_id=world.case_a.pk, category="work_income", text="Praktik"
            )
            case_services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)

    assert_constant(
        lambda: consent_selectors.shared_person_for(
            user=police, person_id=world.case_a.person_id, purpose="intervention_group"
        ),
        grow,
    )


def test_the_intervention_group_overview_of_a_member_from_another_organisation(world):
    police, worker = world.users["external_member"], world.users["social_worker"]

    def grow(n):
        for _ in range(n):
            case = _case_of(world, worker)
            _consent(world, case, recipients=[world.police.pk], categories=("interventions_plans",))
            group, _inside = sig_services.group_form(by=worker, case_id=case.pk)
            sig_services.member_add(by=worker, group_id=group.pk, user=police, role="police_contact")
            goal = sig_services.goal_add(by=worker, group_id=group.pk, text="Mål")
            sig_services.action_add(
                by=worker,
                goal_id=goal.pk,
                owner_id=world.police.pk,
                text="Samtal",
                due=dt.date.today() - dt.timedelta(days=1),
            )

    assert_constant(lambda: sig_selectors.overview_for(user=police), grow)


def test_the_calendar_of_a_member_of_many_groups(world):
    """Meetings and re-assessments of many groups: one read per kind of item, whatever their number."""
    from django.utils import timezone

    from lotsa import calendar_items

    police, worker = world.users["external_member"], world.users["social_worker"]
    today = timezone.localdate()

    def grow(n):
        for _ in range(n):
            case = _case_of(world, worker)
            _consent(world, case, recipients=[world.police.pk])
            group, _inside = sig_services.group_form(by=worker, case_id=case.pk)
            sig_services.member_add(by=worker, group_id=group.pk, user=police, role="police_contact")
            sig_services.next_meeting_set(by=worker, group_id=group.pk, on=today + dt.timedelta(days=7))
            sig_services.threat_assess(
                by=police, group_id=group.pk, level="low", protection_need=False, notes=""
            )

    start, end = calendar_items.period(today=today, past=False)
    assert_constant(
        lambda: calendar_items.calendar_items_visible_to(
            user=police, start=start, end=end + dt.timedelta(days=400)
        ),
        grow,
    )


def test_the_group_page_with_many_shared_entries(world):
    worker = world.users["social_worker"]
    group = world.group

    def grow(n):
        for _ in range(n):
            sig_services.shared_entry_add(
                by=worker,
                group_id=group.pk,
                category="work_income",
                text="Delad uppgift",
                for_civil_society=False,
            )

    assert_constant(lambda: sig_selectors.group_page_for(user=worker, group_id=group.pk), grow)


def test_account_requests(world):
    administrator, supervisor = world.users["administrator"], world.users["supervisor"]

    def grow(n):
        for _ in range(n):
            account_services.user_create(
                by=administrator,
                username=f"ny{next(_serial)}",
                first_name="Ny",
                last_name="Användare",
                email="",
                organisation=world.district_a,
                roles={Role.SOCIAL_WORKER},
            )

    assert_constant(lambda: account_selectors.account_requests_waiting_for(user=supervisor), grow)
    assert_constant(lambda: account_selectors.account_requests_recent(user=administrator), grow)


def _reads_of(queries, table: str) -> int:
    """Queries that read rows of the table. The retention date's one aggregate over every table of the
    file (retention.entries: the newest date of each, no row read) is not a read of its rows."""
    return sum(
        1 for query in queries if f'FROM "{table}"' in query["sql"] and "MAX(" not in query["sql"].upper()
    )


def test_the_case_page_reads_consents_and_emergency_access_once(world):
    """The consent list and the sharing matrix share one read of the person's consents, and the
    access decisions and the page share one read of the user's emergency access (a request-scoped
    memo); the page's queries stay constant as consents grow, and the matrix is the one the policy
    would read by itself."""
    from consent import queries as consent_queries
    from consent.services import consent_withdraw, emergency_access_start
    from lotsa import context

    reader, worker = world.users["social_worker_unassigned"], world.users["social_worker"]
    emergency_access_start(by=reader, case_id=world.case_a.pk, reason="Akut fara")

    def page():
        with context.bind(context.RequestInfo()):
            return case_selectors.case_page_for(user=reader, case_id=world.case_a.pk)

    def grow(n):
        for _ in range(n):
            _consent(world, world.case_a, recipients=[world.district_a.pk, world.police.pk])

    grow(2)
    withdrawn = _consent(world, world.case_a, recipients=[world.district_a.pk, world.district_b.pk])
    consent_withdraw(by=worker, consent_id=withdrawn.pk, case_id=world.case_a.pk, how="oral", note="")
    page()
    with CaptureQueriesContext(connection) as small:
        shown = page()
    grow(5)
    with CaptureQueriesContext(connection) as large:
        shown_large = page()
    assert len(shown_large["consents"]) == len(shown["consents"]) + 5
    assert len(large.captured_queries) == len(small.captured_queries)
    for queries in (small.captured_queries, large.captured_queries):
        assert _reads_of(queries, "consent_consent") == 1
        assert _reads_of(queries, "consent_emergencyaccess") == 1
    assert shown_large["emergency"] is not None
    # The same matrix as the policy's own read, the withdrawn consent's recipient left out.
    assert shown_large["matrix"] == consent_queries.matrix_for(world.case_a)
    assert [row["organisation"] for row in shown_large["matrix"]] == [world.police]


def _page_queries(user, case_id) -> list:
    from lotsa import context

    def page():
        with context.bind(context.RequestInfo()):
            return case_selectors.case_page_for(user=user, case_id=case_id)

    page()  # warm what is cached per process (content types, the compiled retention unions)
    with CaptureQueriesContext(connection) as queries:
        page()
    return queries.captured_queries


def test_the_case_page_asks_the_assignment_once_reads_hand_overs_once_and_dates_in_one_statement(world):
    """The case page in a pinned number of queries: the guardian assignment asked once a request
    however many acts the page offers (it asked for each: 34 queries under emergency access), the
    case's hand-overs read once (three times before), the retention date's facts (the two unions of
    the last entry, the open cases and placements, the holds) in one statement compiled once per
    process and read on every page (four queries before, no value kept), and the pending lowering
    and merge in one (two before)."""
    from consent.services import emergency_access_start

    reader, worker = world.users["social_worker_unassigned"], world.users["social_worker"]
    for user, expected in ((worker, 18), (reader, 20)):
        if user is reader:
            emergency_access_start(by=reader, case_id=world.case_a.pk, reason="Akut fara")
        queries = _page_queries(user, world.case_a.pk)
        assert _reads_of(queries, "cases_caseuserobjectpermission") <= 1
        assert _reads_of(queries, "cases_casegroupobjectpermission") <= 1
        assert _reads_of(queries, "cases_handover") == 1
        (dates,) = [query["sql"] for query in queries if "UNION ALL" in query["sql"]]
        assert 'FROM "retention_hold"' in dates and '"defectors_placement"' in dates
        (pending,) = [query["sql"] for query in queries if 'FROM "cases_personmerge"' in query["sql"]]
        assert 'FROM "cases_protectionlowering"' in pending
        # The decision's event and the visit commit together (in the test's transaction, a savepoint).
        savepoints = [query for query in queries if "SAVEPOINT" in query["sql"]]
        assert len(savepoints) == 2, savepoints
        statements = [query for query in queries if query not in savepoints]
        assert len(statements) == expected, [query["sql"][:80] for query in statements]


def test_an_assignment_granted_or_ended_within_a_request_is_asked_again(world):
    """The request's memo of the assignment is dropped by whatever grants or ends one, so a decision
    later in the same request sees the change."""
    from audit.models import Action
    from cases import access as case_access
    from cases.models import Case
    from lotsa import access, context

    reader = world.users["social_worker_unassigned"]
    case = Case.objects.get(pk=world.case_a.pk)
    with context.bind(context.RequestInfo()):
        assert not access.decide(reader, Action.VIEW, case).allowed
        case_access.assignment_grant(reader, case)
        assert access.decide(reader, Action.VIEW, case).allowed
        case_access.assignment_revoke(reader, case)
        assert not access.decide(reader, Action.VIEW, case).allowed


def test_my_cases_reads_its_page_and_news_in_one_query(world):
    """My cases (issue 34): the assigned cases, the count, the page with each row's news (one query,
    the news counted for the page's rows only), the list's one event naming every person shown, and
    the data keys of the rows shown; constant as the cases and their news grow."""
    worker, colleague = world.users["social_worker"], world.users["supervisor"]

    def grow(n):
        for _ in range(n):
            case = _case_of(world, None)
            case_services.case_visit_record(user=worker, case=case)
            case_services.case_reassign(
                by=colleague, case_id=case.pk, expected_version=case.version, to_user=worker
            )

    def page():
        return case_selectors.my_cases_for(user=worker)

    assert_constant(page, grow)
    with CaptureQueriesContext(connection) as queries:
        _shown, rows = page()
    assert {case.news for case in rows} >= {1}  # the reassignment since the visit is news
    sqls = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The assigned cases, the count, the page with its news, the event and its subjects, and (unless
    # this process holds them already) the data keys of the rows shown.
    assert len(sqls) <= 6
    news = [sql for sql in sqls if "cases_casevisit" in sql]
    assert len(news) == 1 and 'WHERE "cases_case"."id" IN (SELECT' in news[0]  # the page and its news
    assert sum("INSERT INTO audit_accessevent " in sql for sql in sqls) == 1
