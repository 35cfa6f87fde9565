"""No plaintext of an encrypted field anywhere at rest: not in a dump of the database, not in the
access log, not in django-auditlog's records, not in the server's log."""

from __future__ import annotations

import logging
import subprocess

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from audit.models import AccessEvent
from cases.models import Case, JournalEntry
from tests.factories import OrganisationFactory, UserFactory, valid_number
from tests.helpers import login_verified

MARKERS = {
    "given_names": "Qwförnamnmarkör",
    "surname": "Qwefternamnmarkör",
    "phone": "070-9988776",
    "email": "qwmarkor@example.se",
    "street": "Qwgatumarkör 9",
    "town": "Qwortmarkör",
    "journal": "Qwjournalmarkör om boendet",
    "correction": "Qwrättelsemarkör",
    "close": "Qwavslutmarkör",
    "form_name": "Qwblankettmarkör-19121212",
    "purpose": "Qwsyftesmarkör",
}


def database_dump() -> str:
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        command = [
            "pg_dump",
            "--no-owner",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            settings["NAME"],
        ]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    return "\n".join(connection.connection.iterdump())


@pytest.mark.django_db(transaction=True)
def test_no_marker_reaches_the_database_the_logs_or_the_audit_trail(client, caplog):
    caplog.set_level(logging.DEBUG)
    unit = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    worker = UserFactory(organisation=unit, roles=[Role.SOCIAL_WORKER])
    login_verified(client, worker)
    number = valid_number(4242)

    response = client.post(
        reverse("cases:open"),
        {
            "personal_number": number,
            "given_names": MARKERS["given_names"],
            "surname": MARKERS["surname"],
            "phone": MARKERS["phone"],
            "email": MARKERS["email"],
            "street": MARKERS["street"],
            "postcode": "111 22",
            "town": MARKERS["town"],
            "protected_identity": "none",
            "activity": "intervention_group",
            "milieu": "unclear",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    journal = reverse("cases:journal_add", kwargs={"case_id": case.pk})
    client.post(journal, {"category": "housing", "text": MARKERS["journal"]})
    entry = JournalEntry.objects.get()
    client.post(reverse("cases:journal_sign", kwargs={"case_id": case.pk, "entry_id": entry.pk}))
    client.post(
        reverse("cases:journal_correct", kwargs={"case_id": case.pk, "entry_id": entry.pk}),
        {"category": "housing", "text": MARKERS["correction"]},
    )
    police = OrganisationFactory(name="Polisen", kind="police")
    upload = SimpleUploadedFile(
        f"{MARKERS['form_name']}.pdf", b"%PDF-1.4 signed", content_type="application/pdf"
    )
    response = client.post(
        reverse("consent:record", kwargs={"case_id": case.pk}),
        {
            "purpose": "other",
            "purpose_text": MARKERS["purpose"],
            "recipients": [police.pk],
            "categories": ["housing"],
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
            "given_how": "written",
            "signed_form": upload,
        },
    )
    assert response.status_code == 302
    consent_page = client.get(response["Location"]).content.decode()
    assert MARKERS["purpose"] in consent_page and MARKERS["form_name"] in consent_page
    client.post(reverse("cases:search"), {"personal_number": number})
    client.get(reverse("cases:my_cases"))
    case.refresh_from_db()
    client.post(
        reverse("cases:close", kwargs={"case_id": case.pk}),
        {"version": case.version, "reason": "other", "text": MARKERS["close"]},
    )
    page = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    for marker in MARKERS.values():  # the pages show all of it to the one who may see it...
        if marker not in (MARKERS["form_name"], MARKERS["purpose"]):  # on the consent's page above
            assert marker in page, marker

    # ...and nothing of it is anywhere at rest.
    secrets = [*MARKERS.values(), number, f"{number[:8]}-{number[8:]}"]
    dump = database_dump()
    assert str(case.pk) in dump  # the dump is real
    audit_rows = " ".join(str(row) for row in AccessEvent.objects.values())
    auditlog_rows = " ".join(
        f"{e.object_repr} {e.changes} {e.changes_text} {e.serialized_data} {e.additional_data}"
        for e in LogEntry.objects.all()
    )
    assert LogEntry.objects.exists() and AccessEvent.objects.exists()
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in dump, f"{secret!r} in the database dump"
        assert secret not in audit_rows, f"{secret!r} in the access log"
        assert secret not in auditlog_rows, f"{secret!r} in django-auditlog's records"
        assert secret not in log_text, f"{secret!r} in the server log"


# Every stored text of every model is either encrypted or one of these, each free of any client's
# personal data for the reason given. Derived from the models, so that a new field cannot be
# forgotten: a plaintext text field not listed here fails the test below.
NOT_PERSONAL = {
    "lotsa.DataKey.wrapped_key": "a data key, itself encrypted under the master key",
    "audit.AccessEvent.actor_username": "the member of staff who acted",
    "audit.AccessEvent.actor_organisation": "the staff member's organisation",
    "audit.AccessEvent.actor_role": "role codes",
    "audit.AccessEvent.target_type": "a model's label",
    "audit.AccessEvent.target_id": "an opaque id",
    "audit.AccessEvent.purpose": "a purpose code or short fixed text",
    "audit.AccessEvent.legal_ground": "a citation of law",
    "audit.AccessEvent.reason": "the decision's fixed reason",
    "audit.AccessEvent.request_id": "a random id",
    "audit.AccessEvent.client_ip": "the staff member's address",
    "audit.Seal.digest": "a hash",
    "audit.Seal.prev_hash": "a hash",
    "audit.Seal.hash": "a hash",
    "accounts.Organisation.name": "an organisation",
    "accounts.Organisation.district": "a district's name",
    "accounts.User.password": "an argon2 hash of a staff member's password",
    "accounts.User.username": "a staff account",
    "accounts.User.first_name": "a staff account",
    "accounts.User.last_name": "a staff account",
    "accounts.User.email": "a staff member's work address",
    "accounts.UserSession.session_key": "a session id",
    "accounts.AccountRequest.roles": "role codes",
    "accounts.AccountRequest.decision_note": "a supervisor's note on a staff account request",
    "accounts.EnrolmentCode.first_part_hash": "a keyed hash",
    "accounts.EnrolmentCode.second_part_hash": "a keyed hash",
    "consent.Consent.categories": "information category codes",
    "consent.Disclosure.ground": "a legal ground's code",
    "consent.Disclosure.categories": "information category codes",
    "sig.InterventionGroup.band": "an age band's code",
    "defectors.Intervention.kind": "a code from the intervention catalogue (configuration)",
    "defectors.Intervention.section": "a legal section's code (configuration)",
    "defectors.SupportDecision.section": "a legal section's code (configuration)",
}
PROJECT_APPS = {"lotsa", "accounts", "audit", "cases", "consent", "sig", "defectors", "relatives"}


def test_every_stored_text_of_every_model_is_encrypted_or_declared_not_personal():
    from django.apps import apps
    from django.db import models

    from lotsa.crypto import BlindIndexField, EncryptedField

    plaintext = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedField | BlindIndexField) or field.choices:
                continue  # encrypted, a keyed hash, or a code from a closed list
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.BinaryField):
                plaintext.add(f"{model._meta.label}.{field.name}")
    undeclared = plaintext - NOT_PERSONAL.keys()
    assert not undeclared, f"plaintext fields that may hold personal data: encrypt them: {sorted(undeclared)}"
    assert not NOT_PERSONAL.keys() - plaintext, "declared fields that no longer exist"
