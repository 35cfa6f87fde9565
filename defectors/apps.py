from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefectorsConfig(AppConfig):
    name = "defectors"
    verbose_name = _("Defector programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from defectors.access import (
            BopsAssessmentPolicy,
            FollowUpPolicy,
            PlacementPolicy,
            ProgrammeRecordPolicy,
            SupportDecisionPolicy,
        )
        from defectors.models import (
            BopsAssessment,
            Enrolment,
            FollowUp,
            Intervention,
            Placement,
            SupportDecision,
        )
        from defectors.selectors import waiting_in_the_programme
        from lotsa import access, waiting

        access.register(Enrolment, ProgrammeRecordPolicy())
        access.register(Intervention, ProgrammeRecordPolicy())
        access.register(SupportDecision, SupportDecisionPolicy())
        access.register(FollowUp, FollowUpPolicy())
        access.register(BopsAssessment, BopsAssessmentPolicy())
        access.register(Placement, PlacementPolicy())
        waiting.register(waiting_in_the_programme)
        from cases.signals import case_closing_decided
        from defectors.services import schedule_follow_ups

        case_closing_decided.connect(schedule_follow_ups, dispatch_uid="defectors.schedule_follow_ups")
        # Change histories name who and when; encrypted fields never enter them.
        auditlog.register(Enrolment, exclude_fields=Enrolment.ENCRYPTED_FIELDS)
        auditlog.register(BopsAssessment, exclude_fields=["notes"])
        auditlog.register(SupportDecision, exclude_fields=["text", "review_note"])
        auditlog.register(Intervention, exclude_fields=Intervention.ENCRYPTED_FIELDS)
        auditlog.register(Placement, exclude_fields=Placement.ENCRYPTED_FIELDS)
        auditlog.register(FollowUp, exclude_fields=["notes"])
