from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelativesConfig(AppConfig):
    name = "relatives"
    verbose_name = _("Relative support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from lotsa import access
        from relatives.access import RelationPolicy, SupportConversationPolicy
        from relatives.models import Relation, SupportConversation

        access.register(Relation, RelationPolicy())
        access.register(SupportConversation, SupportConversationPolicy())
        auditlog.register(Relation, exclude_fields=Relation.ENCRYPTED_FIELDS)
        auditlog.register(SupportConversation, exclude_fields=SupportConversation.ENCRYPTED_FIELDS)
