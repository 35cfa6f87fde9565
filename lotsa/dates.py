import calendar
import datetime as dt


def add_months(start: dt.date, months: int) -> dt.date:
    """``months`` calendar months on, on the same day or the last day of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
