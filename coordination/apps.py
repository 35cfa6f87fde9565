from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    """The coordinator's pages: de-identified reports of concern, the local situation picture and the
    indicators of effect. Coordinators work with aggregates and never see a name; this app sits above
    the domain apps (it counts their cases) and nothing below it imports it."""

    name = "coordination"
    verbose_name = _("Coordination")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from coordination.access import CoordinatorPolicy, ReportPolicy
        from coordination.models import DeidentifiedReport, SituationPicture
        from lotsa import access

        access.register(DeidentifiedReport, ReportPolicy())
        access.register(SituationPicture, CoordinatorPolicy())
