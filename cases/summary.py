"""The printable case summary (a PDF): the person as the case page shows them to the reader, the case,
the consents in force, what the apps above the case core add (lotsa.summary: the intervention group and
its latest threat assessment, BOPS's latest assessment, where the reader may see them), what is planned
(lotsa.calendar_items) and the journal's signed entries, newest first. Drafts are never printed.

It renders only: cases.selectors.case_summary_for has decided and recorded the export of the case's
person (one EXPORT event) and gathered what the reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from lotsa.pdf import Document
from lotsa.vocabulary import InformationCategory


@dataclass(frozen=True)
class Summary:
    case: object
    person: object
    show_address: bool
    consents: list
    sections: list[tuple[str, list[str]]]
    planned: list  # lotsa.calendar_items.CalendarItem
    entries: list  # signed journal entries, newest first
    signed_total: int
    printed_by: object


def _day(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def render(summary: Summary) -> bytes:
    case, person = summary.case, summary.person
    document = Document(_("Case summary"))
    pdf, line = document.pdf, document.line
    line(_("Case summary"), 16, "B", 8)
    line(
        _("Subject to secrecy (OSL 26 kap. 1 §). Printed %(when)s by %(who)s, %(unit)s.")
        % {
            "when": _day(timezone.now()),
            "who": summary.printed_by.get_full_name() or summary.printed_by.username,
            "unit": summary.printed_by.organisation.name if summary.printed_by.organisation else "-",
        },
        9,
    )
    line(_("Case reference: %(id)s") % {"id": case.pk}, 9)
    pdf.ln(3)

    line(_("Person"), 13, "B", 7)
    name = f"{person.given_names} {person.surname}"
    if person.is_protected:
        name = f"{name} ({person.get_protected_identity_display()})"
    line(name, 11, "B")
    line(_("Personal identity number: %(number)s") % {"number": person.personal_number_display})
    if person.birth_date:
        line(_("Date of birth: %(day)s") % {"day": person.birth_date.isoformat()})
    contact = person.contact or {}
    line(_("Telephone: %(phone)s") % {"phone": contact.get("phone") or "-"})
    line(_("E-mail: %(email)s") % {"email": contact.get("email") or "-"})
    if summary.show_address:
        address = person.address or {}
        town = f"{address.get('postcode', '')} {address.get('town', '')}".strip()
        shown = ", ".join(part for part in (address.get("street", ""), town) if part) or "-"
        line(_("Address: %(address)s") % {"address": shown})
    else:
        line(_("Address: protected, shown only to the case's named handlers."))
    pdf.ln(3)

    line(_("Case"), 13, "B", 7)
    line(_("Activity: %(activity)s") % {"activity": case.get_activity_display()})
    line(_("Milieu: %(milieu)s") % {"milieu": case.get_milieu_display()})
    line(_("Status: %(status)s") % {"status": case.get_status_display()})
    line(_("Owning unit: %(unit)s") % {"unit": case.owner_unit.name})
    responsible = case.responsible.get_full_name() if case.responsible else ""
    line(_("Responsible social worker: %(name)s") % {"name": responsible or "-"})
    pdf.ln(3)

    line(_("Consents in force"), 13, "B", 7)
    if not summary.consents:
        line(_("No consent is in force. Nothing is shared with other organisations on a consent."))
    for consent in summary.consents:
        categories = ", ".join(str(InformationCategory(code).label).lower() for code in consent.categories)
        line(
            _("%(purpose)s, valid until %(until)s")
            % {"purpose": consent.get_purpose_display(), "until": consent.valid_until.isoformat()},
            10,
            "B",
        )
        line(
            _("To: %(recipients)s. What: %(categories)s.")
            % {
                "recipients": ", ".join(o.name for o in consent.recipients.all()) or "-",
                "categories": categories or "-",
            }
        )
    pdf.ln(3)

    for heading, lines in summary.sections:
        line(heading, 13, "B", 7)
        for item in lines:
            line(item)
        pdf.ln(3)

    line(_("Planned"), 13, "B", 7)
    if not summary.planned:
        line(_("Nothing is planned."))
    for item in summary.planned:
        overdue = f" ({_('overdue')})" if item.urgent else ""
        line(f"{item.day.isoformat()}: {item.what}{overdue}")
    pdf.ln(3)

    line(_("Journal: signed entries"), 13, "B", 7)
    if summary.signed_total > len(summary.entries):
        line(
            _("The %(shown)d latest of %(total)d signed entries, newest first. Drafts are not printed.")
            % {"shown": len(summary.entries), "total": summary.signed_total}
        )
    else:
        line(_("Newest first. Drafts are not printed."))
    if not summary.entries:
        line(_("No entry is signed."))
    for entry in summary.entries:
        pdf.ln(2)
        author = entry.author.get_full_name() or entry.author.username
        line(
            f"{_day(entry.created_at)} · {entry.get_category_display()} · {author}",
            10,
            "B",
        )
        if entry.corrects_id:
            line(_("Corrects the entry of %(when)s") % {"when": _day(entry.corrects.created_at)}, 9)
        line(entry.text)
        line(_("Signed %(when)s") % {"when": _day(entry.signed_at)}, 9)
    return document.output()
