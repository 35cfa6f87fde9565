"""The user's calendar: the dated things of their own work (an intervention group's next meeting, a
planned follow-up with a relative, a follow-up after the defector programme, a threat re-assessment
due), by day, each linking to the page it belongs to.

Each domain app registers its providers (``LotsaAppConfig.calendar_providers``, as it registers what
waits on the start page), so the kernel gathers them without importing any domain app. A provider
takes the user, a period and optionally one case, and returns :class:`CalendarItem` rows it has
narrowed in SQL with ``lotsa.access.visible_to``:

* without a case: only the user's own work (cases they handle, groups they are a member of, what
  their organisation is to re-assess);
* with a case: whatever of that case the user may see (the printable case summary's planned items).

A provider records nothing: :func:`calendar_items_visible_to` (the calendar page's one door) asks the
role, then records one access event naming every person the page shows, before it returns; the case
summary's selector has recorded its own export of the case's person before it asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction

from accounts.models import User
from accounts.roles import CALENDAR_PAGE_ROLES
from audit.models import Action
from lotsa import access, crypto

WEEKS_AHEAD = 8
WEEKS_BACK = 1
PURPOSE = "calendar"


@dataclass(frozen=True)
class CalendarItem:
    day: dt.date
    what: str  # translated: what happens or is due
    url: str  # the page it belongs to (a case's, a group's, BOPS's page of the person)
    record: models.Model  # the row shown; its subject is the person named
    person: models.Model | None = None  # whose name the calendar shows
    urgent: bool = False  # overdue

    @property
    def month(self) -> dt.date:
        """The month the item falls in (its first day), for grouping by month."""
        return self.day.replace(day=1)

    @property
    def sort_key(self):
        return (self.day, str(self.what), str(self.record.pk))


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def within(field: str, start: dt.date | None, end: dt.date | None) -> models.Q:
    """SQL: the date ``field`` lies in the period (either end open)."""
    condition = models.Q()
    if start is not None:
        condition &= models.Q(**{f"{field}__gte": start})
    if end is not None:
        condition &= models.Q(**{f"{field}__lte": end})
    return condition


def items_for(user, *, start: dt.date | None, end: dt.date | None, case=None) -> list[CalendarItem]:
    """Every provider's items in the period (either end open), by day. Records nothing: the caller
    has recorded its decision (and names the people shown)."""
    items = [item for provider in _providers for item in provider(user, start=start, end=end, case=case)]
    return sorted(items, key=lambda item: item.sort_key)


def period(*, today: dt.date, past: bool) -> tuple[dt.date, dt.date]:
    """The calendar's days: the next eight weeks from today, or with ``past`` the week before too."""
    start = today - dt.timedelta(weeks=WEEKS_BACK) if past else today
    return start, today + dt.timedelta(weeks=WEEKS_AHEAD)


def calendar_items_visible_to(*, user: User, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """The user's own meetings, follow-ups and re-assessments from ``start`` to ``end``, and whatever
    fell due before and is not done yet (overdue): the role is decided and recorded, then one access
    event names every person shown, before anything is rendered."""
    access.require_role(
        user, *CALENDAR_PAGE_ROLES, action=Action.VIEW, target="lotsa.calendar", purpose=PURPOSE
    )
    # What is overdue and not yet done stays on the calendar however long ago it fell due.
    items = [item for item in items_for(user, start=None, end=end) if item.day >= start or item.urgent]
    shown, seen = [], set()
    for item in items:
        subject = access.subject_of(item.record)
        if subject not in seen:
            seen.add(subject)
            shown.append(item.record)
    with transaction.atomic():
        access.record_list(user, shown, purpose=PURPOSE)
    crypto.prefetch_data_keys(item.person.pk for item in items if item.person is not None)
    return items
