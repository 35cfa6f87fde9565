"""The social worker's pages. Views parse input, call one service or selector, and render.

Every page that shows personal data asks lotsa.access first (directly or through a service), and
the decision is in the access log before anything is decrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES, Role
from audit.models import Action
from cases import forms, selectors, services
from cases import personal_number as pnr
from cases.access import HELD_BY_UNIT
from cases.models import AssignmentRequest, Case, ConcernReport, Handover, JournalEntry
from cases.words import CaseStatus
from lotsa import access, crypto
from lotsa.posting import as_ids, decide, form_page, post_form, versioned
from lotsa.vocabulary import InformationCategory


def _detail(case_or_id) -> str:
    case_id = getattr(case_or_id, "pk", case_or_id)
    return reverse("cases:detail", kwargs={"case_id": case_id})


def my_cases(request):
    """The user's cases (a supervisor: the unit's), filtered and paginated."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.case")
    filters = forms.CaseFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    page, rows = selectors.my_cases_for(
        user=request.user,
        status=data.get("status", ""),
        activity=data.get("activity", ""),
        page=request.GET.get("page"),
        size=data.get("size") or 25,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/my_cases.html",
        {"page": page, "rows": rows, "filters": filters, "query": query.urlencode()},
    )


def search(request):
    """Exact match on the personal identity number, through the blind index. POST only, so the
    number never appears in a URL or a server log."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.person")
    form = forms.SearchForm(request.POST or None)
    results, elsewhere = None, []
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["personal_number"]
        results = selectors.cases_found_by_number(user=request.user, number=number)
        if not results and request.user.has_role(*CASEWORK_ROLES):
            elsewhere = selectors.unit_cases_not_handled_by(
                user=request.user, canonical_number=pnr.normalise(number)
            )
    can_open = request.user.has_role(*CASEWORK_ROLES)
    return render(
        request,
        "cases/search.html",
        {"form": form, "results": results, "can_open": can_open, "elsewhere": elsewhere},
    )


def _person_details(form) -> services.PersonDetails:
    data = form.cleaned_data
    return services.PersonDetails(
        given_names=data["given_names"],
        surname=data["surname"],
        contact=form.contact(),
        address=form.address(),
        protected_identity=data["protected_identity"],
    )


def _open_or_held(request, form):
    """The case opened, or (the unit keeps a record of this person in cases the user does not handle)
    the page that sends the user to those who can assign them: nothing of those cases is shown."""
    data = form.cleaned_data
    try:
        return services.case_open(
            by=request.user,
            number=data["personal_number"],
            details=_person_details(form),
            **{key: data[key] for key in ("activity", "milieu", "target_group")},
        )
    except access.AccessDenied as denial:
        if denial.decision.reason != HELD_BY_UNIT:
            raise
        access.ensure_recorded(denial, actor=request.user)
    held = selectors.unit_cases_not_handled_by(
        user=request.user, canonical_number=pnr.normalise(data["personal_number"])
    )
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
        then=lambda result: _detail(result) if opened(result) else result,
    )


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
    """The case page: the access decision is recorded before anything is decrypted or rendered."""
    context = selectors.case_page_for(user=request.user, case_id=case_id)
    context.update(
        categories=InformationCategory.choices, entry_form=forms.JournalEntryForm(), statuses=CaseStatus
    )
    return render(request, "cases/case_detail.html", context)


@require_POST
def journal_add(request, case_id):
    return post_form(
        request,
        forms.JournalEntryForm(request.POST),
        change=lambda data: services.journal_add(by=request.user, case_id=case_id, **data),
        done=_("The entry was saved as a draft. Sign it when it is final."),
        back=_detail(case_id) + "#journal",
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.UPDATE,
    )


@require_POST
def journal_sign(request, case_id, entry_id):
    return post_form(
        request,
        change=lambda data: services.journal_sign(by=request.user, entry_id=entry_id),
        done=_("The entry was signed. It can no longer be changed, only corrected."),
        back=_detail(case_id) + "#journal",
        decide_on=lambda: get_object_or_404(JournalEntry, pk=entry_id, case_id=case_id).case,
        action=Action.UPDATE,
    )


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
        then=_detail(case) + "#journal",
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
        back=_detail(case_id),
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
        then=_detail(case),
    )


def case_close(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    return _case_change_page(
        request,
        case,
        forms.CloseCaseForm(request.POST or None, initial={"version": case.version}),
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
        back=_detail(case_id),
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


# --- Hand-overs between units ------------------------------------------------------------------------

HANDOVER_PAGE_ROLES = (*CASE_PAGE_ROLES, Role.EXTERNAL_MEMBER)


def _handover_page(handover_or_id) -> str:
    handover_id = getattr(handover_or_id, "pk", handover_or_id)
    return reverse("cases:handover", kwargs={"handover_id": handover_id})


def handovers(request):
    """What waits for the unit (oldest first, overdue flagged), what it decided, and what its side
    sent, with the receiver's decision and reason."""
    access.require_role(request.user, *HANDOVER_PAGE_ROLES, action=Action.VIEW, target="cases.handover")
    context = selectors.handovers_for(user=request.user)
    context["overdue_days"] = settings.LOTSA_HANDOVER_OVERDUE_DAYS
    return render(request, "cases/handovers.html", context)


def handover_detail(request, handover_id):
    user = request.user
    handover = selectors.handover_get_for(user=user, handover_id=handover_id)
    return render(
        request,
        "cases/handover_detail.html",
        {
            "handover": handover,
            # What the page offers (unrecorded: the act is decided when it is posted).
            "can_decide": handover.is_open and access.decide(user, Action.DECIDE, handover).allowed,
            "can_withdraw": handover.is_open and access.decide(user, Action.WITHDRAW, handover).allowed,
            "decline_form": forms.HandoverDeclineForm(),
            "overdue_days": settings.LOTSA_HANDOVER_OVERDUE_DAYS,
        },
    )


def handover_send(request, case_id):
    """The form to hand the person over to another unit (VIEW of the case to show it; the service
    decides the sending)."""
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    return form_page(
        request,
        forms.HandoverForm(request.POST or None, own_unit_id=case.owner_unit_id),
        template="cases/handover_send.html",
        context={"case": case},
        show=lambda: decide(request, Action.VIEW, case, purpose="the form to send a hand-over"),
        act=(Action.UPDATE, case),
        change=lambda data: services.handover_send(
            by=request.user, case_id=case.pk, **as_ids(data, "to_unit")
        ),
        done=_("The hand-over was sent. You see its decision under Hand-overs."),
        then=_detail(case),
    )


def _handover_change(request, handover_id, change, done: str, *, action, form=None):
    """An act on a hand-over from its page; accepting leads to the case it opened (if the user may
    read it), anything else back to the hand-over."""

    def onward(result):
        if not isinstance(result, Case):
            return _handover_page(handover_id)
        may_read = access.decide(request.user, Action.VIEW, result).allowed
        return _detail(result) if may_read else "cases:handovers"

    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_handover_page(handover_id),
        decide_on=lambda: get_object_or_404(Handover, pk=handover_id),
        action=action,
        then=onward,
    )


@require_POST
def handover_accept(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_accept(by=request.user, handover_id=handover_id),
        _("The hand-over was accepted and the unit's own case opened."),
        action=Action.DECIDE,
    )


@require_POST
def handover_decline(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_decline(by=request.user, handover_id=handover_id, **data),
        _("The hand-over was declined. The sender sees your reason."),
        action=Action.DECIDE,
        form=forms.HandoverDeclineForm(request.POST),
    )


@require_POST
def handover_withdraw(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda data: services.handover_withdraw(by=request.user, handover_id=handover_id),
        _("The hand-over was withdrawn."),
        action=Action.WITHDRAW,
    )


# --- VBE-team first contacts and reports of concern --------------------------------------------------


def _first_contact_page(case_id, anchor="") -> str:
    return reverse("cases:first_contact", kwargs={"case_id": case_id}) + anchor


def first_contact_open(request):
    """The VBE team opens a first contact: the person, who flagged them and when, minor children."""
    access.require_role(request.user, Role.VBE_TEAM, action=Action.VIEW, target="cases.firstcontact")
    form = forms.FirstContactForm(request.POST or None)
    return form_page(
        request,
        form,
        template="cases/first_contact_open.html",
        change=lambda data: services.first_contact_open(
            by=request.user,
            number=data["personal_number"],
            details=_person_details(form),
            milieu=data["milieu"],
            request=services.FirstContactRequest(**{key: data[key] for key in FIRST_CONTACT_REQUEST}),
        ),
        done=_("The first contact was opened. Record the meeting with the police."),
        then=lambda case: _first_contact_page(case.pk),
    )


FIRST_CONTACT_REQUEST = ("referrer", "referrer_detail", "flagged_on", "has_minor_children", "children_reason")


def first_contact(request, case_id):
    context = selectors.first_contact_page_for(user=request.user, case_id=case_id)
    context.update(
        meeting_form=forms.FirstContactMeetingForm(initial={"held_on": timezone.localdate()}),
        concern_form=forms.ConcernReportForm(),
    )
    return render(request, "cases/first_contact.html", context)


def _case_post(request, case_id, form, change, done: str, anchor: str):
    """To the service, or decided on the case with its messages (lotsa.posting)."""
    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_first_contact_page(case_id, anchor),
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.UPDATE,
    )


@require_POST
def first_contact_meeting(request, case_id):
    return _case_post(
        request,
        case_id,
        forms.FirstContactMeetingForm(request.POST),
        lambda data: services.first_contact_meeting_record(by=request.user, case_id=case_id, **data),
        _("The meeting was recorded."),
        "#meetings",
    )


def _child(data: dict) -> dict:
    """The report's form as its service takes it: the child's details as one."""
    child = services.ChildDetails(
        number=data.pop("child_number"),
        given_names=data.pop("child_given_names"),
        surname=data.pop("child_surname"),
    )
    return {**as_ids(data, "to_unit"), "child": child}


@require_POST
def concern_report_create(request, case_id):
    return _case_post(
        request,
        case_id,
        forms.ConcernReportForm(request.POST),
        lambda data: services.concern_report_record(by=request.user, case_id=case_id, **_child(data)),
        _("The report of concern was sent to the district under the duty to report; it will be reviewed."),
        "#concern",
    )


def concern_reports(request):
    """Reports of concern for children: those the district has to assess, and those its side sent."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.concernreport")
    return render(request, "cases/concern_reports.html", selectors.concern_reports_for(user=request.user))


def concern_report(request, report_id):
    report = selectors.concern_report_get_for(user=request.user, report_id=report_id)
    return render(
        request,
        "cases/concern_report.html",
        {
            "report": report,
            "can_assess": report.status == "received"
            and access.decide(request.user, Action.DECIDE, report).allowed,
            "form": forms.ConcernAssessForm(),
        },
    )


def _assessed(request, assessed) -> str:
    """The child's own case, if the assessment opened it for this user; else back to the report."""
    if assessed.child_case_id and assessed.child_case.responsible_id == request.user.pk:
        messages.success(request, _("The child's own case was opened."))
        return _detail(assessed.child_case_id)
    messages.success(request, _("The assessment was recorded."))
    return reverse("cases:concern_report", kwargs={"report_id": assessed.pk})


@require_POST
def concern_report_assess(request, report_id):
    return post_form(
        request,
        forms.ConcernAssessForm(request.POST),
        change=lambda data: services.concern_report_assess(
            by=request.user, report_id=report_id, open_case=data["decision"] == "open_case", note=data["note"]
        ),
        done=None,
        back=reverse("cases:concern_report", kwargs={"report_id": report_id}),
        decide_on=lambda: get_object_or_404(ConcernReport, pk=report_id),
        action=Action.DECIDE,
        then=lambda assessed: _assessed(request, assessed),
    )
