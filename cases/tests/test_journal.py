"""The journal works like a journal: newest first with the new entry's form at the top; a draft is
edited or deleted by its author only, before it is signed, each change logged without its text; a
long journal is shown a page at a time, reading only that page's rows."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from audit.models import AccessOutcome, Action
from cases import services
from cases.models import JournalEntry
from cases.selectors import JOURNAL_PAGE_SIZE
from lotsa import crypto
from tests.helpers import events_since, head_seq, login_verified

EDITED = "Qwredigerad utkasttext"  # a marker: must never reach a log


def url(name, case, entry=None):
    kwargs = {"case_id": case.pk}
    if entry is not None:
        kwargs["entry_id"] = entry.pk
    return reverse(f"cases:{name}", kwargs=kwargs)


def stored(entry) -> JournalEntry | None:
    return JournalEntry.objects.filter(pk=entry.pk).first()


def add_entries(case, author, n, *, signed=True):
    """``n`` entries, oldest first, written straight to the model (the services are tested above)."""
    entries = []
    for i in range(n):
        entry = JournalEntry(case=case, person_id=case.person_id, category="housing", author=author)
        entry.text = f"Anteckning nummer {i:03d}"
        entry.save()
        if signed:
            entry = services.journal_sign(by=author, entry_id=entry.pk, expected_version=entry.version)
        entries.append(entry)
    return entries


def entry_ids_on(body: str) -> list[str]:
    return re.findall(r'<article class="entry[^"]*" id="entry-([0-9a-f-]+)"', body)


# --- Newest first, the form at the top ------------------------------------------------------------


def test_the_journal_is_newest_first_with_the_new_entrys_form_at_the_top(client, world):
    worker = world.users["social_worker"]
    newest = services.journal_add(by=worker, case_id=world.case_a.pk, category="housing", text="Senast")
    login_verified(client, worker)
    body = client.get(url("detail", world.case_a)).content.decode()
    journal = body[body.index('id="journal"') :]
    ids = entry_ids_on(journal)
    assert ids == [str(newest.pk), str(world.draft_entry.pk), str(world.signed_entry.pk)]
    assert journal.index(url("journal_add", world.case_a)) < journal.index(f'id="entry-{newest.pk}"')


# --- A draft: its author edits or deletes it, logged ----------------------------------------------


def test_the_author_edits_a_draft_and_the_change_is_logged_without_its_text(client, world):
    worker, draft = world.users["social_worker"], world.draft_entry
    login_verified(client, worker)
    page = client.get(url("journal_edit", world.case_a, draft))
    assert page.status_code == 200 and "Utkast" in page.content.decode()  # the text, in the form
    start = head_seq()
    response = client.post(
        url("journal_edit", world.case_a, draft),
        {"category": "family_social", "text": EDITED, "version": draft.version},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('detail', world.case_a)}?entry={draft.pk}#entry-{draft.pk}"
    entry = stored(draft)
    assert (entry.text, entry.category, entry.version) == (EDITED, "family_social", draft.version + 1)
    assert not entry.is_signed
    # The access log: the edit, decided on the entry, naming the person.
    event = events_since(start).get(purpose="edit a journal draft")
    assert (event.action, event.outcome) == (Action.UPDATE, AccessOutcome.ALLOWED)
    assert event.target_id == str(draft.pk) and event.subject_id == world.case_a.person_id
    # The change history: what changed (the category, the version, that the text was written),
    # never the text itself, before or after.
    change = LogEntry.objects.get_for_object(entry).filter(action=LogEntry.Action.UPDATE).get()
    assert change.changes_dict["category"] == ["housing", "family_social"]
    assert change.changes_dict["version"] == [str(draft.version), str(draft.version + 1)]
    assert "text" not in change.changes_dict
    assert change.additional_data == {"encrypted_fields_written": ["text"]}
    assert change.actor_id == worker.pk
    logged = " ".join(
        f"{e.object_repr} {e.changes} {e.changes_text} {e.serialized_data} {e.additional_data}"
        for e in LogEntry.objects.all()
    )
    assert EDITED not in logged and "Utkast" not in logged
    body = client.get(response["Location"]).content.decode()
    assert EDITED in body and "Utkastet sparades" in body


def test_an_edit_that_changes_nothing_writes_nothing(world):
    worker, draft = world.users["social_worker"], world.draft_entry
    before = LogEntry.objects.count()
    services.journal_entry_edit(
        by=worker,
        case_id=world.case_a.pk,
        entry_id=draft.pk,
        expected_version=draft.version,
        category=draft.category,
        text="Utkast",
    )
    assert stored(draft).version == draft.version and LogEntry.objects.count() == before


def test_the_author_deletes_a_draft_after_confirming(client, world):
    worker, draft = world.users["social_worker"], world.draft_entry
    login_verified(client, worker)
    confirm = client.get(url("journal_delete", world.case_a, draft))
    body = confirm.content.decode()
    assert confirm.status_code == 200 and stored(draft) is not None  # asking deletes nothing
    assert "Vad som händer" in body and "Utkast" in body and 'name="version"' in body
    start = head_seq()
    response = client.post(url("journal_delete", world.case_a, draft), {"version": draft.version})
    assert response.status_code == 302 and response["Location"].endswith("#journal")
    assert stored(draft) is None
    event = events_since(start).get(purpose="delete a journal draft")
    assert (event.action, event.outcome) == (Action.DELETE, AccessOutcome.ALLOWED)
    assert event.target_id == str(draft.pk) and event.subject_id == world.case_a.person_id
    deletion = LogEntry.objects.get(object_pk=str(draft.pk), action=LogEntry.Action.DELETE)
    assert deletion.actor_id == worker.pk
    assert "Utkast" not in f"{deletion.changes} {deletion.serialized_data} {deletion.additional_data}"
    assert "Utkastet togs bort" in client.get(response["Location"]).content.decode()


def test_a_delete_without_the_pages_version_is_refused_and_deletes_nothing(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(url("journal_delete", world.case_a, world.draft_entry), {})
    assert response.status_code == 200 and "Formuläret var ofullständigt" in response.content.decode()
    assert stored(world.draft_entry) is not None


@pytest.fixture
def colleague(world):
    """Another social worker of the unit, assigned to the case: may write in its journal."""
    other = world.users["social_worker_unassigned"]
    assign_perm("cases.view_case", other, world.case_a)
    return other


@pytest.mark.parametrize("act", ["journal_edit", "journal_delete"])
def test_only_the_author_edits_or_deletes_a_draft_anyone_else_is_denied_by_its_policy(
    client, world, colleague, act
):
    draft = world.draft_entry
    login_verified(client, colleague)
    page = client.get(url(act, world.case_a, draft)).content.decode()
    assert "Bara den som skrivit utkastet" in page and 'name="version"' not in page  # no form
    data = {"category": "housing", "text": "Kollegans text", "version": draft.version}
    start = head_seq()
    response = client.post(url(act, world.case_a, draft), data)
    assert response.status_code == 403  # the entry's policy refuses: a denial, not "allowed, then refused"
    entry = stored(draft)
    assert entry is not None and (entry.text, entry.version) == ("Utkast", draft.version)
    decided = events_since(start).filter(actor_id=colleague.pk, target_id=str(draft.pk))
    assert [(e.outcome, e.reason) for e in decided] == [
        (AccessOutcome.DENIED, "only the author changes, signs or deletes a draft")
    ]
    # ...and the case page offers the colleague neither.
    case_page = client.get(url("detail", world.case_a)).content.decode()
    assert url(act, world.case_a, draft) not in case_page


@pytest.mark.parametrize("act", ["journal_edit", "journal_delete"])
def test_a_signed_entry_is_neither_edited_nor_deleted(client, world, act):
    signed = world.signed_entry
    login_verified(client, world.users["social_worker"])
    data = {"category": "family_social", "text": "Ändrad i efterhand", "version": signed.version}
    response = client.post(url(act, world.case_a, signed), data)
    body = response.content.decode()
    assert response.status_code == 200 and "kan aldrig ändras eller tas bort" in body
    entry = stored(signed)
    assert entry is not None and entry.category == "housing" and entry.text.startswith("Signerad")
    page = client.get(url(act, world.case_a, signed)).content.decode()
    assert "Rätta den med en ny anteckning" in page and 'name="version"' not in page
    case_page = client.get(url("detail", world.case_a)).content.decode()
    assert url(act, world.case_a, signed) not in case_page


@pytest.mark.parametrize("act", ["journal_edit", "journal_delete"])
def test_the_supervisor_is_denied_and_the_denial_is_logged(client, world, act):
    supervisor, draft = world.users["supervisor"], world.draft_entry
    login_verified(client, supervisor)
    start = head_seq()
    response = client.post(
        url(act, world.case_a, draft), {"category": "housing", "text": "x", "version": draft.version}
    )
    assert response.status_code == 403
    assert events_since(start).filter(actor_id=supervisor.pk, outcome=AccessOutcome.DENIED).exists()
    assert stored(draft).text == "Utkast"


def test_an_edit_from_a_page_that_showed_an_older_draft_saves_nothing(client, world):
    worker, draft = world.users["social_worker"], world.draft_entry
    services.journal_entry_edit(
        by=worker,
        case_id=world.case_a.pk,
        entry_id=draft.pk,
        expected_version=draft.version,
        category="housing",
        text="Ändrad i ett annat fönster",
    )
    login_verified(client, worker)
    response = client.post(
        url("journal_edit", world.case_a, draft),
        {"category": "housing", "text": "Från den gamla sidan", "version": draft.version},
    )
    assert response.status_code == 409 and "Utkastet ändrades" in response.content.decode()
    assert stored(draft).text == "Ändrad i ett annat fönster"


def test_another_units_user_is_denied_the_edit_page_before_anything_is_decrypted(client, world, monkeypatch):
    decrypted = []
    real = crypto.decrypt_value
    monkeypatch.setattr(
        crypto, "decrypt_value", lambda blob, **kw: decrypted.append(kw["label"]) or real(blob, **kw)
    )
    login_verified(client, world.users["social_worker_other_district"])
    for act in ("journal_edit", "journal_delete"):
        assert client.get(url(act, world.case_a, world.draft_entry)).status_code == 403
    assert decrypted == []


# --- A long journal, a page at a time ---------------------------------------------------------------


@pytest.fixture
def long_journal(world):
    """45 more signed entries in the case: the journal holds 47, three pages."""
    return add_entries(world.case_a, world.users["social_worker"], 45)


def test_a_long_journal_is_paged_newest_first_and_each_page_names_the_person(client, world, long_journal):
    login_verified(client, world.users["social_worker"])
    everything = [world.signed_entry, world.draft_entry, *long_journal][::-1]  # newest first
    pages = []
    for number in (1, 2, 3):
        start = head_seq()
        body = client.get(url("detail", world.case_a), {"page": number}).content.decode()
        assert (
            events_since(start)
            .filter(subject_id=world.case_a.person_id, purpose="casework", outcome=AccessOutcome.ALLOWED)
            .exists()
        )
        assert f"Sida {number} av 3" in body
        pages.append(entry_ids_on(body))
    assert [len(page) for page in pages] == [20, 20, 7]
    assert [entry_id for page in pages for entry_id in page] == [str(entry.pk) for entry in everything]
    body = client.get(url("detail", world.case_a), {"page": 2}).content.decode()
    assert "?page=1#journal" in body and "?page=3#journal" in body
    # Nonsense in the address is the first or last page, never an error.
    assert client.get(url("detail", world.case_a), {"page": "x"}).status_code == 200
    assert client.get(url("detail", world.case_a), {"page": 99, "entry": "nonsense"}).status_code == 200


def test_a_page_reads_and_decrypts_only_its_own_entries(client, world, long_journal, monkeypatch):
    login_verified(client, world.users["social_worker"])
    decrypted = []
    real = crypto.decrypt_value
    monkeypatch.setattr(
        crypto,
        "decrypt_value",
        lambda blob, **kw: decrypted.append((kw["label"], kw["field"])) or real(blob, **kw),
    )
    with CaptureQueriesContext(connection) as captured:
        client.get(url("detail", world.case_a), {"page": 2})
    assert decrypted.count(("cases.journalentry", "text")) == JOURNAL_PAGE_SIZE
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "cases_journalentry"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert reads and all("LIMIT" in sql or " IN (" in sql for sql in reads), reads


def test_the_case_page_reads_in_the_same_number_of_queries_however_long_the_journal(client, world):
    worker = world.users["social_worker"]
    login_verified(client, worker)
    counts = []
    for more in (25, 40):
        add_entries(world.case_a, worker, more)
        with CaptureQueriesContext(connection) as captured:
            client.get(url("detail", world.case_a))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_link_to_an_entry_on_another_page_opens_that_page(client, world, long_journal):
    worker = world.users["social_worker"]
    correction = services.journal_add(
        by=worker,
        case_id=world.case_a.pk,
        category="housing",
        text="Rättelse",
        corrects_id=world.signed_entry.pk,
    )
    login_verified(client, worker)
    first = client.get(url("detail", world.case_a)).content.decode()
    assert str(correction.pk) in entry_ids_on(first)
    link = f'href="?entry={world.signed_entry.pk}#entry-{world.signed_entry.pk}"'
    assert link in first  # the corrected entry is on the last page
    last = client.get(url("detail", world.case_a), {"entry": str(world.signed_entry.pk)}).content.decode()
    assert str(world.signed_entry.pk) in entry_ids_on(last) and "Sida 3 av 3" in last
    assert f'href="?entry={correction.pk}#entry-{correction.pk}"' in last  # and back


# --- The demo -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_social_worker_has_a_draft_to_edit(client):
    from accounts.models import User

    with override_settings(DEMO_MODE=True):
        call_command("load_demo", verbosity=0)
    worker = User.objects.get(username="socialsekreterare.rk")
    draft = JournalEntry.objects.get(author=worker, signed_at__isnull=True)
    login_verified(client, worker)
    case_page = client.get(url("detail", draft.case)).content.decode()
    assert url("journal_edit", draft.case, draft) in case_page
    assert url("journal_delete", draft.case, draft) in case_page
    page = client.get(url("journal_edit", draft.case, draft))
    assert page.status_code == 200 and "komvux" in page.content.decode()


def test_signing_takes_the_version_the_confirmation_showed_and_a_stale_sign_is_refused(client, world):
    """A draft edited (in another window) after its confirmation page was shown is not signed unseen:
    409, the message, nothing signed; signed with the version as it now is, it is."""
    draft, author = world.draft_entry, world.users["social_worker"]
    login_verified(client, author)
    confirm = client.get(url("journal_sign_confirm", world.case_a, draft)).content.decode()
    assert f'name="version" value="{draft.version}"' in confirm
    services.journal_entry_edit(
        by=author,
        case_id=world.case_a.pk,
        entry_id=draft.pk,
        expected_version=draft.version,
        category="housing",
        text="Ändrat i ett annat fönster",
    )
    response = client.post(url("journal_sign", world.case_a, draft), {"version": draft.version})
    assert response.status_code == 409 and "Inget signerades" in response.content.decode()
    assert not stored(draft).is_signed
    response = client.post(url("journal_sign", world.case_a, draft), {"version": draft.version + 1})
    assert response.status_code == 302 and stored(draft).is_signed


def test_a_colleague_signing_a_draft_is_denied_by_the_entrys_policy(client, world, colleague):
    draft = world.draft_entry
    login_verified(client, colleague)
    start = head_seq()
    response = client.post(url("journal_sign", world.case_a, draft), {"version": draft.version})
    assert response.status_code == 403 and not stored(draft).is_signed
    denied = events_since(start).filter(actor_id=colleague.pk, outcome=AccessOutcome.DENIED)
    assert denied.filter(target_id=str(draft.pk), reason="only the author changes, signs or deletes a draft")
