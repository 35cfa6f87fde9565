"""The name of a consent's signed-form file was kept in clear (and copied into django-auditlog's change
records); a file name often carries a name or a personal identity number. Scrub both before the column
becomes encrypted (0005). The names cannot be recovered: the forms themselves stay, encrypted."""

from django.db import migrations

SCRUBBED = "[scrubbed]"


def scrub(apps, schema_editor):
    Consent = apps.get_model("consent", "Consent")
    for consent in Consent.objects.exclude(signed_form_name="").iterator():
        consent.signed_form_name = ""
        consent.save(update_fields=["signed_form_name"])  # the manager refuses queryset.update()
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="consent", model="consent").first()
    if content_type is None:
        return
    for entry in LogEntry.objects.filter(content_type=content_type).iterator():
        changed = False
        changes = entry.changes
        if isinstance(changes, dict) and "signed_form_name" in changes:
            changes["signed_form_name"] = [SCRUBBED, SCRUBBED]
            changed = True
        data = entry.serialized_data
        if isinstance(data, dict) and "signed_form_name" in data.get("fields", {}):
            data["fields"]["signed_form_name"] = SCRUBBED
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
        ("consent", "0003_consent_case_from_person"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
