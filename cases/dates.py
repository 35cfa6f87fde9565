"""When something in a case happened: the one rule for the day a meeting, a support conversation or a
threat assessment took place (issue 29, item 6). It happened on a day that has come, and not before the
case it belongs to was opened. The services that record such acts call this before saving; the day it
was recorded is kept beside it by the record itself."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from lotsa.errors import DomainError


def case_opened_on(case: Case) -> dt.date:
    """The local day the case was opened."""
    return timezone.localdate(case.opened_at)


def happened_on_check(on: dt.date | None, *, case: Case) -> dt.date:
    """Return ``on`` if it may be the day something in ``case`` happened, or raise a ``DomainError``
    with the reason: no date, a date in the future, or a date before the case was opened."""
    if on is None or on > timezone.localdate():
        raise DomainError(_("Give the date when it happened (not in the future)."))
    opened = case_opened_on(case)
    if on < opened:
        raise DomainError(
            _("The date lies before the case was opened (%(opened)s).")
            % {"opened": formats.date_format(opened, "Y-m-d")}
        )
    return on
