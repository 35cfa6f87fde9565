"""People, cases and the journal, through the pages a social worker uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AccessEvent, AccessOutcome, Action
from cases import personal_number as pnr
from cases import services
from cases.access import CROSS_UNIT_LOOKUP
from cases.models import Case, JournalEntry, Person, SignedEntryError
from cases.words import CaseStatus
from tests.factories import CaseFactory, PersonFactory, valid_number
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified, named_by

# --- Personal identity numbers ------------------------------------------------------------------

TODAY = dt.date(2026, 11, 22)


def with_luhn(nine: str) -> str:
    return next(nine + d for d in "0123456789" if pnr.luhn_ok(nine + d))


@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(1, 999),
    coordination=st.booleans(),
    padding=st.sampled_from(["", " ", "  ", "\t", " \n"]),
)
def test_every_written_form_of_a_valid_number_normalises_to_the_same_twelve_digits(
    born, serial, coordination, padding
):
    """The tax agency's rules, for every form a number is written in (spaces around it are ignored)."""
    day = born.day + (60 if coordination else 0)
    ten = with_luhn(f"{born:%y%m}{day:02d}{serial:03d}")
    canonical = f"{born.year}{ten[2:]}"
    writings = [canonical, f"{canonical[:8]}-{canonical[8:]}"]
    # The short form takes "-" until the year the person turns 100, and "+" from that year on; the
    # long form may say "+" too once the person has turned 100.
    if TODAY.year - born.year < 100:
        writings += [ten, f"{ten[:6]}-{ten[6:]}"]
        refused = [f"{ten[:6]}+{ten[6:]}", f"{canonical[:8]}+{canonical[8:]}"]
    else:
        writings += [f"{ten[:6]}+{ten[6:]}", f"{canonical[:8]}+{canonical[8:]}"]
        refused = [f"{ten[:6]}-{ten[6:]}", ten] if born.year > TODAY.year - 200 else []
    for writing in writings:
        assert pnr.normalise(padding + writing + padding, today=TODAY) == canonical, writing
    for writing in refused:
        # Read with the other century, the date lies in the future or the + is inconsistent.
        try:
            assert pnr.normalise(writing, today=TODAY) != canonical, writing
        except pnr.InvalidPersonalNumber:
            pass
    # A space inside the number is never read as a separator.
    for inner in (f"{ten[:6]} {ten[6:]}", f"{canonical[:8]} {canonical[8:]}", f"{ten[:3]} {ten[3:]}"):
        with pytest.raises(pnr.InvalidPersonalNumber):
            pnr.normalise(inner, today=TODAY)
    assert pnr.birth_date(canonical) == born
    assert pnr.is_coordination_number(canonical) == coordination


@given(born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), coordination=st.booleans())
def test_a_birth_number_of_000_is_refused(born, coordination):
    day = born.day + (60 if coordination else 0)
    ten = with_luhn(f"{born:%y%m}{day:02d}000")
    for writing in (f"{born.year}{ten[2:]}", f"{ten[:6]}-{ten[6:]}", f"{ten[:6]}+{ten[6:]}"):
        with pytest.raises(pnr.InvalidPersonalNumber):
            pnr.normalise(writing, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("090527 1474", None),  # a space is no separator: refused, never read as born in 2009
        ("19090527+1474", "190905271474"),  # the long form with + for someone over 100
        ("090527+1474", "190905271474"),
        ("20090527+1474", None),  # + for someone who is 17
        ("19090527-1474", "190905271474"),
        ("121212-0008", None),  # birth number 000
        ("  121212-1212 ", "201212121212"),
    ],
)
def test_the_tax_agencys_rules_for_written_forms(text, expected):
    if expected is None:
        with pytest.raises(pnr.InvalidPersonalNumber):
            pnr.normalise(text, today=TODAY)
    else:
        assert pnr.normalise(text, today=TODAY) == expected


@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(1, 999),
    wrong=st.integers(1, 9),
)
def test_a_wrong_check_digit_is_refused(born, serial, wrong):
    ten = with_luhn(f"{born:%y%m%d}{serial:03d}")
    bad = ten[:9] + str((int(ten[9]) + wrong) % 10)
    with pytest.raises(pnr.InvalidPersonalNumber):
        pnr.normalise(f"{born.year}{bad[2:]}", today=TODAY)


@pytest.mark.parametrize(
    "text", ["", "abc", "19121312-1212", "20991212-1212", "1912121212123", "19120230-1234"]
)
def test_malformed_numbers_are_refused(text):
    with pytest.raises(pnr.InvalidPersonalNumber):
        pnr.normalise(text, today=TODAY)


# --- Opening cases, finding people -------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def open_form(number, **overrides):
    form = {
        "personal_number": number,
        "given_names": "Nils",
        "surname": "Nilsson",
        "phone": "",
        "email": "",
        "street": "",
        "postcode": "",
        "town": "",
        "protected_identity": "none",
        "activity": "intervention_group",
        "milieu": "unclear",
    }
    form.update(overrides)
    return form


def test_opening_a_case_finds_the_person_instead_of_duplicating(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    number = valid_number(9001)
    response = client.post(reverse("cases:open"), open_form(number))
    assert response.status_code == 302
    case = Case.objects.get(
        person__organisation=world.district_a,
        responsible=worker,
        activity="intervention_group",
        pk=response["Location"].split("/")[-2],
    )
    assert case.status == CaseStatus.OPENED and case.status_changes.count() == 1
    typed_differently = number[2:8] + "-" + number[8:]
    response = client.post(reverse("cases:open"), open_form(typed_differently, given_names="Other"))
    assert response.status_code == 302
    assert Person.objects.filter(organisation=world.district_a).count() == 2  # MARKER's person and this one
    assert Case.objects.filter(person=case.person).count() == 2
    assert Person.objects.get(pk=case.person.pk).given_names == "Nils"


def test_an_invalid_number_gets_a_clear_message_and_creates_nothing(client, world):
    login_verified(client, world.users["social_worker"])
    before = (Person.objects.count(), Case.objects.count())
    response = client.post(reverse("cases:open"), open_form("19121212-1213"))
    assert response.status_code == 200
    assert "Kontrollsiffran i personnumret är fel" in response.content.decode()
    assert (Person.objects.count(), Case.objects.count()) == before


def test_search_finds_only_the_users_own_cases_and_is_audited(client, world):
    number = world.case_a.person.personal_number
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.post(reverse("cases:search"), {"personal_number": number})
    assert MARKER in response.content.decode()
    event = events_since(start).exclude(purpose=CROSS_UNIT_LOOKUP).get(action=Action.SEARCH)
    assert event.outcome == AccessOutcome.ALLOWED and event.subject_id == world.case_a.person_id
    # Another district's social worker learns nothing, not even that the person exists elsewhere.
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    response = client.post(reverse("cases:search"), {"personal_number": number})
    body = response.content.decode()
    assert MARKER not in body and "Du har inget ärende" in body
    event = events_since(start).exclude(purpose=CROSS_UNIT_LOOKUP).get(action=Action.SEARCH)
    assert event.subject_id is None and event.target_id == ""
    # The lookup of district A's record is in district A's log, denied: no consent tells district B.
    lookup = events_since(start).get(purpose=CROSS_UNIT_LOOKUP)
    assert lookup.outcome == AccessOutcome.DENIED and lookup.subject_id == world.case_a.person_id


def test_search_with_a_bad_number_explains_and_searches_nothing(client, world):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.post(reverse("cases:search"), {"personal_number": "12345"})
    assert "Skriv personnumret som" in response.content.decode()
    assert not events_since(start).filter(action=Action.SEARCH).exists()


# --- My cases -----------------------------------------------------------------------------------


def test_my_cases_records_one_event_per_person_shown(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    start = head_seq()
    response = client.get(reverse("cases:my_cases"))
    assert MARKER in response.content.decode()
    listed = events_since(start).filter(action=Action.LIST)
    assert named_by(listed) == [world.case_a.person_id]


def test_my_cases_marks_protected_people_and_shows_no_address(client, world):
    person = world.case_a.person
    person.protected_identity = "protected_registration"
    person.address = {"street": "Hemliggatan 7", "town": "Hemlig"}
    person.save()
    login_verified(client, world.users["supervisor"])
    body = client.get(reverse("cases:my_cases")).content.decode()
    assert "Skyddad folkbokföring" in body and "Hemliggatan" not in body


def test_my_cases_filters_by_status_and_activity(client, world):
    worker = world.users["social_worker"]
    CaseFactory(owner_unit=world.district_a, responsible=worker, activity="relative_support", status="closed")
    login_verified(client, worker)
    response = client.get(reverse("cases:my_cases"), {"status": "closed"})
    assert len(response.context["rows"]) == 1 and response.context["rows"][0].status == "closed"
    response = client.get(reverse("cases:my_cases"), {"activity": "intervention_group"})
    assert [c.pk for c in response.context["rows"]] == [world.case_a.pk]


def test_my_cases_query_count_does_not_grow_with_the_page_size(client, world, django_assert_num_queries):
    worker = world.users["social_worker"]
    for _ in range(110):
        CaseFactory(owner_unit=world.district_a, responsible=worker)
    login_verified(client, worker)
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse("cases:my_cases"), {"size": 25})
    assert len(response.context["rows"]) == 25
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("cases:my_cases"), {"size": 100})
    assert len(response.context["rows"]) == 100


# --- The case page, the journal ---------------------------------------------------------------------


def case_url(case, name="cases:detail", **extra):
    return reverse(name, kwargs={"case_id": case.pk, **extra})


def test_write_sign_and_correct_an_entry(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    client.post(
        case_url(world.case_a, "cases:journal_add"), {"category": "housing", "text": "Första versionen"}
    )
    entry = JournalEntry.objects.get(
        case=world.case_a,
        signed_at__isnull=True,
        author=worker,
        pk__in=[e.pk for e in JournalEntry.objects.all() if e.text == "Första versionen"],
    )
    client.post(case_url(world.case_a, "cases:journal_sign", entry_id=entry.pk), {"version": entry.version})
    entry.refresh_from_db()
    assert entry.is_signed
    response = client.post(
        case_url(world.case_a, "cases:journal_correct", entry_id=entry.pk),
        {"category": "housing", "text": "Rättad version"},
    )
    assert response.status_code == 302
    correction = JournalEntry.objects.get(corrects=entry)
    body = client.get(case_url(world.case_a)).content.decode()
    assert "Första versionen" in body and "Rättad version" in body
    assert f'href="#entry-{entry.pk}"' in body and f'href="#entry-{correction.pk}"' in body


def test_an_empty_entry_is_refused_with_a_message(client, world):
    login_verified(client, world.users["social_worker"])
    before = JournalEntry.objects.count()
    response = client.post(
        case_url(world.case_a, "cases:journal_add"), {"category": "housing", "text": "   "}, follow=True
    )
    assert "Skriv något i anteckningen" in response.content.decode()
    assert JournalEntry.objects.count() == before


def test_a_signed_entry_can_never_be_changed_or_deleted(world):
    entry = JournalEntry.objects.get(pk=world.signed_entry.pk)
    entry.text = "changed"
    with pytest.raises(SignedEntryError):
        entry.save()
    with pytest.raises(SignedEntryError):
        entry.delete()
    with pytest.raises(SignedEntryError):
        JournalEntry.objects.filter(pk=entry.pk).update(category="health_substance")


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
def test_the_database_refuses_to_change_a_signed_entry(world):
    with pytest.raises(DatabaseError, match="final"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_journalentry SET category = 'housing' WHERE id = %s", [world.signed_entry.pk]
        )
    with transaction.atomic(), connection.cursor() as cursor:  # a draft may still change
        cursor.execute(
            "UPDATE cases_journalentry SET category = 'housing' WHERE id = %s", [world.draft_entry.pk]
        )


def test_only_the_author_signs(client, world):
    other = world.users["social_worker_unassigned"]
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", other, world.case_a)
    login_verified(client, other)
    response = client.post(
        case_url(world.case_a, "cases:journal_sign", entry_id=world.draft_entry.pk),
        {"version": world.draft_entry.version},
    )
    assert response.status_code == 403  # denied by the entry's policy, and recorded so
    assert not JournalEntry.objects.get(pk=world.draft_entry.pk).is_signed


def test_the_supervisor_reads_but_cannot_write_the_journal(client, world):
    login_verified(client, world.users["supervisor"])
    body = client.get(case_url(world.case_a)).content.decode()
    assert MARKER in body and "Spara utkast" not in body
    before = JournalEntry.objects.count()
    response = client.post(case_url(world.case_a, "cases:journal_add"), {"category": "housing", "text": "x"})
    assert response.status_code == 403 and JournalEntry.objects.count() == before


def test_a_forged_post_to_another_units_case_changes_nothing_and_is_logged(client, world):
    login_verified(client, world.users["social_worker"])
    before = JournalEntry.objects.count()
    start = head_seq()
    response = client.post(
        case_url(world.case_b, "cases:journal_add"), {"category": "housing", "text": "forged"}
    )
    assert response.status_code == 403 and JournalEntry.objects.count() == before
    denial = events_since(start).get(outcome=AccessOutcome.DENIED)
    assert denial.target_id == str(world.case_b.pk) and denial.actor_id == world.users["social_worker"].pk
    response = client.post(case_url(world.case_b, "cases:close"), {"version": 1, "reason": "goals_met"})
    assert response.status_code == 403 and Case.objects.get(pk=world.case_b.pk).status == "opened"


# --- Status, closing, reassigning ----------------------------------------------------------------


def test_closing_needs_a_reason(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(
        case_url(world.case_a, "cases:close"), {"version": world.case_a.version, "reason": ""}
    )
    assert response.status_code == 200 and "Välj varför ärendet avslutas" in response.content.decode()
    response = client.post(
        case_url(world.case_a, "cases:close"),
        {"version": world.case_a.version, "reason": "other", "text": ""},
    )
    assert "Beskriv skälet" in response.content.decode()
    assert Case.objects.get(pk=world.case_a.pk).status == CaseStatus.OPENED


def test_closing_records_the_history_and_ends_writing(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(
        case_url(world.case_a, "cases:close"),
        {"version": world.case_a.version, "reason": "moved", "text": "Flyttat till Malmö"},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case_a.pk)
    # Proposed, not closed: the unit's supervisor approves (four eyes).
    assert case.status == CaseStatus.CLOSING and case.closed_at is None
    response = client.post(
        case_url(case, "cases:close_decide"), {"version": case.version, "decision": "approve", "note": ""}
    )
    assert response.status_code == 403 and Case.objects.get(pk=case.pk).status == CaseStatus.CLOSING
    client.logout()
    login_verified(client, world.users["supervisor"])
    body = client.get(case_url(case)).content.decode()
    assert "föreslog att ärendet avslutas" in body
    response = client.post(
        case_url(case, "cases:close_decide"), {"version": case.version, "decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    last = case.status_changes.order_by("-changed_at").first()
    assert last.reason == "moved" and last.reason_text == "Flyttat till Malmö"
    assert last.changed_by == world.users["supervisor"]
    client.logout()
    login_verified(client, world.users["social_worker"])
    body = client.get(case_url(case)).content.decode()
    assert "Flyttat till Malmö" in body and "Spara utkast" not in body
    response = client.post(case_url(case, "cases:journal_add"), {"category": "housing", "text": "late"})
    assert response.status_code == 403


def test_a_stale_version_is_refused_and_nothing_is_lost(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    stale = world.case_a.version
    client.post(case_url(world.case_a, "cases:activate"), {"version": stale})  # someone else's change
    response = client.post(
        case_url(world.case_a, "cases:close"), {"version": stale, "reason": "goals_met"}, follow=True
    )
    assert "Någon annan ändrade ärendet" in response.content.decode()
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.status == CaseStatus.ACTIVE and case.version == stale + 1


def test_the_supervisor_reassigns_and_it_is_recorded(client, world):
    old, new = world.users["social_worker"], world.users["social_worker_unassigned"]
    login_verified(client, world.users["supervisor"])
    response = client.post(
        case_url(world.case_a, "cases:reassign"), {"version": world.case_a.version, "to_user": new.pk}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.responsible == new
    move = case.reassignments.get()
    assert (move.from_user, move.to_user, move.by) == (old, new, world.users["supervisor"])
    old.forget_roles()
    login_verified(client, old)
    assert client.get(case_url(case)).status_code == 403
    login_verified(client, new)
    assert client.get(case_url(case)).status_code == 200


def test_a_protected_address_is_shown_only_to_named_handlers(client, world):
    person = world.case_a.person
    person.protected_identity = "protected_registration"
    person.address = {"street": "Hemliggatan 7", "postcode": "111 11", "town": "Hemlig"}
    person.save()
    login_verified(client, world.users["social_worker"])
    assert "Hemliggatan 7" in client.get(case_url(world.case_a)).content.decode()
    login_verified(client, world.users["supervisor"])
    body = client.get(case_url(world.case_a)).content.decode()
    assert "Hemliggatan" not in body and "Skyddad folkbokföring" in body


def test_age_and_birth_date_are_derived_from_the_number():
    person = PersonFactory(personal_number="19121212-1212")
    assert person.birth_date == dt.date(1912, 12, 12)
    assert person.age(today=dt.date(2026, 11, 22)) == 113


def test_the_number_is_unique_per_unit_and_never_stored_in_clear(world):
    row = Person.objects.filter(pk=world.case_a.person_id).values().get()
    number = world.case_a.person.personal_number
    assert number not in str(row)
    assert AccessEvent.objects.filter(reason__contains=number).count() == 0


def test_a_social_worker_of_another_district_can_neither_open_list_search_nor_post(client, world):
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    assert client.get(case_url(world.case_a)).status_code == 403
    assert MARKER not in client.get(reverse("cases:my_cases")).content.decode()
    found = client.post(reverse("cases:search"), {"personal_number": world.case_a.person.personal_number})
    assert MARKER not in found.content.decode()
    for name in ("cases:journal_add", "cases:activate", "cases:close", "cases:reassign"):
        response = client.post(
            case_url(world.case_a, name),
            {"version": 1, "category": "housing", "text": "x", "reason": "goals_met"},
        )
        assert response.status_code == 403, name
    denials = events_since(start).filter(outcome=AccessOutcome.DENIED, target_id=str(world.case_a.pk))
    assert denials.count() == 5
    assert Case.objects.get(pk=world.case_a.pk).version == world.case_a.version


def test_closing_is_approved_by_the_units_supervisor_never_by_whoever_proposed_it(world):
    from accounts.roles import Role
    from lotsa.access import AccessDenied
    from tests.factories import UserFactory

    both = UserFactory(organisation=world.district_a, roles=[Role.SOCIAL_WORKER, Role.SUPERVISOR])
    world.case_a.responsible = both
    world.case_a.save()
    case = services.case_close(
        by=both, case_id=world.case_a.pk, expected_version=world.case_a.version, reason="goals_met", text=""
    )
    with pytest.raises(services.DomainError):
        services.case_close(
            by=both, case_id=case.pk, expected_version=case.version, reason="goals_met", text=""
        )
    with pytest.raises(AccessDenied):
        services.case_close_decide(
            by=both, case_id=case.pk, expected_version=case.version, approve=True, note=""
        )
    other_unit = UserFactory(organisation=world.district_b, roles=[Role.SUPERVISOR])
    with pytest.raises(AccessDenied):
        services.case_close_decide(
            by=other_unit, case_id=case.pk, expected_version=case.version, approve=True, note=""
        )
    supervisor = world.users["supervisor"]
    with pytest.raises(services.DomainError):
        services.case_close_decide(
            by=supervisor, case_id=case.pk, expected_version=case.version, approve=False, note=""
        )
    refused = services.case_close_decide(
        by=supervisor, case_id=case.pk, expected_version=case.version, approve=False, note="Uppföljning kvar"
    )
    assert refused.status == CaseStatus.ACTIVE and refused.closed_at is None
    with pytest.raises(AccessDenied):
        services.case_close_decide(
            by=supervisor, case_id=case.pk, expected_version=refused.version, approve=True, note=""
        )


def test_a_proposal_to_close_shows_on_both_start_pages(client, world):
    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    services.case_close(
        by=worker, case_id=world.case_a.pk, expected_version=world.case_a.version, reason="goals_met", text=""
    )
    login_verified(client, worker)
    assert "1 av dina förslag att avsluta ett ärende väntar på chefen" in client.get("/").content.decode()
    client.logout()
    login_verified(client, supervisor)
    assert "1 förslag att avsluta ett ärende väntar på ditt godkännande" in client.get("/").content.decode()
    assert (
        "1 förslag att avsluta ett ärende väntar på ditt godkännande"
        in client.get("/supervision/").content.decode()
    )


def test_my_cases_opens_on_the_live_cases_and_shows_the_closed_ones_when_asked(client, world):
    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    case = services.case_close(
        by=worker, case_id=world.case_a.pk, expected_version=world.case_a.version, reason="goals_met", text=""
    )
    services.case_close_decide(
        by=supervisor, case_id=case.pk, expected_version=case.version, approve=True, note=""
    )
    login_verified(client, worker)
    opened = client.get("/cases/").content.decode()
    assert "Alfa" not in opened and "Avslutade ärenden visas inte." in opened
    # Paging a list opened without a choice keeps it on the live cases.
    assert "Alfa" not in client.get("/cases/?page=1").content.decode()
    assert "Alfa" in client.get("/cases/?status=").content.decode()
    assert "Alfa" in client.get("/cases/?status=closed").content.decode()


def test_the_case_page_commits_its_decision_with_the_visit_and_a_denial_once(client, world):
    """The case page's decision and the visit it allows commit together; a denial, rolled back with
    that transaction, is in the log once all the same (written again outside it), and no visit is kept."""
    from cases.models import CaseVisit

    url = reverse("cases:detail", args=[world.case_a.pk])
    worker, stranger = world.users["social_worker"], world.users["social_worker_other_district"]
    login_verified(client, worker)
    start = head_seq()
    assert client.get(url).status_code == 200
    shown = events_since(start).filter(target_type="cases.case", target_id=str(world.case_a.pk))
    assert [(e.outcome, e.actor_id) for e in shown] == [(AccessOutcome.ALLOWED, worker.pk)]
    assert CaseVisit.objects.filter(user=worker, case=world.case_a).count() == 1
    login_verified(client, stranger)
    start = head_seq()
    assert client.get(url).status_code == 403
    refused = events_since(start).filter(target_type="cases.case", target_id=str(world.case_a.pk))
    assert [(e.outcome, e.actor_id) for e in refused] == [(AccessOutcome.DENIED, stranger.pk)]
    assert not CaseVisit.objects.filter(user=stranger).exists()


def test_my_cases_commits_its_decision_with_the_list_and_a_denial_once(client, world):
    """My cases: the page's decision and the list's event commit together (one commit); a role without
    the page is refused with one denied event all the same."""
    url = reverse("cases:my_cases")
    worker = world.users["social_worker"]
    login_verified(client, worker)
    start = head_seq()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    mine = events_since(start).filter(actor_id=worker.pk)
    assert sorted(e.action for e in mine) == [Action.LIST, Action.VIEW]
    # One transaction (in the test's own, a savepoint) opened before the first event, for both events.
    statements = [q["sql"] for q in captured.captured_queries]
    opened = [i for i, sql in enumerate(statements) if sql.startswith(("SAVEPOINT", "BEGIN"))]
    inserts = [i for i, sql in enumerate(statements) if sql.startswith("INSERT INTO audit_accessevent ")]
    assert len(opened) == 1 and len(inserts) == 2 and opened[0] < inserts[0], statements
    administrator = world.users["administrator"]
    login_verified(client, administrator)
    start = head_seq()
    assert client.get(url).status_code == 403
    refused = events_since(start).filter(actor_id=administrator.pk, target_type="cases.case")
    assert [(e.outcome, e.action) for e in refused] == [(AccessOutcome.DENIED, Action.VIEW)]
