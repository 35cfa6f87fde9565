from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class RetentionConfig(LotsaAppConfig):
    """Retention (gallring): rules with dates, destruction lists, the archive's package and the proof."""

    name = "retention"
    verbose_name = _("Retention")
    import_on_ready = ["retention.checks"]  # check --deploy: the archive's key
