# The date BOPS is to assess the threat again was called ``next_review``; a review is a supervisor's
# sign-off of someone else's act (docs/architecture.md, "Words"), so the field is named for what it
# is, as its label already said. A rename: no data moves. Change histories written before keep the
# old key and still render (django-auditlog shows a key the model no longer has as it was recorded).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("defectors", "0001_programme"),
    ]

    operations = [
        migrations.RenameField(model_name="bopsassessment", old_name="next_review", new_name="reassessment_due"),
    ]
