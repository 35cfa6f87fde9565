"""Link every consent recorded so far to the case it belongs to: the recording unit's earliest case of
the person (before this, a consent was tied to the person, and any handler of any of the person's
cases could withdraw it)."""

from django.db import migrations


def link_cases(apps, schema_editor):
    Consent = apps.get_model("consent", "Consent")
    Case = apps.get_model("cases", "Case")
    for consent in Consent.objects.filter(case__isnull=True).iterator():
        case = (
            Case.objects.filter(person_id=consent.person_id, owner_unit_id=consent.organisation_id)
            .order_by("opened_at")
            .first()
        )
        if case is not None:
            # Consent's own manager refuses queryset.update(); save() touches only the link.
            consent.case_id = case.pk
            consent.save(update_fields=["case"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_assignment_requests"),
        ("consent", "0002_consent_recorded_in_case"),
    ]

    operations = [migrations.RunPython(link_cases, migrations.RunPython.noop)]
