"""The VBE team's first-contact pages and the reports of concern (the sending team's form, the
district's list and assessment). Views parse input, call one service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import CASE_PAGE_ROLES, FIRST_CONTACT_ROLES
from audit.models import Action
from cases import pages
from cases.first_contacts import forms, selectors, services
from cases.first_contacts.filters import FirstContactFilter
from cases.first_contacts.models import ConcernReport
from cases.models import Case
from lotsa import access
from lotsa.listing import list_filters
from lotsa.posting import as_ids, form_page, post_form


def _first_contact_page(case_id, anchor="") -> str:
    return reverse("cases:first_contact", kwargs={"case_id": case_id}) + anchor


def first_contacts(request):
    """The VBE team's first contacts: the live ones first, filtered, sorted and paginated."""
    access.require_role(request.user, *FIRST_CONTACT_ROLES, action=Action.VIEW, target="cases.firstcontact")
    filters = list_filters(request, FirstContactFilter)
    page, rows = selectors.first_contacts_for(
        user=request.user, filters=filters, page=request.GET.get("page")
    )
    return render(
        request,
        "cases/first_contacts.html",
        {"page": page, "rows": rows, "filters": filters, "query": filters.query()},
    )


def first_contact_open(request):
    """The VBE team opens a first contact: the person, who flagged them and when, minor children."""
    access.require_role(request.user, *FIRST_CONTACT_ROLES, action=Action.VIEW, target="cases.firstcontact")
    form = forms.FirstContactForm(request.POST or None)
    return form_page(
        request,
        form,
        template="cases/first_contact_open.html",
        change=lambda data: services.first_contact_open(
            by=request.user,
            number=data["personal_number"],
            details=pages.person_details(form),
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
        return pages.detail(assessed.child_case_id)
    messages.success(request, _("The assessment was recorded."))
    return reverse("cases:concern_report", kwargs={"report_id": assessed.pk})


@require_POST
def concern_report_protection(request, report_id):
    back = reverse("cases:concern_report", kwargs={"report_id": report_id})
    return post_form(
        request,
        forms.ConcernProtectionForm(request.POST),
        change=lambda data: services.concern_report_protection_assess(
            by=request.user, report_id=report_id, immediate=data["decision"] == "immediate"
        ),
        done=_("The protection assessment was recorded."),
        back=back,
        decide_on=lambda: get_object_or_404(ConcernReport, pk=report_id),
        action=Action.DECIDE,
    )


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
