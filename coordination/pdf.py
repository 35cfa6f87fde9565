"""The local situation picture as a PDF: the version, its two assessments and its counts as they were
published when it was written (already protected)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.indicators import snapshot_tables
from coordination.suppression import Count
from lotsa.pdf import Document


def situation_pdf_render(picture) -> bytes:
    document = Document(_("Local situation picture"))
    pdf, line, text = document.pdf, document.line, document.text
    line(_("Local situation picture"), 16, "B", 8)
    line(
        _("%(administration)s, %(year)s, version %(version)s")
        % {"administration": picture.administration.name, "year": picture.year, "version": picture.version},
        11,
        "B",
    )
    line(
        _("Written %(date)s by the coordinator.")
        % {"date": timezone.localtime(picture.written_at).strftime("%Y-%m-%d")}
    )
    pdf.ln(3)
    line(_("The coordinator's assessment"), 13, "B", 7)
    line(picture.coordinator_assessment)
    pdf.ln(2)
    line(_("The police's assessment"), 13, "B", 7)
    line(picture.police_assessment)
    pdf.ln(3)
    line(_("The area in numbers"), 13, "B", 7)
    line(
        _(
            "Counts below 5 are shown as “fewer than 5”, and counts that would give them away as hidden. "
            "The numbers are those published when this version was written."
        ),
        9,
    )
    for table in snapshot_tables(picture.counts.get("tables", [])):
        pdf.ln(2)
        line(table["title"], 11, "B", 6)
        pdf.set_font(document.family, "", 9)
        with pdf.table(text_align="LEFT", first_row_as_headings=True) as grid:
            head = grid.row()
            for column in [*table["columns"], _("Total")]:
                head.cell(text(column))
            body = grid.row()
            for value in [*table["cells"], table["total"]]:
                body.cell(text(str(Count.from_csv(value))))
    return document.output()
