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
            CaseStatusChangePolicy,
            HandoverPolicy,
            JournalEntryPolicy,
            PersonPolicy,
        )
        from cases.models import AssignmentRequest, Case, CaseStatusChange, Handover, JournalEntry, Person
        from cases.selectors import waiting_handovers
        from lotsa import access, waiting

        access.register(Case, CasePolicy())
        access.register(Person, PersonPolicy())
        access.register(JournalEntry, JournalEntryPolicy())
        access.register(AssignmentRequest, AssignmentRequestPolicy())
        access.register(CaseStatusChange, CaseStatusChangePolicy())
        access.register(Handover, HandoverPolicy())
        waiting.register(waiting_handovers)
        # Change history through django-auditlog; encrypted fields never enter its records.
        auditlog.register(Person, exclude_fields=[*Person.ENCRYPTED_FIELDS, "personal_number_index"])
        auditlog.register(Case)
        auditlog.register(AssignmentRequest, exclude_fields=["reason"])
        auditlog.register(Handover, exclude_fields=Handover.ENCRYPTED_FIELDS)
