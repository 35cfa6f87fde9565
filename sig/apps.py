from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class SigConfig(LotsaAppConfig):
    name = "sig"
    verbose_name = _("Intervention groups")
    waiting_providers = ["sig.selectors.waiting_in_groups"]
    receivers = [
        ("cases.signals.person_erased", "sig.services.group_dates_erase"),
        ("cases.signals.person_birth_date_corrected", "sig.services.group_dates_correct"),
    ]
    calendar_providers = ["sig.queries.calendar_of_groups"]
    summary_sections = ["sig.queries.summary_of_groups"]
    archive_sections = ["sig.queries.archive_of_groups"]
    policies = {
        "InterventionGroup": "sig.access.GroupPolicy",
        "SharedEntry": "sig.access.SharedEntryPolicy",
        "ThreatAssessment": "sig.access.ThreatAssessmentPolicy",
        "MinutesItem": "sig.access.MinutesItemPolicy",
        "Meeting": "sig.access.MeetingPolicy",
        "Goal": "sig.access.PlanPolicy",
        "PlanAction": "sig.access.PlanPolicy",
    }
    # What members record: its change history names who and when; the texts stay encrypted.
    change_history = [
        "InterventionGroup",
        "Membership",
        "ThreatAssessment",
        "PlanAction",
        "SharedEntry",
        "Meeting",
        "MinutesItem",
        "Goal",
    ]
