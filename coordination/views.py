"""The coordinator's pages and the de-identified form: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.models import Action
from coordination import forms, selectors, services
from coordination.models import DeidentifiedReport
from lotsa import access
from lotsa.errors import DomainError


def report_new(request):
    if request.method != "POST":
        selectors.report_form_for(user=request.user)
        return render(request, "coordination/report_new.html", {"form": forms.DeidentifiedReportForm()})
    form = forms.DeidentifiedReportForm(request.POST)
    if not form.is_valid():
        # Decided as the act it is before any message is shown; the text stays in the form to reword.
        with transaction.atomic():
            access.check(request.user, Action.CREATE, DeidentifiedReport(), purpose="a form with errors")
        return render(request, "coordination/report_new.html", {"form": form}, status=400)
    data = dict(form.cleaned_data)
    administration = data.pop("administration")
    try:
        services.deidentified_report_send(by=request.user, administration_id=administration.pk, **data)
    except DomainError as error:
        form.add_error(None, error.message)
        return render(request, "coordination/report_new.html", {"form": form}, status=400)
    messages.success(
        request,
        _("Thank you. The report went to the coordinator of %(administration)s.")
        % {"administration": administration.name},
    )
    return redirect("home")


def reports(request):
    form = forms.ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    context = selectors.reports_visible_to(
        user=request.user,
        year=filters.get("year"),
        administration=filters.get("administration"),
        kind=filters.get("kind", ""),
        milieu=filters.get("milieu", ""),
        page=request.GET.get("page"),
    )
    # The administrations to choose from are known only once the read is decided and recorded.
    form = forms.ReportFilterForm(request.GET or None, administrations=context["administrations"])
    if form.is_bound:
        form.is_valid()
    query = request.GET.copy()
    query.pop("page", None)
    context.update(form=form, query=query.urlencode())
    return render(request, "coordination/reports.html", context)


def report(request, report_id):
    return render(
        request,
        "coordination/report.html",
        {"report": selectors.report_get_for(user=request.user, report_id=report_id)},
    )
