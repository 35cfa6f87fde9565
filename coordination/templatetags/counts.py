"""A stored count shown in the words of a live table ("fewer than 5", "hidden"), never as ``<5``."""

from django import template

from coordination.suppression import Count

register = template.Library()


@register.filter
def published(value: str) -> str:
    return str(Count.from_csv(str(value)))
