"""Lists that filter and sort: what every list page shares, on django-filter.

A list's filter (a ``ListFilter``) names the plain columns it may be filtered and sorted by: a status,
an activity, a unit, a purpose, a date. Never an encrypted one: a ciphertext neither compares nor
sorts, and a filter on it would have to decrypt every row the user may not even be shown. The view
reads the query string through it (``list_filters``): a value it cannot read gives a message and the
list as it opens, never a 500. The selector, the one door, applies it to what the user may see
(``ListFilter.apply``) and records the access event naming every person shown. A list that shows
every row it read may also be sorted by name: in memory, after the selector has decrypted the rows for
display (``ListFilter.sort_rows``); a paged list never offers it (the order of the other pages would
be a guess).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import F
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lotsa.forms import DateInput

SORT = "sort"

# Swedish alphabetical order (å, ä, ö after z, in that order), for the names sorted in memory.
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


def name_key(*parts: str) -> tuple[str, ...]:
    """The key that sorts names as a Swedish reader expects (case ignored; å, ä, ö after z)."""
    return tuple((part or "").casefold().translate(_SWEDISH) for part in parts)


@dataclasses.dataclass(frozen=True)
class Column:
    """A column a list may be sorted by: the field it sorts on in the database, or ``in_memory`` (a key
    of the rows already read and decrypted); ``dates`` columns say "newest first", others "A to Ö"."""

    label: str | Promise
    field: str = ""
    in_memory: Callable | None = None
    dates: bool = False

    @property
    def first(self) -> str:
        """The direction a click on the column's header sorts by first: newest dates, A before Ö."""
        return "-" if self.dates else ""


class SortFilter(django_filters.ChoiceFilter):
    """One sort: a column and a direction (``opened_at``, ``-opened_at``), among the list's columns."""

    def __init__(self, *, columns: dict[str, Column], **kwargs):
        self.columns = columns
        choices = []
        for param, column in columns.items():
            up, down = (
                (_("{column}, oldest first"), _("{column}, newest first"))
                if column.dates
                else (_("{column}, A to Ö"), _("{column}, Ö to A"))
            )
            choices.append((param, format_lazy(up, column=column.label)))
            choices.append((f"-{param}", format_lazy(down, column=column.label)))
        kwargs.setdefault("label", _("Sort by"))
        kwargs.setdefault("empty_label", None)  # or: the list's own order, when none is chosen
        super().__init__(choices=choices, **kwargs)

    def column(self, value: str) -> tuple[Column | None, bool]:
        descending = value.startswith("-")
        return self.columns.get(value.removeprefix("-")), descending

    def filter(self, qs, value):
        column, descending = self.column(value or "")
        if column is None or not column.field:
            return qs  # no sort asked, or one made in memory on the rows read (sort_rows)
        # An empty value (no meeting yet, no decision yet) sorts last either way, on every database. A
        # column that is never empty is sorted plainly, so that an index in its order serves the page
        # (PostgreSQL reads "DESC NULLS LAST" from no index made as SQLite can make one).
        last = {"nulls_last": True} if _may_be_empty(qs.model, column.field) else {}
        if descending:
            return qs.order_by(F(column.field).desc(**last), "-pk")
        return qs.order_by(F(column.field).asc(**last), "pk")


def _may_be_empty(model, path: str) -> bool:
    """Whether the list's field ``path`` (``responsible__last_name``) may be NULL in a row: a nullable
    field on the way, or one that is no field of the model (an annotation) as far as it can tell."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return True
        if getattr(field, "null", True) or not field.concrete:
            return True
        model = field.related_model if field.is_relation else model
    return False


class SelectorChoice(django_filters.ChoiceFilter):
    """A choice of the list's form that is no filter of the rows: the selector reads it itself (which
    of a page's tables to show, for instance)."""

    def filter(self, qs, value):
        return qs


class SelectorDate(django_filters.DateFilter):
    """A date of the list's form that the selector reads itself (a period with a default, say)."""

    def __init__(self, **kwargs):
        super().__init__(widget=DateInput, **kwargs)

    def filter(self, qs, value):
        return qs


class PageSizeFilter(django_filters.TypedChoiceFilter):
    """How many rows a page shows: part of the list's form, no filter of the rows."""

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Per page"),
            choices=[(25, "25"), (50, "50"), (100, "100")],
            coerce=int,
            empty_value=25,
            **kwargs,
        )

    def filter(self, qs, value):
        return qs


class DateFromFilter(django_filters.DateFilter):
    """The first day a list shows (a date or a timestamp column), with the one date input."""

    def __init__(self, field_name: str, **kwargs):
        super().__init__(field_name=field_name, lookup_expr="gte", widget=DateInput, **kwargs)


class DateToFilter(django_filters.DateFilter):
    """The last day a list shows, that day included."""

    def __init__(self, field_name: str, **kwargs):
        super().__init__(field_name=field_name, lookup_expr="lte", widget=DateInput, **kwargs)


class ListForm(forms.Form):
    """The form of every list's filters: a period (``start``/``end``, ``<x>_from``/``<x>_to``) must end
    on or after its first day."""

    def clean(self):
        data = super().clean()
        periods = [("start", "end")] + [
            (n, f"{n.removesuffix('_from')}_to") for n in data if n.endswith("_from")
        ]
        for first, last in periods:
            if data.get(first) and data.get(last) and data[first] > data[last]:
                raise forms.ValidationError(_("The period must end on or after its first day."))
        return data


class ListFilter(django_filters.FilterSet):
    """A list's filters and sort. ``defaults`` are the values the list opens with; a key present in
    the query string, even empty, is the user's own choice (``?status=`` shows every status)."""

    defaults: dict[str, str] = {}

    def __init__(self, data: QueryDict | None = None):
        query = data.copy() if data is not None else QueryDict(mutable=True)
        query.pop("page", None)
        for key, value in self.defaults.items():
            query.setdefault(key, value)
        # No queryset of its own: the rows are those its selector finds the user may see (apply).
        super().__init__(query, queryset=self._meta.model.objects.none())

    def get_form_class(self):
        fields = {name: flt.field for name, flt in self.filters.items()}
        return type(f"{type(self).__name__}Form", (ListForm,), fields)

    @classmethod
    def opening(cls) -> ListFilter:
        """The list as it opens, without a choice of the user's."""
        filters = cls(None)
        if not filters.is_valid():
            raise ImproperlyConfigured(f"{cls.__name__}.defaults are not valid: {filters.form.errors}")
        return filters

    @property
    def qs(self):
        raise ImproperlyConfigured("A list is read through its selector, which records who was shown.")

    def apply(self, queryset):
        """The visible rows, filtered and sorted in the database (the selector's part)."""
        if not self.is_valid():
            raise ImproperlyConfigured("Apply only a filter that was read (list_filters).")
        return self.filter_queryset(queryset)

    def value(self, name: str):
        return self.form.cleaned_data.get(name)

    # The sort -------------------------------------------------------------------------------------

    @property
    def sort_filter(self) -> SortFilter:
        return self.filters[SORT]

    @property
    def sort(self) -> tuple[str, bool]:
        """The column sorted by, and whether descending."""
        value = self.value(SORT) or ""
        return value.removeprefix("-"), value.startswith("-")

    def sort_rows(self, rows: Iterable) -> list:
        """The rows read and decrypted, sorted in memory when the sort asks it (by name)."""
        rows = list(rows)
        name, descending = self.sort
        column = self.sort_filter.columns.get(name)
        if column is not None and column.in_memory is not None:
            rows.sort(key=column.in_memory, reverse=descending)
        return rows

    def query(self, **changes) -> str:
        """The query string of this list with ``changes`` (a sort link keeps the filters; no page)."""
        query = self.data.copy()
        for key, value in changes.items():
            query[key] = value
        return query.urlencode()


def list_filters(request, filter_class: type[ListFilter]) -> ListFilter:
    """The list's filter read from the query string; a value it cannot read is named in a message,
    and the list opens as it does without a choice."""
    filters = filter_class(request.GET)
    if filters.is_valid():
        return filters
    fields = filters.form.fields
    labels = ", ".join(str(fields[name].label) for name in filters.form.errors if name in fields)
    if labels:
        text = _("A filter could not be read (%(fields)s). The list is shown without your filters.")
        messages.error(request, text % {"fields": labels})
    for error in filters.form.non_field_errors():
        messages.error(request, _("%(error)s The list is shown without your filters.") % {"error": error})
    return filter_class.opening()
