from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigConfig(AppConfig):
    name = "sig"
    verbose_name = _("Intervention groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from lotsa import access
        from sig.access import GroupPolicy
        from sig.models import InterventionGroup, Membership, PlanAction, ThreatAssessment

        access.register(InterventionGroup, GroupPolicy())

        auditlog.register(InterventionGroup)
        auditlog.register(Membership)
        auditlog.register(ThreatAssessment, exclude_fields=["notes"])
        auditlog.register(PlanAction, exclude_fields=["text", "follow_up"])
