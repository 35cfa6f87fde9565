"""The coordinator's pages and the de-identified form: parse, call one selector or service, render."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Action
from coordination import forms, selectors, services
from coordination.indicators import snapshot_tables
from coordination.models import DeidentifiedReport, SituationPicture
from coordination.pdf import situation_pdf_render
from lotsa import pdf
from lotsa.posting import as_ids, form_page


def report_new(request):
    form = forms.DeidentifiedReportForm(request.POST or None)

    def thanks(report) -> str:
        administration = form.cleaned_data["administration"]
        return _("Thank you. The report went to the coordinator of %(administration)s.") % {
            "administration": administration.name
        }

    # A refused post comes back with its text as written, to be reworded (400).
    return form_page(
        request,
        form,
        template="coordination/report_new.html",
        show=lambda: selectors.report_form_for(user=request.user),
        act=(Action.CREATE, DeidentifiedReport()),
        change=lambda data: services.deidentified_report_send(
            by=request.user, **as_ids(data, "administration")
        ),
        done=thanks,
        then="home",
        invalid_status=400,
    )


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


def _year_asked(request) -> tuple[int | None, forms.YearForm]:
    """The year asked for (None: the selector's own, this year) and its form: a year out of range
    is the form's error, shown at the field, and the page shows this year."""
    form = forms.YearForm(request.GET or None)
    return (form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None), form


def _year(request) -> int | None:
    return _year_asked(request)[0]


def _with_year_form(context: dict, form: forms.YearForm) -> dict:
    form.initial["year"] = context["year"]  # shown when nothing (or nothing valid) was asked
    return {**context, "year_form": form}


def overview(request):
    """The coordinator's start: the counts of the year by district and milieu."""
    year, form = _year_asked(request)
    context = selectors.situation_counts_for(user=request.user, year=year)
    return render(request, "coordination/overview.html", _with_year_form(context, form))


def indicators(request):
    year, form = _year_asked(request)
    context = selectors.indicators_for(user=request.user, year=year)
    return render(request, "coordination/indicators.html", _with_year_form(context, form))


def export(request):
    rows = selectors.export_for(user=request.user, year=_year(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lotsa-samordning.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Swedish letters right
    csv.writer(response, delimiter=";").writerows(rows)
    return response


def situation(request, administration_id):
    context = selectors.situation_for(
        user=request.user, administration_id=administration_id, year=_year(request)
    )
    latest = context["latest"]
    context["form"] = forms.SituationForm(
        initial={
            "coordinator_assessment": latest.coordinator_assessment if latest else "",
            "police_assessment": latest.police_assessment if latest else "",
        }
    )
    return render(request, "coordination/situation.html", context)


@require_POST
def situation_write(request, administration_id, year):
    """A new version; a refused one comes back with the text as written (assessments are long), never
    lost to a redirect."""
    back = reverse("coordination:situation", kwargs={"administration_id": administration_id})
    return form_page(
        request,
        forms.SituationForm(request.POST),
        template="coordination/situation_write.html",
        context={"year": year, "back": f"{back}?year={year}", "administration_id": administration_id},
        act=(Action.CREATE, SituationPicture(administration_id=administration_id, year=year)),
        change=lambda data: services.situation_picture_write(
            by=request.user, administration_id=administration_id, year=year, **data
        ),
        done=_("A new version of the situation picture was saved."),
        then=lambda picture: reverse("coordination:situation_version", kwargs={"picture_id": picture.pk}),
        invalid_status=400,
    )


def situation_version(request, picture_id):
    picture = selectors.situation_version_for(user=request.user, picture_id=picture_id)
    tables = snapshot_tables(picture.counts.get("tables", []))
    return render(request, "coordination/situation_version.html", {"picture": picture, "tables": tables})


def situation_pdf(request, picture_id):
    picture = selectors.situation_pdf_for(user=request.user, picture_id=picture_id)
    return pdf.response(situation_pdf_render(picture), f"lagesbild-{picture.year}-v{picture.version}.pdf")
