from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class CasesConfig(LotsaAppConfig):
    name = "cases"
    verbose_name = _("Cases")
    policies = {
        "Case": "cases.access.CasePolicy",
        "Person": "cases.access.PersonPolicy",
        "JournalEntry": "cases.access.JournalEntryPolicy",
        "AssignmentRequest": "cases.access.AssignmentRequestPolicy",
        "CaseStatusChange": "cases.access.CaseStatusChangePolicy",
        "ProtectionLowering": "cases.access.ProtectionLoweringPolicy",
        "PersonMerge": "cases.access.PersonMergePolicy",
        "PersonDistinction": "cases.access.PersonDistinctionPolicy",
        "Handover": "cases.handovers.access.HandoverPolicy",
        "HandoverRequest": "cases.handovers.access.HandoverRequestPolicy",
        "FirstContact": "cases.access.CaseRecordPolicy",
        "FirstContactMeeting": "cases.access.CaseRecordPolicy",
        "ConcernReport": "cases.first_contacts.access.ConcernReportPolicy",
    }
    waiting_providers = [
        "cases.handovers.selectors.waiting_handovers",
        "cases.first_contacts.selectors.waiting_concern_reports",
        "cases.first_contacts.selectors.waiting_first_contacts",
        "cases.selectors.waiting_drafts",
        "cases.selectors.waiting_youth_handovers",
        "cases.selectors.waiting_closings",
        "cases.selectors.waiting_protection_changes",
        "cases.selectors.waiting_protection_lowerings",
        "cases.selectors.waiting_person_merges",
    ]
    change_history = [
        "Person",
        "Case",
        "AssignmentRequest",
        "ProtectionLowering",
        "PersonMerge",
        "JournalEntry",
        "Handover",
        "HandoverRequest",
        "FirstContact",
        "FirstContactMeeting",
        "ConcernReport",
    ]
