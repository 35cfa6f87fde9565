"""No plaintext of an encrypted field anywhere at rest: not in a dump of the database, not in the
access log, not in django-auditlog's records, not in the server's log."""

from __future__ import annotations

import logging
import subprocess

import pytest
from auditlog.models import LogEntry
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
    client.post(reverse("cases:search"), {"personal_number": number})
    client.get(reverse("cases:my_cases"))
    case.refresh_from_db()
    client.post(
        reverse("cases:close", kwargs={"case_id": case.pk}),
        {"version": case.version, "reason": "other", "text": MARKERS["close"]},
    )
    page = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    for marker in MARKERS.values():  # the pages show all of it to the one who may see it...
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
