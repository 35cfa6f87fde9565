"""The hand-overs' published words: where a hand-over came from (a case, an intervention group's
referral, the police's request to the defector programme). Another app names a source without reading
a hand-over (tests/test_project.py: ``words`` is a door); the value is stored in the hand-overs' table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoverSource(models.TextChoices):
    """Where a hand-over comes from: a unit's case (a district, the VBE team, the defector programme at
    closure), an intervention group, or a request from the police (BOPS, the police defector
    programme), who keep no case here."""

    CASE = "case", _("A unit's case")
    INTERVENTION_GROUP = "intervention_group", _("An intervention group")
    POLICE_REQUEST = "police_request", _("A request from the police")
