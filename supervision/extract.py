"""The subject access extract (GDPR Art. 15) as a PDF: each consultation of the person's data —
date, organisation, what was done, purpose or legal ground, and the log's reference — and what the
unit holds about them. Staff are not named unless the extract says so, with a reason.

Left out, and said so on the extract: the events that name the person as the person concerned in a
relative's case (the relation is secret from them, OSL 26 kap. 1 §).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from audit.models import AccessEvent, Action
from relatives.selectors import NAMED_AS_CONCERNED

SECRET_FROM_THE_PERSON = Q(target_type="relatives.relation", reason=NAMED_AS_CONCERNED)


def extract_events(extract) -> QuerySet:
    """The events the extract lists: every event naming the person up to the extract's own
    preparation, except those secret from the person."""
    return (
        AccessEvent.objects.naming(extract.person_id)
        .filter(pk__lte=extract.last_event_id)
        .exclude(SECRET_FROM_THE_PERSON & Q(subject_id=extract.person_id))
        .order_by("occurred_at", "id")
    )


def _font(pdf: FPDF) -> tuple[str, bool]:
    """DejaVu Sans where the system has it (every character a name may hold); else the PDF's own
    Helvetica, which covers Swedish (Latin-1) and shows anything else as '?'."""
    path = Path(settings.LOTSA_PDF_FONT)
    if path.is_file():
        pdf.add_font("Body", "", str(path))
        bold = path.with_name(path.name.replace(".ttf", "-Bold.ttf"))
        pdf.add_font("Body", "B", str(bold if bold.is_file() else path))
        return "Body", True
    return "Helvetica", False


def render(*, extract, person, holdings: list[tuple[str, list[str]]], events) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_("Subject access extract"))
    pdf.set_creator("Lotsa")
    family, unicode = _font(pdf)

    def text(value) -> str:
        value = str(value)
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    def line(value, size=10, style="", height=5):
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, height, text(value), new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    line(_("Subject access extract"), 16, "B", 8)
    line(_("Register extract under Article 15 of the General Data Protection Regulation"), 10)
    pdf.ln(2)
    line(
        _("For: %(name)s, %(number)s")
        % {"name": f"{person.given_names} {person.surname}", "number": person.personal_number_display},
        11,
        "B",
    )
    line(_("From: %(unit)s") % {"unit": extract.organisation.name})
    line(
        _(
            "Prepared %(prepared)s, approved %(approved)s. The log is covered up to this extract's "
            "preparation."
        )
        % {
            "prepared": timezone.localtime(extract.prepared_at).strftime("%Y-%m-%d"),
            "approved": timezone.localtime(extract.reviewed_at).strftime("%Y-%m-%d")
            if extract.reviewed_at
            else "-",
        }
    )
    pdf.ln(3)
    line(_("What we hold about you"), 13, "B", 7)
    for heading, lines in holdings:
        line(heading, 11, "B", 6)
        for item in lines:
            line(f"  {item}")
        pdf.ln(1)
    pdf.ln(2)
    line(_("Who has consulted your data"), 13, "B", 7)
    if extract.with_staff_names:
        line(_("Staff are named in this extract: %(reason)s") % {"reason": extract.staff_names_reason})
    else:
        line(
            _(
                "Staff are not named: each row gives the organisation; the reference lets the unit answer "
                "questions about it."
            )
        )
    line(
        _(
            "Not listed: records of your data being shown in a relative's own support case, which are "
            "secret from you (OSL 26 kap. 1 §)."
        )
    )
    pdf.ln(1)
    actions = dict(Action.choices)
    events = list(events)
    if not events:
        line(_("No one has consulted your data."))
    for event in events:
        when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
        what = str(actions.get(event.action, event.action))
        why = event.legal_ground or event.purpose or "-"
        row = f"{when} | {event.actor_organisation or _('(no organisation)')} | {what} | {why} | #{event.pk}"
        if extract.with_staff_names:
            row += f" | {event.actor_username or '-'}"
        line(row, 9, height=4.5)
    return bytes(pdf.output())
