"""The supervisor's desk: who accessed a person, the systematic review of the access log, the
needs-and-risk analyses behind the roles."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from audit import services as audit
from audit.models import AccessEvent, AccessOutcome, Action
from cases import services as case_services
from cases.tests.test_reserve_identity import ask_merge, open_without_number
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from supervision import selectors as supervision_selectors
from supervision import services
from supervision.extract import extract_events
from supervision.log_review import RULES, draw, scope_of
from supervision.models import LogReview, NeedsRiskAnalysis, ReviewItem, SignedOff
from tests.factories import PersonFactory, UserFactory
from tests.helpers import events_since, head_seq, login_verified

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
# A Tuesday in the period, in working hours.
WORKDAY = dt.datetime(2026, 11, 10, 10, 0, tzinfo=STOCKHOLM)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def event(user, person=None, *, action=Action.VIEW, outcome=AccessOutcome.ALLOWED, ground="", when=WORKDAY):
    with at(when):
        return audit.append(
            [
                audit.Event(
                    action=action,
                    outcome=outcome,
                    actor=user,
                    target_type="cases.case",
                    subject_id=person.pk if person is not None else None,
                    legal_ground=ground,
                )
            ]
        )[0]


def sample(world, **kwargs):
    scope = scope_of(world.district_a.pk, START, END)
    return draw(
        scope, seed=kwargs.pop("seed", 7), random_samples=kwargs.pop("random_samples", 0), per_rule=50
    )


# --- Who accessed this person -------------------------------------------------------------------


def test_the_supervisor_sees_every_event_naming_the_person_and_the_look_is_itself_logged(client, world):
    person = world.case_a.person
    supervisor = world.users["supervisor"]
    event(world.users["social_worker"], person)
    event(world.users["external_member"], person, outcome=AccessOutcome.DENIED)
    with at(WORKDAY):
        audit.append(
            [
                audit.Event(
                    action=Action.LIST,
                    actor=world.users["social_worker"],
                    subjects=[person.pk, world.case_b.person_id],
                )
            ]
        )
    login_verified(client, supervisor)
    before = head_seq()
    url = reverse("supervision:person_access", kwargs={"person_id": person.pk})
    response = client.get(url, {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 händelser" in body
    assert "Polisen Järva" in body and "sw_a" in body
    assert "<svg" in body and "Åtkomster per vecka" in body
    looked = [e for e in events_since(before) if e.target_type == "supervision.personaccesslog"]
    assert (
        len(looked) == 1 and looked[0].subject_id == person.pk and looked[0].outcome == AccessOutcome.ALLOWED
    )
    # Filters: the police's denial only.
    response = client.get(url, {"start": "2026-11-01", "end": "2026-11-30", "organisation": "Polisen Järva"})
    assert "1 händelse" in response.content.decode()
    response = client.get(url, {"start": "2026-11-01", "end": "2026-11-30", "outcome": "allowed"})
    assert "2 händelser" in response.content.decode()


@pytest.mark.parametrize(
    "role", ["social_worker", "social_worker_other_district", "administrator", "coordinator"]
)
def test_only_the_owning_units_supervisor_sees_who_accessed_a_person(client, world, role):
    other_supervisor = UserFactory(organisation=world.district_b, roles=[Role.SUPERVISOR])
    for user in (world.users[role], other_supervisor):
        client.logout()
        login_verified(client, user)
        before = head_seq()
        response = client.get(
            reverse("supervision:person_access", kwargs={"person_id": world.case_a.person_id})
        )
        assert response.status_code == 403
        assert [e.outcome for e in events_since(before) if e.subject_id == world.case_a.person_id] == [
            AccessOutcome.DENIED
        ]


# --- The sample ----------------------------------------------------------------------------------


def test_the_sample_is_reproducible_from_its_seed_and_period(world):
    people = [PersonFactory(organisation=world.district_a) for _ in range(5)]
    for n in range(40):
        event(world.users["social_worker"], people[n % 5], when=WORKDAY + dt.timedelta(hours=n))
    first = sample(world, seed=12345, random_samples=10)
    assert first == sample(world, seed=12345, random_samples=10)
    assert len(first) >= 10
    assert first != sample(world, seed=54321, random_samples=10)


def test_a_drawn_review_holds_exactly_the_sample_of_its_seed(world):
    supervisor = world.users["supervisor"]
    services.log_review_plan_set(by=supervisor, every_days=30, random_samples=5, per_rule=2)
    for n in range(20):
        event(world.users["social_worker"], world.case_a.person, when=WORKDAY + dt.timedelta(minutes=n))
    review = services.log_review_draw(by=supervisor, start=START, end=END, seed=99)
    expected = draw(scope_of(world.district_a.pk, START, END), seed=99, random_samples=5, per_rule=2)
    assert {item.event_id: item.reasons for item in review.items.all()} == expected
    assert review.events_in_scope >= 20


def _picked(world, rule: str) -> set[int]:
    return {pk for pk, reasons in sample(world).items() if rule in reasons}


def test_an_ordinary_read_is_picked_by_no_risk_rule(world):
    ordinary = event(world.users["social_worker"], world.case_a.person)
    assert not any(ordinary.pk in _picked(world, rule.code) for rule in RULES)


def test_rule_not_assigned_picks_a_read_by_staff_who_handle_no_case_of_the_person(world):
    read = event(world.users["social_worker_unassigned"], world.case_a.person)
    assert read.pk in _picked(world, "not_assigned")


def test_rule_emergency_picks_emergency_access(world):
    opened = event(
        world.users["social_worker_unassigned"], world.case_a.person, action=Action.EMERGENCY_ACCESS
    )
    read = event(
        world.users["social_worker_unassigned"], world.case_a.person, ground="emergency access (nödåtkomst)"
    )
    assert {opened.pk, read.pk} <= _picked(world, "emergency")


def test_rule_protected_picks_events_naming_a_person_with_protected_identity(world):
    hidden = PersonFactory(organisation=world.district_a, protected_identity="protected_registration")
    alone = event(world.users["social_worker"], hidden)
    with at(WORKDAY):
        listed = audit.append(
            [
                audit.Event(
                    action=Action.LIST,
                    actor=world.users["social_worker"],
                    subjects=[hidden.pk, world.case_a.person_id],
                )
            ]
        )[0]
    assert {alone.pk, listed.pk} <= _picked(world, "protected")


def test_rule_many_people_picks_a_user_opening_many_people_in_a_short_time(world):
    people = [PersonFactory(organisation=world.district_a) for _ in range(10)]
    reads = [
        event(world.users["social_worker"], person, when=WORKDAY + dt.timedelta(minutes=3 * n))
        for n, person in enumerate(people)
    ]
    assert {r.pk for r in reads} <= _picked(world, "many_people")
    # Nine people in an hour, or ten over a day, are not a burst.
    assert not _picked(world, "many_people") - {r.pk for r in reads}


def test_rule_many_people_leaves_reads_spread_over_the_day(world):
    people = [PersonFactory(organisation=world.district_a) for _ in range(10)]
    for n, person in enumerate(people):
        event(world.users["social_worker"], person, when=WORKDAY + dt.timedelta(minutes=50 * n))
    assert not _picked(world, "many_people")


def test_rule_outside_hours_picks_nights_and_weekends(world):
    night = event(
        world.users["social_worker"],
        world.case_a.person,
        when=dt.datetime(2026, 11, 10, 23, 30, tzinfo=STOCKHOLM),
    )
    sunday = event(
        world.users["social_worker"],
        world.case_a.person,
        when=dt.datetime(2026, 11, 15, 11, 0, tzinfo=STOCKHOLM),
    )
    day = event(world.users["social_worker"], world.case_a.person)
    picked = _picked(world, "outside_hours")
    assert {night.pk, sunday.pk} <= picked and day.pk not in picked


def test_rule_repeated_denials_picks_a_user_denied_again_and_again(world):
    denials = [
        event(
            world.users["social_worker_unassigned"],
            world.case_a.person,
            outcome=AccessOutcome.DENIED,
            when=WORKDAY + dt.timedelta(minutes=n),
        )
        for n in range(3)
    ]
    once = event(world.users["social_worker"], world.case_a.person, outcome=AccessOutcome.DENIED)
    picked = _picked(world, "repeated_denials")
    assert {d.pk for d in denials} <= picked and once.pk not in picked


def test_rule_new_account_picks_events_by_an_account_created_shortly_before(world):
    with at(WORKDAY - dt.timedelta(days=2)):
        newcomer = UserFactory(organisation=world.district_a, roles=[Role.SOCIAL_WORKER])
    fresh = event(newcomer, world.case_a.person)
    assert fresh.pk in _picked(world, "new_account")
    assert event(world.users["social_worker"], world.case_a.person).pk not in _picked(world, "new_account")


def test_events_of_other_units_are_not_in_the_sample(world):
    elsewhere = event(
        world.users["social_worker_other_district"],
        world.case_b.person,
        when=dt.datetime(2026, 11, 10, 23, 0, tzinfo=STOCKHOLM),
    )
    assert elsewhere.pk not in sample(world, random_samples=1000)


# --- Marking and signing off ---------------------------------------------------------------------


@pytest.fixture
def review(world):
    supervisor = world.users["supervisor"]
    services.log_review_plan_set(by=supervisor, every_days=30, random_samples=3, per_rule=1)
    for n in range(3):
        event(world.users["social_worker"], world.case_a.person, when=WORKDAY + dt.timedelta(minutes=n))
    return services.log_review_draw(by=supervisor, start=START, end=END, seed=1)


def test_a_review_is_signed_off_only_when_every_event_is_marked_and_then_never_changes(world, review):
    supervisor = world.users["supervisor"]
    items = list(review.items.all())
    with pytest.raises(DomainError):
        services.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion="Klart")
    with pytest.raises(DomainError):
        services.log_review_item_mark(by=supervisor, item_id=items[0].pk, mark="follow_up", note="")
    for item in items:
        services.log_review_item_mark(by=supervisor, item_id=item.pk, mark="in_order", note="")
    with pytest.raises(DomainError):
        services.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion="  ")
    signed = services.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion="Inga avvikelser")
    assert signed.signed_off_by == supervisor
    with pytest.raises(AccessDenied):
        services.log_review_item_mark(by=supervisor, item_id=items[0].pk, mark="follow_up", note="Ändrat")
    with pytest.raises(AccessDenied):
        services.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion="Ny slutsats")
    item = ReviewItem.objects.get(pk=items[0].pk)
    item.note = "Ändrat i efterhand"
    with pytest.raises(SignedOff):
        item.save()
    signed.conclusion = "Ändrad"
    with pytest.raises(SignedOff):
        signed.save()
    with pytest.raises(SignedOff):
        signed.delete()
    assert LogReview.objects.get(pk=review.pk).conclusion == "Inga avvikelser"


@pytest.mark.postgres
def test_postgresql_refuses_to_change_a_signed_off_review(world, review):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    supervisor = world.users["supervisor"]
    for item in review.items.all():
        services.log_review_item_mark(by=supervisor, item_id=item.pk, mark="in_order", note="")
    services.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion="Inga avvikelser")
    for sql in (
        "UPDATE supervision_logreview SET conclusion = 'x' WHERE id = %s",
        "DELETE FROM supervision_logreview WHERE id = %s",
        "UPDATE supervision_reviewitem SET note = 'x' WHERE review_id = %s",
        "DELETE FROM supervision_reviewitem WHERE review_id = %s",
    ):
        with pytest.raises(Exception, match="refused"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [review.pk])
    assert LogReview.objects.get(pk=review.pk).conclusion == "Inga avvikelser"


def test_a_period_is_reviewed_once_and_only_after_it_has_ended(world, review):
    supervisor = world.users["supervisor"]
    with pytest.raises(DomainError, match="redan"):
        services.log_review_draw(by=supervisor, start=START, end=END)
    today = dt.date.today()
    with pytest.raises(DomainError):
        services.log_review_draw(by=supervisor, start=today - dt.timedelta(days=3), end=today)
    with pytest.raises(DomainError):
        services.log_review_draw(by=supervisor, start=END, end=START)


def test_only_the_units_supervisor_draws_marks_and_signs(world, review):
    other = UserFactory(organisation=world.district_b, roles=[Role.SUPERVISOR])
    item = review.items.first()
    for user in (other, world.users["social_worker"], world.users["administrator"]):
        with pytest.raises(AccessDenied):
            services.log_review_item_mark(by=user, item_id=item.pk, mark="in_order", note="")
        with pytest.raises(AccessDenied):
            services.log_review_sign_off(by=user, review_id=review.pk, conclusion="x")


def test_the_review_page_walks_through_marking_and_sign_off(client, world, review):
    supervisor = world.users["supervisor"]
    login_verified(client, supervisor)
    url = reverse("supervision:review", kwargs={"review_id": review.pk})
    body = client.get(url).content.decode()
    assert "Varför i urvalet" in body
    for item in review.items.all():
        response = client.post(
            reverse("supervision:review_mark", kwargs={"review_id": review.pk, "item_id": item.pk}),
            {"mark": "in_order", "note": ""},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("supervision:review_sign_off", kwargs={"review_id": review.pk}), {"conclusion": ""}
    )
    assert LogReview.objects.get(pk=review.pk).signed_off_at is None
    response = client.post(
        reverse("supervision:review_sign_off", kwargs={"review_id": review.pk}),
        {"conclusion": "Allt i sin ordning"},
        follow=True,
    )
    assert "kan inte längre ändras" in response.content.decode()
    assert LogReview.objects.get(pk=review.pk).signed_off_by == supervisor


# --- Needs-and-risk analyses -------------------------------------------------------------------------


def test_an_analysis_is_in_force_once_approved_by_someone_other_than_its_author(world):
    admin = world.users["administrator"]
    supervisor = world.users["supervisor"]
    first = services.analysis_write(
        by=admin,
        organisation_id=world.district_a.pk,
        role=Role.SOCIAL_WORKER,
        needs="Läsa sina ärenden",
        risks="Nyfikenhet",
    )
    assert first.version == 1 and not first.is_approved
    with pytest.raises(AccessDenied):
        services.analysis_approve(by=admin, analysis_id=first.pk)
    own = services.analysis_write(
        by=supervisor, organisation_id=world.district_a.pk, role=Role.SOCIAL_WORKER, needs="N", risks="R"
    )
    assert own.version == 2
    with pytest.raises(AccessDenied):
        services.analysis_approve(by=supervisor, analysis_id=own.pk)
    approved = services.analysis_approve(by=supervisor, analysis_id=first.pk)
    assert approved.approved_by == supervisor
    with pytest.raises(AccessDenied):
        services.analysis_approve(by=supervisor, analysis_id=first.pk)
    approved.needs = "Ändrat"
    with pytest.raises(SignedOff):
        approved.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedsRiskAnalysis.objects.bypassing_guard("test: the constraint refuses too").filter(
            pk=own.pk
        ).update(approved_by=supervisor, approved_at=WORKDAY)
    other_district = UserFactory(organisation=world.district_b, roles=[Role.SUPERVISOR])
    with pytest.raises(AccessDenied):
        services.analysis_write(
            by=other_district, organisation_id=world.district_a.pk, role="social_worker", needs="N", risks="R"
        )


def test_the_review_shows_which_analysis_was_in_force_for_each_event(client, world):
    admin, supervisor = world.users["administrator"], world.users["supervisor"]
    with at(WORKDAY - dt.timedelta(days=5)):
        old = services.analysis_write(
            by=admin, organisation_id=world.district_a.pk, role="social_worker", needs="Gammal", risks="R"
        )
        services.analysis_approve(by=supervisor, analysis_id=old.pk)
    with at(WORKDAY + dt.timedelta(days=5)):
        new = services.analysis_write(
            by=admin, organisation_id=world.district_a.pk, role="social_worker", needs="Ny", risks="R"
        )
        services.analysis_approve(by=supervisor, analysis_id=new.pk)
    event(world.users["social_worker"], world.case_a.person)
    services.log_review_plan_set(by=supervisor, every_days=30, random_samples=5, per_rule=0)
    review = services.log_review_draw(by=supervisor, start=START, end=END, seed=3)
    login_verified(client, supervisor)
    body = client.get(reverse("supervision:review", kwargs={"review_id": review.pk})).content.decode()
    links = re.findall(r'analyses/(\d+)/"', body)
    assert str(old.pk) in links and str(new.pk) not in links


def test_the_start_page_tells_the_supervisor_what_waits_at_the_desk(client, world):
    supervisor = world.users["supervisor"]
    login_verified(client, supervisor)
    body = client.get("/").content.decode()
    assert "ingen plan för granskning av åtkomstloggen" in body
    services.log_review_plan_set(by=supervisor, every_days=30, random_samples=5, per_rule=1)
    body = client.get("/").content.decode()
    assert "En granskning av åtkomstloggen ska göras." in body
    services.analysis_write(
        by=world.users["administrator"],
        organisation_id=world.district_a.pk,
        role="social_worker",
        needs="N",
        risks="R",
    )
    body = client.get("/").content.decode()
    assert "Behovs- och riskanalyser som väntar på ditt godkännande: 1" in body


def test_bad_input_on_the_desk_gets_a_message_and_changes_nothing(client, world):
    supervisor = world.users["supervisor"]
    login_verified(client, supervisor)
    response = client.post(
        reverse("supervision:review_plan"),
        {"every_days": "0", "random_samples": "x", "per_rule": "-1"},
        follow=True,
    )
    assert response.status_code == 200 and "messages" in response.content.decode()
    response = client.post(reverse("supervision:review_draw"), {"start": "igår", "end": ""}, follow=True)
    assert response.status_code == 200
    assert not LogReview.objects.exists()
    response = client.post(
        reverse("supervision:analysis_write"),
        {"organisation": "999999999999999999999", "role": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert not NeedsRiskAnalysis.objects.exists()
    assert AccessEvent.objects.filter(actor_id=supervisor.pk, purpose="a form with errors").count() == 3


# --- Subject access extracts (GDPR Art. 15) ---------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_extract_is_prepared_by_a_handler_approved_by_another_and_then_given_out(client, world):
    from supervision import selectors
    from supervision.models import SubjectAccessExtract

    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    with pytest.raises(AccessDenied):
        services.subject_access_prepare(
            by=world.users["social_worker_unassigned"],
            case_id=world.case_a.pk,
            with_staff_names=False,
            reason="",
        )
    with pytest.raises(AccessDenied):
        services.subject_access_prepare(
            by=supervisor, case_id=world.case_a.pk, with_staff_names=False, reason=""
        )
    with pytest.raises(DomainError):
        services.subject_access_prepare(by=worker, case_id=world.case_a.pk, with_staff_names=True, reason=" ")
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    from lotsa.waiting import waiting_for

    assert "Registerutdrag som väntar på ditt godkännande: 1" in [w.text for w in waiting_for(supervisor)]
    assert "Dina registerutdrag som väntar på godkännande: 1" in [w.text for w in waiting_for(worker)]
    with pytest.raises(AccessDenied):
        selectors.subject_access_pdf_for(user=worker, extract_id=extract.pk)
    with pytest.raises(AccessDenied):
        services.subject_access_decide(by=worker, extract_id=extract.pk, approve=True, note="")
    with pytest.raises(DomainError):
        services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=False, note="")
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=True, note="")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubjectAccessExtract.objects.filter(pk=extract.pk).update(reviewed_by=worker)
    login_verified(client, worker)
    before = head_seq()
    response = client.get(reverse("supervision:subject_access_pdf", kwargs={"extract_id": extract.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    exported = [e for e in events_since(before) if e.action == Action.EXPORT]
    assert len(exported) == 1 and exported[0].subject_id == world.case_a.person_id
    text = _pdf_text(response.content)
    assert "Registerutdrag" in text and world.case_a.person.surname in text
    assert "Sociala insatsgrupper" in text and "medlemmar från Polisen Järva" in text


def test_the_extract_lists_exactly_the_events_naming_the_person_without_staff_names(world):
    from supervision import selectors
    from supervision.extract import extract_events

    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    person = world.case_a.person
    event(world.users["external_member"], person)
    with at(WORKDAY):
        audit.append(
            [audit.Event(action=Action.LIST, actor=worker, subjects=[person.pk, world.case_b.person_id])]
        )
    event(worker, world.case_b.person)  # names someone else
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    later = event(worker, person, when=dt.datetime.now(tz=STOCKHOLM))  # after the extract: not in it
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=True, note="")
    _extract, pdf = selectors.subject_access_pdf_for(user=worker, extract_id=extract.pk)
    text = _pdf_text(pdf)
    listed = {int(ref) for ref in re.findall(r"#(\d+)", text)}
    expected = set(
        AccessEvent.objects.naming(person.pk)
        .filter(pk__lte=extract.last_event_id)
        .values_list("pk", flat=True)
    )
    assert listed == expected == set(extract_events(extract).values_list("pk", flat=True))
    assert later.pk not in listed
    assert "Polisen Järva" in text
    assert worker.username not in text and world.users["external_member"].username not in text


def test_the_extract_marks_the_events_not_yet_sealed(world):
    """What an extract lists is covered by a seal or says that it is not yet (issue 26)."""
    from audit import chain
    from supervision import selectors

    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    event(world.users["external_member"], world.case_a.person)
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=True, note="")
    _extract, pdf = selectors.subject_access_pdf_for(user=worker, extract_id=extract.pk)
    assert "ännu inte förseglad" in _pdf_text(pdf)
    chain.seal_pending()
    _extract, pdf = selectors.subject_access_pdf_for(user=worker, extract_id=extract.pk)
    assert "ännu inte förseglad" not in _pdf_text(pdf)


def test_the_extract_groups_consultations_by_organisation_and_month_in_words(world):
    """A person reads who consulted their data by organisation, then month, then what was done and
    why, with the days: not one line of codes per event (issue 28)."""
    from supervision import selectors

    worker, supervisor, police = (world.users[k] for k in ("social_worker", "supervisor", "external_member"))
    person = world.case_a.person
    consent = "consent:4f0c8f0e-5b7a-4c55-9a53-3f1f3f3c2b10"

    def viewed(when, actor, **why):
        with at(when):
            event = audit.Event(action=Action.VIEW, actor=actor, subject_id=person.pk, **why)
            return audit.append([event])[0]

    first = viewed(
        dt.datetime(2026, 10, 3, 10, 0, tzinfo=STOCKHOLM),
        police,
        purpose="intervention_group",
        legal_ground=consent,
    )
    second = viewed(
        dt.datetime(2026, 10, 5, 10, 0, tzinfo=STOCKHOLM),
        police,
        purpose="intervention_group",
        legal_ground=consent,
    )
    third = viewed(
        dt.datetime(2026, 11, 12, 9, 0, tzinfo=STOCKHOLM),
        worker,
        purpose="casework",
        reason="assigned to the case",
    )
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    _extract, preview = selectors.subject_access_preview_for(user=supervisor, extract_id=extract.pk)
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=True, note="")
    _extract, pdf = selectors.subject_access_pdf_for(user=worker, extract_id=extract.pk)
    text = " ".join(_pdf_text(pdf).split())
    police_part = text[text.index("Polisen Järva") :]
    assert "Oktober 2026 Visning, Social insatsgrupp; med personens samtycke: 2 gånger (3 och 5 oktober)" in (
        police_part
    )
    assert f"#{first.pk}" in police_part and f"#{second.pk}" in police_part
    assert "November 2026 Visning, handläggning i ärendet: 1 gång (12 november)" in text
    assert f"#{third.pk}" in text and "Referenser" in text
    for code in ("intervention_group", "casework", "4f0c8f0e", "consent:", " | "):
        assert code not in text
    # The preview is the same document, marked as one.
    preview_text = " ".join(_pdf_text(preview).split())
    assert "FÖRHANDSVISNING" in preview_text and "FÖRHANDSVISNING" not in text
    assert "3 och 5 oktober" in preview_text


def test_the_preview_is_for_the_supervisor_who_decides_while_it_waits_and_is_recorded(client, world):
    """The preview holds every record the unit keeps of the person: reading it is part of approving
    it. Its author (who handles one case of the person), a colleague, and anyone once it is decided
    are refused, each refusal recorded."""
    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    url = reverse("supervision:subject_access_preview", kwargs={"extract_id": extract.pk})
    login_verified(client, supervisor)
    page = client.get(reverse("supervision:subject_access", kwargs={"extract_id": extract.pk}))
    assert url in page.content.decode()
    before = head_seq()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    viewed = events_since(before).get(target_type="supervision.subjectaccessextract")
    assert viewed.action == Action.VIEW and viewed.subject_id == world.case_a.person_id
    assert viewed.purpose == "preview a subject access extract"
    for other in ("social_worker", "social_worker_unassigned"):
        client.logout()
        login_verified(client, world.users[other])
        page = client.get(reverse("supervision:subject_access", kwargs={"extract_id": extract.pk}))
        assert url not in page.content.decode(), other
        before = head_seq()
        assert client.get(url).status_code == 403, other
        assert events_since(before).get().outcome == AccessOutcome.DENIED, other
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=False, note="Fel period")
    client.logout()
    login_verified(client, supervisor)
    before = head_seq()
    assert client.get(url).status_code == 403  # decided: nothing is previewed any more
    assert events_since(before).get().outcome == AccessOutcome.DENIED


def test_the_extract_of_a_person_concerned_leaves_out_the_relation_secret_from_them(world):
    from relatives.selectors import NAMED_AS_CONCERNED
    from supervision import selectors

    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    person = world.case_a.person
    secret = audit.append(
        [
            audit.Event(
                action=Action.VIEW,
                actor=worker,
                target_type="relatives.relation",
                subject_id=person.pk,
                reason=NAMED_AS_CONCERNED,
            )
        ]
    )[0]
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=True, reason="Begärt av personen, prövat"
    )
    services.subject_access_decide(by=supervisor, extract_id=extract.pk, approve=True, note="")
    _extract, pdf = selectors.subject_access_pdf_for(user=supervisor, extract_id=extract.pk)
    text = _pdf_text(pdf)
    assert f"#{secret.pk}" not in text
    assert "OSL 26 kap. 1 §" in text
    assert worker.username in text  # named, with the reason


@pytest.mark.slow
def test_the_extract_of_a_demo_person_lists_exactly_the_events_naming_them(db):
    import io

    from django.core.management import call_command
    from django.test import override_settings

    from supervision import selectors
    from supervision.extract import SECRET_FROM_THE_PERSON
    from supervision.models import SubjectAccessExtract

    with override_settings(DEMO_MODE=True):
        call_command("load_demo", stdout=io.StringIO())
    extract = SubjectAccessExtract.objects.get(status="approved")
    _extract, pdf = selectors.subject_access_pdf_for(user=extract.prepared_by, extract_id=extract.pk)
    text = _pdf_text(pdf)
    listed = [int(ref) for ref in re.findall(r"#(\d+)", text)]
    naming = AccessEvent.objects.naming(extract.person_id).filter(pk__lte=extract.last_event_id)
    expected = set(
        naming.exclude(SECRET_FROM_THE_PERSON & Q(subject_id=extract.person_id)).values_list("pk", flat=True)
    )
    assert len(listed) == len(set(listed)) and set(listed) == expected
    assert len(expected) > 20  # the demo's two months of reads
    assert "Adam Testsson" in text and "Rinkeby-Kista stadsdelsförvaltning" in text
    assert "Samtycken till att dela uppgifter" in text and "Journalanteckningar" in text
    assert "socialsekreterare.rk" not in text


def test_bad_input_for_an_extract_or_a_draw_is_decided_and_changes_nothing(client, world):
    from supervision.models import SubjectAccessExtract

    worker = world.users["social_worker"]
    login_verified(client, worker)
    url = reverse("supervision:subject_access_new", kwargs={"case_id": world.case_a.pk})
    assert "Upprätta utdraget" in client.get(url).content.decode()
    before = head_seq()
    response = client.post(url, {"with_staff_names": "on", "reason": "x" * 400}, follow=True)
    assert response.status_code == 200 and not SubjectAccessExtract.objects.exists()
    decided = events_since(before).filter(target_type="supervision.subjectaccessextract")
    assert [e.action for e in decided] == [Action.CREATE]
    response = client.post(url, {"with_staff_names": "on", "reason": ""}, follow=True)
    assert "Skriv varför personalen namnges" in response.content.decode()
    assert not SubjectAccessExtract.objects.exists()
    response = client.post(url, {"reason": ""})
    extract = SubjectAccessExtract.objects.get()
    assert response["Location"] == reverse("supervision:subject_access", kwargs={"extract_id": extract.pk})


def test_after_a_merge_the_survivors_access_history_keeps_the_events_naming_the_absorbed_record(world):
    """Nothing is lost for the access history: the events that named the record made without a
    number are the survivor's in 'who accessed' and in its subject access extract."""
    worker, supervisor = world.users["social_worker"], world.users["supervisor"]
    assign_perm("cases.view_case", worker, world.case_a)
    case = open_without_number(world)
    before_merge = event(world.users["external_member"], case.person, when=dt.datetime.now(tz=STOCKHOLM))
    merge = ask_merge(world, case, world.case_a.person.personal_number)
    case_services.person_merge_decide(by=supervisor, merge_id=merge.pk, approve=True)
    survivor_id = world.case_a.person_id
    shown = supervision_selectors.person_access_log_for(user=supervisor, person_id=survivor_id)
    listed = {row.event.pk for row in shown["rows"]}
    assert before_merge.pk in listed
    extract = services.subject_access_prepare(
        by=worker, case_id=world.case_a.pk, with_staff_names=False, reason=""
    )
    assert before_merge.pk in set(extract_events(extract).values_list("pk", flat=True))
