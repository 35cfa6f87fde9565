"""The hand-overs list's filters and sort (lotsa.listing): plain columns only. The list is not paged
(what waits, and the latest it sent and decided), so it may be sorted by name: in memory, on the rows
its selector read and decrypted."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from cases.handovers.models import HANDOVER_PURPOSES, Handover, HandoverStatus
from cases.handovers.words import HandoverSource
from lotsa.listing import (
    Column,
    DateFromFilter,
    DateToFilter,
    ListFilter,
    SelectorChoice,
    SortFilter,
    name_key,
)

TO_US, FROM_US = "to_us", "from_us"


def _person(handover: Handover):
    return name_key(handover.person.surname, handover.person.given_names)


class HandoverFilter(ListFilter):
    direction = SelectorChoice(
        label=_("Direction"),
        choices=[(TO_US, _("Handed over to your unit")), (FROM_US, _("Sent by your side"))],
        empty_label=_("Both directions"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=HandoverStatus.choices, empty_label=_("All statuses")
    )
    purpose = django_filters.ChoiceFilter(
        label=_("Purpose"),
        choices=[(purpose.value, purpose.label) for purpose in HANDOVER_PURPOSES],
        empty_label=_("All purposes"),
    )
    source = django_filters.ChoiceFilter(
        label=_("From"), choices=HandoverSource.choices, empty_label=_("Every source")
    )
    sent_from = DateFromFilter("sent_at__date", label=_("Sent from"))
    sent_to = DateToFilter("sent_at__date", label=_("Sent to"))
    sort = SortFilter(
        columns={
            "person": Column(_("Person"), in_memory=_person),
            "from": Column(_("From"), field="from_unit__name"),
            "to": Column(_("To"), field="to_unit__name"),
            "sent": Column(_("Sent"), field="sent_at", dates=True),
        },
        empty_label=_("As each table opens"),
    )

    class Meta:
        model = Handover
        fields = []
