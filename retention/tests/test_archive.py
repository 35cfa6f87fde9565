"""The archive's package (issue 33, item 7): decided and recorded as an export, built as an FGS/E-ARK
package of PDF/A files with checksums, encrypted to the archive's certificate, proved by a record that
holds no plaintext; refused, with nothing changed, without the key or for a person the exporter may not
export."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from xml.etree import ElementTree as ET

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from cases import services as case_services
from cases.words import ProtectedIdentity
from consent.models import Disclosure
from defectors.models import Intervention, Placement
from lotsa import access
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from relatives.models import Relation, SupportConversation
from retention import archive_package
from retention.archive import PURPOSE, archive_export, fingerprint
from retention.checks import archive_key_is_configured
from retention.models import ArchivePackage
from sig.models import InterventionGroup, SharedEntry
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

PROTECTED_STREET = "Qwskyddadgatan 7"
PLACEMENT_STREET = "Qwplaceringsvägen 3"
JOURNAL = "Qwjournalmarkör om samtalet"
PROTECTED_NAME = "Qwskyddadnamn"
OTHER_NAME = "Qwarkivnamn"
OWN_SHARED = "Qwenhetensdelning"
POLICE_SHARED = "Qwpolisensdelning"
METS_NS = {"mets": archive_package.METS, "xlink": archive_package.XLINK}
LOTSA_NS = {"l": archive_package.LOTSA}


def _certificate(key, *, days=365):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stadsarkivet test")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def archive_key():
    """The archive's own key pair, made here: the private key stays with the test (the archive)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return key, _certificate(key)


@pytest.fixture
def archive(tmp_path, archive_key):
    key, certificate = archive_key
    pem = tmp_path / "archive.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    out = tmp_path / "out"
    out.mkdir()
    with override_settings(LOTSA_ARCHIVE_CERTIFICATE=str(pem), LOTSA_ARCHIVE_DIR=out):
        yield {"key": key, "certificate": certificate, "dir": out, "pem": pem}


@pytest.fixture
def unit(db):
    programme = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    worker = UserFactory(username="avh", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME])
    supervisor = UserFactory(username="chef", organisation=programme, roles=[Role.SUPERVISOR])
    protected = CaseFactory(
        owner_unit=programme,
        responsible=worker,
        activity="defector_programme",
        person=PersonFactory(
            organisation=programme,
            given_names=PROTECTED_NAME,
            protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
            address={"street": PROTECTED_STREET, "town": "Ort"},
        ),
    )
    other = CaseFactory(
        owner_unit=programme,
        responsible=worker,
        activity="defector_programme",
        person=PersonFactory(organisation=programme, given_names=OTHER_NAME),
    )
    entry = case_services.journal_add(by=worker, case_id=other.pk, category="housing", text=JOURNAL)
    case_services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    case_services.journal_add(by=worker, case_id=other.pk, category="housing", text="Qwutkast")
    intervention = Intervention.objects.create(
        case=other,
        person=other.person,
        kind="training_flat",
        section="sol_4_1",
        decided_by=supervisor,
        provider="Qwutförare",
        starts_on=dt.date(2026, 1, 5),
    )
    Placement.objects.create(
        intervention=intervention,
        case=other,
        person=other.person,
        address={"street": PLACEMENT_STREET, "town": "Ort"},
        protected_housing=True,
        created_by=worker,
    )
    # The protected person's intervention group: the unit's own entry is its file, the police's is not.
    group = InterventionGroup.objects.create(case=protected, band="adults")
    police = OrganisationFactory(name="Polisen", kind=OrganisationKind.POLICE)
    officer = UserFactory(organisation=police, roles=[Role.EXTERNAL_MEMBER])
    for organisation, author, text in ((programme, worker, OWN_SHARED), (police, officer, POLICE_SHARED)):
        SharedEntry.objects.create(
            group=group,
            person=protected.person,
            organisation=organisation,
            author=author,
            category="housing",
            text=text,
        )
    return {"worker": worker, "supervisor": supervisor, "protected": protected, "other": other}


def _open(archive, package: ArchivePackage) -> zipfile.ZipFile:
    sealed = (archive["dir"] / package.file_name).read_bytes()
    assert hashlib.sha256(sealed).hexdigest() == package.sha256 and len(sealed) == package.size
    plain = pkcs7.pkcs7_decrypt_der(sealed, archive["certificate"], archive["key"], [])
    return zipfile.ZipFile(io.BytesIO(plain))


def _export_events(**filters):
    return AccessEvent.objects.filter(action=Action.EXPORT, purpose=PURPOSE, **filters)


def _files_of(archive, package: ArchivePackage) -> dict[str, bytes]:
    bundle = _open(archive, package)
    root = f"lotsa-archive-{package.pk}/"
    assert all(name.startswith(root) for name in bundle.namelist())
    return {name.removeprefix(root): bundle.read(name) for name in bundle.namelist()}


def _text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_package_for_two_people_opens_with_the_archives_key_and_proves_itself(
    unit, archive, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO)
    people = [unit["protected"].person_id, unit["other"].person_id]
    with django_capture_on_commit_callbacks(execute=True):
        package = archive_export(person_ids=people, by=unit["supervisor"])

    # Two person files, two case files, the descriptive metadata, METS and the manifest.
    assert (package.people, package.cases, package.files) == (2, 2, 7)
    assert package.key_fingerprint == fingerprint(archive["certificate"])
    assert [p.name for p in archive["dir"].iterdir()] == [package.file_name]  # nothing else, no plaintext

    bundle = _open(archive, package)
    root = f"lotsa-archive-{package.pk}/"
    names = set(bundle.namelist())
    assert all(name.startswith(root) for name in names)
    files = {name.removeprefix(root): bundle.read(name) for name in names}

    # The manifest: every other file, each with its SHA-256, as sha256sum --check reads it.
    listed = dict(
        reversed(line.split("  ", 1)) for line in files.pop(archive_package.MANIFEST).decode().splitlines()
    )
    assert set(listed) == set(files)
    assert all(hashlib.sha256(files[path]).hexdigest() == digest for path, digest in listed.items())

    # METS: every data file with its checksum, the descriptive metadata referenced.
    mets = ET.fromstring(files["METS.xml"])  # noqa: S314 (the package this test just made)
    assert mets.get("OBJID") == root.rstrip("/") and mets.get("PROFILE") == archive_package.PROFILE
    in_mets = {
        f.find("mets:FLocat", METS_NS).get(f"{{{archive_package.XLINK}}}href"): f.get("CHECKSUM")
        for f in mets.iterfind(".//mets:file", METS_NS)
    }
    pdfs = {path for path in files if path.endswith(".pdf")}
    assert set(in_mets) == pdfs and len(pdfs) == 4
    assert all(hashlib.sha256(files[path]).hexdigest() == digest for path, digest in in_mets.items())
    assert mets.find(".//mets:dmdSec/mets:mdRef", METS_NS).get(f"{{{archive_package.XLINK}}}href") == (
        archive_package.DESCRIPTIVE
    )

    # The descriptive metadata: who, which case, which file; the protection said.
    described = ET.fromstring(files[archive_package.DESCRIPTIVE])  # noqa: S314 (the same)
    persons = {p.get("id"): p for p in described.iterfind("l:person", LOTSA_NS)}
    assert set(persons) == {str(pk) for pk in people}
    shielded = persons[str(unit["protected"].person_id)]
    assert shielded.get("protectedIdentity") == ProtectedIdentity.PROTECTED_REGISTRATION
    assert shielded.find("l:name", LOTSA_NS).text.startswith(PROTECTED_NAME)
    case_file = persons[str(unit["other"].person_id)].find("l:case", LOTSA_NS)
    assert case_file.get("id") == str(unit["other"].pk) and case_file.get("file") in pdfs
    person_files = {p.get("file") for p in persons.values()}
    assert person_files == {f"{archive_package.DATA}/{pk}/person.pdf" for pk in people}
    assert person_files < pdfs

    # Each PDF opens, claims PDF/A-2b, and holds the file, never a protected address or a draft.
    texts = {}
    for path in pdfs:
        reader = PdfReader(io.BytesIO(files[path]))
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
        texts[path] = " ".join(page.extract_text() for page in reader.pages)
    other_text = texts[case_file.get("file")]
    protected_text = texts[shielded.find("l:case", LOTSA_NS).get("file")]
    assert JOURNAL in other_text and OTHER_NAME in other_text and "Qwutförare" in other_text
    assert "Qwutkast" not in other_text
    assert PROTECTED_NAME in protected_text and PROTECTED_STREET not in protected_text
    assert OWN_SHARED in protected_text and POLICE_SHARED not in protected_text
    assert PLACEMENT_STREET not in " ".join(texts.values())
    for data in files.values():
        assert PROTECTED_STREET.encode() not in data and PLACEMENT_STREET.encode() not in data

    # The access log: one allowed export per case naming its person, and the package's making.
    exports = _export_events(outcome=AccessOutcome.ALLOWED, actor_id=unit["supervisor"].pk)
    assert sorted(exports.values_list("subject_id", flat=True)) == sorted(people)
    made = AccessEvent.objects.get(target_type="retention.archivepackage")
    assert made.target_id == str(package.pk) and made.action == Action.CREATE

    # No plaintext in the package's record, the log or the server's log; none in the file as written.
    sealed = (archive["dir"] / package.file_name).read_bytes()
    row = " ".join(str(value) for value in ArchivePackage.objects.values().get())
    events = " ".join(str(row) for row in AccessEvent.objects.values())
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (PROTECTED_STREET, PLACEMENT_STREET, JOURNAL, PROTECTED_NAME, OTHER_NAME, OWN_SHARED):
        assert secret not in row and secret not in events and secret not in log_text, secret
        assert secret.encode() not in sealed, secret


def test_without_the_archives_key_nothing_is_exported(unit, archive):
    with (
        override_settings(LOTSA_ARCHIVE_CERTIFICATE=""),
        pytest.raises(DomainError, match="LOTSA_ARCHIVE_CERTIFICATE"),
    ):
        archive_export(person_ids=[unit["other"].person_id], by=unit["supervisor"])
    assert not ArchivePackage.objects.exists() and not any(archive["dir"].iterdir())


def test_an_expired_or_weak_certificate_refuses_too(unit, archive, archive_key, tmp_path):
    expired = _certificate(archive_key[0], days=-1)
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for certificate in (expired, _certificate(weak_key)):
        pem = tmp_path / "other.pem"
        pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        with override_settings(LOTSA_ARCHIVE_CERTIFICATE=str(pem)), pytest.raises(DomainError):
            archive_export(person_ids=[unit["other"].person_id], by=unit["supervisor"])
    assert not ArchivePackage.objects.exists() and not any(archive["dir"].iterdir())


def test_a_person_the_exporter_may_not_export_stops_the_whole_package(unit, archive):
    """A social worker not assigned to one of the cases: that denial is recorded and raised; nothing is
    read, written or kept, and the allowed case's export is not recorded either (it did not happen)."""
    stranger = UserFactory(organisation=unit["worker"].organisation, roles=[Role.DEFECTOR_PROGRAMME])
    handled = unit["other"]
    handled.responsible = stranger
    handled.save()
    with pytest.raises(AccessDenied):
        archive_export(person_ids=[unit["other"].person_id, unit["protected"].person_id], by=stranger)
    assert not ArchivePackage.objects.exists() and not any(archive["dir"].iterdir())
    denied = _export_events(outcome=AccessOutcome.DENIED, actor_id=stranger.pk)
    assert list(denied.values_list("subject_id", flat=True)) == [unit["protected"].person_id]
    assert not _export_events(outcome=AccessOutcome.ALLOWED).exists()


def test_an_administrator_is_refused_and_nothing_changes(unit, archive):
    admin = UserFactory(organisation=unit["worker"].organisation, roles=[Role.ADMINISTRATOR])
    with pytest.raises(AccessDenied):
        archive_export(person_ids=[unit["other"].person_id], by=admin)
    assert not ArchivePackage.objects.exists() and not any(archive["dir"].iterdir())


def test_the_deploy_check_warns_without_the_archives_key_directory_or_font(archive, tmp_path):
    with override_settings(LOTSA_PRODUCTION=True):
        assert archive_key_is_configured(None) == []
        for missing in (
            {"LOTSA_ARCHIVE_CERTIFICATE": ""},
            {"LOTSA_ARCHIVE_DIR": tmp_path / "nowhere"},
            {"LOTSA_PDF_FONT": str(tmp_path / "no-font.ttf")},
        ):
            with override_settings(**missing):
                assert [w.id for w in archive_key_is_configured(None)] == ["retention.W001"], missing


def test_without_the_font_pdf_a_needs_nothing_is_exported(unit, archive, tmp_path):
    with override_settings(LOTSA_PDF_FONT=str(tmp_path / "no-font.ttf")), pytest.raises(DomainError):
        archive_export(person_ids=[unit["other"].person_id], by=unit["supervisor"])
    assert not ArchivePackage.objects.exists() and not any(archive["dir"].iterdir())


class RolledBack(Exception):
    pass


def test_a_package_appears_only_once_its_record_and_events_are_committed(
    unit, archive, django_capture_on_commit_callbacks
):
    """The caller's transaction rolls back: no file, not even the temporary one, no record, no event.
    Committed: the file is in place, alone, and no temporary file is left."""
    people = [unit["other"].person_id]
    with pytest.raises(RolledBack), transaction.atomic():
        archive_export(person_ids=people, by=unit["supervisor"])
        # Until the commit, only the owner-only temporary file is there, beside its final name.
        (waiting,) = archive["dir"].iterdir()
        assert waiting.name.startswith(".incoming-") and waiting.stat().st_mode & 0o077 == 0
        raise RolledBack
    assert not any(archive["dir"].iterdir())
    assert not ArchivePackage.objects.exists() and not _export_events().exists()
    assert not AccessEvent.objects.filter(target_type="retention.archivepackage").exists()

    with django_capture_on_commit_callbacks(execute=True):
        package = archive_export(person_ids=people, by=unit["supervisor"])
        assert not (archive["dir"] / package.file_name).exists()  # not before the commit
    assert [p.name for p in archive["dir"].iterdir()] == [package.file_name]
    assert _export_events(subject_id=unit["other"].person_id).count() == 1


def test_a_person_without_a_case_keeps_their_own_file(unit, archive, django_capture_on_commit_callbacks):
    """Only a disclosure and a consent, no case: the package still holds the person's PDF (who, and
    what the unit holds of them), listed in METS and the manifest."""
    programme = unit["worker"].organisation
    person = PersonFactory(organisation=programme, given_names="Qwutanärende")
    police = OrganisationFactory(name="Qwpolisregionen", kind=OrganisationKind.POLICE)
    disclosure = Disclosure(
        person=person,
        organisation=programme,
        recipient=police,
        ground="prevent_terrorism",
        categories=["threat_protection"],
        access_until=dt.date(2026, 1, 1),
        disclosed_by=unit["worker"],
    )
    disclosure.what, disclosure.why = "Qwutlämnat", "Qwskälet"
    disclosure.save()
    with django_capture_on_commit_callbacks(execute=True):
        package = archive_export(person_ids=[person.pk], by=unit["supervisor"])
    assert (package.people, package.cases, package.files) == (1, 0, 4)
    files = _files_of(archive, package)
    path = f"{archive_package.DATA}/{person.pk}/person.pdf"
    text = _text(files[path])
    assert "Qwutanärende" in text and "Qwpolisregionen" in text
    assert path in files[archive_package.MANIFEST].decode() and path.encode() in files["METS.xml"]
    described = ET.fromstring(files[archive_package.DESCRIPTIVE])  # noqa: S314 (the package just made)
    (element,) = described.iterfind("l:person", LOTSA_NS)
    assert element.get("file") == path and element.find("l:case", LOTSA_NS) is None
    assert _export_events(outcome=AccessOutcome.ALLOWED, subject_id=person.pk).count() == 1
    # Only the unit's supervisor exports a record without a case; its social worker does not.
    assert not access.decide(unit["worker"], Action.EXPORT, person, PURPOSE).allowed


def test_a_relatives_support_case_keeps_its_relation_and_conversations(
    unit, archive, django_capture_on_commit_callbacks
):
    programme = unit["worker"].organisation
    case = CaseFactory(owner_unit=programme, responsible=unit["worker"], activity="relative_support")
    relation = Relation(case=case, person=case.person, kind="parent", recorded_by=unit["worker"])
    relation.concerned_name, relation.concerned_number, relation.notes = "Qwbarnet", "", ""
    relation.save()
    conversation = SupportConversation(
        case=case,
        person=case.person,
        held_on=dt.date(2025, 3, 1),
        form="individual",
        recorded_by=unit["worker"],
    )
    conversation.notes = "Qwstödsamtalet"
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        package = archive_export(person_ids=[case.person_id], by=unit["supervisor"])
    text = _text(_files_of(archive, package)[f"{archive_package.DATA}/{case.person_id}/case-{case.pk}.pdf"])
    assert "Qwbarnet" in text and "Qwstödsamtalet" in text and "2025-03-01" in text


@pytest.mark.django_db(transaction=True)
def test_outside_the_tests_transaction_a_rollback_leaves_nothing_and_a_commit_the_file(archive):
    """The same with real transactions: the caller's outermost transaction rolls back (no file, no
    temporary file, no record, no event); called in autocommit, the file is in place on return."""
    unit = OrganisationFactory(name="Qwenheten")
    supervisor = UserFactory(organisation=unit, roles=[Role.SUPERVISOR])
    case = CaseFactory(owner_unit=unit, person=PersonFactory(organisation=unit))
    with pytest.raises(RolledBack), transaction.atomic():
        archive_export(person_ids=[case.person_id], by=supervisor)
        raise RolledBack
    assert not any(archive["dir"].iterdir())
    assert not ArchivePackage.objects.exists() and not _export_events().exists()
    package = archive_export(person_ids=[case.person_id], by=supervisor)
    assert [p.name for p in archive["dir"].iterdir()] == [package.file_name]
    assert _export_events(subject_id=case.person_id).count() == 1
