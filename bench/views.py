"""The baseline pages: the same templates, from the plaintext copy, with no access decision and no
audit event. Everything else a request goes through (session, second factor, middleware) is the same."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from bench import baselines
from bench.models import (
    PlainCase,
    PlainJournalEntry,
)
from cases import forms
from cases.filters import CaseFilter
from cases.selectors import JOURNAL_PAGE_SIZE
from cases.words import CaseStatus
from coordination import selectors as coordination_selectors
from coordination.forms import YearForm
from lotsa.listing import list_filters


def plain_my_cases(request):
    filters = list_filters(request, CaseFilter)
    size = filters.value("size") or 25
    cases = (
        PlainCase.objects.filter(responsible=request.user)
        .select_related("person", "owner_unit", "responsible")
        .order_by("-opened_at", "pk")
    )
    page = Paginator(cases, size).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/my_cases.html",
        {"page": page, "rows": list(page.object_list), "filters": filters, "query": filters.query()},
    )


def plain_case_detail(request, case_id):
    case = get_object_or_404(
        PlainCase.objects.select_related("person", "owner_unit", "responsible"), pk=case_id
    )
    # The same page of the journal as the case page shows (newest first, one page of it).
    journal = Paginator(
        PlainJournalEntry.objects.filter(case=case)
        .select_related("author", "signed_by", "corrects")
        .prefetch_related("corrections")
        .order_by("-created_at", "-pk"),
        JOURNAL_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    entries = list(journal.object_list)
    context = {
        "case": case,
        "person": case.person,
        "show_address": True,
        "history": case.status_changes.select_related("changed_by").order_by("changed_at"),
        "reassignments": [],
        "entries": entries,
        "journal": journal,
        "on_this_page": {entry.pk for entry in entries},
        "can_write": True,
        "can_reassign": False,
        "entry_form": forms.JournalEntryForm(),
        "statuses": CaseStatus,
    }
    return render(request, "cases/case_detail.html", context)


def plain_programme_page(request, case_id):
    """Row 11: the programme's page of one case from plaintext copies (bench.baselines)."""
    return render(request, "defectors/case.html", baselines.programme_page_context(case_id))


def plain_person_access(request, person_id):
    """Row 12: who accessed a person, from a plaintext log of the events naming them (bench.baselines)."""
    return render(
        request, "supervision/person_access.html", baselines.person_access_context(request, person_id)
    )


def plain_indicators(request):
    """Row 13's baseline: the central coordinator's indicators page from the same published tables,
    with no access decision and no audit event."""
    form = YearForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None
    context = coordination_selectors._indicators_page(year=year or timezone.localdate().year, names=None)
    form.initial["year"] = context["year"]
    return render(request, "coordination/indicators.html", {**context, "year_form": form})
