"""Data: the codes the installation issued before 0008 are recorded as what they were, codes its one
installer was shown whole (a two-part code without a request, an issuer or a completer could only come
from ``lotsa_first_accounts``, which printed both parts to one person). A login they set is then the
installation's and is confined until a four-eyes reset (accounts.installation). Backwards: the flag only."""

from django.db import migrations


def record(apps, schema_editor):
    EnrolmentCode = apps.get_model("accounts", "EnrolmentCode")
    EnrolmentCode.objects.filter(
        request__isnull=True, issued_by__isnull=True, completed_by__isnull=True
    ).update(by_installation=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_installation_codes"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
