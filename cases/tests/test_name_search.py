"""Search by name (issue 30, item 1): the folding and the phonetic key, the name index kept with the
person, and the search page's rules: nothing decrypted to search, only what the user may see, one
access event naming everyone shown, bad input explained."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.models import Action
from cases import names, services
from cases.models import Person, PersonNameToken
from cases.selectors import cases_found_by_name
from cases.sfinxbis import sfinxbis
from lotsa import access, crypto
from tests.factories import CaseFactory, PersonFactory, number_born
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified, named_by

SWEDISH = "abcdefghijklmnopqrstuvwxyzåäöéü"
name_words = st.text(alphabet=SWEDISH, min_size=2, max_size=12)
FOLD = str.maketrans("åäöéü", "aaoeu")


# --- The phonetic key (SfinxBis) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Christopher", "K68376"),
        ("Kristoffer", "K68376"),
        ("Niall", "N4"),
        ("Smith", "S53"),
        ("Schmidt", "S53"),
        ("Johansson", "J585"),
        ("Sjöberg", "#162"),
        ("Andersson", "$53685"),
        ("Anderson", "$53685"),
        ("Mohammed", "M53"),
        ("Muhammad", "M53"),
    ],
)
def test_sfinxbis_gives_the_keys_of_the_reference(name, key):
    assert sfinxbis(name) == (key,)


def test_sfinxbis_leaves_out_particles_and_keys_each_part_of_a_double_name():
    assert sfinxbis("af Klint") == sfinxbis("Klint")
    assert sfinxbis("Lind-Ekberg") == sfinxbis("Lind") + sfinxbis("Ekberg")


@given(word=name_words)
def test_sfinxbis_ignores_case_and_doubled_letters(word):
    assert sfinxbis(word) == sfinxbis(word.upper())
    assert sfinxbis(word + word[-1]) == sfinxbis(word) or word[-1] != word[-2:-1]


@given(word=name_words)
def test_sfinxbis_keys_are_a_first_sound_and_consonant_classes(word):
    for key in sfinxbis(word):
        assert key[0] in "$#ABCDEFGHIJKLMNOPQRSTUVXYÄÅÖ" and set(key[1:]) <= set("12345678")
        # a class repeats only where a vowel stood between: "Anna" and "Ana" sound the same
        assert sfinxbis(word.replace("n", "nn")) == sfinxbis(word) or "nn" in word


# --- Folding and tokens ----------------------------------------------------------------------------


@given(word=name_words)
def test_a_token_folds_case_and_diacritics(word):
    (token,) = names.tokens(word)
    assert token.folded == word.translate(FOLD)
    assert names.tokens(word.upper())[0].folded == token.folded
    decomposed = unicodedata.normalize("NFD", word.upper())
    assert names.tokens(decomposed)[0].folded == token.folded


@given(parts=st.lists(name_words, min_size=1, max_size=4), joiner=st.sampled_from(["-", " ", " - ", "  "]))
def test_hyphenated_and_double_names_split_into_the_same_tokens(parts, joiner):
    folded = [t.folded for t in names.tokens(joiner.join(parts))]
    assert folded == list(dict.fromkeys(p.translate(FOLD) for p in parts))


def test_ostberg_and_östberg_are_one_token_with_one_sound():
    assert names.tokens("Östberg") == names.tokens("OSTBERG") == names.tokens("ostberg")


@given(given_names=st.lists(name_words, min_size=1, max_size=3), year=st.integers(1900, 2026))
def test_index_rows_are_the_same_whatever_the_case_and_diacritics(given_names, year):
    text = " ".join(given_names)
    plain = text.translate(FOLD)
    rows = names.entries(given_names=text, surname="Östberg", birth_year=year)
    # What is typed without diacritics finds its rows among those of the name as written.
    assert names.entries(given_names=plain.upper(), surname="OSTBERG", birth_year=year) <= rows
    token_rows = {row for row in rows if row[0] in (names.Kind.TOKEN, names.Kind.TOKEN_Y)}
    assert token_rows == {
        row
        for row in names.entries(given_names=plain.upper(), surname="OSTBERG", birth_year=year)
        if row[0] in (names.Kind.TOKEN, names.Kind.TOKEN_Y)
    }
    assert all(0 <= digest < 2**names.DIGEST_BITS for _kind, digest in rows)


@pytest.mark.parametrize(
    "typed",
    ["A", "a b", "Ann*", "%son", "Ann_a", "?", "Anna 12", "", "   ", "- -"],
)
def test_a_name_query_of_one_letter_a_wildcard_or_digits_is_refused_with_a_message(typed):
    with pytest.raises(names.InvalidNameQuery):
        names.parse(typed, born="2009")


def test_a_single_name_is_searched_only_with_a_birth_year_or_date():
    with pytest.raises(names.InvalidNameQuery):
        names.parse("Amir")
    assert names.parse("Amir", born="2009").year == 2009
    assert names.parse("Amir", born="2009-03-04").born_on == dt.date(2009, 3, 4)
    assert len(names.parse("Amir Haddad").tokens) == 2
    for born in ("09", "2009-13-01", "1700", "year"):
        with pytest.raises(names.InvalidNameQuery) as refused:
            names.parse("Amir", born=born)
        assert refused.value.field == "born"


# --- The index kept with the person ----------------------------------------------------------------


def _rows(person) -> set:
    return set(PersonNameToken.objects.filter(person=person).values_list("kind", "digest"))


def test_the_name_index_follows_every_save_of_the_names(db):
    person = PersonFactory(given_names="Ann-Sofie", surname="Östberg")
    born = person.birth_date.year
    assert _rows(person) == names.entries(given_names="Ann-Sofie", surname="Östberg", birth_year=born)
    person.surname = "Lind Ekberg"
    person.save()
    assert _rows(person) == names.entries(given_names="Ann-Sofie", surname="Lind Ekberg", birth_year=born)
    reread = Person.objects.get(pk=person.pk)
    reread.protected_identity = "protected_registration"
    reread.save()  # names not written: nothing recomputed, nothing lost
    assert _rows(person) == names.entries(given_names="Ann-Sofie", surname="Lind Ekberg", birth_year=born)


def test_erasure_removes_the_persons_name_tokens(db):
    person = PersonFactory(given_names="Amir", surname="Haddad")
    other = PersonFactory(given_names="Amir", surname="Haddad")
    assert _rows(person)
    services.person_erase(person_id=person.pk, reason="gallring")
    assert not PersonNameToken.objects.filter(person=person).exists()
    assert _rows(other)


# --- The search ------------------------------------------------------------------------------------


def _search(user, typed, born=""):
    return cases_found_by_name(user=user, query=names.parse(typed, born=born))


def test_a_name_search_finds_without_diacritics_and_by_sound(world):
    worker = world.users["social_worker"]
    person = world.case_a.person
    person.surname = "Östberg"
    person.save()
    for typed in (f"{MARKER} Ostberg", f"{MARKER.upper()} östberg", f"{MARKER} Östbergh"):
        assert [case.pk for case in _search(worker, typed).cases] == [world.case_a.pk], typed
    year = person.birth_date.year
    assert [case.pk for case in _search(worker, "ostberg", born=str(year)).cases] == [world.case_a.pk]
    assert _search(worker, "ostberg", born=str(year + 1)).cases == []
    assert _search(worker, "ostberg", born=f"{year}-01-01").cases == [] or person.birth_date == dt.date(
        year, 1, 1
    )


def test_a_name_search_decrypts_only_its_candidates_however_many_people_there_are(world, monkeypatch):
    """The index narrows in SQL: the search decrypts as much among a few people as among many more
    (only the candidates' keys and names), never a scan of every row."""
    opened = []
    real_unseal = crypto.unseal
    monkeypatch.setattr(crypto, "unseal", lambda *args: opened.append(1) or real_unseal(*args))
    worker = world.users["social_worker"]

    def decryptions() -> int:
        opened.clear()
        with crypto.key_cache():
            found = _search(worker, f"{MARKER} Alfa")
        assert [case.pk for case in found.cases] == [world.case_a.pk]
        return len(opened)

    few = decryptions()
    for n in range(30):
        CaseFactory(
            person=PersonFactory(given_names=f"Person{chr(97 + n % 26)}x", organisation=world.district_a),
            owner_unit=world.district_a,
        )
    assert decryptions() == few <= 4  # the key, the two names, the number (for the birth date)


@pytest.mark.parametrize("common", [1, 3, 10**6])
def test_the_candidates_are_the_same_whichever_criterion_is_read_first(world, monkeypatch, common):
    """The index lookup starts from the rarest criterion and only probes the common ones: whichever
    criteria count as common (all, some, none), the same people are proposed, only the unit's own and
    never an erased one."""
    from cases import queries

    serials = iter(range(200, 300))

    def person(given, surname, unit=world.district_a, born=dt.date(1990, 5, 1)):
        number = number_born(born, serial=next(serials))
        return PersonFactory(given_names=given, surname=surname, organisation=unit, personal_number=number).pk

    anna_berg = person("Anna Maria", "Berg")
    anna_lind_berg = person("Anna", "Lind-Berg", born=dt.date(1991, 2, 3))
    person("Anna", "Lind")
    karl_berg = person("Karl", "Berg")
    person("Anna", "Berg", unit=world.district_b)
    # Marked erased with its index rows left behind (erasure deletes them too): the filter is tested.
    Person.objects.bypassing_guard("test").filter(pk=person("Anna", "Berg")).update(
        erased_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    monkeypatch.setattr(queries, "NAME_CRITERION_COMMON", common)

    def found(typed, born=""):
        return set(
            queries.people_named(
                organisation_id=world.district_a.pk, query=names.parse(typed, born=born), limit=100
            )
        )

    assert found("Anna Berg") == {anna_berg, anna_lind_berg}
    assert found("Ana Bergh") == {anna_berg, anna_lind_berg}  # by sound
    assert found("Anna Lind Berg") == {anna_lind_berg}
    assert found("Berg", born="1990") == {anna_berg, karl_berg}
    assert found("Karl Lind") == set()
    assert found("Zacharias Berg") == set()


def test_a_colliding_digest_is_dropped_once_the_candidate_is_decrypted(world):
    worker = world.users["social_worker"]
    decoy = CaseFactory(
        person=PersonFactory(given_names="Beata", surname="Cederlund", organisation=world.district_a),
        owner_unit=world.district_a,
        responsible=worker,
    )
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", worker, decoy)
    # The decoy's rows made to collide with the digests of what is searched.
    PersonNameToken.objects.bulk_create(
        PersonNameToken(person=decoy.person, kind=kind, digest=digest)
        for alternatives in names.parse(f"{MARKER} Alfa").criteria()
        for kind, digest in alternatives
    )
    start = head_seq()
    found = _search(worker, f"{MARKER} Alfa")
    assert [case.pk for case in found.cases] == [world.case_a.pk]
    assert named_by(events_since(start).filter(action=Action.SEARCH)) == [world.case_a.person_id]


@pytest.mark.parametrize(
    "who",
    [
        "social_worker",
        "social_worker_unassigned",
        "social_worker_other_district",
        "supervisor",
        "coordinator",
        "administrator",
        "external_member",
        "programme_worker",
        "vbe_worker",
    ],
)
def test_a_name_search_shows_only_whom_the_user_may_see_and_names_them_all_in_one_event(world, who):
    user = world.users[who]
    for _n in range(3):  # namesakes in both districts, some of them not the user's
        for unit in (world.district_a, world.district_b):
            CaseFactory(
                person=PersonFactory(given_names="Amir", surname="Haddad", organisation=unit), owner_unit=unit
            )
    start = head_seq()
    found = _search(user, "Amir Haddad")
    may_see = set(access.visible_to(user, world.case_a.__class__.objects.all()).values_list("pk", flat=True))
    assert {case.pk for case in found.cases} <= may_see
    events = list(events_since(start).filter(action=Action.SEARCH))
    assert len(events) == 1
    assert sorted(map(str, named_by(events))) == sorted({str(case.person_id) for case in found.cases})


def test_the_search_page_finds_by_name_and_records_the_search(client, world):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.post(reverse("cases:search"), {"name": f"alfa {MARKER.lower()}"})
    assert MARKER in response.content.decode()
    assert named_by(events_since(start).filter(action=Action.SEARCH)) == [world.case_a.person_id]
    # Another district's worker learns nothing, not even that the name exists elsewhere.
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    body = client.post(reverse("cases:search"), {"name": f"{MARKER} Alfa"}).content.decode()
    result = body.split('id="results-heading"', 1)[1]  # the form shows back what the user typed
    assert MARKER not in result and "Du har inget ärende med en person med de namnen" in result
    assert named_by(events_since(start).filter(action=Action.SEARCH)) == []


def test_a_number_typed_as_a_name_is_searched_as_a_number(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(reverse("cases:search"), {"name": world.case_a.person.personal_number})
    assert MARKER in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "A"}, "Skriv minst ett namn"),
        ({"name": "Ann*", "born": "2009"}, "jokertecken"),
        ({"name": "%son", "born": "2009"}, "jokertecken"),
        ({"name": "12345"}, "Skriv personnumret som"),
        ({"name": "Amir"}, "ett namn ensamt"),
        ({"name": "Amir", "born": "09"}, "Skriv födelseåret"),
        ({"personal_number": "", "name": "", "born": ""}, "Skriv hela personnumret eller ett namn"),
    ],
)
def test_bad_name_input_gets_a_swedish_message_and_searches_nothing(client, world, data, message):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.post(reverse("cases:search"), data)
    assert message in response.content.decode()
    assert not events_since(start).filter(action=Action.SEARCH).exists()


def test_the_data_migration_indexes_the_people_recorded_before_the_index(db):
    import importlib

    from django.apps import apps

    fill = importlib.import_module("cases.migrations.0026_person_name_index_filled").fill
    kept = PersonFactory(given_names="Göran", surname="Åberg-Lind")
    erased = PersonFactory(given_names="Amir", surname="Haddad")
    services.person_erase(person_id=erased.pk, reason="gallring")
    PersonNameToken.objects.all().delete()  # as before the index existed
    fill(apps, None)
    born = kept.birth_date.year
    assert _rows(kept) == names.entries(given_names="Göran", surname="Åberg-Lind", birth_year=born)
    assert not PersonNameToken.objects.filter(person=erased).exists()


def test_a_search_matching_more_people_than_are_shown_asks_to_narrow_it(world, monkeypatch):
    from cases import selectors

    monkeypatch.setattr(selectors, "NAME_SEARCH_SHOWN", 1)
    supervisor = world.users["supervisor"]
    for _n in range(2):
        CaseFactory(
            person=PersonFactory(given_names="Amir", surname="Haddad", organisation=world.district_a),
            owner_unit=world.district_a,
        )
    start = head_seq()
    found = _search(supervisor, "Amir Haddad")
    assert len(found.cases) == 1 and found.more
    assert named_by(events_since(start).filter(action=Action.SEARCH)) == [found.cases[0].person_id]
