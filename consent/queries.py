"""Reads of consents that trust a decision already made and recorded by the caller: the scope in plain
words, a case's consents and who outside the owning unit may see what now, and a person's consents for a
subject access extract. Deciding reads are in consent/selectors.py."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from consent import grounds, policy
from consent.models import Consent, Disclosure
from lotsa.vocabulary import InformationCategory, Purpose


def scope_sentence(consent: Consent) -> str:
    """What the person agrees to, in words they can read and sign."""
    organisations = [o.name for o in consent.recipients.all()]
    categories = [str(InformationCategory(c).label).lower() for c in consent.categories]
    purpose = (
        consent.purpose_text
        if consent.purpose == Purpose.OTHER and consent.purpose_text
        else str(Purpose(consent.purpose).label).lower()
    )
    return _(
        "You agree that %(organisations)s may share information about %(categories)s with each other "
        "for %(purpose)s, from %(start)s until %(end)s."
    ) % {
        "organisations": get_text_list(organisations, _("and")),
        "categories": get_text_list(categories, _("and")),
        "purpose": purpose,
        "start": formats.date_format(consent.valid_from, "j F Y"),
        "end": formats.date_format(consent.valid_until, "j F Y"),
    }


def consents():
    """Every consent, for a list's subquery that narrows it to each row's person (lotsa.news)."""
    return Consent.objects.all()


def consents_of(case) -> list[Consent]:
    """The person's consents, each with where it stands now (consent.policy)."""
    return policy.with_status(
        Consent.objects.filter(person_id=case.person_id)
        .prefetch_related("recipients")
        .select_related("recorded_by", "withdrawn_by")
    )


def consents_in_force_of(case) -> list[Consent]:
    """The person's consents in force now (consent.policy: a guardians' consent ends at majority), each
    with where it stands, for a printout."""
    return policy.with_status(
        policy.in_force(Consent.objects.filter(person_id=case.person_id))
        .prefetch_related("recipients")
        .select_related("recorded_by", "withdrawn_by")
    )


def matrix_for(case, at=None, consents=None) -> list[dict]:
    """Which organisations outside the owning unit may see which categories now, and on what ground
    (the crossings come from consent.policy; this only words them). ``consents``: the person's
    consents with their recipients, if the page has read them already (consents_of), so that it
    reads them once."""
    in_force = None if consents is None else policy.in_force_among(consents, person=case.person, at=at)
    rows: dict[int, dict] = {}
    organisations = {}
    for organisation, category, consent, disclosure in policy.grants_for_person(
        person_id=case.person_id, recorded_by_id=case.owner_unit_id, at=at, consents_in_force_now=in_force
    ):
        if consent is not None:
            label = _("consent until %(date)s") % {"date": formats.date_format(consent.valid_until, "Y-m-d")}
        else:
            ground = grounds.ground(disclosure.ground)
            label = ground.citation if ground else disclosure.ground
        organisations[organisation.pk] = organisation
        rows.setdefault(organisation.pk, {}).setdefault(category, []).append(label)
    return [
        {
            "organisation": organisations[organisation_id],
            "cells": [
                (value, "; ".join(cells.get(value, []))) for value, _label in InformationCategory.choices
            ],
            "categories": set(cells),
        }
        for organisation_id, cells in sorted(rows.items(), key=lambda item: organisations[item[0]].name)
    ]


def consents_and_disclosures_of(*, person, organisation_id) -> list[tuple[str, list[str]]]:
    """The person's consents recorded by the unit and what the unit disclosed without consent, as
    (heading, lines), for the subject access extract. Called only after the extract's EXPORT decision
    naming the person is recorded; it records nothing itself."""
    consents = []
    for consent in policy.with_status(
        Consent.objects.filter(person=person, organisation_id=organisation_id)
        .prefetch_related("recipients")
        .order_by("recorded_at")
    ):
        consents.append(
            _("%(purpose)s: to %(recipients)s, from %(from)s to %(until)s (%(status)s)")
            % {
                "purpose": consent.get_purpose_display(),
                "recipients": ", ".join(sorted(r.name for r in consent.recipients.all())) or "-",
                "from": consent.valid_from.isoformat(),
                "until": consent.valid_until.isoformat(),
                "status": str(consent.get_status_display()).lower(),
            }
        )
    disclosures = []
    for disclosure in (
        Disclosure.objects.filter(person=person, organisation_id=organisation_id)
        .select_related("recipient")
        .order_by("disclosed_at")
    ):
        disclosures.append(
            _("%(when)s to %(recipient)s, on the ground %(ground)s")
            % {
                "when": timezone.localtime(disclosure.disclosed_at).date().isoformat(),
                "recipient": disclosure.recipient.name,
                "ground": getattr(grounds.ground(disclosure.ground), "label", disclosure.ground),
            }
        )
    return [
        (_("Consents to share information"), consents or [_("None")]),
        (_("Information disclosed without consent"), disclosures or [_("None")]),
    ]
