from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from cases.access import (
            AssignmentRequestPolicy,
            CasePolicy,
            CaseRecordPolicy,
            CaseStatusChangePolicy,
            ConcernReportPolicy,
            HandoverPolicy,
            JournalEntryPolicy,
            PersonPolicy,
        )
        from cases.models import (
            AssignmentRequest,
            Case,
            CaseStatusChange,
            ConcernReport,
            FirstContact,
            FirstContactMeeting,
            Handover,
            JournalEntry,
            Person,
        )
        from cases.selectors import (
            waiting_closings,
            waiting_concern_reports,
            waiting_drafts,
            waiting_handovers,
        )
        from lotsa import access, waiting

        access.register(Case, CasePolicy())
        access.register(Person, PersonPolicy())
        access.register(JournalEntry, JournalEntryPolicy())
        access.register(AssignmentRequest, AssignmentRequestPolicy())
        access.register(CaseStatusChange, CaseStatusChangePolicy())
        access.register(Handover, HandoverPolicy())
        access.register(FirstContact, CaseRecordPolicy())
        access.register(FirstContactMeeting, CaseRecordPolicy())
        access.register(ConcernReport, ConcernReportPolicy())
        waiting.register(waiting_handovers)
        waiting.register(waiting_concern_reports)
        waiting.register(waiting_drafts)
        waiting.register(waiting_closings)
        # Change history through django-auditlog; encrypted fields never enter its records.
        auditlog.register(Person, exclude_fields=[*Person.ENCRYPTED_FIELDS, "personal_number_index"])
        auditlog.register(Case)
        auditlog.register(AssignmentRequest, exclude_fields=["reason"])
        auditlog.register(Handover, exclude_fields=Handover.ENCRYPTED_FIELDS)
        auditlog.register(FirstContact, exclude_fields=FirstContact.ENCRYPTED_FIELDS)
        auditlog.register(FirstContactMeeting, exclude_fields=FirstContactMeeting.ENCRYPTED_FIELDS)
        auditlog.register(ConcernReport, exclude_fields=ConcernReport.ENCRYPTED_FIELDS)
