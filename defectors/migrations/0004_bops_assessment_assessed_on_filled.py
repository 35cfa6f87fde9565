"""Every BOPS assessment recorded before 0003 was made, as far as anyone can tell, on the day it was
recorded: ``assessed_on`` is that local day."""

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    BopsAssessment = apps.get_model("defectors", "BopsAssessment")
    for assessment in BopsAssessment.objects.filter(assessed_on__isnull=True).iterator():
        assessment.assessed_on = timezone.localdate(assessment.recorded_at)
        assessment.save(update_fields=["assessed_on"])


class Migration(migrations.Migration):
    dependencies = [("defectors", "0003_bops_assessment_assessed_on")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
