"""What the retention rules keep goes to the archive, before the live copy is erased (issue 33, item 7).

``archive_export`` makes one package of the files of the people named (each person record is its unit's
file: every case of it, the journal's signed entries, the decisions and the programme's records),
encrypted to the archive authority's certificate, written to ``LOTSA_ARCHIVE_DIR``, and keeps an
``ArchivePackage`` row as proof after the data is gone. The destruction list's erasure calls it for the
records a rule keeps (people born on the 5th, 15th or 25th; records the archive authority selects) and
erases only after it returned.

Reading the files is an export: every case is decided by its own rule (lotsa.access, EXPORT, purpose
``archive package``) before anything of it is read. If any one is denied, that denial is recorded and
raised, and nothing is read, written or kept (the others' decisions are not recorded: nothing of them
left the server). Once all are allowed, each decision is recorded, then the settings are checked, then
the package is built. A caller that runs this in a transaction of its own and rolls it back after a
denial calls ``lotsa.access.ensure_recorded`` (the 403 middleware does so for a request).

Encryption: CMS (RFC 5652) enveloped data, DER, AES-256-CBC content encryption, the content key
transported under the certificate's RSA key (cryptography's PKCS7EnvelopeBuilder: RSA with PKCS#1 v1.5
is what it offers). It opens with ``openssl cms -decrypt -inform DER`` and the archive's private key,
or any CMS library. The plaintext package is built in memory only and never written to disk; the
encrypted file is written beside its final name (owner-only) and renamed into place only once the
transaction holding the package's record and its events commits (``on_commit``): a caller's transaction
that rolls back leaves no file, no temporary file, no record and no event. Called outside any
transaction (as the destruction list's erasure calls it), the file is in place when it returns.

The protected address (the person's, under protected identity; every placement's) goes into no export
(docs/domain: "never in a list, an export or a letter"): the package says that the person is protected
and that the address is left out, so the archive keeps the package under secrecy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from audit.models import Action
from cases import queries as case_queries
from consent import queries as consent_queries
from lotsa import access, summary
from lotsa.errors import DomainError
from retention.archive_package import CaseFile, PersonFile, build
from retention.models import ArchivePackage

PURPOSE = "archive package"
MIN_RSA_BITS = 3072


def archive_certificate() -> x509.Certificate:
    """The archive authority's certificate (LOTSA_ARCHIVE_CERTIFICATE, a PEM file): RSA of at least
    MIN_RSA_BITS bits and valid now. Anything else refuses the export (a DomainError), with why."""
    path = getattr(settings, "LOTSA_ARCHIVE_CERTIFICATE", "")
    if not path:
        raise DomainError(_("No archive key is configured (LOTSA_ARCHIVE_CERTIFICATE): nothing is exported."))
    try:
        certificate = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError):
        raise DomainError(
            _("The archive's certificate (LOTSA_ARCHIVE_CERTIFICATE) cannot be read: nothing is exported.")
        ) from None
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise DomainError(
            _("The archive's certificate must hold an RSA key of at least %(bits)d bits.")
            % {"bits": MIN_RSA_BITS}
        )
    now = timezone.now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise DomainError(_("The archive's certificate is not valid today: nothing is exported."))
    return certificate


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def archival_font() -> None:
    """PDF/A embeds its fonts: without the body font's file (LOTSA_PDF_FONT) no PDF/A can be made."""
    if not Path(settings.LOTSA_PDF_FONT).is_file():
        raise DomainError(
            _("The font of PDFs (LOTSA_PDF_FONT) is missing, and PDF/A needs it: nothing is exported.")
        )


def archive_directory() -> Path:
    directory = Path(settings.LOTSA_ARCHIVE_DIR)
    if not directory.is_dir():
        raise DomainError(
            _("The archive's directory (LOTSA_ARCHIVE_DIR) does not exist: nothing is exported.")
        )
    return directory


def encrypt(data: bytes, certificate: x509.Certificate) -> bytes:
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .add_recipient(certificate)
        .set_content_encryption_algorithm(algorithms.AES256)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def _decide(by: User, people: list, cases_of: dict) -> None:
    """Every case (a person without one: the person record) decided before any is recorded; the first
    denial recorded and raised, else every allowance recorded."""
    targets = [case for person in people for case in cases_of[person.pk]]
    targets += [person for person in people if not cases_of[person.pk]]
    for target in targets:
        if not access.decide(by, Action.EXPORT, target, PURPOSE).allowed:
            access.check(by, Action.EXPORT, target, purpose=PURPOSE)  # records the denial, raises
    for target in targets:
        access.check(by, Action.EXPORT, target, purpose=PURPOSE)


def _files(people: list, cases_of: dict) -> list[PersonFile]:
    """Read after the decisions: each person's identity and each case's file and the apps' records."""
    files = []
    for person in people:
        entry = PersonFile(
            person_id=str(person.pk),
            unit=person.organisation.name,
            name=f"{person.given_names} {person.surname}",
            personal_number=person.personal_number_display or "",
            protected_identity=person.protected_identity,
            identity=case_queries.archive_identity_of(person),
            sections=consent_queries.consents_and_disclosures_of(
                person=person, organisation_id=person.organisation_id
            ),
        )
        for case in cases_of[person.pk]:
            entry.cases.append(
                CaseFile(
                    case_id=case.pk,
                    activity=case.activity,
                    activity_label=str(case.get_activity_display()),
                    status=case.status,
                    opened=case.opened_at,
                    closed=case.closed_at,
                    unit=case.owner_unit.name,
                    sections=case_queries.archive_file_of(case) + summary.archive_sections_for(case),
                )
            )
        files.append(entry)
    return files


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


class Incoming:
    """The encrypted package written beside its final name (owner-only: mkstemp), flushed, and kept
    there until the transaction that records it commits: :meth:`move_into_place` is its on_commit
    callback. Should that transaction roll back, Django drops the callback, and with it the last
    reference to this object, whose finalizer removes the file: a package is in the archive's directory
    only once its record and its events are committed, and a rollback leaves not even the temporary
    file behind."""

    def __init__(self, directory: Path, name: str, data: bytes):
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".incoming-", suffix=".p7m")
        self.path, self.final = Path(temporary), directory / name
        self._discard = weakref.finalize(self, _unlink, self.path)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            self.discard()
            raise

    def move_into_place(self) -> None:
        try:
            os.replace(self.path, self.final)
        except BaseException:
            self.discard()
            raise
        self._discard.detach()

    def discard(self) -> None:
        self._discard()


def archive_export(
    *, person_ids: Iterable, destruction_list=None, by: User, now: dt.datetime | None = None
) -> ArchivePackage:
    """Export the files of the people named to the archive, encrypted to its certificate; the package's
    record. Decided first (every case, by its own rule), then checked, then built and written; a refusal
    (a DomainError, or a recorded AccessDenied) leaves no file and no record. The file is moved into
    the archive's directory when the transaction that records it commits (at once, outside any)."""
    try:
        ids = list(dict.fromkeys(uuid.UUID(str(pk)) for pk in person_ids))
    except ValueError:
        raise DomainError(_("There is no such person.")) from None
    if not ids:
        raise DomainError(_("Name at least one person to archive."))
    people = list(case_queries.people().filter(pk__in=ids).select_related("organisation"))
    if len(people) != len(ids):
        raise DomainError(_("There is no such person."))
    people.sort(key=lambda person: ids.index(person.pk))
    cases_of = {person.pk: case_queries.archive_cases_of(person_id=person.pk) for person in people}
    _decide(by, people, cases_of)
    if any(person.erased_at for person in people):
        raise DomainError(_("A record already erased cannot be archived: nothing is exported."))
    certificate = archive_certificate()
    directory = archive_directory()
    archival_font()

    made_at = now or timezone.now()
    package_id = uuid.uuid4()
    name = f"lotsa-archive-{package_id}"
    built = build(
        name,
        _files(people, cases_of),
        made_at=made_at,
        made_by=by.get_full_name() or by.username,
        destruction_list="" if destruction_list is None else str(destruction_list.pk),
    )
    sealed, files = encrypt(built.data, certificate), built.files
    del built  # the plaintext package lives no longer than this call
    file_name = f"{name}.p7m"
    incoming = Incoming(directory, file_name, sealed)
    try:
        with transaction.atomic():
            package = ArchivePackage.objects.create(
                id=package_id,
                created_at=made_at,
                created_by=by,
                destruction_list=destruction_list,
                file_name=file_name,
                sha256=hashlib.sha256(sealed).hexdigest(),
                size=len(sealed),
                key_fingerprint=fingerprint(certificate),
                people=len(people),
                cases=sum(len(cases) for cases in cases_of.values()),
                files=files,
            )
            audit.record(action=Action.CREATE, actor=by, target=package, purpose=PURPOSE)
            transaction.on_commit(incoming.move_into_place)
    except BaseException:
        incoming.discard()
        raise
    return package
