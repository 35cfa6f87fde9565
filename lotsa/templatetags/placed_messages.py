"""Messages shown where the user lands.

A post answered with a redirect to an anchor (the case page's ``#journal``) lands the user in the
middle of the page, so its confirmation or error is shown inside the section the anchor names, not only
at the top of the page, out of sight. ``lotsa.posting`` tags each message of such a post with its
section (``landing_tag``); the page marks where each section's messages go:

* ``{% messages_placed %} … {% endmessages_placed %}`` (base.html, around the page's content) renders
  the content first, then puts every message no section took at the top, so a message whose section
  the page does not show (the form is gone after it was used) is still shown, once;
* ``{% messages_here "journal" %}`` (in the section with ``id="journal"``) shows that section's
  messages there.
"""

from __future__ import annotations

from django import template
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lotsa.posting import landing_section

register = template.Library()

_PLACED = "_lotsa_placed_messages"


def _render(messages, *, section: str = "") -> str:
    if not messages:
        return ""
    return render_to_string("messages.html", {"shown_messages": messages, "section": section})


class PlacedNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        request = context.get("request")
        placed: set[int] = set()
        with context.push({_PLACED: placed}):
            content = self.nodelist.render(context)
        every = list(get_messages(request)) if request is not None else []
        rest = [message for index, message in enumerate(every) if index not in placed]
        # Safe: both parts were rendered (and escaped) by templates.
        return mark_safe(_render(rest) + content)  # noqa: S308


@register.tag
def messages_placed(parser, token):
    nodelist = parser.parse(("endmessages_placed",))
    parser.delete_first_token()
    return PlacedNode(nodelist)


@register.simple_tag(takes_context=True)
def messages_here(context, *parts) -> str:
    """This section's messages, shown here (and so not again at the top of the page). The section is
    its id, or the parts of its id (``{% messages_here "item" row.item.pk %}`` for ``item-7``)."""
    request = context.get("request")
    placed = context.get(_PLACED)
    if request is None or placed is None:
        return ""
    section = "-".join(str(part) for part in parts)
    mine = []
    for index, message in enumerate(get_messages(request)):
        if index not in placed and landing_section(message) == section:
            placed.add(index)
            mine.append(message)
    return _render(mine, section=section)
