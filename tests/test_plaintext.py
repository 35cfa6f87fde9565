"""No plaintext of an encrypted field anywhere at rest: not in a dump of the database, not in the
access log, not in django-auditlog's records, not in the server's log."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts import identities, services
from accounts.models import AccountRequest, IdentityLink
from accounts.roles import Role
from audit.models import AccessEvent
from cases.models import Case, JournalEntry
from lotsa import crypto, waiting
from lotsa.waiting import Waiting
from notifications import jobs
from notifications.tests import smtp
from tests.factories import OrganisationFactory, UserFactory, valid_number
from tests.helpers import login_verified
from tests.test_identity_values import ISSUER, NUMBER, make_people

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
def test_no_marker_reaches_the_database_the_logs_or_the_audit_trail(client, caplog, monkeypatch):
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
    client.post(
        reverse("cases:journal_sign", kwargs={"case_id": case.pk, "entry_id": entry.pk}),
        {"version": entry.version},
    )
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
    # Every message Lotsa sends, over a real SMTP server: the worker is told (urgently, so at any hour)
    # by the real providers and by one that names the person, as no provider may.
    worker.email = "handlaggare@lotsa.example"
    worker.save(update_fields=["email"])
    planted = Waiting(
        f"{MARKERS['given_names']} {MARKERS['surname']}, {number}", f"/cases/{case.pk}/", urgent=True
    )
    monkeypatch.setattr(waiting, "_providers", [*waiting._providers, lambda user: [planted]])
    mail_text = sent_messages(jobs.send_reminders)
    assert "Lotsa" in mail_text
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
        assert secret not in mail_text, f"{secret!r} in a sent message's headers or body"


def sent_messages(send) -> str:
    """What ``send()`` sends through a real SMTP server on 127.0.0.1: every message's headers and body."""
    controller, inbox = smtp.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
        ):
            send()
    finally:
        controller.stop()
    assert inbox.messages, "nothing was sent"
    return "\n\n".join(inbox.texts())


@pytest.mark.django_db(transaction=True)
def test_an_identity_value_is_nowhere_at_rest_and_the_login_finds_it_by_its_blind_index(
    settings, client, caplog, monkeypatch
):
    """A staff member's identity at the login provider (here a personal identity number, the SAML
    default attribute) is encrypted: not in a dump, the access log or the server log."""
    identity_people = make_people(settings)
    caplog.set_level(logging.DEBUG)
    login_verified(client, identity_people["admin"])
    response = client.post(
        reverse("accounts:identity_link_create", kwargs={"user_id": identity_people["worker"].pk}),
        {"provider": ISSUER, "value": NUMBER},
    )
    assert response.status_code == 302
    request = AccountRequest.objects.get()
    services.account_request_decide(by=identity_people["supervisor"], request_id=request.pk, approve=True)
    link = IdentityLink.objects.get()
    assert link.value == NUMBER and AccountRequest.objects.get().identity_value == NUMBER
    assert link.value_index == crypto.blind_index("accounts.identitylink.value", NUMBER)
    # The request's index is of its own domain: the two columns cannot be joined on.
    assert AccountRequest.objects.get().identity_value_index not in (None, link.value_index)

    # The login's lookup: by the blind index, with the decryption of no value.
    def refuse(*args, **kwargs):
        raise AssertionError("the lookup decrypted a value")

    original = crypto.decrypt_value
    crypto.decrypt_value = refuse
    try:
        found = identities.identity_find(provider=ISSUER, claim="personal_number", value=NUMBER)
        assert (
            identities.identity_find(provider=ISSUER, claim="personal_number", value=NUMBER[:-1] + "5")
            is None
        )
    finally:
        crypto.decrypt_value = original
    assert found.pk == link.pk and found.user == identity_people["worker"]

    dump = database_dump()
    assert link.row_key.hex[:8] in dump.replace("-", "")  # the dump is real
    audit_rows = " ".join(str(row) for row in AccessEvent.objects.values())
    auditlog_rows = " ".join(
        f"{e.object_repr} {e.changes} {e.serialized_data}" for e in LogEntry.objects.all()
    )
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for where, text in (
        ("database dump", dump),
        ("access log", audit_rows),
        ("django-auditlog's records", auditlog_rows),
        ("server log", log_text),
    ):
        assert NUMBER not in text and NUMBER[-4:] + "'" not in text, where


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
    "audit.Pruning.seal_hash": "a hash",
    "audit.Pruning.prev_hash": "a hash",
    "audit.Pruning.hash": "a hash",
    "audit.Pruning.key_id": "a key's fingerprint",
    "audit.Pruning.signature": "a signature",
    "accounts.Organisation.name": "an organisation",
    "accounts.Organisation.district": "a district's name",
    "accounts.User.password": "an argon2 hash of a staff member's password",
    "accounts.User.username": "a staff account",
    "accounts.User.first_name": "a staff account",
    "accounts.User.last_name": "a staff account",
    "accounts.User.email": "a staff member's work address",
    "accounts.UserSession.session_key": "a session id",
    "accounts.UserSession.sso_subject": "a keyed hash of the provider's NameID (single logout)",
    "accounts.UserSession.sso_session": "a keyed hash of the provider's SessionIndex (single logout)",
    "accounts.AccountRequest.roles": "role codes",
    "accounts.AccountRequest.decision_note": "a supervisor's note on a staff account request",
    "accounts.EnrolmentCode.first_part_hash": "a keyed hash",
    "accounts.EnrolmentCode.second_part_hash": "a keyed hash",
    # Where a staff member's identity at the city's login provider is matched (accounts.identities);
    # the identity itself (it may be a personal identity number) is encrypted, with a blind index.
    "accounts.IdentityLink.name": "a django-otp device's name",
    "accounts.IdentityLink.provider": "a login provider's issuer",
    "accounts.IdentityLink.claim": "a claim's name",
    "accounts.IdentityLink.provider_confirmed_by": "the configured first-supervisor claim",
    "accounts.AccountRequest.identity_provider": "a login provider's issuer",
    "accounts.AccountRequest.identity_claim": "a claim's name",
    "accounts.UsedAssertion.digest": "a hash of a login provider's answer's ID",
    "consent.Consent.categories": "information category codes",
    "consent.Disclosure.ground": "a legal ground's code",
    "consent.Disclosure.categories": "information category codes",
    "sig.InterventionGroup.band": "an age band's code",
    # The raises a later one overtook: organisation ids, decision ids, times and level codes (the
    # supervisor's proxy of Person has the same column).
    "cases.Person.protection_overtaken": "earlier protection raises: ids, times and level codes",
    "supervision.PersonAccessLog.protection_overtaken": "earlier protection raises: ids, times and codes",
    # The supervisor's proxy of the access event for break-glass logins: the same columns as the log's.
    **{
        f"supervision.BreakGlassLogin.{column}": f"the access log's own column ({column})"
        for column in (
            "actor_username",
            "actor_organisation",
            "actor_role",
            "target_type",
            "target_id",
            "purpose",
            "legal_ground",
            "reason",
            "request_id",
            "client_ip",
        )
    },
    "defectors.Intervention.kind": "a code from the intervention catalogue (configuration)",
    "defectors.Intervention.section": "a legal section's code (configuration)",
    "defectors.SupportDecision.section": "a legal section's code (configuration)",
    "coordination.SituationPicture.counts": "published counts, already protected (fewer than 5)",
    "coordination.IndicatorTable.key": "an indicator's code",
    "coordination.IndicatorTable.inputs": "write counters of the models an indicator counts",
    "coordination.IndicatorTable.table": "an indicator's figures, already protected (fewer than 5)",
    "coordination.InputGeneration.label": "a model's label",
    "supervision.ReviewItem.reasons": "risk rule codes",
    "supervision.SubjectAccessExtract.staff_names_reason": "why the staff are named on the extract",
    "supervision.SubjectAccessExtract.review_note": "the supervisor's note on approving an extract",
    "retention.DestructionList.act": "which act's retention rules were in force (a code)",
    "retention.ListItem.rule_id": "a retention rule's id",
    "retention.Certificate.body": "the destruction certificate: opaque subject ids, counts, rule ids, staff",
    "retention.Certificate.digest": "the certificate's SHA-256",
    "retention.Certificate.signature": "the certificate's Ed25519 signature",
    "retention.Certificate.key_id": "the signing key's id",
    # A notification's record (notifications/): never what it said.
    "notifications.Notification.window": "the kind and a day or a hash: one notification per window",
    "notifications.Notification.waiting_digest": "a hash of the waiting lines (counts and addresses)",
    "notifications.Notification.failure": "an exception's class name, never its message",
    "retention.ArchivePackage.file_name": "the package's file, named by its random id",
    "retention.ArchivePackage.sha256": "a hash of the encrypted package",
    "retention.ArchivePackage.key_fingerprint": "a hash of the archive's certificate",
}


def project_apps() -> set[str]:
    """Every app of this repository (not of a library), so that a new app cannot be left out: a fixed
    list once missed the coordinator's and the supervisor's texts."""
    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        and not Path(config.path).resolve().is_relative_to(Path(sys.prefix).resolve())
    }


def test_the_plaintext_rule_covers_every_app_of_the_project():
    assert {"coordination", "supervision", "cases", "lotsa", "accounts", "audit"} <= project_apps()
    assert not {"auth", "auditlog", "guardian", "axes"} & project_apps()


def test_every_stored_text_of_every_model_is_encrypted_or_declared_not_personal():
    from django.apps import apps
    from django.db import models

    from lotsa.crypto import BlindIndexField, EncryptedField

    plaintext = set()
    ours = project_apps()
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedField | BlindIndexField) or field.choices:
                continue  # encrypted, a keyed hash, or a code from a closed list
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.BinaryField):
                plaintext.add(f"{model._meta.label}.{field.name}")
    undeclared = plaintext - NOT_PERSONAL.keys()
    assert not undeclared, f"plaintext fields that may hold personal data: encrypt them: {sorted(undeclared)}"
    assert not NOT_PERSONAL.keys() - plaintext, "declared fields that no longer exist"


TEXT_MARKERS = {
    "area": "Qwområdesmarkör",
    "description": "Qwrapportmarkör om klotter",
    "coordinator": "Qwlägesmarkör i området",
    "police": "Qwpolismarkör om läget",
    "needs": "Qwbehovsmarkör för rollen",
    "risks": "Qwriskmarkör för rollen",
    "note": "Qwanteckningsmarkör om läsningen",
    "conclusion": "Qwslutsatsmarkör om perioden",
}


@pytest.mark.django_db(transaction=True)
def test_the_coordinators_and_the_supervisors_texts_are_encrypted_under_the_organisations_key(world):
    import datetime as dt

    from audit import services as audit
    from audit.models import Action
    from coordination.models import DeidentifiedReport, SituationPicture
    from coordination.services import deidentified_report_send, situation_picture_write
    from lotsa import crypto
    from supervision import services as supervision
    from supervision.models import LogReview, NeedsRiskAnalysis, ReviewItem

    supervisor, district = world.users["supervisor"], world.district_a
    deidentified_report_send(
        by=world.users["social_worker"],
        administration_id=district.pk,
        area=TEXT_MARKERS["area"],
        occurred_on=dt.date.today() - dt.timedelta(days=2),
        kind="concern",
        milieu="unclear",
        setting="school",
        age_band="13_15",
        description=TEXT_MARKERS["description"],
    )
    situation_picture_write(
        by=world.users["coordinator"],
        administration_id=district.pk,
        year=dt.date.today().year,
        coordinator_assessment=TEXT_MARKERS["coordinator"],
        police_assessment=TEXT_MARKERS["police"],
    )
    supervision.analysis_write(
        by=supervisor,
        organisation_id=district.pk,
        role=Role.SOCIAL_WORKER,
        needs=TEXT_MARKERS["needs"],
        risks=TEXT_MARKERS["risks"],
    )
    supervision.log_review_plan_set(by=supervisor, every_days=30, random_samples=1, per_rule=0)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(yesterday, dt.time(10, 0)).astimezone(), tick=False):
        audit.append(
            [
                audit.Event(
                    action=Action.VIEW, actor=world.users["social_worker"], subject_id=world.case_a.person_id
                )
            ]
        )
    review = supervision.log_review_draw(by=supervisor, start=yesterday - dt.timedelta(days=5), end=yesterday)
    assert review.items.exists()
    for item in review.items.all():
        supervision.log_review_item_mark(
            by=supervisor, item_id=item.pk, mark="follow_up", note=TEXT_MARKERS["note"]
        )
    supervision.log_review_sign_off(by=supervisor, review_id=review.pk, conclusion=TEXT_MARKERS["conclusion"])

    # Everything reads back through the models...
    with crypto.key_cache():
        report = DeidentifiedReport.objects.get()
        picture = SituationPicture.objects.get()
        analysis = NeedsRiskAnalysis.objects.get()
        signed = LogReview.objects.get()
        assert (report.area, report.description) == (TEXT_MARKERS["area"], TEXT_MARKERS["description"])
        assert picture.coordinator_assessment == TEXT_MARKERS["coordinator"]
        assert picture.police_assessment == TEXT_MARKERS["police"]
        assert (analysis.needs, analysis.risks) == (TEXT_MARKERS["needs"], TEXT_MARKERS["risks"])
        assert signed.conclusion == TEXT_MARKERS["conclusion"]
        assert all(item.note == TEXT_MARKERS["note"] for item in ReviewItem.objects.filter(review=signed))
    # ...under the organisation's key (format 0x02, the key id derived from the organisation)...
    raw = bytes(DeidentifiedReport.objects.values_list("description", flat=True).get())
    assert raw[:1] == crypto.FORMAT_ORGANISATION_V1
    assert raw[1:17] == crypto.organisation_key_id(district.pk).bytes
    # ...and nothing of it is at rest in clear, nor in django-auditlog's records.
    dump = database_dump()
    auditlog_rows = " ".join(
        f"{e.object_repr} {e.changes} {e.changes_text} {e.serialized_data} {e.additional_data}"
        for e in LogEntry.objects.all()
    )
    for marker in TEXT_MARKERS.values():
        assert marker not in dump, f"{marker!r} in the database dump"
        assert marker not in auditlog_rows, f"{marker!r} in django-auditlog's records"
