"""Protection follows the person (issue 29, item 1).

Each unit keeps its own record of a person; a protected identity is the person's. Raised in any unit,
it is raised in every unit's record of the same person (the blind index), in the same transaction,
each record changed with its own access event and change history; the handlers of the other units'
cases are told on their start page, never by whom. It is lowered only by the unit that raised it,
with a reason, when that unit's supervisor approves, and then only in the records the same decision
raised, never below the level a record had before it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from audit.models import AccessOutcome, Action
from cases import queries, services
from cases.access import NOT_THE_RAISING_UNIT
from cases.models import Case, Person, ProtectionLowering
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, valid_number
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

PR, SM, FI, NONE = "protected_registration", "secrecy_marking", "fictitious_identity", "none"


@pytest.fixture
def units(world):
    """Case A's person is known to three units, each with its own record: district A (case A),
    district B, and the defector programme, which has a supervisor of its own."""
    number = world.case_a.person.personal_number
    b_case = CaseFactory(
        person=PersonFactory(personal_number=number, organisation=world.district_b),
        owner_unit=world.district_b,
        responsible=world.users["social_worker_other_district"],
    )
    worker = world.users["programme_worker"]
    p_case = CaseFactory(
        person=PersonFactory(personal_number=number, organisation=world.programme),
        owner_unit=world.programme,
        responsible=worker,
        activity="defector_programme",
    )
    assign_perm("cases.view_case", worker, p_case)
    chief = UserFactory(username="sup_avh", organisation=world.programme, roles=[Role.SUPERVISOR])
    return {"a": world.case_a, "b": b_case, "p": p_case, "worker": worker, "chief": chief}


def level(case) -> str:
    return Person.objects.get(pk=case.person_id).protected_identity


def raise_in_programme(units, to=PR):
    return services.person_protect(by=units["worker"], case_id=units["p"].pk, level=to)


def ask_to_lower(units, to=NONE):
    return services.protection_lowering_request(
        by=units["worker"], case_id=units["p"].pk, level=to, reason="Hotbilden är borta enligt BOPS."
    )


def test_raising_protection_in_one_unit_raises_it_in_every_unit(world, units):
    start = head_seq()
    raise_in_programme(units)
    records = {key: Person.objects.get(pk=units[key].person_id) for key in ("a", "b", "p")}
    assert {record.protected_identity for record in records.values()} == {PR}
    assert len({record.protection_decision for record in records.values()}) == 1
    assert {record.protection_raised_by_id for record in records.values()} == {world.programme.pk}
    # Each other unit's record changed is an access event of its own, naming that record's person.
    events = events_since(start).filter(action=Action.UPDATE, reason=services.RAISED_ELSEWHERE)
    assert sorted(str(e.subject_id) for e in events) == sorted(
        str(units[key].person_id) for key in ("a", "b")
    )
    assert all(e.purpose == "set the protected-identity level" for e in events)
    # Lotsa is their actor: no user or unit of the raising board is named on another board's record.
    actors = {(e.actor_id, e.actor_organisation_id, e.actor_organisation, e.actor_username) for e in events}
    assert actors == {(None, None, "", "lotsa")}
    # ... and an entry of its change history.
    person_type = ContentType.objects.get_for_model(Person)
    for key in ("a", "b"):
        updates = LogEntry.objects.filter(
            content_type=person_type, object_pk=str(units[key].person_id), action=LogEntry.Action.UPDATE
        )
        assert any(entry.changes_dict.get("protected_identity") == [NONE, PR] for entry in updates)


def test_the_other_unit_sees_the_raised_protection_on_its_next_request_without_the_raising_unit(
    client, world, units
):
    raise_in_programme(units)
    login_verified(client, world.users["supervisor"])  # reads case A, but is not its named handler
    page = client.get(reverse("cases:detail", kwargs={"case_id": units["a"].pk})).content.decode()
    assert "Gatan 1" not in page  # the address is hidden from all but the named handlers
    assert "Skyddad folkbokföring" in page and "av en annan enhet" in page
    assert world.programme.name not in page
    # Nor does the unit's log of who accessed the person name the raising board or its worker.
    person_id = units["a"].person_id
    log = client.get(reverse("supervision:person_access", kwargs={"person_id": person_id})).content.decode()
    assert "Ändring" in log or "ändring" in log
    assert world.programme.name not in log and units["worker"].get_full_name() not in log


def test_the_handlers_are_told_on_their_start_page_until_they_open_the_case(client, world, units):
    raise_in_programme(units)
    login_verified(client, world.users["social_worker"])
    home = client.get(reverse("home")).content.decode()
    assert "Skyddad identitet höjd för en person i ditt ärende" in home
    assert world.programme.name not in home
    assert reverse("cases:detail", kwargs={"case_id": units["a"].pk}) in home
    client.get(reverse("cases:detail", kwargs={"case_id": units["a"].pk}))
    assert "Skyddad identitet höjd" not in client.get(reverse("home")).content.decode()
    # The raising unit's own worker raised it: nothing to be told.
    login_verified(client, units["worker"])
    assert "Skyddad identitet höjd" not in client.get(reverse("home")).content.decode()


def test_a_new_record_of_a_protected_person_is_protected_from_the_start(world, units):
    raise_in_programme(units)
    district_c = OrganisationFactory(name="Hässelby-Vällingby stadsdelsförvaltning")
    worker_c = UserFactory(organisation=district_c, roles=[Role.SOCIAL_WORKER])
    case = services.case_open(
        by=worker_c,
        number=world.case_a.person.personal_number,
        details=services.PersonDetails("Anna", "Andersson", {}, {}, NONE),
        activity="intervention_group",
        milieu="unclear",
    )
    record = Person.objects.get(pk=case.person_id)
    assert record.protected_identity == PR
    assert record.protection_decision == Person.objects.get(pk=units["p"].person_id).protection_decision


def test_a_unit_that_did_not_raise_it_cannot_lower_it(client, world, units):
    raise_in_programme(units)
    login_verified(client, world.users["social_worker"])  # district A's handler of case A
    url = reverse("cases:protection_lower", kwargs={"case_id": units["a"].pk})
    page = client.get(reverse("cases:detail", kwargs={"case_id": units["a"].pk})).content.decode()
    assert url not in page  # not offered
    start = head_seq()
    response = client.post(url, {"level": NONE, "reason": "Vi tycker att det räcker."})
    assert response.status_code == 403
    denial = events_since(start).get(outcome=AccessOutcome.DENIED)
    assert denial.reason == NOT_THE_RAISING_UNIT and denial.subject_id == units["a"].person_id
    assert level(units["a"]) == PR and not ProtectionLowering.objects.exists()


def test_protection_is_never_lowered_without_the_raising_units_supervisor(world, units):
    raise_in_programme(units)
    lowering = ask_to_lower(units)
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}  # asked, not lowered
    for who in (units["worker"], world.users["supervisor"]):  # the asker; another unit's supervisor
        with pytest.raises(AccessDenied):
            services.protection_lowering_decide(by=who, lowering_id=lowering.pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}
    services.protection_lowering_decide(by=units["chief"], lowering_id=lowering.pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} == {NONE}
    record = Person.objects.get(pk=units["a"].person_id)
    assert record.protection_lowered_at is not None and record.protection_decision is None


def test_refusing_to_lower_needs_a_reason_and_changes_nothing(world, units):
    raise_in_programme(units)
    lowering = ask_to_lower(units)
    with pytest.raises(DomainError):
        services.protection_lowering_decide(
            by=units["chief"], lowering_id=lowering.pk, approve=False, note=" "
        )
    services.protection_lowering_decide(
        by=units["chief"], lowering_id=lowering.pk, approve=False, note="Nej."
    )
    assert ProtectionLowering.objects.get(pk=lowering.pk).status == "refused"
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}


def test_lowering_asks_a_level_below_the_present_one_and_a_reason(world, units):
    raise_in_programme(units)
    for to, reason in ((PR, "Skäl"), (FI, "Skäl"), (NONE, "  ")):
        with pytest.raises(DomainError):
            services.protection_lowering_request(
                by=units["worker"], case_id=units["p"].pk, level=to, reason=reason
            )
    assert not ProtectionLowering.objects.exists()


def test_lowering_lowers_only_the_records_the_same_decision_raised_never_below_their_own_level(world, units):
    # District A raised its own record to a fictitious identity; district B had a secrecy marking.
    services.person_protect(by=world.users["social_worker"], case_id=units["a"].pk, level=FI)
    b = Person.objects.get(pk=units["b"].person_id)
    assert b.protected_identity == FI  # A's raise reached B too
    # A's decision is A's to lower; the programme's raise to PR does not touch records above it.
    raise_in_programme(units)
    assert level(units["p"]) == FI  # already higher: the programme's raise changed nothing
    a_chief = world.users["supervisor"]
    lowering = services.protection_lowering_request(
        by=world.users["social_worker"],
        case_id=units["a"].pk,
        level=SM,
        reason="Fingerade uppgifter behövs inte.",
    )
    services.protection_lowering_decide(by=a_chief, lowering_id=lowering.pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} == {SM}
    # Now the programme raises to PR (a decision of its own), and lowers it again: the records
    # return to the level they had before that decision, secrecy marking, not none.
    raise_in_programme(units)
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}
    services.protection_lowering_decide(by=units["chief"], lowering_id=ask_to_lower(units).pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} == {SM}


def test_a_raise_overtaken_by_another_units_is_lowered_by_its_own_unit_once_that_one_is_lowered(world, units):
    """District A raises a secrecy marking; the programme overtakes it with protected registration and
    later lowers its own raise. The records return to A's marking, and A's decision is in force again:
    A (and only A) can lower it — no record is left with a level that nobody may lower."""
    a_worker, a_chief = world.users["social_worker"], world.users["supervisor"]
    services.person_protect(by=a_worker, case_id=units["a"].pk, level=SM)
    raise_in_programme(units)
    # A record opened while the programme's raise holds: it inherits that raise, not A's.
    treatment = OrganisationFactory(name="Behandlingsenheten")
    c_case = CaseFactory(
        person=PersonFactory(personal_number=units["a"].person.personal_number, organisation=treatment),
        owner_unit=treatment,
        responsible=UserFactory(organisation=treatment, roles=[Role.SOCIAL_WORKER]),
    )
    services.person_protection_inherit(by=units["worker"], person=c_case.person)
    assert level(c_case) == PR
    services.protection_lowering_decide(by=units["chief"], lowering_id=ask_to_lower(units).pk, approve=True)
    records = Person.objects.filter(pk__in=[units[k].person_id for k in ("a", "b", "p")] + [c_case.person_id])
    assert {(r.protected_identity, r.protection_raised_by_id) for r in records} == {(SM, world.district_a.pk)}
    # The programme no longer may lower it; district A may.
    with pytest.raises(AccessDenied):
        ask_to_lower(units)
    lowering = services.protection_lowering_request(
        by=a_worker, case_id=units["a"].pk, level=NONE, reason="Markeringen behövs inte längre."
    )
    services.protection_lowering_decide(by=a_chief, lowering_id=lowering.pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} | {level(c_case)} == {NONE}
    assert not Person.objects.filter(protection_decision__isnull=False).exists()


def test_a_record_raised_since_the_request_is_not_lowered_by_it(world, units):
    raise_in_programme(units, to=SM)
    lowering = ask_to_lower(units)
    raise_in_programme(units, to=PR)  # a new decision while the request waits
    with pytest.raises(DomainError):
        services.protection_lowering_decide(by=units["chief"], lowering_id=lowering.pk, approve=True)
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}


def test_the_supervisor_lowers_through_the_case_page(client, world, units):
    raise_in_programme(units)
    login_verified(client, units["worker"])
    detail = reverse("cases:detail", kwargs={"case_id": units["p"].pk})
    assert (
        reverse("cases:protection_lower", kwargs={"case_id": units["p"].pk})
        in client.get(detail).content.decode()
    )
    response = client.post(
        reverse("cases:protection_lower", kwargs={"case_id": units["p"].pk}),
        {"level": NONE, "reason": "Hotet är över."},
    )
    assert response.status_code == 302
    lowering = ProtectionLowering.objects.get()
    login_verified(client, units["chief"])
    assert "väntar på ditt godkännande" in client.get(reverse("home")).content.decode()
    assert "Hotet är över." in client.get(detail).content.decode()
    url = reverse(
        "cases:protection_lower_decide", kwargs={"case_id": units["p"].pk, "lowering_id": lowering.pk}
    )
    assert client.post(url, {"decision": "approve", "note": ""}).status_code == 302
    assert {level(units[key]) for key in ("a", "b", "p")} == {NONE}
    # District A's handler is told that it was lowered.
    login_verified(client, world.users["social_worker"])
    assert (
        "Skyddad identitet sänkt för en person i ditt ärende" in client.get(reverse("home")).content.decode()
    )


def test_the_demo_shows_jamals_protection_raised_by_the_programme_in_rinkeby_kista(client):
    from django.core.management import call_command
    from django.test import override_settings

    from accounts.models import User

    with override_settings(DEMO_MODE=True):
        call_command("load_demo")
    amina = User.objects.get(username="socialsekreterare.rk")
    jamal = next(
        case
        for case in Case.objects.filter(owner_unit=amina.organisation).select_related("person")
        if case.person.surname == "Provsson"
    )
    record = jamal.person
    assert record.protected_identity == PR
    assert record.protection_raised_by.kind == "defector_programme"
    login_verified(client, amina)
    home = client.get(reverse("home")).content.decode()
    assert "Skyddad identitet höjd för en person i ditt ärende" in home
    assert record.protection_raised_by.name not in home
    page = client.get(reverse("cases:detail", kwargs={"case_id": jamal.pk})).content.decode()
    assert "av en annan enhet" in page


# --- Protection follows a merge of a record made without a number ---------------------------------------


def _without_number(world):
    return services.case_open(
        by=world.users["social_worker"],
        number="",
        details=services.PersonDetails(
            given_names="Amir",
            surname="Okänd",
            contact={},
            address={},
            protected_identity="none",
            birth_date=dt.date(2009, 1, 1),
            birth_date_precision="year",
        ),
        activity="intervention_group",
        milieu="unclear",
    )


def _merge_approved(world, case, number):
    merge = services.person_merge_request(
        by=world.users["social_worker"], case_id=case.pk, number=number, reason="Migrationsverket"
    )
    return services.person_merge_decide(by=world.users["supervisor"], merge_id=merge.pk, approve=True)


def test_a_record_taking_the_number_inherits_the_strongest_protection_of_the_persons_other_records(
    world, units
):
    """District A has no record of the number; the programme's record of it is protected. Given the
    number, A's record holds the programme's raise, as one raised by the same decision."""
    number = valid_number(4343)
    units["p"].person = PersonFactory(personal_number=number, organisation=world.programme)
    units["p"].save()
    raise_in_programme(units, to=FI)
    raised = Person.objects.get(pk=units["p"].person_id)
    case = _without_number(world)
    _merge_approved(world, case, number)
    record = Person.objects.get(pk=case.person_id)
    assert record.protected_identity == FI
    assert record.protection_decision == raised.protection_decision
    assert record.protection_raised_by_id == world.programme.pk


def test_a_raise_held_by_a_record_taking_the_number_reaches_the_persons_other_records(world, units):
    """A's record made without a number is raised by A; once it takes a number the programme's record
    of it holds, that record is raised by the same decision, and A's lowering lowers it back."""
    number = valid_number(4344)
    units["p"].person = PersonFactory(personal_number=number, organisation=world.programme)
    units["p"].save()
    case = _without_number(world)
    services.person_protect(by=world.users["social_worker"], case_id=case.pk, level=PR)
    _merge_approved(world, case, number)
    ours = Person.objects.get(pk=case.person_id)
    theirs = Person.objects.get(pk=units["p"].person_id)
    assert theirs.protected_identity == PR and theirs.protection_decision == ours.protection_decision
    lowering = services.protection_lowering_request(
        by=world.users["social_worker"], case_id=case.pk, level=NONE, reason="Hotbilden är borta."
    )
    services.protection_lowering_decide(by=world.users["supervisor"], lowering_id=lowering.pk, approve=True)
    assert level(units["p"]) == NONE and level(case) == NONE


def test_a_merge_never_lowers_protection_and_keeps_the_survivors_own_raise_overtaken(world, units):
    """The unit's record holds the programme's secrecy marking; the record merged into it holds A's
    protected registration. The survivor holds the stronger, the programme's record is raised too, and
    once A lowers its raise both return to the programme's marking — never below it."""
    raise_in_programme(units, to=SM)
    case = _without_number(world)
    services.person_protect(by=world.users["social_worker"], case_id=case.pk, level=PR)
    assign_perm("cases.view_case", world.users["social_worker"], world.case_a)
    _merge_approved(world, case, units["a"].person.personal_number)
    assert {level(units[key]) for key in ("a", "b", "p")} == {PR}
    survivor = Person.objects.get(pk=units["a"].person_id)
    assert survivor.protection_raised_by_id == world.district_a.pk
    assert survivor.protection_level_before == SM and len(survivor.protection_overtaken) == 1
    lowering = services.protection_lowering_request(
        by=world.users["social_worker"], case_id=case.pk, level=NONE, reason="Hotbilden är borta."
    )
    services.protection_lowering_decide(by=world.users["supervisor"], lowering_id=lowering.pk, approve=True)
    records = Person.objects.filter(pk__in=[units[key].person_id for key in ("a", "b", "p")])
    assert {(r.protected_identity, r.protection_raised_by_id) for r in records} == {(SM, world.programme.pk)}


def test_the_case_pages_one_question_finds_the_waiting_lowering_until_it_is_decided(world, units):
    """cases.queries.requests_pending_of (the case page's, compiled once) answers what
    protection_lowering_pending answers, with who asked, and reads anew: decided, it is gone."""
    person_id = units["p"].person_id
    assert queries.requests_pending_of(person_id) == (None, None)
    raise_in_programme(units)
    lowering = ask_to_lower(units)
    found, merge = queries.requests_pending_of(person_id)
    assert merge is None and found == lowering == services.protection_lowering_pending(person_id)
    assert found.requested_by == units["worker"]
    assert queries.requests_pending_of(units["a"].person_id) == (None, None)  # another unit's record
    services.protection_lowering_decide(by=units["chief"], lowering_id=lowering.pk, approve=True)
    assert queries.requests_pending_of(person_id) == (None, None)
