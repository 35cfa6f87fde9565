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
            JournalEntryPolicy,
            PersonPolicy,
        )
        from cases.models import AssignmentRequest, Case, CaseStatusChange, JournalEntry, Person
        from lotsa import access

        access.register(Case, CasePolicy())
        access.register(Person, PersonPolicy())
        access.register(JournalEntry, JournalEntryPolicy())
        access.register(AssignmentRequest, AssignmentRequestPolicy())
        access.register(CaseStatusChange, CaseStatusChangePolicy())
        # Change history through django-auditlog; encrypted fields never enter its records.
        auditlog.register(Person, exclude_fields=[*Person.ENCRYPTED_FIELDS, "personal_number_index"])
        auditlog.register(Case)
        auditlog.register(AssignmentRequest, exclude_fields=["reason"])
