"""The local situation picture, the coordinator's export and the pages around them: versions are
written, never changed; what identifies is refused; another administration's coordinator is denied and
recorded; the PDF and the CSV publish the protected numbers, never the small ones behind them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessOutcome, Action
from coordination.indicators import snapshot_tables
from coordination.models import SituationPicture
from coordination.services import situation_picture_write
from coordination.tests.test_coordination import send
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import events_since, head_seq, login_verified, migrate_to_latest

THIS_YEAR = __import__("datetime").date.today().year


@pytest.fixture
def reported(world):
    """Six white-power reports and two of unclear milieu in district A, one in district B."""
    for _ in range(6):
        send(world, milieu="white_power")
    for _ in range(2):
        send(world)
    send(world, administration_id=world.district_b.pk, area="Tensta")
    return world


def write(world, by=None, **changes):
    fields = {
        "administration_id": world.district_a.pk,
        "year": THIS_YEAR,
        "coordinator_assessment": "Oro för rekrytering via sociala medier bland högstadieelever.",
        "police_assessment": "Polisen ser en ökad aktivitet i vitmaktmiljön under hösten.",
        **changes,
    }
    return situation_picture_write(by=by or world.users["coordinator"], **fields)


def cells(picture, key="reports") -> dict:
    """A stored table as it reads (in the test's language, Swedish): columns by their words."""
    table = next(t for t in snapshot_tables(picture.counts["tables"]) if t["key"] == key)
    return dict(zip(table["columns"], table["cells"], strict=True)) | {"total": table["total"]}


def test_a_version_keeps_what_was_published_when_it_was_written(reported):
    first = write(reported)
    published = cells(first)
    assert first.version == 1
    assert published["Vit makt-miljön"] == "6" and published["Oklart"] == "<5"
    # A small count is kept as the words that were shown, never as the number behind them.
    assert "2" not in published.values() and published["total"] == ".."
    for _ in range(4):
        send(reported)
    second = write(reported, police_assessment="Polisen bedömer läget som oförändrat.")
    assert second.version == 2 and cells(second)["Oklart"] == "6"
    first.refresh_from_db()
    assert cells(first) == published and first.police_assessment.startswith("Polisen ser")
    with pytest.raises(ValueError):
        first.save()
    # Each administration and year counts its own versions.
    assert write(reported, year=THIS_YEAR - 1).version == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"coordinator_assessment": "Eleven 920315-1234 är orolig."},
        {"police_assessment": "Ring kontaktpersonen på 070-123 45 67."},
        {"police_assessment": "Samlingar på Rinkebystråket 12."},
        {"coordinator_assessment": "  "},
        {"year": THIS_YEAR + 1},
        {"year": 1999},
    ],
)
def test_a_refused_version_stores_nothing(world, changes):
    with pytest.raises(DomainError):
        write(world, **changes)
    assert not SituationPicture.objects.exists()


def test_only_the_administrations_coordinators_write_and_read_it(client, world):
    picture = write(world)
    other = OrganisationFactory(name="Hässelby-Vällingby stadsdelsförvaltning", district="Hässelby")
    outsider = UserFactory(username="coord_c", organisation=other, roles=[Role.COORDINATOR])
    for user in (
        outsider,
        world.users["supervisor"],
        world.users["social_worker"],
        world.users["administrator"],
    ):
        with pytest.raises(AccessDenied):
            write(world, by=user)
    login_verified(client, outsider)
    start = head_seq()
    for url in (
        reverse("coordination:situation", args=[world.district_a.pk]),
        reverse("coordination:situation_version", args=[picture.pk]),
        reverse("coordination:situation_pdf", args=[picture.pk]),
    ):
        assert client.get(url).status_code == 403, url
    posted = client.post(
        reverse("coordination:situation_write", args=[world.district_a.pk, THIS_YEAR]),
        {"coordinator_assessment": "x", "police_assessment": "y"},
    )
    assert posted.status_code == 403
    denied = events_since(start).filter(actor_id=outsider.pk)
    assert denied.count() == 4 and set(denied.values_list("outcome", flat=True)) == {AccessOutcome.DENIED}
    assert SituationPicture.objects.count() == 1

    central_unit = OrganisationFactory(name="Socialförvaltningen, VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    central = UserFactory(username="central", organisation=central_unit, roles=[Role.COORDINATOR])
    assert write(world, by=central).version == 2
    assert write(world, by=central, administration_id=other.pk).version == 1


def test_writing_through_the_page_leads_to_the_new_version(client, reported):
    coordinator = reported.users["coordinator"]
    login_verified(client, coordinator)
    url = reverse("coordination:situation_write", args=[reported.district_a.pk, THIS_YEAR])
    start = head_seq()
    refused = client.post(
        url, {"coordinator_assessment": "Mejla mig: a@example.se", "police_assessment": "x"}
    )
    # Refused with the reason, and the text comes back as written, to be reworded.
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "e-postadress" in body and "Mejla mig: a@example.se" in body
    assert not SituationPicture.objects.exists()
    decided = events_since(start).filter(actor_id=coordinator.pk)
    assert decided.count() == 1 and decided.get().action == Action.CREATE

    response = client.post(
        url, {"coordinator_assessment": "Lugnt i området.", "police_assessment": "Inga nya signaler."}
    )
    picture = SituationPicture.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:situation_version", args=[picture.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Lugnt i området." in page and "Inga nya signaler." in page and "färre än 5" in page


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_shows_the_assessments_and_the_protected_counts(client, reported):
    picture = write(reported)
    login_verified(client, reported.users["coordinator"])
    start = head_seq()
    response = client.get(reverse("coordination:situation_pdf", args=[picture.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(_pdf_text(response.content).split())
    assert "Rinkeby-Kista stadsdelsförvaltning" in text and str(THIS_YEAR) in text
    assert "rekrytering via sociala medier" in text and "vitmaktmiljön under hösten" in text
    assert "färre än 5" in text or "<5" in text
    exported = events_since(start).get(actor_id=reported.users["coordinator"].pk)
    assert exported.action == Action.EXPORT and exported.outcome == AccessOutcome.ALLOWED


def test_a_stored_version_names_a_small_count_as_the_live_tables_do(client, reported):
    """One name for one thing: "fewer than 5" on the version's page and in its PDF, as on the live
    tables; ``<5`` is the CSV's notation only."""
    picture = write(reported)
    assert "<5" in str(picture.counts)  # stored as published
    login_verified(client, reported.users["coordinator"])
    page = client.get(reverse("coordination:situation_version", args=[picture.pk])).content.decode()
    assert "färre än 5" in page and "&lt;5" not in page
    pdf = " ".join(
        _pdf_text(client.get(reverse("coordination:situation_pdf", args=[picture.pk])).content).split()
    )
    assert "färre än 5" in pdf and "<5" not in pdf


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_export_obeys_the_same_protection_and_a_local_coordinator_gets_their_row(client, reported):
    reports = "Avidentifierade rapporter om oro, efter datum för det som hände"
    login_verified(client, reported.users["coordinator"])
    start = head_seq()
    rows = _csv(client.get(reverse("coordination:export")))
    assert events_since(start).get().action == Action.EXPORT
    header, *rows = rows
    assert header == ["Tabell", "Rad", "Kolumn", "Värde"]
    mine = {(r[1], r[2]): r[3] for r in rows if r[0] == reports}
    assert {label for label, _c in mine} == {"Rinkeby-Kista stadsdelsförvaltning"}
    assert mine["Rinkeby-Kista stadsdelsförvaltning", "Vit makt-miljön"] == "6"
    assert mine["Rinkeby-Kista stadsdelsförvaltning", "Oklart"] == "<5"
    assert mine["Rinkeby-Kista stadsdelsförvaltning", "Totalt"] == ".."
    # No cell of the export is a number below five.
    values = [r[3] for r in rows if r[2] not in ("median dagar", "andel, procent")]
    assert not [v for v in values if v.isdigit() and int(v) < 5]

    central_unit = OrganisationFactory(name="Socialförvaltningen, VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    central = UserFactory(username="central", organisation=central_unit, roles=[Role.COORDINATOR])
    client.logout()
    login_verified(client, central)
    every = _csv(client.get(reverse("coordination:export")))[1:]
    theirs = {(r[1], r[2]): r[3] for r in every if r[0] == reports}
    assert "Spånga-Tensta stadsdelsförvaltning" in {label for label, _c in theirs}
    # The local coordinator's row is exactly the central coordinator's row of the same table.
    assert {k: v for k, v in theirs.items() if k[0] == "Rinkeby-Kista stadsdelsförvaltning"} == mine


def test_others_get_no_export_and_nonsense_years_are_ignored(client, world):
    login_verified(client, world.users["supervisor"])
    assert client.get(reverse("coordination:export")).status_code == 403
    client.logout()
    login_verified(client, world.users["coordinator"])
    for year in ("x", "-1", "99999", "2026'"):
        assert client.get(reverse("coordination:export"), {"year": year}).status_code == 200
        assert client.get(reverse("coordination:indicators"), {"year": year}).status_code == 200
        assert client.get(reverse("coordination:overview"), {"year": year}).status_code == 200


def test_the_indicators_page_draws_each_share_and_never_a_hidden_one(client, world):
    login_verified(client, world.users["coordinator"])
    body = client.get(reverse("coordination:indicators")).content.decode()
    # The trend, and one picture of shares for each indicator that is a share (not the median).
    assert body.count('<svg class="chart"') == 1 + 5
    # With no cases counted, every share is too few to show: the word, never a bar of zero.
    assert "för få för att visas" in body and ">0 %<" not in body
    ids = [part.split('"')[0] for part in body.split('aria-labelledby="')[1:]]
    assert len(ids) == len(set(ids))


def test_a_version_reads_in_the_readers_language_whoever_wrote_it(client, reported):
    """The stored tables keep codes (the table's key, the milieus); titles and columns are the reader's
    words, on the page and in the PDF."""
    with translation.override("sv"):
        picture = write(reported)
    stored = json.dumps(picture.counts)
    assert "white_power" in stored and "Vit makt" not in stored and "White-power" not in stored
    with translation.override("en"):
        english = {t["key"]: t for t in snapshot_tables(picture.counts["tables"])}
    assert english["reports"]["title"] == "De-identified reports of concern, by the date of what happened"
    assert "White-power milieu" in english["reports"]["columns"]
    assert cells(picture)["Vit makt-miljön"] == "6"
    login_verified(client, reported.users["coordinator"])
    page = reverse("coordination:situation_version", args=[picture.pk])
    assert "Vit makt-miljön" in client.get(page).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(page).content.decode()
    assert "White-power milieu" in body and "Vit makt-miljön" not in body
    text = _pdf_text(client.get(reverse("coordination:situation_pdf", args=[picture.pk])).content)
    assert "White-power milieu" in " ".join(text.split())


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


SNAPSHOT = ("coordination", "0006_snapshot_codes")
BEFORE_SNAPSHOT = ("coordination", "0005_texts_encrypted")


@pytest.mark.django_db(transaction=True)
def test_stored_versions_are_migrated_to_codes_and_back():
    """Versions written before, in either language, keep what they said: their columns become codes
    (by label, or by place when a label has changed since), and going back gives Swedish labels."""
    district = OrganisationFactory(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    user = UserFactory(organisation=district, roles=[Role.COORDINATOR])
    swedish = ["Den autonoma miljön", "Vit makt-miljön", "Den våldsbejakande islamistiska miljön"]
    swedish += ["Annan ideologi", "Oklart"]
    english = ["Autonomous milieu", "White-power milieu", "Violent Islamist milieu", "Other ideology"]
    english += ["Unclear", "Not relevant"]
    renamed = ["Autonoma", "Vit makt", "Islamism", "Annan", "Oklart", "Ej aktuellt"]
    old = {
        "tables": [
            {
                "key": "reports",
                "title": "Avidentifierade",
                "columns": swedish,
                "cells": list("61..<5"[:5]),
                "total": "..",
            },
            {
                "key": "groups",
                "title": "Interventionsgrupper",
                "columns": english,
                "cells": ["0"] * 6,
                "total": "0",
            },
            {"key": "programme", "title": "Ärenden", "columns": renamed, "cells": ["<5"] * 6, "total": ".."},
        ]
    }
    try:
        picture = SituationPicture.objects.create(
            administration=district,
            year=2025,
            version=1,
            coordinator_assessment="Lugnt.",
            police_assessment="Oförändrat.",
            counts=old,
            written_by=user,
        )
        _migrate(BEFORE_SNAPSHOT)  # going back leaves a table that has no codes as it is
        assert SituationPicture.objects.get(pk=picture.pk).counts == old
        _migrate(SNAPSHOT)
        tables = SituationPicture.objects.get(pk=picture.pk).counts["tables"]
        every = ["autonomous", "white_power", "violent_islamist", "other_ideology", "unclear", "not_relevant"]
        assert [t["milieus"] for t in tables] == [every[:5], every, every]
        assert [t["cells"] for t in tables] == [t["cells"] for t in old["tables"]]
        assert all(set(t) == {"key", "milieus", "cells", "total"} for t in tables)
        _migrate(BEFORE_SNAPSHOT)
        back = SituationPicture.objects.get(pk=picture.pk).counts["tables"]
        assert back[0]["columns"] == swedish and back[1]["columns"][1] == "Vit makt-miljön"
        assert back[0]["title"] == "Avidentifierade rapporter om oro, efter datum för det som hände"
        # A table whose columns are not the milieus its key always had is not guessed at.
        SituationPicture.objects.bypassing_guard("an old version by hand").filter(pk=picture.pk).update(
            counts={"tables": [{**old["tables"][0], "columns": ["A", "B"], "cells": ["1", "2"]}]}
        )
        with pytest.raises(ValueError, match="not milieus"):
            _migrate(SNAPSHOT)
        SituationPicture.objects.bypassing_guard("an old version by hand").filter(pk=picture.pk).update(
            counts=old
        )
    finally:
        _migrate(SNAPSHOT)
        migrate_to_latest()  # and whatever migrations came after it (coordination 0007 on)
