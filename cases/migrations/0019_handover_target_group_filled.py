"""Whom a hand-over's case is for travels with it (issue 29, item 4). Each stored hand-over takes the
target group of the case it was sent from, and the case a receiving unit opened on accepting it, which
was always opened as a person concerned's, takes that target group too (a relative stays a relative).
Going back opens them as the old code did: the receiving cases are a person concerned's again."""

from django.db import migrations

DEFAULT = "person_concerned"


def forward(apps, schema_editor):
    Handover = apps.get_model("cases", "Handover")
    Case = apps.get_model("cases", "Case")
    sent = Handover.objects.filter(from_case__isnull=False).exclude(from_case__target_group=DEFAULT)
    for handover_id, target_group, accepted_case_id in sent.values_list(
        "pk", "from_case__target_group", "accepted_case_id"
    ):
        Handover.objects.filter(pk=handover_id).update(target_group=target_group)
        if accepted_case_id is not None:
            Case.objects.filter(pk=accepted_case_id, target_group=DEFAULT).update(target_group=target_group)


def backward(apps, schema_editor):
    Handover = apps.get_model("cases", "Handover")
    Case = apps.get_model("cases", "Case")
    carried = Handover.objects.filter(accepted_case__isnull=False).exclude(target_group=DEFAULT)
    for target_group, accepted_case_id in carried.values_list("target_group", "accepted_case_id"):
        Case.objects.filter(pk=accepted_case_id, target_group=target_group).update(target_group=DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_handover_routes_and_target_group")]

    operations = [migrations.RunPython(forward, backward)]
