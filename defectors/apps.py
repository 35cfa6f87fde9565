from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class DefectorsConfig(LotsaAppConfig):
    name = "defectors"
    verbose_name = _("Defector programme")
    policies = {
        "Enrolment": "defectors.access.ProgrammeRecordPolicy",
        "Intervention": "defectors.access.ProgrammeRecordPolicy",
        "SupportDecision": "defectors.access.SupportDecisionPolicy",
        "FollowUp": "defectors.access.FollowUpPolicy",
        "BopsAssessment": "defectors.access.BopsAssessmentPolicy",
        "Placement": "defectors.access.PlacementPolicy",
    }
    waiting_providers = ["defectors.selectors.waiting_in_the_programme"]
    calendar_providers = ["defectors.queries.calendar_of_the_programme"]
    summary_sections = ["defectors.queries.summary_of_the_programme"]
    archive_sections = ["defectors.queries.archive_of_the_programme"]
    # A case's closing, once approved, schedules the follow-ups at 6 and 12 months.
    receivers = [("cases.signals.case_closing_decided", "defectors.services.schedule_follow_ups")]
    # Change histories name who and when; encrypted fields never enter them.
    change_history = [
        "Enrolment",
        "BopsAssessment",
        "SupportDecision",
        "Intervention",
        "Placement",
        "FollowUp",
    ]
