"""The filters and sort of the supervisor's "who accessed this person" (lotsa.listing): the access log's
plain columns (when, the organisation, the user, the action, the outcome). The list is paged and
names no one but the person whose log it is."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent, AccessOutcome, Action
from lotsa.listing import SORT, Column, ListFilter, SelectorDate, SortFilter

# The actions an access naming a person can be (logins and the log's own housekeeping name no one).
PERSON_ACTIONS = (
    Action.VIEW,
    Action.LIST,
    Action.SEARCH,
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.EXPORT,
    Action.ASSIGN,
    Action.DECIDE,
    Action.WITHDRAW,
    Action.CONSENT_CHANGE,
    Action.EMERGENCY_ACCESS,
    Action.SHRED,
)


class AccessEventFilter(ListFilter):
    """The period (``start``, ``end``: the selector reads them, with the last weeks as default), the
    organisation, the action and the outcome; newest first."""

    start = SelectorDate(label=_("From"))
    end = SelectorDate(label=_("To"))
    # Any name up to 200 characters until the read is allowed; then a choice among those in the log.
    organisation = django_filters.CharFilter(
        label=_("Organisation"), field_name="actor_organisation", max_length=200
    )
    action = django_filters.ChoiceFilter(
        label=_("Action"),
        choices=[(action.value, action.label) for action in PERSON_ACTIONS],
        empty_label=_("All"),
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=AccessOutcome.choices, empty_label=_("All")
    )
    sort = SortFilter(
        columns={
            "when": Column(_("When"), field="occurred_at", dates=True),
            "organisation": Column(_("Organisation"), field="actor_organisation"),
            "user": Column(_("User"), field="actor_username"),
        }
    )

    defaults = {SORT: "-when"}

    class Meta:
        model = AccessEvent
        fields = []

    def offering(self, organisations: list[str]) -> AccessEventFilter:
        """The same filter as the page shows it, once the read is allowed: the organisations in the
        person's log to choose among."""
        shown = type(self)(self.data)
        shown.filters["organisation"] = django_filters.ChoiceFilter(
            label=_("Organisation"),
            field_name="actor_organisation",
            choices=[(name, name or _("(no organisation)")) for name in organisations if name],
            empty_label=_("All"),
        )
        shown.is_valid()
        return shown
