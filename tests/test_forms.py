"""Forms tell the user what is wrong where it is wrong (issue 28, item 2).

* Every form that posts has ``novalidate``: the browser never answers with its own bubble (in the
  browser's language, English on many municipal machines); the server's Swedish message at the field
  does.
* A form page posted with an empty required field shows the Swedish message at the field, named by
  the input's ``aria-describedby``, under the error summary.
* A post answered with a redirect to an anchor (the case page's ``#journal``) shows its confirmation or
  error inside the section the anchor names, where the user lands, and not again at the top.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from cases.models import JournalEntry
from lotsa.posting import landing_section, landing_tag
from tests.helpers import login_verified

ROOT = Path(settings.BASE_DIR).resolve()


def project_templates() -> list[Path]:
    """Every template of the project (the apps' template folders and the project's own), none of a
    library's."""
    folders = [Path(app.path) / "templates" for app in apps.get_app_configs()]
    for engine in settings.TEMPLATES:
        folders += [Path(folder) for folder in engine.get("DIRS", [])]
    found = set()
    for folder in folders:
        folder = folder.resolve()
        if folder.is_dir() and folder.is_relative_to(ROOT) and ".venv" not in folder.parts:
            found.update(folder.rglob("*.html"))
    return sorted(found)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[int, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append((self.getpos()[0], dict(attrs)))


def post_forms_without_novalidate(text: str) -> list[int]:
    parser = _Forms()
    parser.feed(text)
    return [
        line
        for line, attrs in parser.forms
        if (attrs.get("method") or "get").lower() == "post" and "novalidate" not in attrs
    ]


def test_the_check_finds_a_post_form_without_novalidate():
    assert post_forms_without_novalidate('<form method="post" action="/x">{% csrf_token %}</form>') == [1]
    assert post_forms_without_novalidate('<form method="POST" class="a">\n</form>') == [1]
    assert post_forms_without_novalidate('<form method="post" novalidate>') == []
    assert post_forms_without_novalidate('<form method="get">') == []


def test_every_form_that_posts_has_novalidate():
    templates = project_templates()
    assert len(templates) > 40  # the project's templates were found, not an empty folder
    with_forms = [path for path in templates if "<form" in path.read_text()]
    assert len(with_forms) > 30
    missing = {
        str(path.relative_to(ROOT)): lines
        for path in with_forms
        if (lines := post_forms_without_novalidate(path.read_text()))
    }
    assert not missing, f"POST forms without novalidate (template: lines): {missing}"


def test_a_form_page_with_an_empty_required_field_shows_the_swedish_message_at_the_field(client, world):
    login_verified(client, world.users["social_worker"])
    url = reverse(
        "cases:journal_correct", kwargs={"case_id": world.case_a.pk, "entry_id": world.signed_entry.pk}
    )
    before = JournalEntry.objects.count()
    response = client.post(url, {"category": "housing", "text": ""})
    page = response.content.decode()
    assert response.status_code == 200 and JournalEntry.objects.count() == before
    # At the field: the input names its error, which holds the Swedish message.
    textarea = re.search(r"<textarea[^>]*\bname=\"text\"[^>]*>", page).group(0)
    assert 'aria-describedby="id_text_error"' in textarea
    error = re.search(r'<div class="field-errors" id="id_text_error">(.*?)</div>', page, re.S).group(1)
    assert "Skriv något i anteckningen" in error
    # And in the summary at the top, linking to the field.
    assert re.search(r'<a href="#id_text">[^<]*Skriv något i anteckningen', page)
    assert "novalidate" in re.search(r'<form method="post"[^>]*>', page.split('id="main"', 1)[1]).group(0)


# --- Where the message of a post is shown --------------------------------------------------------------


def _section(page: str, element_id: str) -> str:
    """The HTML of the section (or article) that holds the element with ``element_id``."""
    start = page.index(f'id="{element_id}"')
    opening = max(page.rfind("<section", 0, start), page.rfind("<article", 0, start))
    tag = page[opening + 1 : page.index(" ", opening)]
    return page[opening : page.index(f"</{tag}>", start)]


def _top(page: str) -> str:
    """What the page shows above its first heading: the messages at the top."""
    main = page.split('<main id="main">', 1)[1]
    return main.split("<h1", 1)[0]


def test_a_message_is_tagged_with_the_section_its_post_lands_on():
    assert landing_tag("/cases/1/#journal") == "at-journal"
    assert landing_tag("/cases/1/") == "" and landing_tag(None) == "" and landing_tag("/x#") == ""

    class Message:
        extra_tags = "other at-item-7"

    assert landing_section(Message()) == "item-7"


def test_a_saved_entry_is_confirmed_inside_the_journal_where_the_user_lands(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(
        reverse("cases:journal_add", kwargs={"case_id": world.case_a.pk}),
        {"category": "housing", "text": "Ny anteckning"},
    )
    assert response.status_code == 302 and response.url.endswith("#journal")
    page = client.get(response.url).content.decode()
    journal = _section(page, "journal")
    assert "Anteckningen sparades som utkast" in journal
    assert "Anteckningen sparades som utkast" not in _top(page)  # once, where the user lands
    assert page.count("Anteckningen sparades som utkast") == 1


def test_an_error_of_a_post_is_shown_inside_the_section_it_lands_on(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(
        reverse("cases:journal_add", kwargs={"case_id": world.case_a.pk}),
        {"category": "housing", "text": " "},
    )
    page = client.get(response.url).content.decode()
    assert "Skriv något i anteckningen" in _section(page, "journal")
    assert "Skriv något i anteckningen" not in _top(page)


def test_a_message_without_an_anchor_or_whose_section_is_not_shown_stays_at_the_top(rf: RequestFactory):
    request = rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    messages.success(request, "Överst", extra_tags=landing_tag("/x/"))
    messages.success(request, "I avsnittet", extra_tags=landing_tag("/x/#here"))
    messages.error(request, "Avsnitt som saknas", extra_tags=landing_tag("/x/#gone"))
    template = engines["django"].from_string(
        "{% load placed_messages %}{% messages_placed %}<h1>Sida</h1>"
        '<section id="here">{% messages_here "here" %}</section>{% endmessages_placed %}'
    )
    page = template.render({"request": request}, request)
    top, here = page.split("<h1>", 1)[0], _section(page, "here")
    assert "Överst" in top and "Avsnitt som saknas" in top and "I avsnittet" not in top
    assert "I avsnittet" in here and "Överst" not in here
    assert page.count("I avsnittet") == 1


# --- A post from a host page: its errors back at their fields ----------------------------------------

# Every form a host page (the case page, the programme's page, the group's page, the log review, the
# account requests) posts with lotsa.posting.post_form, with a post that is invalid at a field (and
# only there: a hidden field's error belongs to no field the user can correct).
HOST_PAGE_FORMS = {
    "cases:journal_add": ("cases.forms.JournalEntryForm", lambda w, kw: {"category": "housing", "text": " "}),
    "cases:close_decide": ("cases.forms.CloseDecisionForm", lambda w, kw: {"version": _case_version(kw)}),
    "cases:protection_lower_decide": ("cases.forms.ProtectionDecisionForm", lambda w, kw: {"note": ""}),
    "accounts:request_decide": ("accounts.forms.DecisionForm", lambda w, kw: {"note": "Nej"}),
    "defectors:intervention_update": (
        "defectors.forms.InterventionUpdateForm",
        lambda w, kw: {"status": "ingen", "follow_up": "", "version": 1},
    ),
    "sig:action_update": ("sig.forms.ActionUpdateForm", lambda w, kw: {"status": "ingen", "follow_up": ""}),
    "supervision:review_mark": ("supervision.forms.MarkForm", lambda w, kw: {"note": ""}),
    "supervision:review_sign_off": ("supervision.forms.SignOffForm", lambda w, kw: {"conclusion": ""}),
}


def _case_version(kwargs) -> int:
    from cases.models import Case

    return Case.objects.get(pk=kwargs["case_id"]).version


def _form_class(path: str):
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _described(page: str, field_id: str) -> str:
    """The element that names ``<field_id>_error`` in its aria-describedby: the field's input, or the
    fieldset of its choices (whose first choice is ``<field_id>_0``)."""
    found = re.search(
        rf'<(input|select|textarea|fieldset)\b[^>]*aria-describedby="[^"]*\b{re.escape(field_id)}_error\b[^>]*>',
        page,
    )
    assert found, f"nothing names {field_id}_error in its aria-describedby"
    tag = found.group(0)
    if found.group(1) == "fieldset":
        inside = page[found.end() : page.index("</fieldset>", found.end())]
        assert f'id="{field_id}_0"' in inside, tag
    else:
        assert f'id="{field_id}"' in tag, tag
    return tag


@pytest.mark.parametrize("name", sorted(HOST_PAGE_FORMS))
def test_an_invalid_post_from_a_host_page_shows_each_error_at_its_field_where_the_user_lands(
    client, world, name
):
    """The host page shown after the redirect: an error summary linking to each field with an error,
    inside the section the post lands on; each field's input (or fieldset) names, in aria-describedby,
    the element holding its Swedish message; and the message is shown there only, not again as a
    message at the top."""
    from django.utils import translation

    from tests.test_invalid_posts import _first, _user
    from tests.test_url_matrix import MATRIX

    form_path, invalid = HOST_PAGE_FORMS[name]
    _method, build, expected, *_valid = MATRIX[name]
    kwargs = build(world)
    data = invalid(world, kwargs)
    with translation.override("sv"):
        bound = _form_class(form_path)(data)
        assert not bound.is_valid()
        errors = {field: [str(e) for e in bound.errors[field]] for field in bound.errors}
    assert errors and all(not bound[field].is_hidden for field in errors), errors
    login_verified(client, _user(world, _first(expected, True)))
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 302, (name, response.status_code)
    page = client.get(response.url).content.decode()
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert summary, f"{name}: no error summary on {response.url}"
    if "#" in response.url:  # where the user lands: after the anchor, before the next section
        anchor = page.index(f'id="{response.url.rsplit("#", 1)[1]}"')
        following = page.find("<section", anchor + 1)
        assert anchor < summary.start() < (following if following != -1 else len(page)), name
    links = re.findall(r'<a href="#([^"]+)">', summary.group(1))
    assert len(links) == sum(len(messages) for messages in errors.values()), (name, links)
    for link in links:
        field_id = link.removesuffix("_0")
        _described(page, field_id)
        shown = re.search(
            rf'<div class="field-errors" id="{re.escape(field_id)}_error">(.*?)</div>', page, re.S
        )
        assert shown, f"{name}: no {field_id}_error"
        texts = [html.unescape(text) for text in re.findall(r"<p>(.*?)</p>", shown.group(1), re.S)]
        assert texts and all(any(text in messages for messages in errors.values()) for text in texts), texts
        for text in texts:  # in the summary and at the field, and nowhere else (not again as a message)
            assert html.unescape(page).count(text) == 2, (name, text)
