"""What is new to a user since their last visit of a page ("nytt sedan ditt senaste besök").

Decided from plain columns only: when something happened and who did it, never from a decrypted
value. A model a page marks declares what happens to its rows as ``NEWS_EVENTS``, pairs of (time
field, field naming who did it): a journal entry is written (``created_at``, ``author``) and later
signed (``signed_at``, ``signed_by``). A row is new to a user when one of its events happened after
their last visit and was done by someone else; with no last visit nothing is new (a first visit has
nothing to compare with).

The same declaration answers both questions: :func:`is_new` for the rows a page has already loaded
(no query), and :func:`count_new` as a subquery that counts, for every row of a list in the list's
own query, what is new behind it (no query per row).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery


def is_new(obj, *, user, since: dt.datetime | None) -> bool:
    """Whether one of the row's events happened after ``since`` and was not the user's own."""
    if since is None:
        return False
    for time_field, by_field in obj.NEWS_EVENTS:
        at = getattr(obj, time_field)
        if at is not None and at > since and getattr(obj, f"{by_field}_id") != user.pk:
            return True
    return False


def new_since(model, *, user, since) -> Q:
    """The SQL condition of :func:`is_new`; ``since`` is a moment or an expression (an outer row's
    last visit)."""
    events = (
        Q(**{f"{time_field}__gt": since}) & ~Q(**{by_field: user})
        for time_field, by_field in model.NEWS_EVENTS
    )
    return functools.reduce(operator.or_, events)


def count_new(rows: models.QuerySet, *, link: str, user, since, outer: str = "pk"):
    """A subquery counting the rows of ``rows`` that belong to the outer row (``link`` on them equals
    ``outer`` on it) and are new to ``user`` since ``since`` (an expression over the outer row: when
    ``since`` is NULL, nothing is new). ``rows`` is already narrowed to what the page shows.

    The count is SQL's ``COUNT`` over the subquery's rows with no ``GROUP BY`` (a plain function to
    Django, which therefore groups nothing): one row, 0 when none is new. A list asks it for each of its
    cases from several models, so it is built with as few steps as it takes (one filter, no grouping,
    no ``COALESCE``): building these subqueries was most of what the list's news cost."""
    counted = (
        rows.filter(Q(**{link: OuterRef(outer)}) & new_since(rows.model, user=user, since=since))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Subquery(counted, output_field=models.IntegerField())
