"""The filters and sorts of the case core's lists (lotsa.listing): plain columns only, never a name
or a personal identity number (encrypted: they neither compare nor sort in the database)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.words import NOT_CLOSED, Activity, CaseStatus
from lotsa.listing import SORT, Column, DateFromFilter, DateToFilter, ListFilter, PageSizeFilter, SortFilter


def _status(queryset, name, value):
    if value == NOT_CLOSED:
        return queryset.exclude(status=CaseStatus.CLOSED)
    return queryset.filter(status=value)


def youth_unit_hand_over_by() -> dt.date:
    """Cases whose child and youth unit's responsibility ends by this day are to be handed over now."""
    return timezone.localdate() + dt.timedelta(days=settings.LOTSA_CHILD_AND_YOUTH_HANDOVER_DAYS)


def _youth_unit_ending(queryset, name, value):
    if not value:
        return queryset
    due = queryset.filter(youth_unit_ends_on__lte=youth_unit_hand_over_by())
    return due.exclude(status=CaseStatus.CLOSED)


class CaseFilter(ListFilter):
    """My cases (a supervisor: the unit's). It opens on the cases not closed, the latest activity first
    (``latest_activity``: the newest of the opening, the last journal entry and the last change of
    status, kept on the case by the services that write them). Paged, so never sorted by name."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(NOT_CLOSED, _("Not closed")), *CaseStatus.choices],
        empty_label=_("All statuses"),
        method=_status,
    )
    activity = django_filters.ChoiceFilter(
        label=_("Activity"), choices=Activity.choices, empty_label=_("All activities")
    )
    youth_unit_ending = django_filters.BooleanFilter(
        label=_("To hand over from the child and youth unit"),
        method=_youth_unit_ending,
        widget=forms.CheckboxInput,
    )
    opened_from = DateFromFilter("opened_at__date", label=_("Opened from"))
    opened_to = DateToFilter("opened_at__date", label=_("Opened to"))
    sort = SortFilter(
        columns={
            "latest": Column(_("Latest activity"), field="latest_activity", dates=True),
            "opened": Column(_("Opened"), field="opened_at", dates=True),
            "responsible": Column(_("Responsible social worker"), field="responsible__last_name"),
        }
    )
    size = PageSizeFilter()

    defaults = {"status": NOT_CLOSED, SORT: "-latest"}

    class Meta:
        model = Case
        fields = []
