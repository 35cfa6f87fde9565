"""The same person entered twice in one unit (issue 30, item 4): flagged to whoever may see both records,
through the name index only; marked "not the same person" once; or merged under the four-eyes rule of
a number that became known (person_merge, the one merge)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from guardian.shortcuts import assign_perm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from cases import duplicates, names, queries, selectors, services
from cases import reserve_identity as reserve
from cases.models import Case, JournalEntry, Person, PersonDistinction, PersonMerge
from cases.services import PersonDetails
from lotsa import access, crypto
from lotsa.errors import DomainError
from lotsa.models import DataKey
from tests.factories import CaseFactory, PersonFactory, UserFactory, number_born
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

BORN = dt.date(2009, 3, 14)


def open_without_number(world, *, given="Amir", surname="Hassan", born=BORN, precision="exact", by=None):
    return services.case_open(
        by=by or world.users["social_worker"],
        number="",
        details=PersonDetails(
            given_names=given,
            surname=surname,
            contact={"phone": "070-2"},
            address={},
            protected_identity="none",
            birth_date=born,
            birth_date_precision=precision,
        ),
        activity="intervention_group",
        milieu="unclear",
    )


def numbered_case(world, *, given="Åmir", surname="Hässan", born=BORN, unit=None, handler=None, serial=321):
    unit = unit or world.district_a
    person = PersonFactory(
        given_names=given, surname=surname, personal_number=number_born(born, serial), organisation=unit
    )
    case = CaseFactory(person=person, owner_unit=unit, responsible=handler)
    if handler is not None:
        assign_perm("cases.view_case", handler, case)
    return case


def flagged(user, case) -> list[Person]:
    return [found.other for found in selectors.possible_duplicates_visible_to(user=user, case=case)]


# --- Detection ---------------------------------------------------------------------------------------


def test_same_names_in_other_letters_and_the_same_birth_date_are_flagged_both_ways(world):
    worker = world.users["social_worker"]
    reserve_case = open_without_number(world)
    numbered = numbered_case(world, handler=worker)
    assert flagged(worker, reserve_case) == [numbered.person]
    assert flagged(worker, numbered) == [reserve_case.person]
    assert flagged(world.users["supervisor"], reserve_case) == [numbered.person]


def test_a_sound_alike_spelling_and_an_extra_given_name_are_flagged(world):
    worker = world.users["social_worker"]
    reserve_case = open_without_number(world, given="Mohammed", surname="Ali")
    numbered = numbered_case(world, given="Muhammad Yusuf", surname="Ali", handler=worker)
    assert flagged(worker, reserve_case) == [numbered.person]


def test_a_different_birth_date_is_not_flagged_but_a_year_only_date_of_that_year_is(world):
    worker = world.users["social_worker"]
    numbered_case(world, born=dt.date(2009, 3, 15), handler=worker)
    other_day = open_without_number(world)
    assert flagged(worker, other_day) == []
    year_only = open_without_number(
        world,
        given="Amir Karim",
        surname="Hassan",
        born=dt.date(2009, 1, 1),
        precision=reserve.BirthDatePrecision.YEAR,
    )
    assert len(flagged(worker, year_only)) == 2  # the numbered record of 2009 and the reserve one


def test_one_shared_name_or_two_numbers_are_never_flagged(world):
    worker = world.users["social_worker"]
    case = open_without_number(world)
    numbered_case(world, given="Amir", surname="Rahimi", handler=worker, serial=432)  # one name shared
    assert flagged(worker, case) == []
    first = numbered_case(world, handler=worker)
    second = PersonFactory(
        given_names="Amir",
        surname="Hassan",
        personal_number=number_born(BORN, 555),
        organisation=world.district_a,
    )
    CaseFactory(person=second, owner_unit=world.district_a, responsible=worker)
    assert second not in flagged(worker, first)  # two numbers are two people


def test_another_units_record_is_never_flagged(world):
    other_worker = world.users["social_worker_other_district"]
    elsewhere = numbered_case(world, unit=world.district_b, handler=other_worker)
    case = open_without_number(world)
    assert flagged(world.users["supervisor"], case) == []
    assert flagged(other_worker, elsewhere) == []
    assert elsewhere.person.pk not in duplicates.candidates_for(case.person)


def test_detection_decrypts_nobody_but_the_records_the_viewer_may_see(world, monkeypatch):
    worker = world.users["social_worker"]
    case = open_without_number(world)
    hidden = numbered_case(world)  # a case of the unit the worker does not handle
    decrypted = []
    compare = duplicates.may_be_the_same

    def spy(first, second):
        decrypted.append(second.pk)
        return compare(first, second)

    monkeypatch.setattr(duplicates, "may_be_the_same", spy)
    assert flagged(worker, case) == [] and hidden.person.pk not in decrypted


# --- Access ---------------------------------------------------------------------------------------------


def test_a_viewer_who_cannot_see_the_other_record_sees_no_flag_and_no_event_names_it(world, client):
    worker = world.users["social_worker"]
    case = open_without_number(world)
    other = numbered_case(world, handler=world.users["social_worker_unassigned"])
    start = head_seq()
    login_verified(client, worker)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200 and "Hässan".encode() not in page.content
    assert not AccessEvent.objects.naming(other.person_id).filter(id__gt=start).exists()


def test_the_flag_is_on_the_case_page_with_one_event_naming_both(world, client):
    chief = world.users["supervisor"]
    case = open_without_number(world)
    other = numbered_case(world)
    start = head_seq()
    login_verified(client, chief)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200 and "Hässan".encode() in page.content
    events = events_since(start).filter(purpose=selectors.POSSIBLE_DUPLICATE)
    assert events.count() == 1
    event = events.get()
    assert event.outcome == AccessOutcome.ALLOWED
    assert event in AccessEvent.objects.naming(case.person_id) and event in AccessEvent.objects.naming(
        other.person_id
    )
    # The supervisor reviews; only a handler of the case is offered to mark or to ask to merge.
    assert reverse("cases:not_same_person", args=[case.pk, other.person_id]).encode() not in page.content


def test_the_page_after_opening_a_case_shows_the_flag(world, client):
    worker = world.users["social_worker"]
    numbered_case(world, handler=worker)
    login_verified(client, worker)
    from cases.tests.test_cases import open_form

    form = open_form("", no_number="on", birth_date="2009-03-14", reserve_identity="")
    form.update(given_names="Amir", surname="Hassan")
    response = client.post(reverse("cases:open"), form, follow=True)
    assert response.status_code == 200 and "Hässan".encode() in response.content
    assert b"not-same" in response.content


# --- Not the same person ------------------------------------------------------------------------------


def test_marking_not_the_same_person_stops_the_flag_for_good_both_ways(world, client):
    worker = world.users["social_worker"]
    case = open_without_number(world)
    other = numbered_case(world, handler=worker)
    login_verified(client, worker)
    start = head_seq()
    url = reverse("cases:not_same_person", args=[case.pk, other.person_id])
    assert client.post(url).status_code == 302
    event = events_since(start).get(action=Action.CREATE)
    assert event in AccessEvent.objects.naming(other.person_id)
    assert flagged(worker, case) == [] and flagged(worker, other) == []
    assert client.post(url).status_code == 302 and PersonDistinction.objects.count() == 1


def test_only_a_handler_who_sees_both_may_mark_them(world):
    case = open_without_number(world)
    other = numbered_case(world, handler=world.users["social_worker_unassigned"])
    for who in (
        world.users["social_worker"],
        world.users["supervisor"],
        world.users["social_worker_other_district"],
    ):
        with pytest.raises(access.AccessDenied):
            services.person_not_same_mark(by=who, case_id=case.pk, other_id=other.person_id)
    assert not PersonDistinction.objects.exists()


def test_an_id_of_another_units_record_is_not_found(world, client):
    worker = world.users["social_worker"]
    case = open_without_number(world)
    login_verified(client, worker)
    for name in ("not_same_person", "duplicate_merge"):
        url = reverse(f"cases:{name}", args=[case.pk, world.case_b.person_id])
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert not PersonDistinction.objects.exists() and not PersonMerge.objects.exists()


# --- Merging two records (the four-eyes rule of PersonMerge) --------------------------------------------


def ask(world, case, other, by=None, reason="Samma skola, samma vårdnadshavare"):
    return services.person_merge_request(
        by=by or world.users["social_worker"], case_id=case.pk, other_id=other.pk, reason=reason
    )


def test_the_case_pages_one_question_finds_the_waiting_merge_from_either_record(world):
    """cases.queries.requests_pending_of (the case page's, compiled once) answers what
    person_merge_pending answers for both records of a request, and reads anew: refused, it is gone."""
    case = open_without_number(world)
    numbered = numbered_case(world, handler=world.users["social_worker"])
    assert queries.requests_pending_of(case.person_id) == (None, None)
    merge = ask(world, case, numbered.person)
    for person_id in (case.person_id, numbered.person_id):
        lowering, found = queries.requests_pending_of(person_id)
        assert lowering is None and found == merge == services.person_merge_pending(person_id)
        assert found.requested_by == world.users["social_worker"]
    assert queries.requests_pending_of(world.case_a.person_id) == (None, None)
    services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=False, note="Nej")
    assert queries.requests_pending_of(case.person_id) == (None, None)


def test_a_merge_of_two_records_keeps_the_numbered_one_and_loses_nothing(world):
    worker, chief = world.users["social_worker"], world.users["supervisor"]
    case = open_without_number(world)
    entry = services.journal_add(by=worker, case_id=case.pk, category="housing", text="Kom via skolan")
    services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    numbered = numbered_case(world, handler=worker)
    merge = ask(world, case, numbered.person)
    assert merge.other_id == numbered.person_id and merge.number == ""
    start = head_seq()
    merge = services.person_merge_decide(by=chief, merge_id=merge.pk, approve=True)
    event = events_since(start).get()
    assert event.action == Action.DECIDE and event.outcome == AccessOutcome.ALLOWED
    assert event in AccessEvent.objects.naming(case.person_id)
    assert event in AccessEvent.objects.naming(numbered.person_id)
    assert merge.person_id == numbered.person_id and merge.absorbed_id == case.person_id
    assert Case.objects.get(pk=case.pk).person_id == numbered.person_id
    moved = JournalEntry.objects.get(pk=entry.pk)
    assert moved.person_id == numbered.person_id and moved.text == "Kom via skolan" and moved.is_signed
    kept = Person.objects.get(pk=numbered.person_id)
    assert reserve.is_reserve_identity(kept.reserve_identity)  # the reserve identity is kept with it
    assert DataKey.objects.get(subject_id=case.person_id).shredded_at is not None
    assert flagged(worker, numbered) == []


def test_of_two_records_without_a_number_the_older_survives_with_the_better_birth_date(world):
    worker, chief = world.users["social_worker"], world.users["supervisor"]
    older = open_without_number(world, born=dt.date(2009, 1, 1), precision=reserve.BirthDatePrecision.YEAR)
    newer = open_without_number(world, given="Amír", surname="Hassan")
    assert flagged(worker, newer) == [older.person]
    merge = ask(world, newer, older.person)
    services.person_merge_decide(by=chief, merge_id=merge.pk, approve=True)
    kept = Person.objects.get(pk=older.person_id)
    assert Case.objects.get(pk=newer.pk).person_id == kept.pk
    assert kept.birth_date == BORN and kept.birth_date_precision == reserve.BirthDatePrecision.EXACT
    for name in crypto.encrypted_fields(Person):
        getattr(kept, name)


def test_the_absorbed_reserve_identity_still_finds_the_person(world):
    older = open_without_number(world, born=dt.date(2009, 1, 1), precision=reserve.BirthDatePrecision.YEAR)
    newer = open_without_number(world)
    absorbed_identity = newer.person.reserve_identity
    merge = ask(world, older, newer.person)
    services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=True)
    found = services.person_find_by_reserve_identity(
        organisation=world.district_a, identity=absorbed_identity
    )
    assert found is not None and found.pk == older.person_id
    assert found.reserve_identity == older.person.reserve_identity


def test_the_asker_never_decides_and_only_the_units_supervisor_does(world):
    both = UserFactory(
        username="sw_sup", organisation=world.district_a, roles=[Role.SOCIAL_WORKER, Role.SUPERVISOR]
    )
    case = open_without_number(world, by=both)
    other = numbered_case(world, handler=both)
    merge = ask(world, case, other.person, by=both)
    for who in (both, world.users["social_worker"], world.users["social_worker_other_district"]):
        with pytest.raises(access.AccessDenied):
            services.person_merge_decide(by=who, merge_id=merge.pk, approve=True)
    assert Case.objects.get(pk=case.pk).person_id == case.person_id
    assert PersonMerge.objects.get(pk=merge.pk).status == "pending"


def test_a_handler_who_cannot_see_the_other_record_cannot_ask(world):
    case = open_without_number(world)
    other = numbered_case(world, handler=world.users["social_worker_unassigned"])
    with pytest.raises(access.AccessDenied):
        ask(world, case, other.person)
    assert not PersonMerge.objects.exists()


def test_refusing_needs_a_reason_and_changes_nothing(world):
    case = open_without_number(world)
    other = numbered_case(world, handler=world.users["social_worker"])
    merge = ask(world, case, other.person)
    with pytest.raises(DomainError):
        services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=False)
    merge = services.person_merge_decide(
        by=world.users["supervisor"], merge_id=merge.pk, approve=False, note="Tvillingar"
    )
    assert merge.status == "refused" and Case.objects.get(pk=case.pk).person_id == case.person_id


def test_the_pages_ask_and_decide_and_bad_input_gets_a_swedish_message(world, client):
    worker, chief = world.users["social_worker"], world.users["supervisor"]
    case = open_without_number(world)
    other = numbered_case(world, handler=worker)
    login_verified(client, worker)
    url = reverse("cases:duplicate_merge", args=[case.pk, other.person_id])
    shown = client.get(url)
    assert shown.status_code == 200 and "Hässan".encode() in shown.content
    empty = client.post(url, {"reason": "  "})
    assert (
        empty.status_code == 200
        and "Skriv varför de två uppgifterna är samma person".encode() in empty.content
    )
    assert not PersonMerge.objects.exists()
    assert client.post(url, {"reason": "Samma vårdnadshavare"}).status_code == 302
    merge = PersonMerge.objects.get()
    again = client.post(url, {"reason": "En gång till"})
    assert again.status_code == 200 and PersonMerge.objects.count() == 1
    login_verified(client, chief)
    page = reverse("cases:merge_decide", args=[case.pk, merge.pk])
    decision_page = client.get(page)
    assert decision_page.status_code == 200 and "Samma vårdnadshavare".encode() in decision_page.content
    assert "Hässan".encode() in decision_page.content
    assert client.post(page, {"decision": "approve", "note": ""}).status_code == 302
    assert Case.objects.get(pk=case.pk).person_id == other.person_id


# --- The rule, over many names ----------------------------------------------------------------------


_NAMES = st.lists(
    st.sampled_from(["Amir", "Åsa", "Östberg", "Muhammad", "Lind", "Ekberg", "Nour", "Ali"]),
    min_size=1,
    max_size=4,
    unique=True,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=_NAMES, second=_NAMES, upper=st.booleans())
def test_the_name_rule_is_symmetric_and_blind_to_case_and_diacritics(first, second, upper):
    one = names.tokens(" ".join(first))
    other_text = " ".join(second)
    other_text = other_text.upper() if upper else other_text
    folded = other_text.translate(str.maketrans("ÅÖåö", "AOao"))
    assert duplicates.same_names(one, names.tokens(other_text)) == duplicates.same_names(
        names.tokens(other_text), one
    )
    assert duplicates.same_names(one, names.tokens(other_text)) == duplicates.same_names(
        one, names.tokens(folded)
    )
    if len(first) >= 2:
        assert duplicates.same_names(one, names.tokens(" ".join(reversed(first))))


def test_a_pending_merge_is_told_without_the_other_record_to_whoever_may_not_see_it(world, client):
    """The other record's handler sees on their case page that a request waits, never that another
    record of the unit is the same person, when they may not see the record it would be merged with."""
    both = UserFactory(
        username="sw_sup", organisation=world.district_a, roles=[Role.SOCIAL_WORKER, Role.SUPERVISOR]
    )
    case = open_without_number(world, by=both)
    other = numbered_case(world, handler=world.users["social_worker_unassigned"])
    ask(world, case, other.person, by=both)
    login_verified(client, world.users["social_worker_unassigned"])
    page = client.get(reverse("cases:detail", args=[other.pk])).content.decode()
    assert "Hassan" not in page and "samma person" not in page
    assert "En begäran om uppgiften väntar på enhetschefens beslut." in page


@pytest.mark.django_db
def test_finding_the_records_merged_into_a_person_reads_an_index_of_the_merged_only():
    """Every read of who accessed a person follows the records merged into it
    (cases.queries.ids_of_person_with_merged). With the foreign key's own index alone, SQLite's
    statistics of a column that is empty in almost every row made it scan every person; the partial
    index of the merged records (cases 0035) is what both engines read."""
    people = PersonFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    person = people[0]
    captured = []

    def explain(execute, sql, params, many, context):
        if "merged_into_id" in sql and sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask what it could use
                cursor.execute(prefix + sql, params)
                captured.append(" ".join(str(row) for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        assert queries.ids_of_person_with_merged(person_id=person.pk) == [person.pk]
    assert captured and all(re.search(r"\bmerged_people\b", plan) for plan in captured), captured
