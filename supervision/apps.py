from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """The supervisor's desk: who accessed a person, the systematic review of the access log, the
    needs-and-risk analysis behind each role. It sits above the domain apps (it asks them who handles
    whom and who is protected) and keeps the kernel's access log as it is."""

    name = "supervision"
    verbose_name = _("Supervision")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from lotsa import access, waiting
        from supervision.access import (
            AnalysisPolicy,
            PersonAccessLogPolicy,
            ReviewItemPolicy,
            ReviewPolicy,
            SubjectAccessPolicy,
        )
        from supervision.models import (
            LogReview,
            NeedsRiskAnalysis,
            PersonAccessLog,
            ReviewItem,
            ReviewPlan,
            SubjectAccessExtract,
        )
        from supervision.selectors import waiting_at_the_desk

        access.register(PersonAccessLog, PersonAccessLogPolicy())
        access.register(LogReview, ReviewPolicy())
        access.register(ReviewPlan, ReviewPolicy())
        access.register(ReviewItem, ReviewItemPolicy())
        access.register(NeedsRiskAnalysis, AnalysisPolicy())
        access.register(SubjectAccessExtract, SubjectAccessPolicy())
        waiting.register(waiting_at_the_desk)
        auditlog.register(ReviewPlan)
        auditlog.register(NeedsRiskAnalysis, exclude_fields=[*NeedsRiskAnalysis.ENCRYPTED_FIELDS, "row_key"])
        auditlog.register(SubjectAccessExtract)
