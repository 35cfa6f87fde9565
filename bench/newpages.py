"""Rows 11-13: the pages added since the first benchmarks (issue 34, item 4), each the whole request
(session, second factor, decision, event, decryption, rendering) against a baseline in one run,
alternating so that drift hits both alike.

11. The defector programme's page of one case (an open gate, BOPS's assessment, an approved decision,
    interventions, a placement with its protected address, follow-ups), against the same template
    rendered from plaintext copies (bench.models) with no access decision, consent or audit.
12. Who accessed a person, on the supervisor's desk (the events of the access log naming the person,
    with the picture per week and one page of them), against the same template from a plaintext log
    of the same events (no decision, no event of its own, no seal, no merged records).
13. The coordinator's indicators of effect: the page served from the published tables
    (coordination.published) against the page computing every table first (what every view did
    before), and against the same page from the same tables with no access decision and no event.

What they need (a programme case, events naming a person, three years of what the indicators count)
is made in a transaction rolled back at the end, so the cached data set is left as it was.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import transaction
from django.utils import timezone

from bench.rows import row

SIZES = {
    # events naming the person (row 12); groups, first contacts, follow-ups, referrals a year (row 13)
    "full": {"events": 2000, "per_year": 400},
    "quick": {"events": 500, "per_year": 100},
    "smoke": {"events": 20, "per_year": 2},
}


class _Rollback(Exception):
    pass


def _secure_and_plain(client, urls: dict, n: int):
    from bench.suite import _time_requests

    samples = _time_requests(client, urls, n)
    return samples, statistics.median(samples["secure"]), statistics.median(samples["plain"])


def _note(samples, extra: str) -> str:
    from bench.suite import _p95s

    return f"{_p95s(samples)}; {extra}"


# --- Row 11: the programme's page ------------------------------------------------------------------------


def _programme_world():
    """A programme case with the whole gate, three interventions (one a placement), two follow-ups;
    made through the services, as the programme makes them. Its plaintext copy beside it."""
    from guardian.shortcuts import assign_perm

    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from bench import models as plain
    from consent import services as consent_services
    from defectors import services
    from defectors.models import (
        BopsAssessment,
        Enrolment,
        FollowUp,
        Intervention,
        Placement,
        SupportDecision,
    )
    from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

    programme = OrganisationFactory(
        name="Bänk: avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME
    )
    bops = OrganisationFactory(name="Bänk: BOPS", kind=OrganisationKind.BOPS)
    police = OrganisationFactory(name="Bänk: polisen", kind=OrganisationKind.POLICE)
    worker = UserFactory(username="bench_avh", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME])
    supervisor = UserFactory(username="bench_avh_chef", organisation=programme, roles=[Role.SUPERVISOR])
    bops_user = UserFactory(username="bench_bops", organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    person = PersonFactory(organisation=programme)
    case = CaseFactory(person=person, owner_unit=programme, responsible=worker, activity="defector_programme")
    assign_perm("cases.view_case", worker, case)
    today = dt.date.today()
    consent_services.consent_record(
        by=worker,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose="defector_programme",
            purpose_text="",
            recipient_ids=[bops.pk, police.pk],
            categories=["threat_protection", "interventions_plans", "housing"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=180),
            given_how="oral",
            witness="Bänk",
        ),
    )
    services.bops_assess(
        by=bops_user, person_id=person.pk, level="high", special_protection_need=True, notes="Hög hotbild."
    )
    services.conditions_record(by=worker, case_id=case.pk, signed_on=today, witness="Polisen Vittne")
    services.not_protected_witness_confirm(by=worker, case_id=case.pk)
    decision = services.decision_prepare(
        by=worker, case_id=case.pk, section="sol_4_1", text="Bistånd beviljas."
    )
    services.decision_review(by=supervisor, decision_id=decision.pk, approve=True, note="")
    for kind in ("budget_debt", "jobbtorg", "temporary_flat"):
        intervention = services.intervention_add(
            by=worker,
            case_id=case.pk,
            kind=kind,
            section="sol_4_1",
            provider="Bänkens utförare",
            starts_on=today,
            planned_end=today + dt.timedelta(days=90),
        )
    services.placement_add(
        by=worker,
        intervention_id=intervention.pk,
        address={"street": "Skyddade vägen 1", "postcode": "123 45", "town": "Stockholm"},
        protected_housing=True,
        outside_stockholm=False,
    )
    for months in (6, 12):
        FollowUp.objects.create(
            case=case, person_id=person.pk, months=months, due_on=today + dt.timedelta(days=30 * months)
        )

    plain_person = plain.PlainPerson.objects.create(
        organisation=programme,
        given_names=person.given_names,
        surname=person.surname,
        personal_number=person.personal_number or "",
        contact=person.contact or {},
        address=person.address or {},
    )
    plain_case = plain.PlainCase.objects.create(
        person=plain_person,
        owner_unit=programme,
        responsible=worker,
        activity=case.activity,
        milieu=case.milieu,
        status=case.status,
    )
    enrolment = Enrolment.objects.get(case=case)
    plain.PlainEnrolment.objects.create(
        case=plain_case,
        conditions_signed_on=enrolment.conditions_signed_on,
        conditions_witness=enrolment.conditions_witness,
        not_protected_witness_confirmed_at=enrolment.not_protected_witness_confirmed_at,
    )
    for a in BopsAssessment.objects.filter(case=case):
        plain.PlainBopsAssessment.objects.create(
            case=plain_case,
            organisation_id=a.organisation_id,
            author_id=a.author_id,
            level=a.level,
            special_protection_need=a.special_protection_need,
            notes=a.notes,
            assessed_on=a.assessed_on,
            recorded_at=a.recorded_at,
            reassessment_due=a.reassessment_due,
        )
    for d in SupportDecision.objects.filter(case=case):
        plain.PlainSupportDecision.objects.create(
            case=plain_case,
            section=d.section,
            text=d.text,
            author_id=d.author_id,
            created_at=d.created_at,
            status=d.status,
            reviewed_by_id=d.reviewed_by_id,
            reviewed_at=d.reviewed_at,
            review_note=d.review_note,
        )
    for i in Intervention.objects.filter(case=case):
        copy = plain.PlainIntervention.objects.create(
            case=plain_case,
            kind=i.kind,
            section=i.section,
            decided_by_id=i.decided_by_id,
            decided_at=i.decided_at,
            provider=i.provider,
            starts_on=i.starts_on,
            planned_end=i.planned_end,
            status=i.status,
            follow_up=i.follow_up,
        )
        for p in Placement.objects.filter(intervention=i):
            plain.PlainPlacement.objects.create(
                intervention=copy,
                case=plain_case,
                address=p.address,
                protected_housing=p.protected_housing,
                outside_stockholm=p.outside_stockholm,
                private_programme_id=p.private_programme_id,
            )
    for f in FollowUp.objects.filter(case=case):
        plain.PlainFollowUp.objects.create(case=plain_case, months=f.months, due_on=f.due_on, notes=f.notes)
    return worker, case, plain_case


def _measure_programme(n: int) -> dict:
    from bench.suite import _client, _queries

    worker, case, plain_case = _programme_world()
    client = _client(worker)
    urls = {"secure": f"/defectors/{case.pk}/", "plain": f"/bench/plain/programme/{plain_case.pk}/"}
    body = client.get(urls["secure"]).content.decode()
    assert "Skyddade vägen 1" in body and "Bänkens utförare" in body, "the page shows what it was made with"
    samples, secure, plain = _secure_and_plain(client, urls, n)
    return row(
        11,
        "programme page: open gate, 3 interventions (one placement with its address), 2 follow-ups",
        round(secure * 1000, 2),
        "ms median",
        "plaintext page, no access decision, consent or audit",
        round(plain * 1000, 2),
        round(secure / plain, 2),
        _note(samples, f"queries {_queries(client, urls['secure'])} vs {_queries(client, urls['plain'])}"),
        queries=_queries(client, urls["secure"]),
    )


# --- Row 12: who accessed a person ----------------------------------------------------------------------


def _access_world(mode: str):
    """Events naming one person of the data set, from three organisations, and their plaintext copy."""
    from accounts.models import User
    from audit import services as audit
    from audit.models import AccessEvent, Action
    from bench import models as plain
    from bench.suite import built
    from cases.models import Case

    info = built()
    ids = info["journal"]["10"]
    case = Case.objects.select_related("person").get(pk=ids["case"])
    plain_case = plain.PlainCase.objects.select_related("person").get(pk=ids["plain_case"])
    worker = User.objects.get(pk=info["worker"])
    supervisor = User.objects.get(username="bench.supervisor")
    count = SIZES[mode]["events"]
    actions = [Action.VIEW, Action.VIEW, Action.LIST, Action.UPDATE, Action.SEARCH]
    audit.append(
        audit.Event(
            action=actions[i % len(actions)],
            actor=worker,
            target_type="cases.case",
            target_id=str(case.pk),
            subject_id=case.person_id,
            purpose="case work",
            reason="assigned",
        )
        for i in range(count)
    )
    made = list(AccessEvent.objects.filter(subject_id=case.person_id).order_by("pk"))
    plain.PlainAccessEvent.objects.bulk_create(
        plain.PlainAccessEvent(
            person=plain_case.person,
            occurred_at=e.occurred_at,
            actor_username=e.actor_username,
            actor_organisation=e.actor_organisation,
            actor_role=e.actor_role,
            action=e.action,
            purpose=e.purpose,
            legal_ground=e.legal_ground,
            outcome=e.outcome,
            reason=e.reason,
        )
        for e in made
    )
    return supervisor, case.person_id, plain_case.person_id, len(made)


def _measure_who_accessed(n: int, mode: str) -> dict:
    from bench.suite import _client, _queries

    supervisor, person_id, plain_person_id, events = _access_world(mode)
    client = _client(supervisor)
    urls = {
        "secure": f"/supervision/people/{person_id}/access/",
        "plain": f"/bench/plain/people/{plain_person_id}/access/",
    }
    samples, secure, plain = _secure_and_plain(client, urls, n)
    return row(
        12,
        f"who accessed a person, {events:,} events naming them, a page of 50",
        round(secure * 1000, 2),
        "ms median",
        "plaintext log of the same events, no access decision, audit or seal",
        round(plain * 1000, 2),
        round(secure / plain, 2),
        _note(samples, f"queries {_queries(client, urls['secure'])} vs {_queries(client, urls['plain'])}"),
        queries=_queries(client, urls["secure"]),
    )


# --- Row 13: the indicators -----------------------------------------------------------------------------


def _indicator_world(mode: str):
    """Three years of what the indicators count, in the data set's two districts and a third:
    intervention groups with threat assessments and plan actions, first contacts with meetings,
    programme cases handed over from a district with their follow-ups, referrals decided."""
    from accounts.models import Organisation, OrganisationKind
    from accounts.roles import Role
    from cases.models import ContactOutcome, FirstContact, FirstContactMeeting, Handover, HandoverStatus
    from cases.words import Activity, Milieu
    from defectors.models import FollowUp
    from lotsa.vocabulary import ThreatLevel
    from sig.models import ActionStatus, Goal, InterventionGroup, PlanAction, ThreatAssessment
    from tests.factories import CaseFactory, OrganisationFactory, UserFactory

    OrganisationFactory(
        name="Bänk: tredje stadsdelsförvaltningen", kind=OrganisationKind.DISTRICT_ADMINISTRATION
    )
    districts = list(Organisation.objects.filter(kind=OrganisationKind.DISTRICT_ADMINISTRATION))
    vbe = OrganisationFactory(name="Bänk: VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    programme = OrganisationFactory(name="Bänk: avhopparna", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    police = OrganisationFactory(name="Bänk: polisområdet", kind=OrganisationKind.POLICE)
    coordinator = UserFactory(username="bench_samordnare", organisation=vbe, roles=[Role.COORDINATOR])
    staff = UserFactory(username="bench_vbe", organisation=vbe, roles=[Role.SOCIAL_WORKER])
    officer = UserFactory(username="bench_polis", organisation=police, roles=[Role.EXTERNAL_MEMBER])
    this_year = timezone.localdate().year
    per_year = SIZES[mode]["per_year"]
    levels = [ThreatLevel.HIGH, ThreatLevel.ELEVATED, ThreatLevel.LOW]
    milieus = [Milieu.WHITE_POWER, Milieu.VIOLENT_ISLAMIST, Milieu.AUTONOMOUS]
    for year in range(this_year - 2, this_year + 1):
        for i in range(per_year):
            district = districts[i % len(districts)]
            on = dt.date(year, 1 + i % 11, 1 + i % 27)
            # An intervention group, first assessed and later re-assessed, with a plan.
            case = CaseFactory(
                owner_unit=district, activity=Activity.INTERVENTION_GROUP, milieu=milieus[i % 3]
            )
            group = InterventionGroup.objects.create(
                case=case, band="x", status="active", activated_at=timezone.now()
            )
            for level, when in ((levels[i % 2], on), (levels[(i + 1) % 3], on + dt.timedelta(days=60))):
                ThreatAssessment.objects.create(
                    group=group,
                    person_id=case.person_id,
                    organisation=police,
                    author=officer,
                    level=level,
                    assessed_on=min(when, dt.date.today()),
                    reassessment_due=when + dt.timedelta(days=90),
                )
            goal = Goal.objects.create(group=group, person_id=case.person_id)
            for k in range(2):
                due = min(on + dt.timedelta(days=20 * (k + 1)), dt.date.today() - dt.timedelta(days=1))
                PlanAction.objects.create(
                    goal=goal,
                    person_id=case.person_id,
                    owner=district,
                    due=due,
                    status=ActionStatus.DONE if (i + k) % 3 else ActionStatus.PLANNED,
                    done_on=due if (i + k) % 3 else None,
                )
            # A first contact by the VBE team, with a meeting.
            contact_case = CaseFactory(owner_unit=vbe, activity=Activity.VBE_FIRST_CONTACT)
            contact = FirstContact.objects.create(
                case=contact_case,
                person_id=contact_case.person_id,
                referrer="police",
                flagged_on=on,
                created_by=staff,
            )
            FirstContactMeeting.objects.create(
                first_contact=contact,
                person_id=contact_case.person_id,
                held_on=on,
                outcome=ContactOutcome.ACCEPTED if i % 2 else ContactOutcome.DECLINED,
                recorded_by=staff,
            )
            # A programme case handed over from the district, decided, with its follow-ups.
            sent = timezone.make_aware(dt.datetime(year, on.month, on.day, 9, 0))
            programme_case = CaseFactory(owner_unit=programme, activity=Activity.DEFECTOR_PROGRAMME)
            Handover.objects.create(
                person_id=programme_case.person_id,
                source="case",
                from_unit=district,
                to_unit=programme,
                purpose="defector_programme",
                sent_by=staff,
                sent_at=sent,
                status=HandoverStatus.ACCEPTED,
                decided_at=sent + dt.timedelta(days=1 + i % 20),
                accepted_case=programme_case,
            )
            for months in (6, 12):
                FollowUp.objects.create(
                    case=programme_case,
                    person_id=programme_case.person_id,
                    months=months,
                    due_on=on,
                    recorded_at=timezone.now(),
                    in_work_or_education=bool(i % 3),
                    stable_housing=bool(i % 4),
                )
    return coordinator


def _measure_indicators(n: int, mode: str) -> list[dict]:
    from bench.suite import _client, _queries
    from coordination.models import IndicatorTable

    coordinator = _indicator_world(mode)
    client = _client(coordinator)
    secure, plain = "/coordination/indicators/", "/bench/plain/indicators/"
    for url in (secure, plain):
        assert client.get(url).status_code == 200, url
    n = 1 if mode == "smoke" else max(3, n // 3)  # the first computation is slow: fewer rounds
    samples = {"first": [], "cached": [], "plain": []}
    for _ in range(n):
        IndicatorTable.objects.all().delete()  # what every view did before: compute every table
        for name, url in (("first", secure), ("cached", secure), ("plain", plain)):
            started = time.perf_counter()
            response = client.get(url)
            samples[name].append(time.perf_counter() - started)
            assert response.status_code == 200, url
    medians = {name: statistics.median(values) for name, values in samples.items()}
    queries_cached = _queries(client, secure)
    IndicatorTable.objects.all().delete()
    queries_first = _queries(client, secure)
    what = f"indicators page, 3 years of {SIZES[mode]['per_year']:,} groups, contacts, follow-ups a year"
    return [
        row(
            13,
            f"{what}: as published",
            round(medians["cached"] * 1000, 2),
            "ms median",
            "the same page computing every table (16) first",
            round(medians["first"] * 1000, 2),
            round(medians["cached"] / medians["first"], 3),
            f"{n} rounds; queries {queries_cached} vs {queries_first}",
            queries=queries_cached,
        ),
        row(
            13,
            f"{what}: as published",
            round(medians["cached"] * 1000, 2),
            "ms median",
            "the same page from the same tables, no access decision or audit",
            round(medians["plain"] * 1000, 2),
            round(medians["cached"] / medians["plain"], 2),
            f"{n} rounds; queries {queries_cached} vs {_queries(client, plain)}",
            queries=queries_cached,
        ),
    ]


# --- Entry point -----------------------------------------------------------------------------------------


def measure(mode: str, only: set[int]) -> list[dict]:
    n = {"full": 200, "quick": 60, "smoke": 3}[mode]
    rows: list[dict] = []
    steps = [
        (11, lambda: [_measure_programme(n)]),
        (12, lambda: [_measure_who_accessed(n, mode)]),
        (13, lambda: _measure_indicators(n, mode)),
    ]
    for number, step in steps:
        if only and number not in only:
            continue
        try:
            with transaction.atomic():
                rows.extend(step())
                raise _Rollback
        except _Rollback:
            pass
    return rows
