"""Retention over more than five years: cases closed, their last entries, the year-end rule, a
research birthday, a hold, the list approved by another supervisor, the shredding, the certificate."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from cryptography.hazmat.primitives.serialization import pkcs7
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from guardian.shortcuts import assign_perm
from pypdf import PdfReader

from accounts.roles import Role
from audit.models import AccessEvent, Action
from cases import services as case_services
from cases.models import JournalEntry, Person
from consent.models import Disclosure
from lotsa import waiting
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from retention import jobs, selectors, services
from retention.models import (
    ArchivePackage,
    Certificate,
    DestructionList,
    HoldReason,
    ItemState,
    ListItem,
    ListStatus,
)
from retention.tests.archive_key import archive_configured, long_lived_key
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, number_born
from tests.helpers import login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("act_2001")]


@pytest.fixture
def act_2001():
    with override_settings(LOTSA_RETENTION_ACT="2001"):
        yield


def travel(year, month, day):
    return time_machine.travel(timezone.make_aware(dt.datetime(year, month, day, 10, 0)), tick=False)


class Unit:
    def __init__(self):
        self.org = OrganisationFactory(name="Enheten")
        self.worker = UserFactory(username="handl", organisation=self.org, roles=[Role.SOCIAL_WORKER])
        self.sup = UserFactory(username="chef1", organisation=self.org, roles=[Role.SUPERVISOR])
        self.sup2 = UserFactory(username="chef2", organisation=self.org, roles=[Role.SUPERVISOR])

    def case(self, *, born: dt.date, serial: int, opened, closed=None):
        with travel(*opened):
            person = PersonFactory(organisation=self.org, personal_number=number_born(born, serial))
            case = CaseFactory(person=person, owner_unit=self.org, responsible=self.worker)
            assign_perm("cases.view_case", self.worker, case)
            case_services.journal_add(by=self.worker, case_id=case.pk, category="housing", text="Anteckning")
        if closed:
            with travel(*closed):
                case.refresh_from_db()
                case_services.case_close(
                    by=self.worker,
                    case_id=case.pk,
                    expected_version=case.version,
                    reason="goals_met",
                    text="",
                )
                case.refresh_from_db()
                case_services.case_close_decide(
                    by=self.sup, case_id=case.pk, expected_version=case.version, approve=True, note=""
                )
        return case


@pytest.fixture
def unit(db):
    unit = Unit()
    # Closed in 2020: the duty arises in 2025, the erasure is carried out during 2026.
    unit.plain = unit.case(born=dt.date(1990, 1, 6), serial=11, opened=(2019, 3, 10), closed=(2020, 5, 4))
    unit.research = unit.case(born=dt.date(1990, 1, 15), serial=12, opened=(2019, 3, 10), closed=(2020, 5, 4))
    unit.appealed = unit.case(born=dt.date(1991, 2, 7), serial=13, opened=(2019, 3, 10), closed=(2020, 6, 1))
    # Closed in 2021: not before 2027. Still open: no date.
    unit.recent = unit.case(born=dt.date(1992, 3, 8), serial=14, opened=(2020, 3, 10), closed=(2021, 2, 1))
    unit.open = unit.case(born=dt.date(1993, 4, 9), serial=15, opened=(2019, 3, 10))
    return unit


def test_the_date_follows_the_last_entry_and_moves_with_a_new_one(unit):
    with travel(2022, 1, 10):
        verdict = selectors.retention_of(person=unit.recent.person)
        assert verdict.outcome == "erase" and verdict.rule.id == "sol2001-file"
        assert (verdict.erase_from, verdict.erase_by) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
        # A new entry in the file (here a late entry, as a correction would be) moves the date a year.
        JournalEntry.objects.create(
            case=unit.recent, person=unit.recent.person, category="housing", author=unit.worker, text="Sen"
        )
        assert selectors.retention_of(person=unit.recent.person).erase_from == dt.date(2028, 1, 1)
    assert selectors.retention_of(person=unit.open.person).outcome == "open"
    assert selectors.retention_of(person=unit.research.person).outcome == "research"


def test_the_case_page_shows_the_date_and_the_rule_without_an_event_of_its_own(client, unit):
    with travel(2023, 5, 1):
        login_verified(client, unit.worker)
        page = client.get(reverse("cases:detail", args=[unit.plain.pk])).content.decode()
    assert "2026-01-01" in page and "2026-12-31" in page and "12 kap. 1 §" in page
    with override_settings(LOTSA_RETENTION_ACT="2025"), travel(2023, 5, 1):
        response = client.get(reverse("cases:detail", args=[unit.plain.pk]))
    assert response.context["retention"].to_be_checked and 'id="retention"' in response.content.decode()


def test_five_years_on_the_list_is_drawn_held_approved_erased_and_certified(
    client, unit, tmp_path, django_capture_on_commit_callbacks
):
    with travel(2025, 12, 1):
        assert jobs.draw_lists() == 0  # the window opens on 1 January
    with travel(2026, 1, 2):
        assert jobs.draw_lists() == 1
        assert jobs.draw_lists() == 1  # idempotent: one list per unit and month
        drawn = DestructionList.objects.get()
        states = {item.person_id: item.state for item in drawn.items.all()}
        assert states == {
            unit.plain.person_id: ItemState.DUE,
            unit.research.person_id: ItemState.TO_ARCHIVE,
            unit.appealed.person_id: ItemState.DUE,
        }
        with translation.override("en"):
            assert [w.text for w in waiting.waiting_for(unit.sup) if "destruction" in w.text]
        # A hold with its reason, reviewed by another supervisor, never by the one who placed it.
        item = drawn.items.get(person_id=unit.appealed.person_id)
        hold = services.hold_place(
            by=unit.sup, item_id=item.pk, reason=HoldReason.APPEAL, review_on=dt.date(2026, 6, 1)
        )
        with pytest.raises(AccessDenied):
            services.hold_review(by=unit.sup, hold_id=hold.pk, keep=True, review_on=dt.date(2026, 9, 1))
        services.hold_review(by=unit.sup2, hold_id=hold.pk, keep=True, review_on=dt.date(2026, 9, 1))
        # Another unit's supervisor cannot approve; a supervisor of the unit can (the job drew it).
        with pytest.raises(AccessDenied):
            services.destruction_list_approve(
                by=UserFactory(roles=[Role.SUPERVISOR], organisation=OrganisationFactory()), list_id=drawn.pk
            )
        services.destruction_list_approve(by=unit.sup, list_id=drawn.pk)
    with travel(2026, 1, 2):
        # No archive key yet: what is due goes, the research record waits, and the job fails visibly.
        with pytest.raises(jobs.ArchiveRefused):
            jobs.carry_out_lists()
        plain = Person.objects.get(pk=unit.plain.person_id)
        assert plain.erased_at is not None and plain.personal_number_index is None
        assert Person.objects.get(pk=unit.research.person_id).erased_at is None
        assert Person.objects.get(pk=unit.appealed.person_id).erased_at is None  # held
        assert not Certificate.objects.exists() and not ArchivePackage.objects.exists()
    with travel(2026, 1, 2), archive_configured(tmp_path):
        # The archive's key set: the research record goes to the archive, then its live copy goes too.
        # (The job runs outside any transaction: the package's file is moved in as its record commits.)
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.carry_out_lists() == 1
        package = ArchivePackage.objects.get()
        assert (package.destruction_list, package.people, package.created_by) == (drawn, 1, unit.sup)
        assert (tmp_path / "archive" / package.file_name).exists()
    drawn.refresh_from_db()
    assert drawn.status == ListStatus.CARRIED_OUT
    assert Person.objects.get(pk=unit.research.person_id).erased_at is not None
    # The access log keeps only the opaque subject id, and the reason names the list and the rule.
    shreds = AccessEvent.objects.filter(action=Action.SHRED, subject_id=unit.plain.person_id)
    assert [e.reason for e in shreds] == [f"person erased: retention list {drawn.pk}, rule sol2001-file"]
    # The certificate: opaque ids, counts, rules, who approved; signed and sealed; no name.
    certificate = drawn.certificate
    assert str(unit.plain.person_id) in certificate.body and "chef1" in certificate.body
    assert "Anna" not in certificate.body and "Andersson" not in certificate.body
    out = io.StringIO()
    call_command("retention_verify_certificate", stdout=out)
    assert "verified" in out.getvalue()
    Certificate.objects.filter(pk=certificate.pk).update(body=certificate.body.replace("chef1", "chef2"))
    with pytest.raises(CommandError):
        call_command(
            "retention_verify_certificate", str(drawn.pk), stdout=io.StringIO(), stderr=io.StringIO()
        )
    # Every page still answers; the list shows the erased records by their ids.
    with travel(2026, 1, 3):
        login_verified(client, unit.sup2)
        assert client.get(reverse("cases:detail", args=[unit.plain.pk])).status_code == 200
        shown = client.get(reverse("retention:list", args=[drawn.pk]))
        lists = client.get(reverse("retention:lists"))
        assert shown.status_code == 200 and lists.status_code == 200
        # The rule by its name and source under the act the list was drawn under, never its code.
        page = shown.content.decode() + lists.content.decode()
        assert "sol2001" not in page and "12 kap. 1 §" in shown.content.decode()
        # Who accessed the erased record: still answered, by its opaque id.
        assert (
            client.get(reverse("supervision:person_access", args=[unit.plain.person_id])).status_code == 200
        )
        # The held record: not erased; the hold lifted, it is drawn again next month.
        services.hold_review(by=unit.sup2, hold_id=hold.pk, keep=False)
    with travel(2026, 2, 2):
        jobs.draw_lists()
        again = DestructionList.objects.get(month=dt.date(2026, 2, 1))
        assert [item.person_id for item in again.items.all()] == [unit.appealed.person_id]


def test_a_list_drawn_by_hand_is_approved_by_another_supervisor(client, unit):
    with travel(2026, 3, 1):
        login_verified(client, unit.sup)
        response = client.post(reverse("retention:draw"))
        assert response.status_code == 302
        drawn = DestructionList.objects.get()
        assert drawn.drawn_by == unit.sup
        client.post(reverse("retention:approve", args=[drawn.pk]))
        drawn.refresh_from_db()
        assert drawn.status == ListStatus.DRAWN  # refused: they drew it
        with pytest.raises(DomainError):
            services.hold_place(
                by=unit.sup, item_id=drawn.items.first().pk, reason="appeal", review_on=dt.date(2026, 1, 1)
            )
        login_verified(client, unit.sup2)
        page = client.get(reverse("retention:list", args=[drawn.pk])).content.decode()
        assert reverse("retention:approve_confirm", args=[drawn.pk]) in page
        confirm = client.get(reverse("retention:approve_confirm", args=[drawn.pk])).content.decode()
        assert f'action="{reverse("retention:approve", args=[drawn.pk])}"' in confirm
        client.post(reverse("retention:approve", args=[drawn.pk]))
        drawn.refresh_from_db()
        assert drawn.status == ListStatus.APPROVED and drawn.approved_by == unit.sup2


def test_a_list_reads_in_the_same_number_of_queries_however_many_records(unit):
    with travel(2026, 1, 2):
        drawn = services.destruction_list_draw(organisation_id=unit.org.pk)
        counts = []
        for more in (0, 4):
            for n in range(more):
                person = PersonFactory(
                    organisation=unit.org, personal_number=number_born(dt.date(1980, 1, 1), 40 + n)
                )
                ListItem.objects.create(
                    destruction_list=drawn,
                    person=person,
                    rule_id="sol2001-file",
                    last_entry_at=timezone.now(),
                    erase_from=dt.date(2026, 1, 1),
                    erase_by=dt.date(2026, 12, 31),
                    state=ItemState.DUE,
                )
            with CaptureQueriesContext(connection) as queries:
                context = selectors.destruction_list_get_for(user=unit.sup, list_id=drawn.pk)
            counts.append((len(queries.captured_queries), len(context["items"])))
    assert counts[0][0] == counts[1][0] and counts[1][1] == counts[0][1] + 4, counts


def test_a_hold_waits_for_another_supervisors_review_and_is_urgent_once_its_date_passed(unit):
    with travel(2026, 1, 2):
        drawn = services.destruction_list_draw(organisation_id=unit.org.pk)
        item = drawn.items.get(person_id=unit.plain.person_id)
        services.hold_place(
            by=unit.sup, item_id=item.pk, reason=HoldReason.POLICE, review_on=dt.date(2026, 2, 1)
        )
        with translation.override("en"):
            assert not [w for w in waiting.waiting_for(unit.sup) if "hold" in w.text]  # not their own
            (line,) = [w for w in waiting.waiting_for(unit.sup2) if "hold" in w.text]
        assert not line.urgent and line.approval
    with travel(2026, 2, 2), translation.override("en"):
        (line,) = [w for w in waiting.waiting_for(unit.sup2) if "hold" in w.text]
        assert line.urgent


def test_a_research_record_without_a_case_goes_to_the_archive_with_its_own_file(
    tmp_path, django_capture_on_commit_callbacks
):
    """A record with no case, only a disclosure (an entry of its file): born on the 15th, it is kept
    for research; the package made for its list holds the person's own PDF, then the record is erased."""
    unit = Unit()
    with travel(2020, 5, 4):
        person = PersonFactory(organisation=unit.org, personal_number=number_born(dt.date(1990, 1, 15), 21))
        disclosure = Disclosure(
            person=person,
            organisation=unit.org,
            recipient=OrganisationFactory(name="Qwpolisregion"),
            ground="prevent_terrorism",
            categories=["threat_protection"],
            access_until=dt.date(2020, 6, 1),
            disclosed_by=unit.worker,
        )
        disclosure.what, disclosure.why = "Qwutlämnat", "Qwskäl"
        disclosure.save()
    with travel(2026, 1, 2):
        jobs.draw_lists()
        drawn = DestructionList.objects.get()
        assert drawn.items.get().state == ItemState.TO_ARCHIVE
        services.destruction_list_approve(by=unit.sup, list_id=drawn.pk)
        with archive_configured(tmp_path), django_capture_on_commit_callbacks(execute=True):
            assert jobs.carry_out_lists() == 1
    package = ArchivePackage.objects.get()
    assert (package.people, package.cases, package.files) == (1, 0, 4)
    key, certificate = long_lived_key()
    sealed = (tmp_path / "archive" / package.file_name).read_bytes()
    bundle = zipfile.ZipFile(io.BytesIO(pkcs7.pkcs7_decrypt_der(sealed, certificate, key, [])))
    pdf = bundle.read(f"lotsa-archive-{package.pk}/representations/rep1/data/{person.pk}/person.pdf")
    assert "Qwpolisregion" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert Person.objects.get(pk=person.pk).erased_at is not None
