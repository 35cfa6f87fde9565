"""The defector programme: the gate (each item refuses support without it), BOPS's assessment
(recorded by BOPS only, seen under the consent), the supervisor's approval (never the author),
interventions and placements (a placement's address never in a list or another organisation's page),
a lowered threat (the programme decides; nothing closes by itself), closure and follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from cases.models import Case
from cases.words import CaseStatus
from consent import services as consent_services
from defectors import selectors, services
from defectors.gate import BOPS, CONDITIONS, CONSENT, DECISION, NOT_WITNESS, gate_for
from defectors.models import BopsAssessment, Enrolment, FollowUp, Intervention, Placement
from lotsa import access
from lotsa.errors import DomainError
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.helpers import login_verified, migrate_to_latest

NAME = "Avhoppsmarkör"
STREET = "Skyddadgatan 77"  # the placement's protected address: a marker
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def prog(db):
    programme = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    bops = OrganisationFactory(name="Polisen BOPS", kind=OrganisationKind.BOPS)
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    private = OrganisationFactory(name="Exit Privat", kind=OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME)
    worker = UserFactory(username="avh", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME])
    case = CaseFactory(
        person=PersonFactory(given_names=NAME, surname="Avhoppare", organisation=programme),
        owner_unit=programme,
        responsible=worker,
        activity="defector_programme",
    )
    assign_perm("cases.view_case", worker, case)
    return {
        "programme": programme,
        "bops": bops,
        "police": police,
        "private": private,
        "worker": worker,
        "colleague": UserFactory(username="avh2", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME]),
        "supervisor": UserFactory(username="avh_chef", organisation=programme, roles=[Role.SUPERVISOR]),
        "bops_user": UserFactory(username="bops", organisation=bops, roles=[Role.EXTERNAL_MEMBER]),
        "police_user": UserFactory(username="polis", organisation=police, roles=[Role.EXTERNAL_MEMBER]),
        "case": case,
    }


def consent(p, recipients, categories):
    return consent_services.consent_record(
        by=p["worker"],
        case_id=p["case"].pk,
        terms=consent_services.ConsentTerms(
            purpose="defector_programme",
            purpose_text="",
            recipient_ids=[p[r].pk for r in recipients],
            categories=categories,
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=180),
            given_how="oral",
            witness="V",
        ),
    )


def assess(p, level="high", need=True):
    return services.bops_assess(
        by=p["bops_user"], person_id=p["case"].person_id, level=level, special_protection_need=need, notes=""
    )


GATE_STEPS = {
    CONSENT: lambda p: consent(p, ["bops", "police"], ["threat_protection", "interventions_plans"]),
    BOPS: lambda p: assess(p),
    CONDITIONS: lambda p: services.conditions_record(
        by=p["worker"], case_id=p["case"].pk, signed_on=dt.date.today(), witness="Polisen Vittne"
    ),
    NOT_WITNESS: lambda p: services.not_protected_witness_confirm(by=p["worker"], case_id=p["case"].pk),
    DECISION: lambda p: services.decision_review(
        by=p["supervisor"],
        decision_id=services.decision_prepare(
            by=p["worker"], case_id=p["case"].pk, section="sol_4_1", text="Bistånd beviljas"
        ).pk,
        approve=True,
        note="",
    ),
}


def open_gate(p, leave_out=()):
    steps = [CONSENT, BOPS, CONDITIONS, NOT_WITNESS, DECISION]  # BOPS assesses under the consent
    if BOPS not in leave_out and CONSENT in leave_out:
        # BOPS cannot assess without the consent: it assesses under one that names BOPS for another
        # category, which then lapses (superseded by a consent that does not name BOPS).
        given = GATE_STEPS[CONSENT](p)
        GATE_STEPS[BOPS](p)
        consent_services.consent_withdraw(
            by=p["worker"], consent_id=given.pk, case_id=p["case"].pk, how="oral", note=""
        )
        steps = [CONDITIONS, NOT_WITNESS, DECISION]
    for step in steps:
        if step not in leave_out:
            GATE_STEPS[step](p)


def plan(p, kind="budget_debt"):
    return services.intervention_add(
        by=p["worker"],
        case_id=p["case"].pk,
        kind=kind,
        section="sol_4_1",
        provider="Budget- och skuldrådgivningen",
        starts_on=dt.date.today(),
        planned_end=dt.date.today() + dt.timedelta(days=90),
    )


def test_with_the_whole_gate_support_can_be_planned(prog):
    open_gate(prog)
    gate = gate_for(prog["case"])
    assert gate.open and gate.held == 5
    intervention = plan(prog)
    assert Intervention.objects.get().pk == intervention.pk and intervention.provider.startswith("Budget")


@pytest.mark.parametrize("missing", [BOPS, CONSENT, CONDITIONS, NOT_WITNESS, DECISION])
def test_each_gate_item_refuses_support_without_it(prog, missing):
    open_gate(prog, leave_out={missing})
    gate = gate_for(prog["case"])
    assert not gate.open and [item.code for item in gate.missing] == [missing]
    with pytest.raises(DomainError, match="Stöd kan inte planeras"):
        plan(prog)
    assert not Intervention.objects.exists()


def test_a_low_threat_or_no_special_protection_need_does_not_open_the_gate(prog):
    open_gate(prog, leave_out={BOPS})
    assess(prog, level="elevated", need=True)
    assert not gate_for(prog["case"]).open
    assess(prog, level="high", need=False)
    assert [i.code for i in gate_for(prog["case"]).missing] == [BOPS]
    assess(prog, level="high", need=True)
    assert gate_for(prog["case"]).open


def test_only_a_bops_user_records_the_assessment_and_only_under_the_consent(prog):
    with pytest.raises(access.AccessDenied):
        assess(prog)  # no consent names BOPS yet
    consent(prog, ["bops", "police"], ["threat_protection"])
    for other in (prog["police_user"], prog["worker"], prog["supervisor"]):
        with pytest.raises(access.AccessDenied):
            services.bops_assess(
                by=other,
                person_id=prog["case"].person_id,
                level="high",
                special_protection_need=True,
                notes="",
            )
    assessment = assess(prog)
    assert assessment.organisation_id == prog["bops"].pk and assessment.reassessment_due > dt.date.today()
    assert (assessment.reassessment_due - dt.date.today()).days >= 89  # three months on by default


def test_bops_sees_nothing_without_the_consent_and_loses_it_on_withdrawal(client, prog):
    login_verified(client, prog["bops_user"])
    person_url = reverse("defectors:bops_person", kwargs={"person_id": prog["case"].person_id})
    assert NAME not in client.get(reverse("defectors:bops")).content.decode()
    assert client.get(person_url).status_code == 403
    given = consent(prog, ["bops"], ["threat_protection"])
    assert NAME in client.get(reverse("defectors:bops")).content.decode()
    assert client.get(person_url).status_code == 200
    consent_services.consent_withdraw(
        by=prog["worker"], consent_id=given.pk, case_id=prog["case"].pk, how="oral", note=""
    )
    assert NAME not in client.get(reverse("defectors:bops")).content.decode()
    response = client.get(person_url)
    assert response.status_code == 403 and NAME not in response.content.decode()


def test_the_programme_reads_bops_assessment_only_while_the_consent_lets_threat_cross(prog):
    given = consent(prog, ["bops"], ["threat_protection"])
    assess(prog)
    page = selectors.programme_page_for(user=prog["worker"], case_id=prog["case"].pk)
    assert len(page["assessments"]) == 1
    consent_services.consent_withdraw(
        by=prog["worker"], consent_id=given.pk, case_id=prog["case"].pk, how="oral", note=""
    )
    page = selectors.programme_page_for(user=prog["worker"], case_id=prog["case"].pk)
    assert page["assessments"] == [] and not page["gate"].open


def test_the_supervisor_approves_a_decision_and_never_its_author(prog):
    decision = services.decision_prepare(
        by=prog["worker"], case_id=prog["case"].pk, section="sol_4_1", text="X"
    )
    with pytest.raises(DomainError, match="väntar redan"):
        services.decision_prepare(by=prog["worker"], case_id=prog["case"].pk, section="sol_4_1", text="Y")
    for not_supervisor in (prog["worker"], prog["colleague"], prog["bops_user"]):
        with pytest.raises(access.AccessDenied):
            services.decision_review(by=not_supervisor, decision_id=decision.pk, approve=True, note="")
    with pytest.raises(access.AccessDenied):  # supervisors review; they do not prepare decisions
        services.decision_prepare(by=prog["supervisor"], case_id=prog["case"].pk, section="sol_4_1", text="Z")
    with pytest.raises(DomainError, match="Skriv varför"):
        services.decision_review(by=prog["supervisor"], decision_id=decision.pk, approve=False, note=" ")
    services.decision_review(by=prog["supervisor"], decision_id=decision.pk, approve=True, note="")
    decision.refresh_from_db()
    assert decision.status == "approved" and decision.reviewed_by_id == prog["supervisor"].pk
    assert decision.reviewed_by_id != decision.author_id


def test_the_section_is_cited_from_configuration_and_marked_unconfirmed(client, prog):
    services.decision_prepare(by=prog["worker"], case_id=prog["case"].pk, section="sol_4_1", text="X")
    login_verified(client, prog["worker"])
    page = client.get(reverse("defectors:case", kwargs={"case_id": prog["case"].pk})).content.decode()
    assert "SoL (2001:453) 4 kap. 1 §" in page and "ska kontrolleras av juridiska avdelningen" in page
    with pytest.raises(DomainError):
        services.decision_prepare(by=prog["worker"], case_id=prog["case"].pk, section="sol_99", text="X")


def test_each_missing_gate_item_links_the_form_that_fills_it(client, prog):
    """The gate says what is missing and leads to where it is recorded: the consent form, and the
    conditions, witness and decision forms on the page itself (BOPS's assessment is BOPS's own)."""
    case = prog["case"]
    login_verified(client, prog["worker"])
    page = client.get(reverse("defectors:case", kwargs={"case_id": case.pk})).content.decode()
    consent_form = reverse("consent:record", kwargs={"case_id": case.pk})
    for target in (consent_form, "#gate-conditions", "#gate-witness", "#gate-decision"):
        assert f'href="{target}"' in page, target
    for anchor in ("gate-conditions", "gate-witness", "gate-decision"):
        assert f'id="{anchor}"' in page, anchor
    assert client.get(consent_form).status_code == 200
    # Someone who may only read the case is told what is missing, without links to forms they lack.
    login_verified(client, prog["supervisor"])
    response = client.get(reverse("defectors:case", kwargs={"case_id": case.pk}))
    page = response.content.decode()
    assert response.status_code == 200 and "Registrera den undertecknade villkorsblanketten." in page
    assert "#gate-conditions" not in page and f'href="{consent_form}"' not in page


def test_the_conditions_scan_is_checked_by_its_content_and_kept_encrypted(prog):
    with pytest.raises(DomainError, match="PDF, JPEG eller PNG"):
        services.conditions_record(
            by=prog["worker"],
            case_id=prog["case"].pk,
            signed_on=dt.date.today(),
            witness="V",
            scan=b"MZ\x90\x00 not a document",
            scan_name="blankett.pdf",
        )
    with pytest.raises(DomainError, match="framtiden"):
        services.conditions_record(
            by=prog["worker"],
            case_id=prog["case"].pk,
            signed_on=dt.date.today() + dt.timedelta(days=1),
            witness="V",
        )
    assert not Enrolment.objects.filter(conditions_signed_on__isnull=False).exists()
    enrolment = services.conditions_record(
        by=prog["worker"],
        case_id=prog["case"].pk,
        signed_on=dt.date.today(),
        witness="V",
        scan=PDF,
        scan_name="x.pdf",
    )
    assert enrolment.conditions_scan_type == "application/pdf" and enrolment.conditions_scan_size == len(PDF)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conditions_scan FROM defectors_enrolment")
        stored = cursor.fetchone()[0]
    assert "%PDF" not in str(stored) and "JVBER" not in str(stored)  # neither raw nor base64 plaintext


def housing(p, protected=True):
    open_gate(p)
    intervention = plan(p, kind="training_flat")
    return services.placement_add(
        by=p["worker"],
        intervention_id=intervention.pk,
        address={"street": STREET, "postcode": "123 45", "town": "Ort"},
        protected_housing=protected,
        outside_stockholm=False,
    )


def test_a_placement_address_is_shown_only_to_named_handlers_and_never_in_a_list(client, prog):
    housing(prog)
    case_page = reverse("defectors:case", kwargs={"case_id": prog["case"].pk})
    login_verified(client, prog["worker"])
    assert STREET in client.get(case_page).content.decode()
    assert AccessEvent.objects.filter(
        target_type="defectors.placement", action=Action.VIEW, actor_id=prog["worker"].pk
    ).exists()
    for url in (
        reverse("defectors:overview"),
        reverse("cases:my_cases"),
        reverse("cases:detail", kwargs={"case_id": prog["case"].pk}),
    ):
        assert STREET not in client.get(url).content.decode(), url
    for reader in (prog["supervisor"], prog["colleague"]):
        login_verified(client, reader)
        for url in (case_page, reverse("defectors:overview"), reverse("cases:my_cases")):
            assert STREET not in client.get(url).content.decode(), (reader.username, url)
    assert access.visible_to(prog["worker"], Placement.objects.all()).count() == 0  # never listed


def test_the_programme_pages_events_commit_together(client, prog):
    """The programme's page: its decision on the case and the address it shows are two events written
    in one transaction opened before the first (one commit a page, lotsa.access.page_commit)."""
    housing(prog)
    case_page = reverse("defectors:case", kwargs={"case_id": prog["case"].pk})
    login_verified(client, prog["worker"])
    with CaptureQueriesContext(connection) as captured:
        assert STREET in client.get(case_page).content.decode()
    statements = [q["sql"] for q in captured.captured_queries]
    opened = [i for i, sql in enumerate(statements) if sql.startswith(("SAVEPOINT", "BEGIN"))]
    inserts = [i for i, sql in enumerate(statements) if sql.startswith("INSERT INTO audit_accessevent ")]
    ended = [i for i, sql in enumerate(statements) if sql.startswith(("RELEASE SAVEPOINT", "COMMIT"))]
    assert len(inserts) >= 2 and len(opened) == 1 and len(ended) == 1, statements
    assert opened[0] < inserts[0] and inserts[-1] < ended[0]


def test_bops_sees_the_placement_address_only_when_the_consent_covers_housing(client, prog):
    housing(prog)  # the gate's consent names BOPS for threat and plans, not housing
    login_verified(client, prog["bops_user"])
    url = reverse("defectors:bops_person", kwargs={"person_id": prog["case"].person_id})
    for page in (url, reverse("defectors:bops"), reverse("consent:shared")):
        assert STREET not in client.get(page).content.decode()
    consent(prog, ["bops"], ["housing"])
    assert STREET in client.get(url).content.decode()
    assert STREET not in client.get(reverse("defectors:bops")).content.decode()
    login_verified(client, prog["police_user"])  # named by the gate's consent, but not BOPS
    assert client.get(url).status_code == 404 or STREET not in client.get(url).content.decode()


def test_protected_housing_offers_to_raise_the_protected_identity_level(client, prog):
    from cases import services as case_services

    housing(prog)
    login_verified(client, prog["worker"])
    page = client.get(reverse("defectors:case", kwargs={"case_id": prog["case"].pk})).content.decode()
    assert "Sätta personens skyddsnivå" in page
    case_services.person_protect(by=prog["worker"], case_id=prog["case"].pk, level="protected_registration")
    prog["case"].person.refresh_from_db()
    assert prog["case"].person.protected_identity == "protected_registration"
    case_services.person_protect(by=prog["worker"], case_id=prog["case"].pk, level="secrecy_marking")
    prog["case"].person.refresh_from_db()
    assert prog["case"].person.protected_identity == "protected_registration"  # never lowered here


def test_a_private_programme_placement_needs_a_consent_that_names_it(prog):
    open_gate(prog)
    intervention = plan(prog, kind="private_programme")

    def place():
        return services.placement_add(
            by=prog["worker"],
            intervention_id=intervention.pk,
            address={"street": STREET, "town": "Annanstans"},
            protected_housing=True,
            outside_stockholm=False,
            private_programme_id=prog["private"].pk,
        )

    with pytest.raises(DomainError, match="Exit Privat"):
        place()
    consent(prog, ["private"], ["housing"])
    placement = place()
    assert placement.outside_stockholm and placement.private_programme_id == prog["private"].pk


def test_a_lowered_threat_tells_the_programme_and_closes_nothing(prog):
    open_gate(prog)
    plan(prog)
    assess(prog, level="elevated", need=True)
    enrolment = Enrolment.objects.get(case=prog["case"])
    assert enrolment.awaiting_continue_decision
    prog["case"].refresh_from_db()
    assert prog["case"].status != CaseStatus.CLOSED and Intervention.objects.get().status == "planned"
    from lotsa.waiting import waiting_for

    assert any("sänkte hotbilden" in item.text for item in waiting_for(prog["worker"]))
    services.programme_continue(by=prog["worker"], case_id=prog["case"].pk)
    assert not Enrolment.objects.get(case=prog["case"]).awaiting_continue_decision


def test_a_lower_assessment_dated_before_the_latest_does_not_lower_the_threat(prog):
    from tests.helpers import case_opened_days_ago

    case_opened_days_ago(prog["case"], 30)
    open_gate(prog)
    plan(prog)
    services.bops_assess(
        by=prog["bops_user"],
        person_id=prog["case"].person_id,
        level="elevated",
        special_protection_need=True,
        notes="",
        assessed_on=dt.date.today() - dt.timedelta(days=10),  # made before the high one, typed after
    )
    assert not Enrolment.objects.get(case=prog["case"]).awaiting_continue_decision


def test_closing_records_the_outcome_and_schedules_follow_ups_at_6_and_12_months(prog):
    from cases import services as case_services

    case = services.programme_close(
        by=prog["worker"],
        case_id=prog["case"].pk,
        expected_version=prog["case"].version,
        outcome="left_the_milieu",
        text="",
    )
    # Proposed: nothing is scheduled until the supervisor approves; a refusal clears the outcome.
    assert case.status == CaseStatus.CLOSING and not FollowUp.objects.filter(case=case).exists()
    case = case_services.case_close_decide(
        by=prog["supervisor"], case_id=case.pk, expected_version=case.version, approve=False, note="Inte än"
    )
    assert case.status == CaseStatus.ACTIVE and Enrolment.objects.get(case=case).outcome == ""
    case = services.programme_close(
        by=prog["worker"], case_id=case.pk, expected_version=case.version, outcome="left_the_milieu", text=""
    )
    case = case_services.case_close_decide(
        by=prog["supervisor"], case_id=case.pk, expected_version=case.version, approve=True, note=""
    )
    assert case.status == CaseStatus.CLOSED and Enrolment.objects.get(case=case).outcome == "left_the_milieu"
    months = sorted(FollowUp.objects.filter(case=case).values_list("months", flat=True))
    assert months == [6, 12]
    six = FollowUp.objects.get(case=case, months=6)
    with pytest.raises(DomainError, match="inte dags"):
        services.follow_up_record(
            by=prog["worker"],
            follow_up_id=six.pk,
            in_work_or_education=True,
            stable_housing=True,
            back_in_milieu=False,
            notes="",
        )
    FollowUp.objects.bypassing_guard("test: six months on").filter(pk=six.pk).update(due_on=dt.date.today())
    from lotsa.waiting import waiting_for

    assert any("uppföljning" in item.text for item in waiting_for(prog["worker"]))
    with pytest.raises(access.AccessDenied):
        services.follow_up_record(
            by=prog["colleague"],
            follow_up_id=six.pk,
            in_work_or_education=True,
            stable_housing=True,
            back_in_milieu=False,
            notes="",
        )
    services.follow_up_record(
        by=prog["worker"],
        follow_up_id=six.pk,
        in_work_or_education=True,
        stable_housing=True,
        back_in_milieu=False,
        notes="Arbetar",
    )
    assert not any("uppföljning" in item.text for item in waiting_for(prog["worker"]))


def test_bad_input_on_every_form_gets_a_message_and_changes_nothing(client, prog):
    login_verified(client, prog["worker"])
    case = prog["case"].pk

    def post(name, data, **kwargs):
        url = reverse(f"defectors:{name}", kwargs={"case_id": case, **kwargs})
        return client.post(url, data, follow=True)

    def messages_of(response) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    shown = messages_of(
        post("conditions", {"conditions-signed_on": "inte ett datum", "conditions-witness": ""})
    )
    assert any("giltigt datum" in m for m in shown) and any("måste fyllas i" in m for m in shown)
    shown = messages_of(post("decision_prepare", {"decision-section": "nope", "decision-text": ""}))
    assert any("giltigt alternativ" in m for m in shown)
    shown = messages_of(post("intervention_add", {"intervention-kind": "nope"}))
    assert any("giltigt alternativ" in m for m in shown)
    shown = messages_of(post("close", {"close-outcome": "nope", "close-version": "1"}))
    assert any("giltigt alternativ" in m for m in shown)
    version = str(prog["case"].version)
    shown = messages_of(post("close", {"close-outcome": "other", "close-text": "", "close-version": version}))
    assert any("Beskriv skälet" in m for m in shown)  # the case's own rule says what is missing
    assert not Enrolment.objects.filter(conditions_signed_on__isnull=False).exists()
    assert not Intervention.objects.exists() and not FollowUp.objects.exists()
    assert Case.objects.get(pk=case).status != CaseStatus.CLOSED
    from defectors.models import SupportDecision

    assert not SupportDecision.objects.exists()
    # Someone outside the case posting bad input is refused (a recorded denial), not shown a message.
    login_verified(client, prog["colleague"])
    response = client.post(reverse("defectors:decision_prepare", kwargs={"case_id": case}), {})
    assert response.status_code == 403


def test_every_change_and_read_is_an_access_event(prog):
    open_gate(prog)
    plan(prog)
    events = AccessEvent.objects.filter(subject_id=prog["case"].person_id)
    assert events.filter(
        action=Action.CREATE, target_type="defectors.bopsassessment", outcome=AccessOutcome.ALLOWED
    ).exists()
    assert events.filter(action=Action.DECIDE, target_type="defectors.supportdecision").exists()
    assert events.filter(action=Action.UPDATE, target_type="cases.case").count() >= 4
    assert BopsAssessment.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed
def test_the_placement_address_and_the_programmes_texts_are_nowhere_at_rest(client, prog, caplog):
    from auditlog.models import LogEntry

    from tests.test_plaintext import database_dump

    placement = housing(prog)
    intervention = placement.intervention
    services.intervention_update(
        by=prog["worker"],
        intervention_id=intervention.pk,
        status="ongoing",
        follow_up="Uppföljningsmarkör",
        expected_version=intervention.version,
    )
    login_verified(client, prog["worker"])
    page = client.get(reverse("defectors:case", kwargs={"case_id": prog["case"].pk})).content.decode()
    assert STREET in page and "Uppföljningsmarkör" in page and "Bistånd beviljas" in page
    dump = database_dump()
    assert str(placement.pk) in dump
    others = " ".join(str(row) for row in AccessEvent.objects.values()) + " ".join(
        f"{e.changes} {e.changes_text} {e.serialized_data}" for e in LogEntry.objects.all()
    )
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (STREET, "Uppföljningsmarkör", "Bistånd beviljas", "Polisen Vittne", NAME):
        assert secret not in dump and secret not in others and secret not in log_text, secret


def test_a_placement_is_recorded_through_its_form_without_a_private_programme(client, prog):
    """The page's post, not only the service: the optional choice of a private programme left empty
    reaches the service as no programme (it was a 500 when the posting helper read its id)."""
    open_gate(prog)
    intervention = plan(prog, kind="training_flat")
    login_verified(client, prog["worker"])
    url = reverse(
        "defectors:placement_add", kwargs={"case_id": prog["case"].pk, "intervention_id": intervention.pk}
    )
    response = client.post(
        url, {"placement-street": STREET, "placement-postcode": "123 45", "placement-town": "Ort"}
    )
    assert response.status_code == 302
    placement = Placement.objects.get(intervention=intervention)
    assert placement.private_programme_id is None and not placement.protected_housing


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_reassessment_date_is_renamed_both_ways_keeps_its_dates_and_old_histories_still_render(prog):
    """``next_review`` became ``reassessment_due`` (a review is a supervisor's sign-off, not BOPS's
    next assessment): the rename moves no data, goes back, and a change history written under the
    old name still renders."""
    consent(prog, ["bops"], ["threat_protection"])
    assessment = assess(prog)
    due = assessment.reassessment_due
    before = [("defectors", "0001_programme"), ("sig", "0006_plan_action_done_on")]
    after = [("defectors", "0002_reassessment_due"), ("sig", "0007_reassessment_due")]
    try:
        _migrate(before)
        for table in ("defectors_bopsassessment", "sig_threatassessment"):
            assert "next_review" in _columns(table) and "reassessment_due" not in _columns(table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT next_review FROM defectors_bopsassessment")  # the one assessment
            assert [str(row[0]) for row in cursor.fetchall()] == [due.isoformat()]
    finally:
        _migrate(after)
        migrate_to_latest()
    for table in ("defectors_bopsassessment", "sig_threatassessment"):
        assert "reassessment_due" in _columns(table) and "next_review" not in _columns(table)
    assert BopsAssessment.objects.get(pk=assessment.pk).reassessment_due == due
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(BopsAssessment),
        object_pk=str(assessment.pk),
        object_repr=str(assessment),
        action=LogEntry.Action.UPDATE,
        changes={"next_review": ["2026-03-01", "2026-06-01"]},
    )
    assert old.changes_display_dict == {"next_review": ["2026-03-01", "2026-06-01"]}
