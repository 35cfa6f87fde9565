"""People without a Swedish number (issue 30, item 2): recorded with a reserve identity and a birth
date that may be approximate; merged with their record when the real number becomes known, as a
four-eyes act, one event naming both records, nothing lost and everything under one key."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from guardian.shortcuts import assign_perm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import OrganisationKind
from audit.models import AccessEvent, AccessOutcome, Action
from cases import names, services
from cases import reserve_identity as reserve
from cases.models import Case, JournalEntry, Person, PersonMerge, PersonNameToken
from cases.services import PersonDetails
from cases.tests.test_cases import open_form
from consent import services as consent_services
from consent.models import Consent
from lotsa import access, crypto
from lotsa.errors import DomainError
from lotsa.models import DataKey
from lotsa.vocabulary import InformationCategory, Purpose
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, number_born, valid_number
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


def details(born=dt.date(2009, 1, 1), precision=reserve.BirthDatePrecision.YEAR, name="Amir"):
    return PersonDetails(
        given_names=name,
        surname="Okänd",
        contact={"phone": "070-1"},
        address={},
        protected_identity="none",
        birth_date=born,
        birth_date_precision=precision,
    )


def open_without_number(world, **kwargs):
    return services.case_open(
        by=world.users["social_worker"],
        number="",
        details=kwargs.pop("details", details()),
        activity="intervention_group",
        milieu="unclear",
        **kwargs,
    )


# --- The format ---------------------------------------------------------------------------------------


@given(st.integers(min_value=1900, max_value=2200))
def test_a_generated_reserve_identity_is_valid_and_never_a_personal_identity_number(year):
    identity = reserve.generate(today=dt.date(year, 6, 1))
    assert reserve.normalise(identity) == identity
    assert reserve.normalise(reserve.formatted(identity).lower()) == identity
    assert not identity.isdigit()  # letters: never a personal identity or coordination number


@given(st.text(max_size=20))
def test_anything_typed_is_a_canonical_reserve_identity_or_a_translated_refusal(text):
    try:
        canonical = reserve.normalise(text)
    except reserve.InvalidReserveIdentity as error:
        assert str(error.message)
    else:
        assert reserve.is_reserve_identity(canonical)


def test_a_single_mistyped_digit_is_refused_by_the_check_digit():
    identity = reserve.generate()
    digit = identity[7]
    wrong = identity[:7] + str((int(digit) + 1) % 10) + identity[8:]
    with pytest.raises(reserve.InvalidReserveIdentity):
        reserve.normalise(wrong)


def test_a_birth_date_in_the_future_or_malformed_is_refused():
    today = dt.date(2026, 12, 7)
    for text in ("2027", "2026-12-08", "2026-13-01", "12/5/2009", "", "20"):
        with pytest.raises(reserve.InvalidReserveIdentity):
            reserve.parse_birth_date(text, approximate=False, today=today)
    assert reserve.parse_birth_date("2009", approximate=False, today=today) == (dt.date(2009, 1, 1), "year")
    assert reserve.parse_birth_date("2009-06-15", approximate=True, today=today)[1] == "approximate"


# --- Recording a person without a number ----------------------------------------------------------


def test_a_person_without_a_number_is_recorded_with_an_encrypted_blind_indexed_reserve_identity(world):
    case = open_without_number(world)
    person = Person.objects.get(pk=case.person_id)
    assert person.personal_number is None and reserve.is_reserve_identity(person.reserve_identity)
    assert person.reserve_identity_index and person.reserve_identity not in person.reserve_identity_index
    raw = Person.objects.filter(pk=person.pk).values_list("reserve_identity", flat=True).get()
    assert person.reserve_identity.encode() not in bytes(raw)
    found = services.person_find_by_reserve_identity(
        organisation=world.district_a, identity=reserve.formatted(person.reserve_identity).lower()
    )
    assert found == person
    assert person.birth_date == dt.date(2009, 1, 1) and person.birth_date_is_approximate


def test_a_typed_reserve_identity_finds_the_units_record_instead_of_duplicating(world):
    identity = reserve.generate()
    first = open_without_number(world, reserve_identity=identity)
    second = open_without_number(world, reserve_identity=reserve.formatted(identity))
    assert first.person_id == second.person_id


def test_an_erased_record_is_found_by_its_reserve_identity_no_more(world):
    """Erasure clears every blind index: typing the identity again records a new person, never the
    erased record (whose values can no longer be read)."""
    identity = reserve.generate()
    first = open_without_number(world, reserve_identity=identity)
    services.person_erase(person_id=first.person_id, reason="test")
    erased = Person.objects.get(pk=first.person_id)
    assert erased.reserve_identity_index is None and erased.personal_number_index is None
    assert services.person_find_by_reserve_identity(organisation=world.district_a, identity=identity) is None


def test_an_approximate_birth_date_drives_the_age_rules_from_its_earliest_day(world, settings):
    # A year only: the 1st of January, so the child and youth unit's end (and a guardians' consent's
    # majority) comes no later than for the true date.
    case = open_without_number(world, details=details(born=dt.date(2012, 1, 1)))
    limit = settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE + 1
    assert case.youth_unit_ends_on == dt.date(2012 + limit, 1, 1)


def test_the_open_form_records_a_person_without_a_number(client, world):
    login_verified(client, world.users["social_worker"])
    form = open_form("", no_number="on", birth_date="2010", reserve_identity="")
    response = client.post(reverse("cases:open"), form)
    assert response.status_code == 302
    person = Case.objects.order_by("-opened_at").first().person
    assert person.personal_number is None and person.birth_date == dt.date(2010, 1, 1)


@pytest.mark.parametrize(
    "overrides",
    [
        {"no_number": "on", "birth_date": "2010", "reserve_identity": "LR2026-12345-2"},  # check digit
        {"no_number": "on", "birth_date": "2010", "reserve_identity": "XX12"},
        {"no_number": "on", "birth_date": "2999-01-01"},  # in the future
        {"no_number": "on", "birth_date": ""},
        {"birth_date": "2010"},  # no number, box not ticked
    ],
)
def test_bad_identity_input_gets_a_message_and_changes_nothing(client, world, overrides):
    login_verified(client, world.users["social_worker"])
    people, cases = Person.objects.count(), Case.objects.count()
    response = client.post(reverse("cases:open"), open_form("", **overrides))
    assert response.status_code == 200
    assert b'class="error' in response.content or b"errorlist" in response.content
    assert (Person.objects.count(), Case.objects.count()) == (people, cases)


# --- Merging (four eyes) ----------------------------------------------------------------------------


def ask_merge(world, case, number):
    return services.person_merge_request(
        by=world.users["social_worker"], case_id=case.pk, number=number, reason="Migrationsverket"
    )


def test_a_merge_needs_the_units_supervisor_never_the_one_who_asked(world):
    case = open_without_number(world)
    merge = ask_merge(world, case, world.case_a.person.personal_number)
    for who in (world.users["social_worker"], world.users["social_worker_other_district"]):
        with pytest.raises(access.AccessDenied):
            services.person_merge_decide(by=who, merge_id=merge.pk, approve=True)
    assert Case.objects.get(pk=case.pk).person_id == case.person_id


def test_approving_a_merge_moves_everything_to_the_numbered_record_with_one_event_naming_both(world):
    case = open_without_number(world)
    worker, chief = world.users["social_worker"], world.users["supervisor"]
    entry = services.journal_add(by=worker, case_id=case.pk, category="housing", text="Kom via skolan")
    services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    absorbed_id, kept = case.person_id, world.case_a.person
    merge = ask_merge(world, case, kept.personal_number)
    start = head_seq()
    merge = services.person_merge_decide(by=chief, merge_id=merge.pk, approve=True)
    events = events_since(start)
    assert events.count() == 1
    event = events.get()
    assert event.action == Action.DECIDE and event.outcome == AccessOutcome.ALLOWED
    assert set(AccessEvent.objects.naming(absorbed_id).values_list("pk", flat=True)) >= {event.pk}
    assert set(AccessEvent.objects.naming(kept.pk).values_list("pk", flat=True)) >= {event.pk}
    assert merge.absorbed_id == absorbed_id and merge.person_id == kept.pk
    assert Case.objects.get(pk=case.pk).person_id == kept.pk
    moved = JournalEntry.objects.get(pk=entry.pk)
    assert moved.person_id == kept.pk and moved.text == "Kom via skolan" and moved.is_signed
    kept = Person.objects.get(pk=kept.pk)
    assert kept.reserve_identity  # the reserve identity is kept with the record
    gone = Person.objects.get(pk=absorbed_id)
    assert gone.merged_into_id == kept.pk and gone.erased_at is not None
    assert DataKey.objects.get(subject_id=absorbed_id).shredded_at is not None


def test_with_no_record_of_the_number_the_record_takes_the_number(world):
    case = open_without_number(world)
    number = valid_number(4242)
    merge = ask_merge(world, case, number)
    services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=True)
    person = Person.objects.get(pk=case.person_id)
    assert person.personal_number == number and reserve.is_reserve_identity(person.reserve_identity)
    assert services.person_find(organisation=world.district_a, number=number) == person


def test_refusing_a_merge_needs_a_reason_and_changes_nothing(world):
    case = open_without_number(world)
    merge = ask_merge(world, case, world.case_a.person.personal_number)
    with pytest.raises(DomainError):
        services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=False)
    merge = services.person_merge_decide(
        by=world.users["supervisor"], merge_id=merge.pk, approve=False, note="Fel person"
    )
    assert merge.status == "refused" and Case.objects.get(pk=case.pk).person_id == case.person_id


def test_a_malformed_number_in_a_merge_request_is_refused_and_changes_nothing(world):
    case = open_without_number(world)
    with pytest.raises(DomainError):
        ask_merge(world, case, "19990101-0000")
    assert not PersonMerge.objects.exists()


def test_the_merge_pages_ask_and_decide(client, world):
    case = open_without_number(world)
    login_verified(client, world.users["social_worker"])
    response = client.post(
        reverse("cases:merge", args=[case.pk]),
        {"number": world.case_a.person.personal_number, "reason": "Skatteverket"},
    )
    assert response.status_code == 302
    merge = PersonMerge.objects.get()
    login_verified(client, world.users["supervisor"])
    page = reverse("cases:merge_decide", args=[case.pk, merge.pk])
    shown = client.get(page)
    assert shown.status_code == 200 and b"Skatteverket" in shown.content
    invalid = client.post(page, {"decision": ""})
    assert invalid.status_code == 200 and PersonMerge.objects.get().status == "pending"
    assert client.post(page, {"decision": "approve", "note": ""}).status_code == 302
    assert Case.objects.get(pk=case.pk).person_id == world.case_a.person_id


# --- The property: after any records and a merge, everything points at the survivor and decrypts ----


def _everything_pointing_at(person_ids):
    rows = []
    for model, field, _encrypted in services._rows_pointing_at(None):
        if model is PersonMerge and field.name == "absorbed":
            continue
        for row in model._base_manager.filter(**{f"{field.name}__in": person_ids}):
            rows.append((model, field, row.pk))
    return rows


_SERIALS = itertools.count(7000)
_TEXTS = st.text(alphabet="abcåäö ", min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    entries=st.lists(st.tuples(st.booleans(), st.booleans(), _TEXTS), max_size=4),
    with_consent=st.booleans(),
    survivor_cases=st.integers(min_value=0, max_value=2),
    as_duplicate=st.booleans(),
)
def test_after_any_records_and_a_merge_every_row_points_at_the_survivor_and_decrypts(
    world_for_merges, entries, with_consent, survivor_cases, as_duplicate
):
    world = world_for_merges
    worker = world.users["social_worker"]
    number = valid_number(next(_SERIALS))  # the examples share one database: a new person each
    survivor = PersonFactory(personal_number=number, organisation=world.district_a)
    for _ in range(survivor_cases):
        extra = CaseFactory(person=survivor, owner_unit=world.district_a, responsible=worker)
        services.journal_add(by=worker, case_id=extra.pk, category="housing", text="överlevande")
    case = open_without_number(world, details=details(born=dt.date(1990, 1, 1), name="Reserv"))
    for on_reserve, signed, text in entries:
        target = case if on_reserve or survivor_cases == 0 else Case.objects.filter(person=survivor).first()
        entry = services.journal_add(by=worker, case_id=target.pk, category="housing", text=text)
        if signed:
            services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    if with_consent:
        consent_services.consent_record(
            by=worker,
            case_id=case.pk,
            terms=consent_services.ConsentTerms(
                purpose="defector_programme",
                purpose_text="för avhopp",
                recipient_ids=[world.programme.pk],
                categories=["threat_protection"],
                valid_from=dt.date.today(),
                valid_until=dt.date.today() + dt.timedelta(days=90),
                given_how="oral",
                witness="Vittne",
            ),
        )
    absorbed_id = case.person_id
    before = _everything_pointing_at([absorbed_id, survivor.pk])
    texts = {pk: row.text for pk, row in JournalEntry.objects.in_bulk().items()}
    if as_duplicate and survivor_cases:
        # The same person entered twice (cases/duplicates.py): the same merge, asked for two records.
        merge = services.person_merge_request(
            by=worker, case_id=case.pk, other_id=survivor.pk, reason="Samma person"
        )
    else:
        merge = ask_merge(world, case, number)
    services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=True)
    assert not _everything_pointing_at([absorbed_id])
    for model, field, pk in before:
        if model is PersonNameToken:
            continue  # derived from the names: written anew for the survivor (below), not moved
        row = model._base_manager.get(pk=pk)
        assert getattr(row, field.attname) == survivor.pk
        for name in crypto.encrypted_fields(model):
            getattr(row, name)  # decrypts, or raises
    for pk, text in texts.items():
        assert JournalEntry.objects.get(pk=pk).text == text
    kept = Person.objects.get(pk=survivor.pk)
    for name in crypto.encrypted_fields(Person):
        getattr(kept, name)
    assert kept.given_names  # the survivor's own names, or the absorbed record's where it had none
    # The name index holds exactly the survivor's names, once.
    born = kept.birth_date
    expected = names.entries(given_names=kept.given_names, surname=kept.surname, birth_year=born.year)
    indexed = PersonNameToken.objects.filter(person=kept).values_list("kind", "digest")
    assert sorted(indexed) == sorted(expected)


@pytest.fixture
def world_for_merges(world):
    assign_perm("cases.view_case", world.users["social_worker"], world.case_a)
    return world


# --- The real birth date, once known, moves what was derived from the approximate one -----------------


def guardians_consent(world, case):
    police = OrganisationFactory(name="Polisen Provområde", kind=OrganisationKind.POLICE)
    terms = consent_services.ConsentTerms(
        purpose=Purpose.INTERVENTION_GROUP,
        purpose_text="",
        recipient_ids=[police.pk],
        categories=[InformationCategory.HOUSING],
        valid_from=dt.date(2026, 1, 10),
        valid_until=dt.date(2026, 12, 31),
        given_how="oral",
        witness="Vera Vittne",
        guardians_required=2,
        guardians_consented=2,
        child_own_consent=True,
    )
    return consent_services.consent_record(by=world.users["social_worker"], case_id=case.pk, terms=terms)


@pytest.mark.parametrize(
    "real_birthday, comes_of_age",
    [
        # Born earlier than the approximate date said: the guardians' consent ends at the real majority.
        (dt.date(2008, 5, 12), dt.date(2026, 5, 12)),
        # Born later: majority is never moved later than the day the consent was recorded with.
        (dt.date(2008, 11, 3), dt.date(2026, 9, 1)),
    ],
)
def test_a_guardians_consent_ends_at_the_real_majority_once_the_number_is_known_never_later(
    world, real_birthday, comes_of_age
):
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC), tick=False):
        case = open_without_number(
            world, details=details(born=dt.date(2008, 9, 1), precision=reserve.BirthDatePrecision.APPROXIMATE)
        )
        consent = guardians_consent(world, case)
        assert consent.adult_on == dt.date(2026, 9, 1)
        merge = ask_merge(world, case, number_born(real_birthday))
        services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=True)
    assert Consent.objects.get(pk=consent.pk).adult_on == comes_of_age


# --- Review mends: who sees the survivor, the trigger's exception, merge errors ------------------------


def test_only_who_may_decide_the_merge_sees_which_record_keeps_the_number(client, world):
    """The requester learns that the unit keeps a record with the number (as opening a case with it
    would tell them), never whose; the supervisor who decides sees the record, and only that page's
    event names it."""
    case = open_without_number(world)
    survivor = world.case_a.person
    merge = ask_merge(world, case, survivor.personal_number)
    page = reverse("cases:merge_decide", args=[case.pk, merge.pk])
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    shown = client.get(page).content.decode()
    assert survivor.surname not in shown and survivor.given_names not in shown
    assert "redan en post med detta nummer" in shown
    assert not AccessEvent.objects.naming(survivor.pk).filter(pk__gt=start).exists()
    login_verified(client, world.users["supervisor"])
    start = head_seq()
    shown = client.get(page).content.decode()
    assert survivor.surname in shown
    assert AccessEvent.objects.naming(survivor.pk).filter(pk__gt=start, action=Action.VIEW).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
def test_a_signed_entry_moves_only_to_the_record_its_own_was_merged_into_whatever_the_setting_says(world):
    """The transaction-local setting is the application's to set: alone it opens nothing. A signed
    entry of a record not marked merged into the target stays where it is."""
    entry = world.signed_entry
    with pytest.raises(DatabaseError, match="final"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lotsa.merging_person', %s, true)", [str(entry.person_id)])
        cursor.execute(
            "UPDATE cases_journalentry SET person_id = %s WHERE id = %s", [world.case_b.person_id, entry.pk]
        )
    assert JournalEntry.objects.get(pk=entry.pk).person_id == entry.person_id


def test_a_merge_that_the_database_refuses_says_so_and_changes_nothing(world_for_merges, monkeypatch):
    """A colleague gives the number to another record of the unit at the same moment: the record
    cannot take it; the supervisor is told in words, nothing is changed, never a 500."""
    case = open_without_number(world_for_merges)
    merge = ask_merge(world_for_merges, case, world_for_merges.case_a.person.personal_number)
    monkeypatch.setattr(services, "person_find", lambda **kwargs: None)  # the other record not yet seen
    with pytest.raises(DomainError, match="kunde inte slås samman"):
        with transaction.atomic():
            services.person_merge_decide(
                by=world_for_merges.users["supervisor"], merge_id=merge.pk, approve=True
            )
    assert Person.objects.get(pk=case.person_id).personal_number_index is None
    assert PersonMerge.objects.get(pk=merge.pk).status == "pending"


def test_records_whose_rows_cannot_move_are_not_merged_and_nothing_changes(world_for_merges, monkeypatch):
    case = open_without_number(world_for_merges)
    merge = ask_merge(world_for_merges, case, world_for_merges.case_a.person.personal_number)

    def refused(**kwargs):
        raise IntegrityError("a constraint no one foresaw")

    monkeypatch.setattr(services, "_repoint", refused)
    with pytest.raises(DomainError, match="kunde inte slås samman"):
        with transaction.atomic():
            services.person_merge_decide(
                by=world_for_merges.users["supervisor"], merge_id=merge.pk, approve=True
            )
    assert Case.objects.get(pk=case.pk).person_id == case.person_id
    assert Person.objects.get(pk=case.person_id).erased_at is None


def test_both_records_waiting_for_a_decision_is_said_as_such(world_for_merges):
    """Both records have a request to lower their protection waiting: the one that can wait only one
    at a time says so (decide it first), rather than that the merge failed."""
    world = world_for_merges
    case = open_without_number(world)
    worker, chief = world.users["social_worker"], world.users["supervisor"]
    for each in (case, world.case_a):
        services.person_protect(by=worker, case_id=each.pk, level="secrecy_marking")
    merge = ask_merge(world, case, world.case_a.person.personal_number)
    for each in (case, world.case_a):
        services.protection_lowering_request(by=worker, case_id=each.pk, level="none", reason="Borta.")
    with pytest.raises(DomainError, match="först"):
        with transaction.atomic():
            services.person_merge_decide(by=chief, merge_id=merge.pk, approve=True)
    assert Case.objects.get(pk=case.pk).person_id == case.person_id
