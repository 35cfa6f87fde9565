from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class AuditConfig(LotsaAppConfig):
    name = "audit"
    verbose_name = _("Audit")
    import_on_ready = ["audit.checks"]  # the deploy check
    receivers = [("django.db.models.signals.post_migrate", "audit.retention.store_period")]
