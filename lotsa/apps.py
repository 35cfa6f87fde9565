from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LotsaConfig(AppConfig):
    name = "lotsa"
    verbose_name = _("Lotsa kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lotsa import lookups  # noqa: F401  (registers the ``holds`` lookup)
