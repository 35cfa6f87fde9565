"""Who reviews and approves the unit's destruction lists, and holds its records: its supervisors.

Four eyes: no one approves a list they drew by hand (a list the scheduled work drew is approved by any
supervisor of the unit), and no one reviews a hold they placed.
"""

from __future__ import annotations

from accounts.roles import Role
from audit.models import Action
from lotsa.access import Decision, Policy
from retention.models import DestructionList, Hold, ListStatus

RETENTION = "retention"  # the purpose of every read and act here
SUPERVISOR_OF_THE_UNIT = "supervisor of the unit"


def _supervisor_of(user, organisation_id) -> bool:
    return (
        user.has_role(Role.SUPERVISOR)
        and organisation_id is not None
        and user.organisation_id == organisation_id
    )


class DestructionListPolicy(Policy):
    """VIEW, LIST and CREATE (drawn by hand): the unit's supervisors; DECIDE (approve): a supervisor of
    the unit who did not draw it, while it waits."""

    def decide(self, user, action, item: DestructionList, purpose) -> Decision:
        if not _supervisor_of(user, item.organisation_id):
            return Decision.deny("only a supervisor of the unit keeps its destruction lists")
        if action in (Action.VIEW, Action.LIST, Action.CREATE):
            return Decision.allow(SUPERVISOR_OF_THE_UNIT, ground=RETENTION)
        if action == Action.DECIDE:
            if item.status != ListStatus.DRAWN:
                return Decision.deny("the list is approved already")
            if item.drawn_by_id is not None and item.drawn_by_id == user.pk:
                return Decision.deny("no one approves a list they drew")
            return Decision.allow("supervisor of the unit, not the one who drew the list", ground=RETENTION)
        return Decision.deny("a destruction list is drawn and approved, never edited")

    def visible(self, user, queryset, purpose=""):
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)


class ListItemPolicy(Policy):
    """An item of a list: the list's rule (VIEW, LIST)."""

    def decide(self, user, action, item, purpose) -> Decision:
        if action not in (Action.VIEW, Action.LIST):
            return Decision.deny("an item changes only through its list or a hold")
        return DestructionListPolicy().decide(user, action, item.destruction_list, purpose)

    def visible(self, user, queryset, purpose=""):
        lists = DestructionListPolicy().visible(user, DestructionList.objects.all(), purpose)
        return queryset.filter(destruction_list__in=lists)


class HoldPolicy(Policy):
    """CREATE (place) and VIEW: the unit's supervisors; DECIDE (review: keep or lift): a supervisor of
    the unit who did not place it."""

    def decide(self, user, action, hold: Hold, purpose) -> Decision:
        if not _supervisor_of(user, hold.organisation_id):
            return Decision.deny("only a supervisor of the unit holds its records")
        if action in (Action.VIEW, Action.LIST, Action.CREATE):
            return Decision.allow(SUPERVISOR_OF_THE_UNIT, ground=RETENTION)
        if action == Action.DECIDE:
            if hold.lifted_at is not None:
                return Decision.deny("the hold is lifted already")
            if hold.placed_by_id == user.pk:
                return Decision.deny("no one reviews a hold they placed")
            return Decision.allow("supervisor of the unit, not the one who placed the hold", ground=RETENTION)
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset, purpose=""):
        if not user.has_role(Role.SUPERVISOR) or user.organisation_id is None:
            return queryset.none()
        return queryset.filter(organisation_id=user.organisation_id)
