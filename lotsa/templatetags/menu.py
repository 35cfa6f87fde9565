"""``{% menu %} … {% endmenu %}``: the menu, with the link of the current page's section marked
``aria-current="page"`` (what a screen reader announces as the current page, and app.css shows).

The menu decides which links a user sees; ``menu_sections`` (config.context_processors, from
config/navigation.py) names the addresses of the current page's section, best first. The first of
them that the rendered menu holds is marked, once, so no second copy of the menu's rules is needed to
know which links are there.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


class MenuNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        menu = self.nodelist.render(context)
        for url in context.get("menu_sections", ()):
            link = f'href="{escape(url)}"'
            if link in menu:
                # Safe: the menu was rendered (and escaped) by the template; only an attribute is added.
                return mark_safe(menu.replace(link, f'{link} aria-current="page"', 1))  # noqa: S308
        return menu


@register.tag
def menu(parser, token):
    nodelist = parser.parse(("endmenu",))
    parser.delete_first_token()
    return MenuNode(nodelist)
