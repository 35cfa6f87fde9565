"""The subject access extract (GDPR Art. 15) as a PDF: each consultation of the person's data —
date, organisation, what was done, purpose or legal ground, and the log's reference — and what the
unit holds about them. Staff are not named unless the extract says so, with a reason.

Left out, and said so on the extract: the events that name the person as the person concerned in a
relative's case (the relation is secret from them, OSL 26 kap. 1 §).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.models import AccessEvent, Action
from consent import grounds
from lotsa.pdf import Document
from lotsa.vocabulary import Purpose
from relatives.selectors import NAMED_AS_CONCERNED

# The purposes the access log records most often, as a person reads them. Crossing purposes and
# legal grounds have their own labels (lotsa.vocabulary, consent.grounds); anything else is shown as
# the log recorded it.
PURPOSE_LABELS = {
    "casework": gettext_lazy("casework in the case"),
    "my cases": gettext_lazy("the handler's list of cases"),
    "find a person": gettext_lazy("a search by personal identity number"),
    "open a case": gettext_lazy("opening a case"),
    "write in the journal": gettext_lazy("writing in the journal"),
    "sign a journal entry": gettext_lazy("signing a journal entry"),
    "close the case": gettext_lazy("closing the case"),
    "approve closing the case": gettext_lazy("approving the closing of the case"),
    "intervention group": gettext_lazy("the intervention group"),
    "my intervention groups": gettext_lazy("the list of intervention groups"),
    "defector programme": gettext_lazy("the defector programme"),
    "relative support": gettext_lazy("support for relatives"),
    "first contact": gettext_lazy("the first contact"),
    "hand-over": gettext_lazy("a hand-over between units"),
    "hand-overs": gettext_lazy("the list of hand-overs"),
    "send a hand-over": gettext_lazy("a hand-over between units"),
    "accept a hand-over": gettext_lazy("a hand-over between units"),
    "consents": gettext_lazy("consents"),
    "record a consent": gettext_lazy("recording a consent"),
    "withdraw a consent": gettext_lazy("withdrawing a consent"),
    "consents about to expire": gettext_lazy("consents about to expire"),
    "record a disclosure": gettext_lazy("a disclosure without consent"),
    "review queue": gettext_lazy("the supervisor's review"),
    "review": gettext_lazy("the supervisor's review"),
    "emergency access": gettext_lazy("emergency access"),
    "access review": gettext_lazy("review of the access log"),
    "subject access extract": gettext_lazy("this register extract"),
    "subject access extracts": gettext_lazy("this register extract"),
    "a form with errors": gettext_lazy("a form that was not accepted"),
}


def purpose_label(event) -> str:
    if event.legal_ground:
        ground = grounds.ground(event.legal_ground)
        return str(ground.label) if ground else event.legal_ground
    if event.purpose in PURPOSE_LABELS:
        return str(PURPOSE_LABELS[event.purpose])
    if event.purpose in Purpose.values:
        return str(Purpose(event.purpose).label)
    return event.purpose or "-"


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


def render(*, extract, person, holdings: list[tuple[str, list[str]]], events) -> bytes:
    document = Document(_("Subject access extract"))
    pdf, line = document.pdf, document.line
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
    head = audit.SealedHead()
    events = list(events)
    if not events:
        line(_("No one has consulted your data."))
    for event in events:
        when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
        what = str(actions.get(event.action, event.action))
        why = purpose_label(event)
        row = f"{when} | {event.actor_organisation or _('(no organisation)')} | {what} | {why} | #{event.pk}"
        if extract.with_staff_names:
            row += f" | {event.actor_username or '-'}"
        if not head.covers(event):
            row += f" | ({_('not yet sealed')})"
        line(row, 9, height=4.5)
    return document.output()
