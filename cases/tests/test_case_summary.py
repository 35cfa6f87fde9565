"""The printable case summary: one EXPORT event naming the person, by the case's rule; what the case
page shows the reader and nothing more (no draft, no protected address to a reader the page hides it
from, no threat assessment the reader may not see); a filename naming no one; never cached."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessOutcome, Action
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified, named_by


def _text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _summary(client, world, role):
    login_verified(client, world.users[role])
    return client.get(reverse("cases:summary", kwargs={"case_id": world.case_a.pk}))


@pytest.mark.parametrize("role", ["social_worker", "supervisor"])
def test_the_summary_prints_the_person_and_the_signed_entries_never_a_draft(client, world, role):
    from cases import services

    services.journal_add(
        by=world.users["social_worker"], case_id=world.case_a.pk, category="housing", text="Osignerad 7731"
    )
    start = head_seq()
    response = _summary(client, world, role)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="arendesammanfattning-{world.case_a.pk}.pdf"'
    )
    text = _text(response.content)
    assert f"{MARKER} Alfa" in text
    assert f"Signerad {MARKER}" in text
    assert "Osignerad 7731" not in text  # a draft is never printed
    # One export, naming the person, decided by the case's rule and recorded before the bytes left.
    exports = events_since(start).filter(action=Action.EXPORT, actor_id=world.users[role].pk)
    assert exports.count() == 1
    export = exports.get()
    assert export.outcome == AccessOutcome.ALLOWED and export.purpose == "case summary"
    assert named_by([export]) == [world.case_a.person_id]


@pytest.mark.parametrize(
    "role", ["external_member", "social_worker_unassigned", "social_worker_other_district", "coordinator"]
)
def test_whoever_may_not_open_the_case_page_gets_no_summary_and_a_logged_denial(client, world, role):
    """The police member of the person's group sees what the consent shares on the group's and the
    shared pages, never the case page: nor its summary."""
    start = head_seq()
    response = _summary(client, world, role)
    assert response.status_code == 403
    assert MARKER.encode() not in response.content
    denied = events_since(start).filter(outcome=AccessOutcome.DENIED, action=Action.EXPORT)
    assert denied.filter(actor_id=world.users[role].pk).exists()


def test_the_case_page_offers_the_summary_to_whom_it_opens_for(client, world):
    link = reverse("cases:summary", kwargs={"case_id": world.case_a.pk})
    login_verified(client, world.users["social_worker"])
    assert link in client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).content.decode()


def test_emergency_access_opens_the_page_but_prints_nothing(client, world):
    """Emergency access is to view a case in an emergency: the page opens, and no summary is offered
    or given (the case's rule allows VIEW only)."""
    from consent.services import emergency_access_start

    reader = world.users["social_worker_unassigned"]
    emergency_access_start(by=reader, case_id=world.case_a.pk, reason="Akut fara för personen")
    login_verified(client, reader)
    page = client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk}))
    assert page.status_code == 200
    assert reverse("cases:summary", kwargs={"case_id": world.case_a.pk}) not in page.content.decode()
    assert client.get(reverse("cases:summary", kwargs={"case_id": world.case_a.pk})).status_code == 403


def test_a_protected_address_is_printed_only_for_the_named_handlers(client, world):
    person = world.case_a.person
    person.protected_identity = "protected_registration"
    person.save()
    handler = _text(_summary(client, world, "social_worker").content)
    assert "Gatan 1" in handler
    client.logout()
    supervisor = _text(_summary(client, world, "supervisor").content)
    assert "Gatan 1" not in supervisor
    assert f"{MARKER} Alfa" in supervisor  # the page shows the supervisor the name, with its marking


def test_consents_in_force_and_what_is_planned_are_printed(client, world):
    from sig import services as sig_services

    meeting = timezone.localdate() + dt.timedelta(days=10)
    sig_services.next_meeting_set(by=world.users["social_worker"], group_id=world.group.pk, on=meeting)
    text = _text(_summary(client, world, "social_worker").content)
    assert "Polisen Järva" in text  # the consent's named recipient
    assert f"{meeting.isoformat()}: Möte i insatsgruppen" in text
    assert "Samtycken som gäller" in text


def test_the_threat_assessment_is_printed_only_to_a_reader_the_group_page_shows_it_to(client, world):
    """The police's assessment is read by the group's members while a consent lets it cross to their
    organisation; the unit's supervisor reads the case but is no member. The summary prints its level
    exactly to those the group page shows it to, and never the police's notes."""
    from consent import services as consent_services
    from lotsa.vocabulary import InformationCategory
    from sig import queries as sig_queries
    from sig import services as sig_services

    sig_services.threat_assess(
        by=world.users["external_member"],
        group_id=world.group.pk,
        level="high",
        protection_need=True,
        notes="Hotbildsanteckning",
    )
    text = _text(_summary(client, world, "social_worker").content)
    assert not sig_queries.visible_assessments(world.users["social_worker"], world.group)
    assert "Senaste hotbedömningen" not in text  # nothing lets the police's assessment cross yet
    consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[world.district_a.pk, world.police.pk],
            categories=[InformationCategory.THREAT_PROTECTION.value],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="Vittne Vittnesson",
        ),
    )
    for role, shown in (("social_worker", True), ("supervisor", False)):
        client.logout()
        text = _text(_summary(client, world, role).content)
        assert bool(sig_queries.visible_assessments(world.users[role], world.group)) == shown, role
        assert ("Senaste hotbedömningen" in text) == shown, role
        assert ("Hotnivå: hög" in text) == shown, role
        assert "Hotbildsanteckning" not in text


def test_only_the_latest_signed_entries_are_printed(client, world):
    from cases import selectors, services

    worker = world.users["social_worker"]
    for n in range(selectors.SUMMARY_ENTRIES + 2):
        entry = services.journal_add(
            by=worker, case_id=world.case_a.pk, category="housing", text=f"Post {n:02d}"
        )
        services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    start = head_seq()
    text = _text(_summary(client, world, "social_worker").content)
    last = selectors.SUMMARY_ENTRIES + 1
    assert f"Post {last:02d}" in text and "Post 00" not in text
    assert f"De {selectors.SUMMARY_ENTRIES} senaste av {selectors.SUMMARY_ENTRIES + 3} signerade" in text
    assert events_since(start).filter(action=Action.EXPORT, actor_id=worker.pk).count() == 1
