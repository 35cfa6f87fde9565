"""The subject access extract (GDPR Art. 15) as a PDF: what the unit holds about the person, and each
consultation of their data, grouped so that a person can read it: by organisation, then by month, then
by what was done and why (in words, audit.vocabulary), with the days and the log's reference of each.
Staff are not named unless the extract says so, with a reason. The supervisor who approves it first
previews the same document, marked as a preview.

Left out, and said so on the extract: the events that name the person as the person concerned in a
relative's case (the relation is secret from them, OSL 26 kap. 1 §).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit import services as audit
from audit import vocabulary
from audit.models import AccessEvent, AccessOutcome, Action
from cases.queries import ids_of_person_with_merged
from lotsa.pdf import Document
from relatives.selectors import NAMED_AS_CONCERNED

SECRET_FROM_THE_PERSON = Q(target_type="relatives.relation", reason=NAMED_AS_CONCERNED)


def extract_events(extract) -> QuerySet:
    """The events the extract lists: every event naming the person up to the extract's own
    preparation, except those secret from the person."""
    ids = ids_of_person_with_merged(person_id=extract.person_id)
    return (
        AccessEvent.objects.naming_any(ids)
        .filter(pk__lte=extract.last_event_id)
        .exclude(SECRET_FROM_THE_PERSON & Q(subject_id__in=ids))
        .order_by("occurred_at", "id")
    )


def render(*, extract, person, holdings: list[tuple[str, list[str]]], events, preview: bool = False) -> bytes:
    """The extract as the person gets it; as a ``preview``, for the supervisor before approving it,
    the same document marked so that it cannot pass for one given out."""
    document = Document(_("Subject access extract"))
    pdf, line = document.pdf, document.line
    line(_("Subject access extract"), 16, "B", 8)
    if preview:
        line(_("PREVIEW for the approving supervisor: not approved, not to be given out."), 11, "B")
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
                "Staff are not named: each consultation gives the organisation; its reference lets the "
                "unit answer questions about it."
            )
        )
    line(
        _(
            "Not listed: records of your data being shown in a relative's own support case, which are "
            "secret from you (OSL 26 kap. 1 §)."
        )
    )
    pdf.ln(1)
    groups = consultations(events, with_staff_names=extract.with_staff_names)
    if not groups:
        line(_("No one has consulted your data."))
    else:
        line(
            _(
                "By organisation and month: what was done and why, how many times, on which days, and the "
                "reference of each time in the access log."
            )
        )
    for organisation in groups:
        pdf.ln(2)
        line(organisation.name, 12, "B", 6)
        for month in organisation.months:
            line(month.label, 10, "B", 5)
            for row in month.rows:
                line(f"  {row.text}", 9, height=4.5)
                line(f"    {row.references_text}", 8, height=4)
                if row.staff:
                    staff = _("Staff: %(names)s") % {"names": ", ".join(row.staff)}
                    line(f"    {staff}", 8, height=4)
    return document.output()


# --- The consultations, grouped as a person reads them ---------------------------------------------


@dataclass
class Row:
    """What was done and why, in one month by one organisation: how often, on which days."""

    what: str
    why: str
    days: list[dt.date] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    unsealed: list[str] = field(default_factory=list)  # references no seal covers yet
    staff: list[str] = field(default_factory=list)

    @property
    def references_text(self) -> str:
        sealed = [reference for reference in self.references if reference not in self.unsealed]
        parts = [_("References: %(references)s") % {"references": ", ".join(sealed)}] if sealed else []
        if self.unsealed:
            parts.append(
                _("References (%(not_sealed)s): %(references)s")
                % {"not_sealed": _("not yet sealed"), "references": ", ".join(self.unsealed)}
            )
        return "; ".join(parts)

    @property
    def text(self) -> str:
        times = ngettext("%(n)d time", "%(n)d times", len(self.references)) % {"n": len(self.references)}
        done = f"{self.what}, {self.why}" if self.why else self.what
        return _("%(done)s: %(times)s (%(days)s)") % {"done": done, "times": times, "days": _days(self.days)}


@dataclass
class Month:
    label: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Organisation:
    name: str
    months: list[Month] = field(default_factory=list)


def _days(days: list[dt.date]) -> str:
    """2, 3 and 5 March (one month's days, in the reader's language)."""
    numbers = [formats.date_format(day, "j") for day in days[:-1]]
    last = formats.date_format(days[-1], "j F")
    if not numbers:
        return last
    return _("%(days)s and %(last)s") % {"days": ", ".join(numbers), "last": last}


def consultations(events, *, with_staff_names: bool) -> list[Organisation]:
    """The events by organisation (by name; none last), month (oldest first) and what was done and why
    (in the order it first happened): every event once, with its reference, and marked if no seal
    covers it yet."""
    actions, outcomes = dict(Action.choices), dict(AccessOutcome.choices)
    head = audit.SealedHead()
    grouped: dict[str, dict[tuple, dict[tuple, Row]]] = {}
    months: dict[tuple, str] = {}
    for event in events:
        when = timezone.localtime(event.occurred_at)
        month = (when.year, when.month)
        months.setdefault(month, formats.date_format(when.date(), "F Y").capitalize())
        what = str(actions.get(event.action, event.action)).capitalize()
        if event.outcome != AccessOutcome.ALLOWED:
            what = f"{what} ({outcomes.get(event.outcome, event.outcome)})"
        why = vocabulary.why(event)
        row = (
            grouped.setdefault(event.actor_organisation, {})
            .setdefault(month, {})
            .setdefault((what, why), Row(what, why))
        )
        if when.date() not in row.days:
            row.days.append(when.date())
        reference = f"#{event.pk}"
        row.references.append(reference)
        if not head.covers(event):
            row.unsealed.append(reference)
        if with_staff_names and (event.actor_username or "-") not in row.staff:
            row.staff.append(event.actor_username or "-")
    result = []
    for name in sorted(grouped, key=lambda name: (not name, name)):
        organisation = Organisation(name or _("(no organisation)"))
        for month in sorted(grouped[name]):
            organisation.months.append(Month(months[month], list(grouped[name][month].values())))
        result.append(organisation)
    return result
