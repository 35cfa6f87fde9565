"""The retention core's review findings (issue 33): each record checked again before it is erased or
archived, every person-bearing record an entry of the file (or exempted, with a reason), the draw's
decryption named by its one event, the research day under a placement, an idempotent archive export by
a current supervisor, and a certificate signed under its own domain that verifies after pruning."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from audit import anchors, pruning
from audit.chain import GENESIS_HASH
from audit.models import AccessEvent, Action, Pruning
from cases.first_contacts.models import ConcernReport
from cases.models import Person
from cases.records import PersonalRecord
from lotsa import keyfile
from retention import certificate, entries, jobs, rules, services
from retention.models import ArchivePackage, Certificate, DestructionList, HoldReason, ItemState, ListStatus
from retention.tests.archive_key import archive_configured
from retention.tests.test_destruction_lists import act_2001, travel, unit  # noqa: F401
from tests.factories import CaseFactory, PersonFactory, number_born

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("act_2001")]


def drawn_and_approved(unit):  # noqa: F811
    with travel(2026, 1, 2):
        drawn = services.destruction_list_draw(organisation_id=unit.org.pk)
        services.destruction_list_approve(by=unit.sup, list_id=drawn.pk)
    return drawn


def test_a_record_with_a_new_case_since_the_approval_is_not_erased_and_the_certificate_says_so(unit):  # noqa: F811
    drawn = drawn_and_approved(unit)
    with travel(2026, 1, 20):
        CaseFactory(person=unit.plain.person, owner_unit=unit.org, responsible=unit.worker)
        research = drawn.items.get(person_id=unit.research.person_id)
        services.hold_place(
            by=unit.sup, item_id=research.pk, reason=HoldReason.POLICE, review_on=dt.date(2026, 6, 1)
        )
        jobs.carry_out_lists()
    assert Person.objects.get(pk=unit.plain.person_id).erased_at is None
    assert Person.objects.get(pk=unit.appealed.person_id).erased_at is not None
    item = drawn.items.get(person_id=unit.plain.person_id)
    assert item.state == ItemState.NO_LONGER_DUE and item.erased_at is None
    drawn.refresh_from_db()
    assert drawn.status == ListStatus.CARRIED_OUT
    records = {r["subject"]: r["state"] for r in json.loads(drawn.certificate.body)["records"]}
    assert records[str(unit.plain.person_id)] == "no_longer_due"
    assert records[str(unit.appealed.person_id)] == "erased"


def test_every_personal_record_is_an_entry_of_the_file_or_exempted_with_a_reason():
    labels = {model._meta.label for model in apps.get_models() if issubclass(model, PersonalRecord)}
    sources = {label for label, _fields in entries.SOURCES}
    assert not sources & set(entries.NOT_ENTRIES)
    assert all(entries.NOT_ENTRIES.values())
    assert labels - sources - set(entries.NOT_ENTRIES) == set(), "date it in SOURCES or exempt it"
    assert sources <= labels


def test_a_child_with_only_a_report_of_concern_gets_a_date(unit):  # noqa: F811
    with travel(2020, 4, 2):
        # Born on no research day (the 5th, 15th or 25th would keep the record for research).
        child = PersonFactory(organisation=unit.org, personal_number=number_born(dt.date(2012, 3, 7), 31))
        ConcernReport.objects.create(
            child=child,
            from_case=unit.open,
            from_unit=unit.org,
            to_unit=unit.org,
            reported_by_police="Polis",
            concern="Oro",
            reported_on=dt.date(2020, 4, 1),
            recorded_by=unit.worker,
        )
    with travel(2024, 1, 1):
        facts = services.facts_of([child], held=set())[child.pk]
    verdict = rules.erasure_due(facts)
    assert verdict.outcome == rules.ERASE and verdict.erase_from == dt.date(2026, 1, 1)


def test_a_day_only_record_and_the_unions_text_give_aware_moments():
    noon = entries._as_moment(dt.date(2020, 3, 3))
    assert timezone.is_aware(noon) and timezone.localdate(noon) == dt.date(2020, 3, 3)
    assert timezone.is_aware(entries._as_moment("2020-03-03 10:00:00"))
    assert entries._as_moment("2020-03-03") == noon


def test_the_draw_decrypts_only_the_records_it_lists_and_names_them_in_its_one_event(unit, monkeypatch):  # noqa: F811
    read = []
    original = Person.birth_date
    monkeypatch.setattr(
        Person, "birth_date", property(lambda self: read.append(self.pk) or original.fget(self))
    )
    with travel(2026, 1, 2):
        drawn = services.destruction_list_draw(organisation_id=unit.org.pk, by=unit.sup)
    (event,) = AccessEvent.objects.filter(target_type="retention.destructionlist")
    assert event.action == Action.CREATE and event.actor_id == unit.sup.pk
    named = set(event.subjects.values_list("subject_id", flat=True))
    assert named == set(drawn.items.values_list("person_id", flat=True))
    assert read and set(read) <= named and unit.open.person_id not in read  # open case: never read
    with travel(2026, 1, 3):
        assert services.destruction_list_draw(organisation_id=unit.org.pk, by=unit.sup) == drawn
    assert AccessEvent.objects.filter(target_type="retention.destructionlist").count() == 1


@override_settings(LOTSA_RETENTION_PLACEMENT_YEARS=10)
def test_a_research_day_person_with_a_placement_goes_to_the_archive():
    at = timezone.make_aware(dt.datetime(2010, 1, 1, 12))
    verdict = rules.erasure_due(rules.Facts(last_entry_at=at, has_placement=True, birth_day=15))
    assert verdict.outcome == rules.RESEARCH and verdict.rule.id == "sol2001-placement"
    assert verdict.erase_from == dt.date(2021, 1, 1)


def test_the_archive_export_is_made_once_and_by_a_current_supervisor_when_the_approver_left(unit, tmp_path):  # noqa: F811
    drawn = drawn_and_approved(unit)
    unit.sup.is_active = False
    unit.sup.save(update_fields=["is_active"])
    with travel(2026, 1, 3), archive_configured(tmp_path):
        assert services.destruction_list_to_archive(list_id=drawn.pk) == 1
        assert services.destruction_list_to_archive(list_id=drawn.pk) == 0  # a rerun: nothing waits
    (package,) = ArchivePackage.objects.all()
    assert package.created_by == unit.sup2
    assert AccessEvent.objects.filter(action=Action.DECIDE, reason__contains="as chef2").exists()
    item = drawn.items.get(person_id=unit.research.person_id)
    assert item.state == ItemState.ARCHIVED and item.for_research
    with travel(2026, 1, 4):
        hold = services.hold_place(
            by=unit.sup2, item_id=item.pk, reason=HoldReason.APPEAL, review_on=dt.date(2026, 6, 1)
        )
        unit.sup.is_active = True
        unit.sup.save(update_fields=["is_active"])
        services.hold_review(by=unit.sup, hold_id=hold.pk, keep=False)
    item.refresh_from_db()
    assert item.state == ItemState.ARCHIVED  # the archive has it: not to the archive again


def _carried_out(unit, tmp_path):  # noqa: F811
    drawn = drawn_and_approved(unit)
    with travel(2026, 1, 3), archive_configured(tmp_path):
        jobs.carry_out_lists()
    drawn = DestructionList.objects.get(pk=drawn.pk)
    assert drawn.status == ListStatus.CARRIED_OUT or drawn.items.filter(state=ItemState.HELD).exists()
    return Certificate.objects.get(destruction_list=drawn)


def test_the_certificate_is_signed_under_its_own_domain(unit, tmp_path):  # noqa: F811
    issued = _carried_out(unit, tmp_path)
    certificate.verify(issued)
    private = keyfile.load_anchor_private(settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE)
    issued.signature = base64.b64encode(private.sign(issued.digest.encode())).decode()  # the bare digest
    with pytest.raises(certificate.CertificateError, match="signature"):
        certificate.verify(issued)


@pytest.mark.skipif(
    "connection.vendor == 'postgresql'", reason="PostgreSQL deletes log rows only in audit_prune"
)
def test_a_certificate_whose_event_was_pruned_verifies_by_the_pruning_record(unit, tmp_path):  # noqa: F811
    issued = _carried_out(unit, tmp_path)
    private = keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
    fields = dict.fromkeys(pruning.SIGNED_FIELDS, 0)
    fields.update(
        n=1,
        through_seal=1,
        seal_hash="0" * 64,
        last_event_id=issued.sealed_by,
        total=1,
        events=1,
        key_id=anchors.key_id(private.public_key()),
        prev_hash=GENESIS_HASH,
    )
    with connection.cursor() as cursor:  # what the pruning removed (SQLite: no guard to go through)
        cursor.execute("DELETE FROM audit_accesseventsubject WHERE event_id <= %s", [issued.sealed_by])
        cursor.execute("DELETE FROM audit_accessevent WHERE id <= %s", [issued.sealed_by])
    with pytest.raises(certificate.CertificateError, match="no event"):
        certificate.verify(issued)
    Pruning.objects.create(**pruning.signed(fields, private))
    assert certificate.verify(issued)["list"] == issued.destruction_list_id
    assert certificate.seal_of(issued) == "an event pruned under pruning record 1 (signed)"


def test_a_record_with_a_new_entry_before_the_approval_is_taken_off_at_the_approval(unit):  # noqa: F811
    with travel(2026, 1, 2):
        drawn = services.destruction_list_draw(organisation_id=unit.org.pk)
        CaseFactory(person=unit.plain.person, owner_unit=unit.org, responsible=unit.worker)
        services.destruction_list_approve(by=unit.sup, list_id=drawn.pk)
    assert drawn.items.get(person_id=unit.plain.person_id).state == ItemState.NO_LONGER_DUE
    assert drawn.items.get(person_id=unit.appealed.person_id).state == ItemState.DUE
