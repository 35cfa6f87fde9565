"""Every threat assessment recorded before 0010 was made, as far as anyone can tell, on the day it was
recorded: ``assessed_on`` is that local day."""

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    ThreatAssessment = apps.get_model("sig", "ThreatAssessment")
    for assessment in ThreatAssessment.objects.filter(assessed_on__isnull=True).iterator():
        assessment.assessed_on = timezone.localdate(assessment.recorded_at)
        assessment.save(update_fields=["assessed_on"])


class Migration(migrations.Migration):
    dependencies = [("sig", "0010_threat_assessment_assessed_on")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
