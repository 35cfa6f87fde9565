from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class ConsentConfig(LotsaAppConfig):
    name = "consent"
    verbose_name = _("Consent")
    waiting_providers = ["consent.selectors.waiting_about_consent"]
    policies = {
        "Consent": "consent.access.ConsentPolicy",
        "Review": "consent.access.ConsentReviewPolicy",
        "Disclosure": "consent.access.DisclosurePolicy",
        "EmergencyAccess": "consent.access.EmergencyAccessPolicy",
    }
    change_history = ["Consent", "Disclosure", "EmergencyAccess", "Review"]
    change_history_options = {"Consent": {"m2m_fields": {"recipients"}}}
