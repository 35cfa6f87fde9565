import calendar
import datetime as dt

from django.utils.translation import gettext as _


def add_months(start: dt.date, months: int) -> dt.date:
    """``months`` calendar months on, on the same day or the last day of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def how_soon(day: dt.date, today: dt.date) -> str:
    """How soon ``day`` comes, in words too coarse to give the day away: for a day a birthday crosses a
    limit (majority, the end of an age band), which would reveal the birth date to whoever is not to
    know it."""
    days = (day - today).days
    if days <= 7:
        return _("within a week")
    if days <= 31:
        return _("within a month")
    if days <= 92:
        return _("within three months")
    return _("in more than three months")
