from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class ConsentConfig(LotsaAppConfig):
    name = "consent"
    verbose_name = _("Consent")
    waiting_providers = ["consent.selectors.waiting_about_consent"]
    receivers = [
        ("cases.signals.person_erased", "consent.services.consent_dates_erase"),
        ("cases.signals.person_birth_date_corrected", "consent.services.consent_dates_correct"),
    ]
    policies = {
        "Consent": "consent.access.ConsentPolicy",
        "Review": "consent.access.ConsentReviewPolicy",
        "Disclosure": "consent.access.DisclosurePolicy",
        "EmergencyAccess": "consent.access.EmergencyAccessPolicy",
    }
    # The access log names legal grounds by code and by citation, and a review's outcome by code.
    access_words = {
        "legal ground": "consent.grounds.ground_words",
        "legal ground citation": "consent.grounds.citation_words",
        "consent review outcome": "consent.models.ConsentReviewOutcome",
    }
    change_history = ["Consent", "Disclosure", "EmergencyAccess", "Review"]
    change_history_options = {"Consent": {"m2m_fields": {"recipients"}}}
