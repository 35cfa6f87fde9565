from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefectorsConfig(AppConfig):
    name = "defectors"
    verbose_name = _("Defector programme")
    default_auto_field = "django.db.models.BigAutoField"
