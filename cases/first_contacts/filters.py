"""The VBE team's first contacts as a list (lotsa.listing): filtered by stage, who flagged the person,
when, and the outcome of a meeting; sorted by dates. Plain columns only; paged, so never by name."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from cases.first_contacts.models import ContactOutcome, FirstContactMeeting, Referrer
from cases.models import Case
from cases.words import CaseStatus
from lotsa.listing import SORT, Column, DateFromFilter, DateToFilter, ListFilter, PageSizeFilter, SortFilter

LIVE, UNMET, MET, CLOSED = "live", "unmet", "met", "closed"


def _met():
    return Exists(FirstContactMeeting.objects.filter(first_contact__case=OuterRef("pk")))


def _stage(queryset, name, value):
    if value == CLOSED:
        return queryset.filter(status=CaseStatus.CLOSED)
    live = queryset.exclude(status=CaseStatus.CLOSED)
    if value == UNMET:
        return live.exclude(_met())
    if value == MET:
        return live.filter(_met())
    return live


def _outcome(queryset, name, value):
    meetings = FirstContactMeeting.objects.filter(first_contact__case=OuterRef("pk"), outcome=value)
    return queryset.filter(Exists(meetings))


class FirstContactFilter(ListFilter):
    """It opens on the live first contacts (not closed), the latest flagged first."""

    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[
            (LIVE, _("Not closed")),
            (UNMET, _("Waiting for the meeting with the police")),
            (MET, _("Met, not closed")),
            (CLOSED, _("Closed")),
        ],
        empty_label=_("Every stage"),
        method=_stage,
    )
    referrer = django_filters.ChoiceFilter(
        label=_("Flagged by"),
        field_name="first_contact__referrer",
        choices=Referrer.choices,
        empty_label=_("Anyone"),
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome of a meeting"), choices=ContactOutcome.choices, empty_label=_("Any"), method=_outcome
    )
    flagged_from = DateFromFilter("first_contact__flagged_on", label=_("Flagged from"))
    flagged_to = DateToFilter("first_contact__flagged_on", label=_("Flagged to"))
    sort = SortFilter(
        columns={
            "flagged": Column(_("Flagged on"), field="first_contact__flagged_on", dates=True),
            "meeting": Column(_("Latest meeting"), field="last_meeting", dates=True),
            "opened": Column(_("Opened"), field="opened_at", dates=True),
        }
    )
    size = PageSizeFilter()

    defaults = {"stage": LIVE, SORT: "-flagged"}

    class Meta:
        model = Case
        fields = []
