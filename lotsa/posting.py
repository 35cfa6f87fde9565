"""How a page posts, once for every app. Two helpers, and the one place a refusal becomes something
the user sees.

``form_page`` — a page that shows a form and takes its post (GET and POST at one address):
  * GET: the page's own decision (``show()``: VIEW of the case, a role, ...) recorded, then the form.
  * An invalid post: decided as the act it is (``act=(action, target)``, purpose ``INVALID_FORM``)
    and recorded before any of its messages is shown — a stranger learns nothing from a validation
    message, and is denied (recorded) instead. Then the form again, each error at its field and a
    summary at the top linking to each (``form_fields.html``).
  * A valid post: ``change(cleaned_data)`` runs the service, which decides first (lotsa.access) and
    may refuse. Then ``done`` as a message and on to ``then``.

``confirm_page`` — the page before an act that cannot be undone (withdrawing a consent, signing a
journal entry, removing a group member, closing a group, resetting a login), GOV.UK's confirmation
page: its own address (``…/confirm/``, GET), the page's decision (``show()``) recorded before it says
what will happen, then the act's form, which posts to the act's own address (``post_form``: the act is
decided by its service, once). The page that offers the act links here instead of posting itself.

``post_form`` — a post from a form that lives on another page (the case page's journal form, a
button on the group's page), answered with a redirect back to that page (``back``):
  * The object the post is about is looked up first (``decide_on()``), valid form or not: an id in
    the address that names nothing is the "not found" page (404), and never reaches a service.
  * An invalid post is decided as the act it is (``action``, purpose ``INVALID_FORM``), then each
    error goes back as a message **that names its field** ("Text: Write something ...").
  * A valid post goes to ``change(cleaned_data)``; its outcome goes back as a message.

Each error of a field also says which form and field it belongs to (``returned_tags``: the address
the form posted to, and the field's name), so the host page, shown again after the redirect, puts it
back at its field: ``{% returned_form form url %}`` (lotsa/templatetags/placed_messages.py) gives the
page's form with those errors at their fields, a summary at the form's top linking to each
(``form_fields.html``), and takes them out of the page's messages. What the user typed is not
carried across the redirect (it would wait in the session store, and may be personal data); the
error is. A page that no longer shows the form (it was decided meanwhile) shows the message as any
other.

Why messages for post-and-redirect, not the host page re-rendered with the bound form: the host pages
(the case page, the programme's page, the group's page) carry up to nine forms each, are built by one
selector that records its own reading of the case, and are reached again with the browser's reload
and back buttons; a redirect keeps a reload from posting twice and keeps every host page one view
with one decision. Each message names its field by its label, for a page that shows it as a message;
the form's own errors (and a service's refusal) belong to no field and stay messages. The forms whose text
is long or costly to retype (a situation picture, a new report) are form pages (``form_page``), so
their text stays in the form; on the host pages an invalid form is nearly always a missing choice or
an empty field, little to retype. A hidden field's error (the version a page showed) says that the
form was incomplete, since no one can correct it at the field.

``_attempt`` is the one place a service's refusal is turned into what the user sees: a ``Conflict``
(the object changed after the page showed it) is the 409 page with a link to the page as it now is;
any other ``DomainError`` is a message — at the top of the form on a form page, a message on the page
posted from otherwise. No view catches a ``DomainError`` itself (tests/test_project.py keeps it so).

Where a message is shown: a post answered with a redirect to an anchor (``back`` or ``then`` ending in
``#journal``) lands the user in the middle of the page, out of sight of the page's top. Each message
of such a post is tagged with its section (``landing_tag``), and the page shows it inside the section
with that id (``{% messages_here "journal" %}``, lotsa/templatetags/placed_messages.py); a message
whose section the page does not show is shown at the top, as any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseBase
from django.shortcuts import redirect, render

from lotsa import access
from lotsa import context as request_context
from lotsa.errors import Conflict, DomainError

INVALID_FORM = "a form with errors"

_LANDING = "at-"  # a message's extra tag: the section (an element's id) the post landed on
_POSTED = "posted-"  # a field error's extra tags: the address its form posted to ...
_FIELD = "field-"  # ... and the field's name


def landing_tag(destination) -> str:
    """The extra tag of a message said on the way to ``destination``: its anchor's section, or none."""
    if not isinstance(destination, str) or "#" not in destination:
        return ""
    section = destination.rsplit("#", 1)[1]
    return f"{_LANDING}{section}" if section else ""


def landing_section(message) -> str:
    """The section a message belongs in (its tag from ``landing_tag``), or "" for the page's top."""
    for tag in (message.extra_tags or "").split():
        if tag.startswith(_LANDING):
            return tag[len(_LANDING) :]
    return ""


def returned_tags(posted_to: str, field: str) -> str:
    """The extra tags of a field's error sent back from a post to ``posted_to``."""
    return f"{_POSTED}{posted_to} {_FIELD}{field}"


def returned_field(message, posted_to: str) -> str:
    """The field whose error ``message`` is, when it was sent back from a post to ``posted_to``; else ""."""
    tags = (message.extra_tags or "").split()
    if f"{_POSTED}{posted_to}" not in tags:
        return ""
    return next((tag[len(_FIELD) :] for tag in tags if tag.startswith(_FIELD)), "")


def _tags(*tags: str) -> str:
    return " ".join(tag for tag in tags if tag)


def decide(request, action: str, obj, *, purpose: str) -> None:
    """A page's own decision, recorded before anything is shown; raises the recorded denial for
    someone who may not. (For a form page: VIEW of what the form is about; the act itself is decided
    by its service when the form is posted.)"""
    with transaction.atomic():
        access.check(request.user, action, obj, purpose=purpose)


def decide_invalid_form(request, action: str, obj) -> None:
    """An invalid post decided as the act it is (and the decision recorded) before any of its messages
    is shown; raises the recorded denial for someone who may not do it."""
    decide(request, action, obj, purpose=INVALID_FORM)


def conflict_page(request, error: Conflict, reload: str):
    """A post made from a page that showed an older version: 409, the message, and a link to the
    page as it now is. Nothing of the object is shown (the user may no longer see it)."""
    return render(request, "409.html", {"message": error.message, "reload": reload}, status=409)


def field_messages(form) -> list[str]:
    """Each error of an invalid form as one message; a field's error names the field by its label."""
    return [text for _field, text in _field_errors(form)]


def _field_errors(form) -> list[tuple[str, str]]:
    """Each error of an invalid form with the visible field it belongs to ("" for none) and its message."""
    shown = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else None
        label = field.label if field is not None and not field.is_hidden else None
        shown += [(name, f"{label}: {error}") if label else ("", str(error)) for error in errors]
    return shown


@dataclass
class _Attempt:
    result: Any = None
    refusal: str | None = None  # a DomainError's message: nothing was changed
    response: HttpResponseBase | None = None  # the 409 page of a Conflict
    decided: bool = True  # False: the service refused before recording any decision


def _decisions_so_far() -> int:
    info = request_context.current()
    return info.decided if info is not None else 0


def _attempt(request, change: Callable, data, *, reload: str) -> _Attempt:
    """The service runs; its refusal becomes what the user sees, here and nowhere else. A refusal
    raised before the service recorded any decision is marked, so that the caller decides the act
    first (one decision, then the message) instead of showing a stranger a message undecided."""
    before = _decisions_so_far()
    try:
        return _Attempt(result=change(data))
    except Conflict as error:
        return _Attempt(response=conflict_page(request, error, reload))
    except DomainError as error:
        return _Attempt(refusal=error.message, decided=_decisions_so_far() > before)


def _onward(destination):
    """``then`` may name a page (a URL or a URL name) or be the response itself (a page shown once)."""
    return destination if isinstance(destination, HttpResponseBase) else redirect(destination)


def _say(request, done, result, *, to=None) -> None:
    text = done(result) if callable(done) else done
    if text:
        messages.success(request, text, extra_tags=landing_tag(to))


def form_page(
    request,
    form,
    *,
    template: str,
    context: dict | Callable[[], dict] | None = None,
    show: Callable[[], Any] | None = None,
    act: tuple[str, Any] | None = None,
    change: Callable,
    done=None,
    then,
    invalid_status: int = 200,
):
    """A page with a form, GET and POST (see the module's docstring).

    ``context`` is what the page shows besides the form (a function, for a page whose reading is
    itself decided and recorded: called only when the page is shown, never before a redirect).
    ``show()`` is the page's own decision (when the view has not decided on entry, by role or
    otherwise); ``act`` is ``(action, target)`` an invalid post is decided as (without it, ``show()``
    decides an invalid post too: pages decided on entry by role need neither). ``change(data)`` runs
    the service; ``done`` (text, or a function of its result) is said on success; ``then`` (a URL, or
    a function of the result giving a URL or a response) is where a success leads. A refused post
    shows the form again with ``invalid_status``, the refusal at its top."""

    def page(status=200):
        extra = context() if callable(context) else context
        return render(request, template, {"form": form, **(extra or {})}, status=status)

    if request.method != "POST":
        if show is not None:
            show()
        return page()
    if not form.is_valid():
        if act is not None:
            decide_invalid_form(request, *act)
        elif show is not None:
            show()
        return page(invalid_status)
    attempt = _attempt(request, change, form.cleaned_data, reload=request.path)
    if attempt.response is not None:
        return attempt.response
    if attempt.refusal is not None:
        if not attempt.decided:  # refused before any decision: the act is decided before its message
            if act is not None:
                decide_invalid_form(request, *act)
            elif show is not None:
                show()
        form.add_error(None, attempt.refusal)
        return page(invalid_status)
    destination = then(attempt.result) if callable(then) else then
    _say(request, done, attempt.result, to=destination)
    return _onward(destination)


def post_form(
    request,
    form=None,
    *,
    change: Callable,
    done,
    back: str,
    decide_on: Callable,
    action: str,
    then: Callable | None = None,
):
    """A post answered with a redirect (see the module's docstring). ``form`` is None for a button
    (nothing to validate); ``change(cleaned_data)`` runs the service; ``decide_on()`` returns the
    object the post is about (or raises Http404 when its id names nothing), which an invalid post is
    decided on (with ``action``); ``done`` is the text said on success (or a function of the result
    giving it); ``then(result)``, if given, is where a success leads (a URL, or a response) instead of
    ``back``."""
    target = decide_on()  # first: an unknown id is a 404 here, never a DoesNotExist in the service
    form = form if form is not None else django_forms.Form(request.POST)
    if not form.is_valid():
        decide_invalid_form(request, action, target)
        for field, message in _field_errors(form):
            at_field = returned_tags(request.path, field) if field else ""
            messages.error(request, message, extra_tags=_tags(landing_tag(back), at_field))
        return redirect(back)
    attempt = _attempt(request, change, form.cleaned_data, reload=back)
    if attempt.response is not None:
        return attempt.response
    if attempt.refusal is not None:
        if not attempt.decided:  # refused before any decision: the act is decided before its message
            decide_invalid_form(request, action, target)
        messages.error(request, attempt.refusal, extra_tags=landing_tag(back))
        return redirect(back)
    destination = then(attempt.result) if then is not None else back
    _say(request, done, attempt.result, to=destination)
    return _onward(destination)


def confirm_page(
    request, template: str, *, show: Callable[[], Any], act: str, back: str, context: Callable | None = None
):
    """The confirmation page of an irreversible act (see the module's docstring). ``show()`` decides
    and records the page (a selector, or ``decide``: VIEW of what the act is about, naming its person)
    and returns what it read; ``context(shown)`` is what the page shows of it. ``template`` extends
    ``confirm.html`` and says what will happen; ``act`` is where the confirmation posts, ``back`` where
    cancelling goes."""
    shown = show()
    extra = context(shown) if context is not None else {}
    return render(request, template, {"act_url": act, "back_url": back, **extra})


def as_ids(data: dict, *fields: str) -> dict:
    """A form's cleaned data as a service takes it: each of ``fields`` (a chosen object) by its id,
    as ``<field>_id`` (None when an optional choice was left empty); the rest as it is."""
    return {
        f"{key}_id" if key in fields else key: (getattr(value, "pk", None) if key in fields else value)
        for key, value in data.items()
    }


def versioned(data: dict) -> dict:
    """A form's cleaned data with the version its page showed as a service takes it (optimistic
    locking: ``expected_version``)."""
    return {"expected_version" if key == "version" else key: value for key, value in data.items()}
