"""Messages shown where the user lands, and a field's error back at its field.

A post answered with a redirect to an anchor (the case page's ``#journal``) lands the user in the
middle of the page, so its confirmation or error is shown inside the section the anchor names, not only
at the top of the page, out of sight. ``lotsa.posting`` tags each message of such a post with its
section (``landing_tag``); the page marks where each section's messages go:

* ``{% messages_placed %} … {% endmessages_placed %}`` (base.html, around the page's content) renders
  the content first, then fills in each section's messages, then puts every message no section or
  form took at the top, so a message whose section the page does not show (the form is gone after it
  was used) is still shown, once;
* ``{% messages_here "journal" %}`` (in the section with ``id="journal"``) shows that section's
  messages there;
* ``{% returned_form form url as form %}`` (before a form that posts to ``url`` with
  ``lotsa.posting.post_form``) gives the form with the errors its last post sent back at their fields
  (``form_fields.html`` then shows the summary at the form's top, each error at its field, named by
  the input's aria-describedby). Those errors are taken out of the page's messages, wherever the form
  stands in the page: a section's messages are filled in only after the whole content is rendered.
"""

from __future__ import annotations

from django import template
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lotsa.posting import landing_section, returned_field

register = template.Library()

_PLACED = "_lotsa_placed_messages"
_SECTIONS = "_lotsa_message_sections"


def _render(messages, *, section: str = "") -> str:
    if not messages:
        return ""
    return render_to_string("messages.html", {"shown_messages": messages, "section": section})


def _marker(section: str) -> str:
    # An HTML comment: rendered content cannot hold one of its own (every value is escaped).
    return f"<!--lotsa-messages:{section}-->"


class PlacedNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        request = context.get("request")
        placed: set[int] = set()
        sections: list[str] = []
        with context.push({_PLACED: placed, _SECTIONS: sections}):
            content = self.nodelist.render(context)
        every = list(get_messages(request)) if request is not None else []
        for section in sections:
            mine = []
            for index, message in enumerate(every):
                if index not in placed and landing_section(message) == section:
                    placed.add(index)
                    mine.append(message)
            content = content.replace(_marker(section), _render(mine, section=section), 1)
            content = content.replace(_marker(section), "")
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
    sections = context.get(_SECTIONS)
    if context.get("request") is None or sections is None:
        return ""
    section = "-".join(str(part) for part in parts)
    sections.append(section)
    return mark_safe(_marker(section))  # noqa: S308 - a fixed comment around an id the template names


@register.simple_tag(takes_context=True)
def returned_form(context, form, posted_to, *ids, **initial):
    """``form``, with the errors its last post to ``posted_to`` sent back at their fields.

    A page with one form of its kind passes the view's form. A form shown more than once on a page (a
    mark per event of the sample) or beside another with the same fields passes the parts of its
    inputs' ids (``"mark" item.pk`` gives ``mark-7-note``), and a row's values as keywords
    (``note=item.note``): a new form of the same class is made (such a form takes no arguments but
    its initial values)."""
    shown = form
    if ids or initial:
        auto_id = "-".join(str(part) for part in ids) + "-%s" if ids else form.auto_id
        shown = type(form)(initial={**form.initial, **initial}, auto_id=auto_id, prefix=form.prefix)
    request, placed = context.get("request"), context.get(_PLACED)
    if request is None or placed is None:
        return shown
    returned = []
    for index, message in enumerate(get_messages(request)):
        field = returned_field(message, posted_to)
        if index not in placed and field in shown.fields and not shown[field].is_hidden:
            placed.add(index)
            returned.append((field, str(message.message)))
    if returned:
        shown.cleaned_data = {}  # an unbound form takes errors once it has (no) cleaned data
        for field, text in returned:
            shown.add_error(field, text.removeprefix(f"{shown[field].label}: "))
    return shown
