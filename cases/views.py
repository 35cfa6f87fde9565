"""The social worker's pages of the case core: my cases, search, opening a case, requests to be
assigned, the case page, the journal, closing and reassigning. The hand-overs' and the first
contacts' pages are in their packages; what the pages share is in cases/pages.py. Views parse input,
call one service or selector, and render.

Every page that shows personal data asks lotsa.access first (directly or through a service), and
the decision is in the access log before anything is decrypted.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES
from audit.models import Action
from cases import duplicates, forms, pages, selectors, services
from cases.access import HELD_BY_UNIT
from cases.filters import CaseFilter
from cases.models import (
    AssignmentRequest,
    Case,
    JournalEntry,
    PersonDistinction,
    PersonMerge,
    ProtectionLowering,
)
from cases.words import CaseStatus, CloseReason
from lotsa import access, crypto, pdf
from lotsa.listing import list_filters
from lotsa.posting import confirm_page, decide, form_page, post_form, versioned
from lotsa.vocabulary import InformationCategory


def my_cases(request):
    """The user's cases (a supervisor: the unit's), filtered, sorted and paginated."""
    # The page's decision and the list's event commit together, before the page is rendered.
    with access.page_commit(actor=request.user):
        access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.case")
        filters = list_filters(request, CaseFilter)
        page, rows = selectors.my_cases_for(user=request.user, filters=filters, page=request.GET.get("page"))
    return render(
        request,
        "cases/my_cases.html",
        {"page": page, "rows": rows, "filters": filters, "query": filters.query()},
    )


def search(request):
    """Exact match on the personal identity number, through its blind index, or a search by name
    through the name index (cases/names.py). POST only, so what was typed never appears in a URL or a
    server log."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.person")
    form = forms.SearchForm(request.POST or None)
    results, by_name, by_number = None, None, None
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("query"):
        by_name = selectors.cases_found_by_name(user=request.user, query=form.cleaned_data["query"])
        results = by_name.cases
    elif request.method == "POST" and form.is_valid():
        by_number = selectors.number_search_for(
            user=request.user, number=form.cleaned_data["personal_number"]
        )
        results = by_number.cases
    can_open = request.user.has_role(*CASEWORK_ROLES)
    return render(
        request,
        "cases/search.html",
        {
            "form": form,
            "results": results,
            "can_open": can_open,
            "elsewhere": by_number.elsewhere if by_number else [],
            "units_to_ask": by_number.units_to_ask if by_number else [],
            "number": form.cleaned_data.get("personal_number") if by_number else "",
            "by_name": by_name,
        },
    )


def _open_or_held(request, form):
    """The case opened, or (the unit keeps a record of this person in cases the user does not handle)
    the page that sends the user to those who can assign them: nothing of those cases is shown."""
    data = form.cleaned_data
    try:
        return services.case_open(
            by=request.user,
            number=data["personal_number"],
            reserve_identity=data["reserve_identity"],
            details=pages.person_details(form),
            **{key: data[key] for key in ("activity", "milieu", "target_group")},
        )
    except access.AccessDenied as denial:
        if denial.decision.reason != HELD_BY_UNIT:
            raise
        access.ensure_recorded(denial, actor=request.user)
    typed = data["personal_number"] or data["reserve_identity"]  # both canonical (the form's fields)
    held = selectors.unit_cases_not_handled_by(user=request.user, canonical_number=typed)
    context = {"cases": held, "reason_form": forms.AssignmentRequestForm()}
    return render(request, "cases/held_by_unit.html", context, status=403)


def open_case(request):
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="cases.case")
    if request.POST.get("prefill"):  # from the search: the number typed there, nothing checked yet
        form = forms.OpenCaseForm(initial={"personal_number": request.POST.get("personal_number", "")})
    else:
        form = forms.OpenCaseForm(request.POST or None)
    opened = lambda result: isinstance(result, Case)  # noqa: E731
    return form_page(
        request,
        form,
        template="cases/open.html",
        change=lambda data: _open_or_held(request, form),
        done=lambda result: _("The case was opened.") if opened(result) else None,
        then=lambda result: _opened(request, result) if opened(result) else result,
    )


def _opened(request, case):
    """Where opening a case leads: the case page; or first, when the cross-unit pointer (the same
    selector as the search's) names other units that hold the person under a consent that lets the
    unit be told, a page saying so, with the button to ask them for a hand-over. Without such a
    consent the case page, exactly as for a number held nowhere."""
    number = case.person.personal_number or ""
    units = selectors.units_to_ask_for_hand_over(user=request.user, canonical_number=number) if number else []
    if not units:
        return pages.detail(case)
    context = {"case": case, "units_to_ask": units, "number": number}
    return render(request, "cases/opened_held_elsewhere.html", context)


def request_assignment(request, case_id):
    """Ask to be assigned to a case of the unit. The form shows nothing of the case or the person."""
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="cases.assignmentrequest")
    case = get_object_or_404(Case.objects.only("pk", "owner_unit_id", "person_id"), pk=case_id)
    asking = AssignmentRequest(case=case, person_id=case.person_id, requested_by=request.user)
    return form_page(
        request,
        forms.AssignmentRequestForm(request.POST or None),
        template="cases/request_assignment.html",
        context={"case_id": case.pk},
        act=(Action.CREATE, asking),
        change=lambda data: services.assignment_request_create(
            by=request.user, case_id=case.pk, reason=data["reason"]
        ),
        done=_(
            "Your request was sent to the supervisor and the responsible social worker. "
            "You will see the case in My cases once it is granted."
        ),
        then="cases:assignment_requests",
    )


def assignment_requests(request):
    """Requests to be assigned: those waiting for the user's decision, and the user's own."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.assignmentrequest")
    waiting = selectors.assignment_requests_waiting_for(user=request.user)
    crypto.prefetch_data_keys(row.person_id for row in waiting)
    own = selectors.assignment_requests_of(user=request.user)
    return render(request, "cases/assignment_requests.html", {"waiting": waiting, "own": own})


@require_POST
def assignment_decide(request, request_id):
    return post_form(
        request,
        forms.AssignmentDecisionForm(request.POST),
        change=lambda data: services.assignment_request_decide(
            by=request.user, request_id=request_id, grant=data["decision"] == "grant"
        ),
        done=lambda decided: (
            _("The request was granted.") if decided.status == "granted" else _("The request was refused.")
        ),
        back=reverse("cases:assignment_requests"),
        decide_on=lambda: get_object_or_404(AssignmentRequest, pk=request_id),
        action=Action.UPDATE,
    )


def case_detail(request, case_id):
    """The case page: the access decision is recorded before anything is decrypted or rendered. The
    journal is shown a page at a time, newest first (``?page=``; ``?entry=`` opens the page holding
    that entry)."""
    context = selectors.case_page_for(
        user=request.user,
        case_id=case_id,
        journal_page_number=request.GET.get("page"),
        journal_entry_id=request.GET.get("entry") or None,
    )
    context.update(categories=InformationCategory.choices, statuses=CaseStatus, **_case_page_forms())
    return render(request, "cases/case_detail.html", context)


def _case_page_forms() -> dict:
    """The forms the case page posts from (each shown with its last post's errors: returned_form)."""
    return {
        "entry_form": forms.JournalEntryForm(),
        "close_decision_form": forms.CloseDecisionForm(),
        "protection_decision_form": forms.ProtectionDecisionForm(),
    }


@require_POST
def journal_add(request, case_id):
    return post_form(
        request,
        forms.JournalEntryForm(request.POST),
        change=lambda data: services.journal_add(by=request.user, case_id=case_id, **data),
        done=_("The entry was saved as a draft. Sign it when it is final."),
        back=pages.detail(case_id) + "#journal",
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.UPDATE,
    )


@require_POST
def journal_sign(request, case_id, entry_id):
    """Signing the draft as the confirmation page showed it (its version)."""
    return post_form(
        request,
        forms.VersionForm(request.POST),
        change=lambda data: services.journal_sign(by=request.user, entry_id=entry_id, **versioned(data)),
        done=_("The entry was signed. It can no longer be changed, only corrected."),
        back=pages.detail(case_id) + "#journal",
        decide_on=lambda: get_object_or_404(
            JournalEntry.objects.select_related("case"), pk=entry_id, case_id=case_id
        ),
        action=Action.UPDATE,
    )


@require_safe
def journal_sign_confirm(request, case_id, entry_id):
    """Before signing: a signed entry is never changed again (lotsa.posting.confirm_page)."""
    entry = get_object_or_404(
        JournalEntry.objects.select_related("case__person"), pk=entry_id, case_id=case_id
    )
    return confirm_page(
        request,
        "cases/journal_sign_confirm.html",
        show=lambda: decide(
            request, Action.VIEW, entry.case, purpose="the confirmation to sign a journal entry"
        ),
        act=reverse("cases:journal_sign", kwargs={"case_id": case_id, "entry_id": entry_id}),
        back=pages.detail(case_id) + "#journal",
        context=lambda _shown: {"case": entry.case, "entry": entry, "form": _version_form(entry)},
    )


def _version_form(record) -> forms.VersionForm:
    """The version a confirmation page showed, posted with the act (optimistic locking)."""
    return forms.VersionForm(initial={"version": record.version})


def journal_correct(request, case_id, entry_id):
    entry = get_object_or_404(
        JournalEntry.objects.select_related("case", "author"), pk=entry_id, case_id=case_id
    )
    case = entry.case
    return form_page(
        request,
        forms.JournalEntryForm(request.POST or None, initial={"category": entry.category}),
        template="cases/journal_correct.html",
        context={"case": case, "entry": entry},
        show=lambda: decide(request, Action.VIEW, case, purpose="the form to correct a journal entry"),
        act=(Action.UPDATE, case),
        change=lambda data: services.journal_add(
            by=request.user, case_id=case.pk, corrects_id=entry.pk, **data
        ),
        done=_("The correction was saved as a draft. Sign it when it is final."),
        then=pages.detail(case) + "#journal",
    )


def _posted(request):
    """The posted data, even when empty (an empty post is an incomplete form, shown with its error)."""
    return request.POST if request.method == "POST" else None


def _draft(case_id, entry_id) -> JournalEntry:
    return get_object_or_404(
        JournalEntry.objects.select_related("case", "case__person", "author"), pk=entry_id, case_id=case_id
    )


def journal_edit(request, case_id, entry_id):
    """The author's draft in a form, before it is signed. The page asks VIEW of the case (readers of
    the case may see the draft on the case page too); the change is decided by its service."""
    entry = _draft(case_id, entry_id)
    case = entry.case
    form = forms.JournalDraftForm(
        _posted(request),
        # The text as a callable: read (decrypted) only when the form is shown, after show() decided.
        initial={"category": entry.category, "text": lambda: entry.text, "version": entry.version},
    )
    return form_page(
        request,
        form,
        template="cases/journal_edit.html",
        context={"case": case, "entry": entry},
        show=lambda: decide(request, Action.VIEW, case, purpose="the form to edit a journal draft"),
        act=(Action.UPDATE, entry),
        change=lambda data: services.journal_entry_edit(
            by=request.user, case_id=case.pk, entry_id=entry.pk, **versioned(data)
        ),
        done=_("The draft was saved. Sign it when it is final."),
        then=f"{pages.detail(case)}?entry={entry.pk}#entry-{entry.pk}",
    )


def journal_delete(request, case_id, entry_id):
    """Deleting a draft asks first: the page shows the draft and what deleting it means; the post
    (with the version the page showed) deletes it. The page asks VIEW of the case; the deletion is
    decided by its service."""
    entry = _draft(case_id, entry_id)
    case = entry.case
    return form_page(
        request,
        forms.VersionForm(_posted(request), initial={"version": entry.version}),
        template="cases/journal_delete.html",
        context={"case": case, "entry": entry},
        show=lambda: decide(request, Action.VIEW, case, purpose="confirm deleting a journal draft"),
        act=(Action.DELETE, entry),
        change=lambda data: services.journal_entry_delete(
            by=request.user, case_id=case.pk, entry_id=entry.pk, **versioned(data)
        ),
        done=_("The draft was deleted."),
        then=pages.detail(case) + "#journal",
    )


@require_POST
def case_activate(request, case_id):
    return post_form(
        request,
        forms.VersionForm(request.POST),
        change=lambda data: services.case_activate(
            by=request.user, case_id=case_id, expected_version=data["version"]
        ),
        done=_("The case is now active."),
        back=pages.detail(case_id),
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.UPDATE,
    )


def _case_change_page(request, case, form, *, action, purpose, change, done: str, template: str):
    """A page whose form changes the case under optimistic locking: the form is shown to those who
    may read the case (VIEW, decided here); a valid post goes to the service, which decides the act
    and compares versions (a stale version is the 409 page); an invalid one is decided as the act."""
    return form_page(
        request,
        form,
        template=template,
        context={"case": case},
        show=lambda: decide(request, Action.VIEW, case, purpose=purpose),
        act=(action, case),
        change=change,
        done=done,
        then=pages.detail(case),
    )


def case_close(request, case_id):
    """The proposal to close; ``?reason=`` preselects a reason (an accepted hand-over asks for one
    with "handed over")."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    reason = request.GET.get("reason", "")
    initial = {"version": case.version, **({"reason": reason} if reason in CloseReason.values else {})}
    return _case_change_page(
        request,
        case,
        forms.CloseCaseForm(request.POST or None, initial=initial),
        action=Action.UPDATE,
        purpose="close the case",
        change=lambda data: services.case_close(by=request.user, case_id=case.pk, **versioned(data)),
        done=_("Closing the case was proposed. It closes when the unit's supervisor approves."),
        template="cases/close.html",
    )


@require_POST
def case_close_decide(request, case_id):
    """The supervisor's decision on a proposal to close the case (four eyes)."""
    return post_form(
        request,
        forms.CloseDecisionForm(request.POST),
        change=lambda data: services.case_close_decide(
            by=request.user, case_id=case_id, approve=data.pop("decision") == "approve", **versioned(data)
        ),
        done=_("The decision on closing the case was recorded."),
        back=pages.detail(case_id) + "#closing",
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.DECIDE,
    )


def case_reassign(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person", "responsible"), pk=case_id)
    return _case_change_page(
        request,
        case,
        forms.ReassignForm(request.POST or None, case=case, initial={"version": case.version}),
        action=Action.ASSIGN,
        purpose="reassign the case",
        change=lambda data: services.case_reassign(by=request.user, case_id=case.pk, **versioned(data)),
        done=_("The case has a new responsible social worker."),
        template="cases/reassign.html",
    )


def case_activity(request, case_id):
    """Change the activity of a case a hand-over opened (its handler; decided when posted)."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    change = services.case_activity_change
    return _case_change_page(
        request,
        case,
        forms.ActivityForm(request.POST or None, case=case, initial={"version": case.version}),
        action=Action.UPDATE,
        purpose="change the activity",
        change=lambda data: change(by=request.user, case_id=case.pk, **versioned(data)),
        done=_("The case's activity is changed."),
        template="cases/activity.html",
    )


def protection_lower(request, case_id):
    """Ask to lower the person's protected-identity level (the unit that raised it only; its
    supervisor approves). The form is shown to those who may read the case; the request itself is
    decided when it is posted, and a unit that did not raise the level is refused there, in the log."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    asking = ProtectionLowering(case=case, person=case.person, requested_by=request.user)
    return form_page(
        request,
        forms.ProtectionLoweringForm(request.POST or None, present=case.person.protected_identity),
        template="cases/protection_lower.html",
        context={"case": case},
        show=lambda: decide(request, Action.VIEW, case, purpose="lower the protected-identity level"),
        act=(Action.CREATE, asking),
        change=lambda data: services.protection_lowering_request(by=request.user, case_id=case.pk, **data),
        done=_(
            "Lowering the protection was asked for. Nothing changes until the unit's supervisor approves."
        ),
        then=pages.detail(case) + "#protection",
    )


@require_POST
def protection_lower_decide(request, case_id, lowering_id):
    """The supervisor's decision on a request to lower the protection (four eyes)."""
    return post_form(
        request,
        forms.ProtectionDecisionForm(request.POST),
        change=lambda data: services.protection_lowering_decide(
            by=request.user, lowering_id=lowering_id, approve=data["decision"] == "approve", note=data["note"]
        ),
        done=lambda lowering: (
            _("The protection was lowered.") if lowering.status == "approved" else _("Lowering was refused.")
        ),
        back=pages.detail(case_id) + "#protection",
        decide_on=lambda: get_object_or_404(
            ProtectionLowering.objects.select_related("case", "person"), pk=lowering_id, case_id=case_id
        ),
        action=Action.DECIDE,
    )


def person_merge(request, case_id):
    """Ask to give a person recorded without a number their real number (a merge with the unit's record
    of that number, if it has one). The unit's supervisor approves; nothing changes before."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    asking = PersonMerge(case=case, person=case.person, requested_by=request.user)
    return form_page(
        request,
        forms.PersonMergeForm(request.POST or None),
        template="cases/merge.html",
        context={"case": case},
        show=lambda: decide(request, Action.VIEW, case, purpose="merge a record with the person's number"),
        act=(Action.CREATE, asking),
        change=lambda data: services.person_merge_request(by=request.user, case_id=case.pk, **data),
        done=_("The merge was asked for. Nothing changes until the unit's supervisor approves."),
        then=pages.detail(case) + "#identity",
    )


def person_merge_decide(request, case_id, merge_id):
    """The supervisor approves or refuses a request to merge (four eyes), told first what it will do."""
    merge, shown = _merge_asked(case_id, merge_id), {"case_id": case_id}  # shown: filled on GET only
    return form_page(
        request,
        forms.PersonMergeDecisionForm(request.POST or None),
        template="cases/merge_decide.html",
        context=shown,
        show=lambda: shown.update(
            selectors.person_merge_for(user=request.user, case_id=case_id, merge_id=merge_id)
        ),
        act=(Action.DECIDE, merge),
        change=_merge_decision(request, merge),
        done=_merge_decided,
        then=lambda merge: pages.detail(merge.case_id) + "#identity",
    )


def _case_and_other(case_id, other_id):
    """The case and the other record of its unit an act on two records names (404 for anything else)."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    other = duplicates.other_record_of_unit(case, other_id)
    if other is None:
        raise Http404
    return case, other


def duplicate_merge(request, case_id, other_id):
    """Ask to merge two records of the unit that are the same person (the supervisor decides)."""
    case, other = _case_and_other(case_id, other_id)
    asking = PersonMerge(case=case, person=case.person, other=other, requested_by=request.user)
    return form_page(
        request,
        forms.DuplicateMergeForm(request.POST or None),
        template="cases/duplicate_merge.html",
        context={"case": case, "other": other},
        show=lambda: selectors.duplicate_merge_form_for(user=request.user, asking=asking),
        act=(Action.CREATE, asking),
        change=_asked_to_merge(request, asking),
        done=_("The merge was asked for. Nothing changes until the unit's supervisor approves."),
        then=pages.detail(case) + "#duplicates",
    )


def _asked_to_merge(request, asking: PersonMerge):
    """The service, for the two records the view looked up (an id naming nothing was a 404 before)."""
    return lambda data: services.person_merge_request(
        by=request.user, case_id=asking.case_id, other_id=asking.other_id, **data
    )


@require_POST
def not_same_person(request, case_id, other_id):
    """Mark a flagged pair "not the same person", so that it is not flagged again."""
    case, other = _case_and_other(case_id, other_id)
    mark = PersonDistinction(case=case, person=case.person, other=other, marked_by=request.user)
    return post_form(
        request,
        change=lambda data: services.person_not_same_mark(
            by=request.user, case_id=case.pk, other_id=other.pk
        ),
        done=_("Marked as not the same person. The two records are not flagged again."),
        back=pages.detail(case) + "#duplicates",
        decide_on=lambda: mark,
        action=Action.CREATE,
    )


def _merge_asked(case_id, merge_id) -> PersonMerge:
    merges = PersonMerge.objects.select_related("case", "person")
    return get_object_or_404(merges, pk=merge_id, case_id=case_id)


def _merge_decision(request, merge: PersonMerge):
    """The service, for the request the view looked up (an id naming nothing was a 404 before)."""
    return lambda data: services.person_merge_decide(
        by=request.user, merge_id=merge.pk, approve=data["decision"] == "approve", note=data["note"]
    )


def _merge_decided(merge) -> str:
    return _("The records were merged.") if merge.status == "approved" else _("Merging was refused.")


def case_summary(request, case_id):
    """The printable case summary: the selector decides and records the export; this sends the bytes,
    named by the case's reference only."""
    case, summary = selectors.case_summary_for(user=request.user, case_id=case_id)
    return pdf.response(summary, f"arendesammanfattning-{case.pk}.pdf")
