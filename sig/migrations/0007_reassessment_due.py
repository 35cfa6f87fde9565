# The date a group's threat assessment is to be made again was called ``next_review``; a review is a
# supervisor's sign-off of someone else's act (docs/architecture.md, "Words"), so the field is named
# for what it is. A rename: no data moves. Change histories written before keep the old key and still
# render (django-auditlog shows a key the model no longer has as it was recorded).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sig", "0006_plan_action_done_on"),
    ]

    operations = [
        migrations.RenameField(model_name="threatassessment", old_name="next_review", new_name="reassessment_due"),
        migrations.AlterField(
            model_name="threatassessment",
            name="reassessment_due",
            field=models.DateField(verbose_name="re-assessment due"),
        ),
    ]
