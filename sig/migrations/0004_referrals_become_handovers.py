"""The intervention group's referrals to the defector programme become hand-overs (cases.Handover), the
one mechanism every unit-to-unit hand-over uses, so the programme can accept or decline them. Each
referral's note is decrypted under its old row binding and encrypted under the hand-over's; its time,
sender and receiving programme are kept, and it waits for the programme's decision."""

from django.db import migrations


def _models(apps):
    """Historical models carry no class attributes: the encrypted fields need to know whose key."""
    Referral = apps.get_model("sig", "Referral")
    Handover = apps.get_model("cases", "Handover")
    Referral.encryption_subject_field = Handover.encryption_subject_field = "person_id"
    return Referral, Handover


def forward(apps, schema_editor):
    Referral, Handover = _models(apps)
    for referral in Referral.objects.select_related("group__case").iterator():
        case = referral.group.case
        handover = Handover(
            id=referral.id,
            person_id=referral.person_id,
            source="intervention_group",
            from_case_id=case.pk,
            from_unit_id=case.owner_unit_id,
            to_unit_id=referral.to_organisation_id,
            purpose="defector_programme",
            sent_by_id=referral.referred_by_id,
            sent_at=referral.referred_at,
            status="sent",
        )
        handover.note = referral.note
        handover.save()


def backward(apps, schema_editor):
    Referral, Handover = _models(apps)
    InterventionGroup = apps.get_model("sig", "InterventionGroup")
    for handover in Handover.objects.filter(source="intervention_group").iterator():
        group = InterventionGroup.objects.filter(case_id=handover.from_case_id).first()
        assessment = group.assessments.order_by("-assessed_at").first() if group else None
        if assessment is None:
            continue  # a referral always named the assessment it followed
        referral = Referral(
            id=handover.id,
            group=group,
            assessment=assessment,
            person_id=handover.person_id,
            to_organisation_id=handover.to_unit_id,
            referred_by_id=handover.sent_by_id,
        )
        referral.note = handover.note
        referral.save()
        Referral.objects.filter(pk=referral.pk).update(referred_at=handover.sent_at)
        handover.delete()


class Migration(migrations.Migration):
    dependencies = [("sig", "0003_referral"), ("cases", "0007_handovers")]

    operations = [migrations.RunPython(forward, backward)]
