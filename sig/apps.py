from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigConfig(AppConfig):
    name = "sig"
    verbose_name = _("Intervention groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from lotsa import access, waiting
        from sig.access import (
            GroupPolicy,
            MeetingPolicy,
            MinutesItemPolicy,
            PlanPolicy,
            SharedEntryPolicy,
            ThreatAssessmentPolicy,
        )
        from sig.models import (
            Goal,
            InterventionGroup,
            Meeting,
            Membership,
            MinutesItem,
            PlanAction,
            SharedEntry,
            ThreatAssessment,
        )
        from sig.selectors import waiting_in_groups

        waiting.register(waiting_in_groups)
        access.register(InterventionGroup, GroupPolicy())
        access.register(SharedEntry, SharedEntryPolicy())
        access.register(ThreatAssessment, ThreatAssessmentPolicy())
        access.register(MinutesItem, MinutesItemPolicy())
        access.register(Meeting, MeetingPolicy())
        access.register(Goal, PlanPolicy())
        access.register(PlanAction, PlanPolicy())

        auditlog.register(InterventionGroup)
        auditlog.register(Membership)
        auditlog.register(ThreatAssessment, exclude_fields=["notes"])
        auditlog.register(PlanAction, exclude_fields=["text", "follow_up"])
        # What members record: its change history names who and when; the text stays encrypted.
        auditlog.register(SharedEntry, exclude_fields=["text"])
        auditlog.register(Meeting, exclude_fields=["decisions"])
        auditlog.register(MinutesItem, exclude_fields=["text"])
        auditlog.register(Goal, exclude_fields=["text"])
