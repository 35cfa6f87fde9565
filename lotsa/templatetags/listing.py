"""``{% sort_header filters "opened" %}``: a list's column header that sorts by it, as a link that
keeps the list's filters. The sorted column says so to a screen reader (``aria-sort``) and shows an
arrow; a click on it turns the direction, a click on another column sorts by that one (dates newest
first, names A to Ö)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from lotsa.listing import SORT

register = template.Library()


@register.simple_tag
def sort_header(filters, param: str, label=None):
    column = filters.sort_filter.columns[param]
    current, descending = filters.sort
    label = label or column.label
    if current != param:
        return format_html(
            '<th scope="col"><a href="?{}">{}</a></th>', filters.query(**{SORT: column.first + param}), label
        )
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}">{} <span aria-hidden="true">{}</span></a></th>',
        "descending" if descending else "ascending",
        filters.query(**{SORT: param if descending else f"-{param}"}),
        label,
        "▼" if descending else "▲",
    )


@register.simple_tag
def list_query(filters, **changes) -> str:
    """The list's query string with ``changes`` (``{% list_query filters status="" %}``)."""
    return filters.query(**changes)
