"""Step 2 of 3: encrypt every existing review's conclusion, sampled event's note and analysis's texts
under the organisation's key (and, backwards, write them back in clear).

Signed-off reviews and approved analyses never change in content; their storage does, so the
PostgreSQL triggers that refuse any UPDATE of them are switched off for this step only (the owner
role runs migrations) and on again before it ends. The plaintext that django-auditlog copied into
its change records of the analyses is scrubbed (it cannot be put back)."""

from django.db import migrations

from lotsa.db.sealing import seal_texts, triggers_disabled, unseal_texts

TEXTS = [
    ("logreview", ["conclusion"], "organisation_id"),
    ("reviewitem", ["note"], "review__organisation_id"),
    ("needsriskanalysis", ["needs", "risks"], "organisation_id"),
]
TRIGGERS = {
    "supervision_logreview": "supervision_logreview_final",
    "supervision_reviewitem": "supervision_reviewitem_final",
    "supervision_needsriskanalysis": "supervision_analysis_final",
}
SCRUBBED = "[scrubbed]"


def forward(apps, schema_editor):
    with triggers_disabled(schema_editor, TRIGGERS):
        for model, fields, organisation in TEXTS:
            seal_texts(apps.get_model("supervision", model), fields=fields, organisation=organisation)
    scrub_auditlog(apps)


def backward(apps, schema_editor):
    with triggers_disabled(schema_editor, TRIGGERS):
        for model, fields, organisation in TEXTS:
            unseal_texts(apps.get_model("supervision", model), fields=fields, organisation=organisation)


def scrub_auditlog(apps):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="supervision", model="needsriskanalysis").first()
    if content_type is None:
        return
    for entry in LogEntry.objects.filter(content_type=content_type).iterator():
        changes, data, changed = entry.changes, entry.serialized_data, False
        for field in ("needs", "risks"):
            if isinstance(changes, dict) and field in changes:
                changes[field] = [SCRUBBED, SCRUBBED]
                changed = True
            if isinstance(data, dict) and field in data.get("fields", {}):
                data["fields"][field] = SCRUBBED
                changed = True
        if changed:
            entry.changes, entry.serialized_data = changes, data
            fields = ["changes", "serialized_data"]
            if hasattr(entry, "changes_text"):
                entry.changes_text = ""
                fields.append("changes_text")
            entry.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_texts_sealed_columns"),
        ("lotsa", "0001_initial"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
