from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class RelativesConfig(LotsaAppConfig):
    name = "relatives"
    verbose_name = _("Relative support")
    policies = {
        "Relation": "relatives.access.RelationPolicy",
        "SupportConversation": "relatives.access.SupportConversationPolicy",
    }
    waiting_providers = ["relatives.selectors.waiting_follow_ups"]
    calendar_providers = ["relatives.queries.calendar_of_follow_ups"]
    archive_sections = ["relatives.queries.archive_of_support"]
    change_history = ["Relation", "SupportConversation"]
