"""How a page posts a form to a service, once for every app: a valid form goes to its service, which
decides first (lotsa.access) and may refuse with a DomainError; an invalid form is decided here — the
act's decision recorded — before any of its messages is shown, so a stranger learns nothing from a
validation message. Back to ``back`` either way, with the outcome as a message.

The object a post is about is looked up first, valid form or not: an id in the address that names
nothing is the "not found" page (404), and never reaches a service (where it would be a 500)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from lotsa import access
from lotsa.errors import Conflict, DomainError

INVALID_FORM = "a form with errors"


def decide_invalid_form(request, action: str, obj) -> None:
    """An invalid post decided as the act it is (and the decision recorded) before any of its messages
    is shown; raises the recorded denial for someone who may not do it. For a page that shows the
    form again instead of going back."""
    with transaction.atomic():
        access.check(request.user, action, obj, purpose=INVALID_FORM)


def conflict_page(request, error: Conflict, reload: str):
    """A post made from a page that showed an older version: 409, the message, and a link to the
    page as it now is. Nothing of the object is shown (the user may no longer see it)."""
    return render(request, "409.html", {"message": error.message, "reload": reload}, status=409)


def post_form(
    request,
    form,
    *,
    change: Callable,
    done: str,
    back: str,
    decide_on: Callable,
    action: str,
    then: Callable | None = None,
):
    """``change(cleaned_data)`` runs the service; ``decide_on()`` returns the object the post is about
    (or raises Http404 when its id names nothing), which an invalid post is decided on (with
    ``action``); ``then(result)``, if given, is where a successful change leads (the page of what it
    made), instead of ``back``."""
    target = decide_on()  # first: an unknown id is a 404 here, never a DoesNotExist in the service
    if not form.is_valid():
        decide_invalid_form(request, action, target)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        result = change(form.cleaned_data)
    except Conflict as error:
        return conflict_page(request, error, back)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
        if then is not None:
            return redirect(then(result))
    return redirect(back)
