"""The situation picture's stored tables keep codes, not words (issue 28): a version written in Swedish
read in English showed Swedish titles and columns. Each table kept its key (the title follows from it)
and its columns as the milieus' labels in the writer's language; they become the milieus' codes, and
the words are added when a version is shown, in the reader's language.

The labels are frozen here as they were written (English, and the Swedish catalogue's words), so the
migration does not change when a label does. A column that matches no label is read by its place, when
the table has the columns its key always had; otherwise the migration stops, changing nothing (a version
is never rewritten into something it did not say). Backwards, the codes become the Swedish labels
again, the interface's language."""

from django.db import migrations

MILIEUS = {
    "autonomous": ("Autonomous milieu", "Den autonoma miljön"),
    "white_power": ("White-power milieu", "Vit makt-miljön"),
    "violent_islamist": ("Violent Islamist milieu", "Den våldsbejakande islamistiska miljön"),
    "other_ideology": ("Other ideology", "Annan ideologi"),
    "unclear": ("Unclear", "Oklart"),
    "not_relevant": ("Not relevant", "Inte aktuellt"),
}
EVERY_MILIEU = list(MILIEUS)
COLUMNS = {
    "reports": [code for code in EVERY_MILIEU if code != "not_relevant"],
    "first_contacts": EVERY_MILIEU,
    "groups": EVERY_MILIEU,
    "programme": EVERY_MILIEU,
}
TITLES_SWEDISH = {
    "reports": "Avidentifierade rapporter om oro, efter datum för det som hände",
    "first_contacts": "Första kontakter, efter datum då personen flaggades",
    "groups": "Interventionsgrupper som var aktiva någon gång under året",
    "programme": "Ärenden i avhopparverksamheten som var öppna någon gång under året",
}
BY_LABEL = {label: code for code, labels in MILIEUS.items() for label in labels}


def _codes(table: dict, picture_id) -> list[str]:
    columns = table["columns"]
    codes = [BY_LABEL.get(label) for label in columns]
    if None not in codes:
        return codes
    expected = COLUMNS.get(table["key"])
    if expected is not None and len(expected) == len(columns):
        return list(expected)
    raise ValueError(
        f"situation picture {picture_id}: the columns of table {table['key']!r} are not milieus ({columns})"
    )


def forward(apps, schema_editor):
    Picture = apps.get_model("coordination", "SituationPicture")
    for picture in Picture.objects.order_by("pk"):
        tables = picture.counts.get("tables", [])
        if all("milieus" in table for table in tables):
            continue
        picture.counts = {
            **picture.counts,
            "tables": [
                table
                if "milieus" in table
                else {
                    "key": table["key"],
                    "milieus": _codes(table, picture.pk),
                    "cells": table["cells"],
                    "total": table["total"],
                }
                for table in tables
            ],
        }
        Picture.objects.filter(pk=picture.pk).update(counts=picture.counts)


def backward(apps, schema_editor):
    Picture = apps.get_model("coordination", "SituationPicture")
    for picture in Picture.objects.order_by("pk"):
        tables = picture.counts.get("tables", [])
        if not any("milieus" in table for table in tables):
            continue
        picture.counts = {
            **picture.counts,
            "tables": [
                {
                    "key": table["key"],
                    "title": TITLES_SWEDISH.get(table["key"], table["key"]),
                    "columns": [MILIEUS[code][1] if code in MILIEUS else code for code in table["milieus"]],
                    "cells": table["cells"],
                    "total": table["total"],
                }
                if "milieus" in table
                else table
                for table in tables
            ],
        }
        Picture.objects.filter(pk=picture.pk).update(counts=picture.counts)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0005_texts_encrypted")]

    operations = [migrations.RunPython(forward, backward)]
