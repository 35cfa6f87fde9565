"""The social worker's pages. Views parse input, call one service or selector, and render.

Every page that shows personal data asks lotsa.access first (directly or through a service), and
the decision is in the access log before anything is decrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import CASE_PAGE_ROLES, CASEWORK_ROLES, Role
from audit.models import Action
from cases import forms, selectors, services
from cases import personal_number as pnr
from cases.access import HELD_BY_UNIT
from cases.models import AssignmentRequest, Case, CaseStatus, ConcernReport, Handover, JournalEntry
from lotsa import access, crypto
from lotsa.posting import conflict_page, post_form
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


def open_case(request):
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="cases.case")
    if request.method == "POST" and request.POST.get("prefill"):
        form = forms.OpenCaseForm(initial={"personal_number": request.POST.get("personal_number", "")})
    else:
        form = forms.OpenCaseForm(request.POST or None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        details = services.PersonDetails(
            given_names=data["given_names"],
            surname=data["surname"],
            contact=form.contact(),
            address=form.address(),
            protected_identity=data["protected_identity"],
        )
        try:
            case = services.case_open(
                by=request.user,
                number=data["personal_number"],
                details=details,
                activity=data["activity"],
                milieu=data["milieu"],
                target_group=data["target_group"],
            )
        except access.AccessDenied as denial:
            if denial.decision.reason != HELD_BY_UNIT:
                raise
            # The unit keeps a record of this person in cases the user does not handle: nothing of it
            # is shown; the user is sent to those who can assign them, or to emergency access.
            access.ensure_recorded(denial, actor=request.user)
            held = selectors.unit_cases_not_handled_by(
                user=request.user, canonical_number=pnr.normalise(data["personal_number"])
            )
            return render(
                request,
                "cases/held_by_unit.html",
                {"cases": held, "reason_form": forms.AssignmentRequestForm()},
                status=403,
            )
        messages.success(request, _("The case was opened."))
        return redirect(_detail(case))
    return render(request, "cases/open.html", {"form": form})


def request_assignment(request, case_id):
    """Ask to be assigned to a case of the unit. The form shows nothing of the case or the person."""
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="cases.assignmentrequest")
    case = get_object_or_404(Case.objects.only("pk", "owner_unit_id"), pk=case_id)
    form = forms.AssignmentRequestForm(request.POST or None)
    if request.method == "POST":
        try:
            services.assignment_request_create(
                by=request.user, case_id=case.pk, reason=form.data.get("reason", "")
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your request was sent to the supervisor and the responsible social worker. "
                    "You will see the case in My cases once it is granted."
                ),
            )
            return redirect("cases:assignment_requests")
    return render(request, "cases/request_assignment.html", {"case_id": case.pk, "form": form})


def assignment_requests(request):
    """Requests to be assigned: those waiting for the user's decision, and the user's own."""
    access.require_role(request.user, *CASE_PAGE_ROLES, action=Action.VIEW, target="cases.assignmentrequest")
    waiting = selectors.assignment_requests_waiting_for(user=request.user)
    crypto.prefetch_data_keys(row.person_id for row in waiting)
    own = selectors.assignment_requests_of(user=request.user)
    return render(request, "cases/assignment_requests.html", {"waiting": waiting, "own": own})


@require_POST
def assignment_decide(request, request_id):
    assignment = get_object_or_404(AssignmentRequest, pk=request_id)
    grant = request.POST.get("decision") == "grant"
    try:
        services.assignment_request_decide(by=request.user, request_id=assignment.pk, grant=grant)
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The request was granted.") if grant else _("The request was refused."))
    return redirect("cases:assignment_requests")


def case_detail(request, case_id):
    """The case page: the access decision is recorded before anything is decrypted or rendered."""
    context = selectors.case_page_for(user=request.user, case_id=case_id)
    context.update(
        categories=InformationCategory.choices, entry_form=forms.JournalEntryForm(), statuses=CaseStatus
    )
    return render(request, "cases/case_detail.html", context)


@require_POST
def journal_add(request, case_id):
    case = get_object_or_404(Case, pk=case_id)
    form = forms.JournalEntryForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_detail(case) + "#journal")
    try:
        services.journal_add(
            by=request.user,
            case_id=case.pk,
            category=form.cleaned_data["category"],
            text=form.cleaned_data["text"],
        )
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The entry was saved as a draft. Sign it when it is final."))
    return redirect(_detail(case) + "#journal")


@require_POST
def journal_sign(request, case_id, entry_id):
    entry = get_object_or_404(JournalEntry, pk=entry_id, case_id=case_id)
    try:
        services.journal_sign(by=request.user, entry_id=entry.pk)
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The entry was signed. It can no longer be changed, only corrected."))
    return redirect(_detail(case_id) + "#journal")


def journal_correct(request, case_id, entry_id):
    entry = get_object_or_404(
        JournalEntry.objects.select_related("case", "author"), pk=entry_id, case_id=case_id
    )
    case = entry.case
    form = forms.JournalEntryForm(request.POST or None, initial={"category": entry.category})
    if not (request.method == "POST" and form.is_valid()):
        with transaction.atomic():  # a form page asks VIEW; the correction is decided by the service
            access.check(request.user, Action.VIEW, case, purpose="the form to correct a journal entry")
    else:
        try:
            services.journal_add(
                by=request.user,
                case_id=case.pk,
                category=form.cleaned_data["category"],
                text=form.cleaned_data["text"],
                corrects_id=entry.pk,
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The correction was saved as a draft. Sign it when it is final."))
            return redirect(_detail(case) + "#journal")
    return render(request, "cases/journal_correct.html", {"case": case, "entry": entry, "form": form})


@require_POST
def case_activate(request, case_id):
    case = get_object_or_404(Case, pk=case_id)
    form = forms.VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Nothing was changed."))
        return redirect(_detail(case))
    try:
        services.case_activate(
            by=request.user, case_id=case.pk, expected_version=form.cleaned_data["version"]
        )
    except services.StaleVersion as error:
        return conflict_page(request, error, _detail(case))
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The case is now active."))
    return redirect(_detail(case))


def _case_change_page(request, case, form, *, action, purpose, change, done: str, template: str):
    """A page whose form changes the case under optimistic locking. A valid post goes to the service,
    which decides access first and compares versions second: a stale version sends the user back to
    the case as it now is; any other refusal stays on the form with its message. Otherwise (the form,
    or its errors) access is decided here, before anything is shown."""
    if request.method == "POST" and form.is_valid():
        try:
            change(form.cleaned_data)
        except services.StaleVersion as error:
            return conflict_page(request, error, _detail(case))
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect(_detail(case))
    else:
        with transaction.atomic():  # a form page asks VIEW; the change is decided by the service
            access.check(request.user, Action.VIEW, case, purpose=purpose)
    return render(request, template, {"case": case, "form": form})


def case_close(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person"), pk=case_id)
    form = forms.CloseCaseForm(request.POST or None, initial={"version": case.version})

    def close(data):
        services.case_close(
            by=request.user,
            case_id=case.pk,
            expected_version=data["version"],
            reason=data["reason"],
            text=data["text"],
        )

    return _case_change_page(
        request,
        case,
        form,
        action=Action.UPDATE,
        purpose="close the case",
        change=close,
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
            by=request.user,
            case_id=case_id,
            expected_version=data["version"],
            approve=data["decision"] == "approve",
            note=data["note"],
        ),
        done=_("The decision on closing the case was recorded."),
        back=reverse("cases:detail", kwargs={"case_id": case_id}),
        decide_on=lambda: get_object_or_404(Case, pk=case_id),
        action=Action.DECIDE,
    )


def case_reassign(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person", "responsible"), pk=case_id)
    form = forms.ReassignForm(request.POST or None, case=case, initial={"version": case.version})

    def reassign(data):
        services.case_reassign(
            by=request.user, case_id=case.pk, expected_version=data["version"], to_user=data["to_user"]
        )

    return _case_change_page(
        request,
        case,
        form,
        action=Action.ASSIGN,
        purpose="reassign the case",
        change=reassign,
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
    form = forms.HandoverForm(request.POST or None, own_unit_id=case.owner_unit_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.handover_send(
                by=request.user,
                case_id=case.pk,
                to_unit_id=data["to_unit"].pk,
                purpose=data["purpose"],
                note=data["note"],
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The hand-over was sent. You see its decision under Hand-overs."))
            return redirect(_detail(case))
    elif request.method == "POST":
        with transaction.atomic():  # decided before a validation message is shown
            access.check(request.user, Action.UPDATE, case, purpose="send a hand-over")
    else:
        with transaction.atomic():
            access.check(request.user, Action.VIEW, case, purpose="the form to send a hand-over")
    return render(request, "cases/handover_send.html", {"case": case, "form": form})


def _handover_change(request, handover_id, change, done: str):
    handover = get_object_or_404(Handover.objects.only("pk"), pk=handover_id)
    try:
        result = change(handover)
    except services.DomainError as error:
        messages.error(request, error.message)
        return redirect(_handover_page(handover))
    messages.success(request, done)
    if isinstance(result, Case):
        return redirect(
            _detail(result) if access.decide(request.user, Action.VIEW, result).allowed else "cases:handovers"
        )
    return redirect(_handover_page(handover))


@require_POST
def handover_accept(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda h: services.handover_accept(by=request.user, handover_id=h.pk),
        _("The hand-over was accepted and the unit's own case opened."),
    )


@require_POST
def handover_decline(request, handover_id):
    form = forms.HandoverDeclineForm(request.POST)
    return _handover_change(
        request,
        handover_id,
        lambda h: services.handover_decline(
            by=request.user, handover_id=h.pk, reason=form.data.get("reason", "")[:2000]
        ),
        _("The hand-over was declined. The sender sees your reason."),
    )


@require_POST
def handover_withdraw(request, handover_id):
    return _handover_change(
        request,
        handover_id,
        lambda h: services.handover_withdraw(by=request.user, handover_id=h.pk),
        _("The hand-over was withdrawn."),
    )


# --- VBE-team first contacts and reports of concern --------------------------------------------------


def _first_contact_page(case_id, anchor="") -> str:
    return reverse("cases:first_contact", kwargs={"case_id": case_id}) + anchor


def first_contact_open(request):
    """The VBE team opens a first contact: the person, who flagged them and when, minor children."""
    access.require_role(request.user, Role.VBE_TEAM, action=Action.VIEW, target="cases.firstcontact")
    form = forms.FirstContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.PersonDetails(
            given_names=data["given_names"],
            surname=data["surname"],
            contact=form.contact(),
            address=form.address(),
            protected_identity=data["protected_identity"],
        )
        try:
            case = services.first_contact_open(
                by=request.user,
                number=data["personal_number"],
                details=details,
                milieu=data["milieu"],
                request=services.FirstContactRequest(
                    referrer=data["referrer"],
                    referrer_detail=data["referrer_detail"],
                    flagged_on=data["flagged_on"],
                    has_minor_children=data["has_minor_children"],
                    children_reason=data["children_reason"],
                ),
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The first contact was opened. Record the meeting with the police."))
            return redirect(_first_contact_page(case.pk))
    return render(request, "cases/first_contact_open.html", {"form": form})


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
        lambda data: services.first_contact_meeting_record(
            by=request.user,
            case_id=case_id,
            held_on=data["held_on"],
            vbe_participants=data["vbe_participants"],
            police_participants=data["police_participants"],
            outcome=data["outcome"],
            attempts=data["attempts"],
            notes=data["notes"],
        ),
        _("The meeting was recorded."),
        "#meetings",
    )


@require_POST
def concern_report_create(request, case_id):
    return _case_post(
        request,
        case_id,
        forms.ConcernReportForm(request.POST),
        lambda data: services.concern_report_record(
            by=request.user,
            case_id=case_id,
            to_unit_id=data["to_unit"].pk,
            child=services.ChildDetails(
                number=data["child_number"],
                given_names=data["child_given_names"],
                surname=data["child_surname"],
            ),
            reported_by_police=data["reported_by_police"],
            concern=data["concern"],
            reported_on=data["reported_on"],
        ),
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


@require_POST
def concern_report_assess(request, report_id):
    report = get_object_or_404(ConcernReport.objects.only("pk"), pk=report_id)
    form = forms.ConcernAssessForm(request.POST)
    note = form.data.get("note", "")[:4000]
    open_case = request.POST.get("decision") == "open_case"
    try:
        assessed = services.concern_report_assess(
            by=request.user, report_id=report.pk, open_case=open_case, note=note
        )
    except services.DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:concern_report", report_id=report.pk)
    if assessed.child_case_id and assessed.child_case.responsible_id == request.user.pk:
        messages.success(request, _("The child's own case was opened."))
        return redirect(_detail(assessed.child_case_id))
    messages.success(request, _("The assessment was recorded."))
    return redirect("cases:concern_report", report_id=report.pk)
