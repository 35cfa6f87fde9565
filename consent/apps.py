from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from consent.access import ConsentPolicy, DisclosurePolicy, EmergencyAccessPolicy, ReviewPolicy
        from consent.models import Consent, Disclosure, EmergencyAccess, Review
        from consent.selectors import waiting_about_consent
        from lotsa import access, waiting

        waiting.register(waiting_about_consent)
        access.register(Consent, ConsentPolicy())
        access.register(Review, ReviewPolicy())
        access.register(Disclosure, DisclosurePolicy())
        access.register(EmergencyAccess, EmergencyAccessPolicy())

        auditlog.register(
            Consent,
            exclude_fields=["purpose_text", "signed_form", "signed_form_name", "witness", "withdrawal_note"],
            m2m_fields={"recipients"},
        )
        auditlog.register(Disclosure, exclude_fields=["what", "why"])
        auditlog.register(EmergencyAccess, exclude_fields=["reason"])
        auditlog.register(Review, exclude_fields=["comment"])
