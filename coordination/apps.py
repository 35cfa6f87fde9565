from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class CoordinationConfig(LotsaAppConfig):
    """The coordinator's pages: de-identified reports of concern, the local situation picture and the
    indicators of effect. Coordinators work with aggregates and never see a name; this app sits above
    the domain apps (it counts their cases) and nothing below it imports it."""

    name = "coordination"
    verbose_name = _("Coordination")
    policies = {
        "DeidentifiedReport": "coordination.access.ReportPolicy",
        "SituationPicture": "coordination.access.CoordinatorPolicy",
    }

    def ready(self) -> None:
        super().ready()
        # Imported here: the models it watches are loaded only now.
        from coordination import published

        published.connect()  # a write to what the indicators count makes their stored tables stale
