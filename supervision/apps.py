from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class SupervisionConfig(LotsaAppConfig):
    """The supervisor's desk: who accessed a person, the systematic review of the access log, the
    needs-and-risk analysis behind each role. It sits above the domain apps (it asks them who handles
    whom and who is protected) and keeps the kernel's access log as it is."""

    name = "supervision"
    verbose_name = _("Supervision")
    policies = {
        "PersonAccessLog": "supervision.access.PersonAccessLogPolicy",
        "LogReview": "supervision.access.LogReviewPolicy",
        "ReviewPlan": "supervision.access.LogReviewPolicy",
        "ReviewItem": "supervision.access.LogReviewItemPolicy",
        "NeedsRiskAnalysis": "supervision.access.AnalysisPolicy",
        "SubjectAccessExtract": "supervision.access.SubjectAccessPolicy",
        "BreakGlassLogin": "supervision.access.BreakGlassLoginPolicy",
    }
    waiting_providers = [
        "supervision.selectors.waiting_at_the_desk",
        "supervision.selectors.waiting_break_glass_logins",
    ]
    change_history = ["ReviewPlan", "NeedsRiskAnalysis", "SubjectAccessExtract"]
