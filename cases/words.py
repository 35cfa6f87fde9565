"""The words of a case that other apps name: what a case is for and for whom, its milieu, where it
stands and why it closed, and how protected a person's identity is.

They are published (an app may import this module, tests/test_project.py): a code is not a read of
personal data, so another app's form, service or count names these words without going through a
door. Their values are stored in the cases' tables; the migrations hold the choices as they were.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProtectedIdentity(models.TextChoices):
    NONE = "none", _("None")
    SECRECY_MARKING = "secrecy_marking", _("Secrecy marking (sekretessmarkering)")
    PROTECTED_REGISTRATION = "protected_registration", _("Protected registration (skyddad folkbokföring)")
    FICTITIOUS_IDENTITY = "fictitious_identity", _("Fictitious identity (fingerade personuppgifter)")


class Activity(models.TextChoices):
    VBE_FIRST_CONTACT = "vbe_first_contact", _("VBE-team first contact")
    INTERVENTION_GROUP = "intervention_group", _("Intervention group")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    RELATIVE_SUPPORT = "relative_support", _("Relative support")
    CHILD_CONCERN = "child_concern", _("A child's own case after a report of concern")
    # The district's support built up with the person after the VBE team's first contact (seed 001).
    DISTRICT_SUPPORT = (
        "district_support",
        _("Support in the district after a VBE-team first contact"),
    )
    # The district's support after the person leaves the defector programme or the treatment unit.
    DISTRICT_FOLLOW_UP = (
        "district_follow_up",
        _("Follow-up in the district after the defector programme or the treatment unit"),
    )
    OTHER = "other", _("Other")


# What the handler of a case a hand-over opened may change its activity to (and from): not the
# activities with a process of their own in their own unit (the VBE team's first contact, the
# defector programme's gate).
CHANGEABLE_ACTIVITIES = tuple(
    a for a in Activity.values if a not in (Activity.VBE_FIRST_CONTACT, Activity.DEFECTOR_PROGRAMME)
)


class TargetGroup(models.TextChoices):
    """Whom the case is for: the person concerned, a relative in their own right (seed 000), or a person
    harmed by violent extremism (drabbad, seed 002), supported on the principles for crime victims."""

    PERSON_CONCERNED = "person_concerned", _("A person involved in or leaving violent extremism")
    RELATIVE = "relative", _("A relative")
    HARMED = "harmed", _("A person harmed by violent extremism")
    CHILD = "child", _("A child (report of concern)")


# Whom an intervention group is formed around: a person involved in or leaving violent extremism, or
# a child after a report of concern; never a relative or a person harmed, who are supported in their
# own right (relatives/). The case page offers a group, and sig forms one, only for these.
INTERVENTION_GROUP_TARGET_GROUPS = frozenset({TargetGroup.PERSON_CONCERNED, TargetGroup.CHILD})


class Milieu(models.TextChoices):
    AUTONOMOUS = "autonomous", _("Autonomous milieu")
    WHITE_POWER = "white_power", _("White-power milieu")
    VIOLENT_ISLAMIST = "violent_islamist", _("Violent Islamist milieu")
    OTHER_IDEOLOGY = "other_ideology", _("Other ideology")
    UNCLEAR = "unclear", _("Unclear")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class CaseStatus(models.TextChoices):
    OPENED = "opened", _("Opened")
    ACTIVE = "active", _("Active")
    # The handler proposed closing: the case closes when the unit's supervisor approves (four eyes).
    CLOSING = "closing", _("Closing, waiting for approval")
    CLOSED = "closed", _("Closed")


# The lists' filter for every status but closed: what a list of cases opens on (live work first; a
# closed case is one choice away, never the first page of a team's list).
NOT_CLOSED = "not_closed"


class CloseReason(models.TextChoices):
    GOALS_MET = "goals_met", _("The goals of the support were met")
    DECLINED = "declined", _("The person declined further support")
    HANDED_OVER = "handed_over", _("Handed over to another unit")
    MOVED = "moved", _("The person moved from the municipality")
    NO_CONTACT = "no_contact", _("No contact could be established")
    NOT_RELEVANT = "not_relevant", _("No longer relevant")
    DECEASED = "deceased", _("The person has died")
    OTHER = "other", _("Other reason (described in the text)")


class VisitedPage(models.TextChoices):
    """The pages that mark what is new since a user's last visit of them (cases.models.CaseVisit):
    the case page, and the page of the case's intervention group."""

    CASE = "case", _("the case page")
    GROUP = "group", _("the intervention group's page")
