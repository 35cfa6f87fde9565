from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigConfig(AppConfig):
    name = "sig"
    verbose_name = _("Intervention groups")
    default_auto_field = "django.db.models.BigAutoField"
