from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class RetentionConfig(LotsaAppConfig):
    """Retention (gallring): rules with dates, destruction lists, the archive's package and the proof."""

    name = "retention"
    verbose_name = _("Retention")
    import_on_ready = ["retention.checks"]  # check --deploy: the archive's key
    policies = {
        "DestructionList": "retention.access.DestructionListPolicy",
        "ListItem": "retention.access.ListItemPolicy",
        "Hold": "retention.access.HoldPolicy",
    }
    # The supervisor's start page and desk: lists waiting for approval, holds due for review (counts).
    waiting_providers = ["retention.selectors.waiting_lists"]
