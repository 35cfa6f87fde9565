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
