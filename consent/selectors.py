"""Reading consents: the scope in plain words, and who outside the owning unit may see what now."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from accounts.models import Organisation
from audit.models import Action
from cases.models import Case, JournalEntry, Person
from consent import grounds, policy
from consent.models import Consent, Review
from lotsa import access, crypto
from lotsa.vocabulary import CROSSING_PURPOSES, InformationCategory, Purpose, crossing_purpose_label


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


def consent_get_for(*, user, case_id, consent_id, purpose: str) -> tuple[Case, Consent]:
    """A consent of the case's person, read from that case: one recorded decision to view the case
    (the consent is read under its rules; unknown ids are 404)."""
    from cases.selectors import case_get_for

    case = case_get_for(user=user, case_id=case_id, purpose=purpose)
    consent = (
        Consent.objects.filter(pk=consent_id, person_id=case.person_id).prefetch_related("recipients").first()
    )
    if consent is None:
        raise Http404
    return case, consent


def consents_of(case):
    return (
        Consent.objects.filter(person_id=case.person_id)
        .prefetch_related("recipients")
        .select_related("recorded_by", "withdrawn_by")
    )


def matrix_for(case, at=None) -> list[dict]:
    """Which organisations outside the owning unit may see which categories now, and on what ground
    (the crossings come from consent.policy; this only words them)."""
    rows: dict[int, dict] = {}
    for organisation_id, category, consent, disclosure in policy.grants_for_person(
        person_id=case.person_id, recorded_by_id=case.owner_unit_id, at=at
    ):
        if consent is not None:
            label = _("consent until %(date)s") % {"date": formats.date_format(consent.valid_until, "Y-m-d")}
        else:
            ground = grounds.ground(disclosure.ground)
            label = ground.citation if ground else disclosure.ground
        rows.setdefault(organisation_id, {}).setdefault(category, []).append(label)
    organisations = Organisation.objects.in_bulk(list(rows))
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


# --- Lists: each asks, records one access event naming every person it returns, and returns ------


def consents_expiring_for(*, user, within_days: int | None = None, purpose: str | None = None) -> list:
    """Consents of the user's own cases that end within the warning period (for ``purpose``, if given);
    one access event per consent, naming its person, before anything is shown."""
    within_days = settings.LOTSA_CONSENT_EXPIRY_WARNING_DAYS if within_days is None else within_days
    today = timezone.localdate()
    cases = access.visible_to(user, Case.objects.filter(responsible=user))
    consents = (
        Consent.objects.in_force()
        .filter(person__cases__in=cases, valid_until__lte=today + dt.timedelta(days=within_days))
        .select_related("person")
        .distinct()
        .order_by("valid_until")
    )
    if purpose:
        consents = consents.filter(purpose=purpose)
    rows = list(consents)
    with transaction.atomic():
        access.record_list(user, rows, purpose="consents about to expire")
    return rows


def review_queue_for(*, user) -> list[Review]:
    """The unit's disclosures and emergency accesses waiting for the supervisor's review."""
    rows = list(
        access.visible_to(user, Review.objects.filter(reviewed_at__isnull=True))
        .select_related(
            "disclosure",
            "emergency_access",
            "emergency_access__user",
            "disclosure__disclosed_by",
            "disclosure__recipient",
            "emergency_access__case",
        )
        .order_by("due_at")
    )
    with transaction.atomic():
        access.record_list(user, rows, purpose="review queue")
    return rows


def people_shared_with(*, user) -> list[dict]:
    """For other organisations: the people shared with the user's organisation now, one section per
    purpose they are shared for (a consent for that purpose, or a disclosure under a legal ground);
    one access event per purpose shown, naming its people and the purpose."""
    sections = []
    with transaction.atomic():
        for purpose in CROSSING_PURPOSES:
            people = list(
                access.visible_to(
                    user, Person.objects.exclude(organisation=user.organisation), purpose=purpose
                ).order_by("pk")
            )
            if people:
                access.record_list(user, people, purpose=purpose)
                sections.append(
                    {"purpose": purpose, "label": crossing_purpose_label(purpose), "people": people}
                )
    crypto.prefetch_data_keys(person.pk for section in sections for person in section["people"])
    for section in sections:
        section["people"].sort(key=lambda person: (person.surname.casefold(), person.given_names.casefold()))
    return sections


def shared_person_for(*, user, person_id, purpose: str) -> tuple:
    """One person as shared with the user's organisation for ``purpose``: the person (a recorded
    decision) and the signed entries a consent for that purpose (or a legal ground) lets it see, each
    recorded with the purpose."""
    if purpose not in CROSSING_PURPOSES:
        raise Http404
    person = Person.objects.filter(pk=person_id).exclude(organisation_id=user.organisation_id).first()
    if person is None:
        raise Http404
    with transaction.atomic():
        access.check(user, Action.VIEW, person, purpose=purpose)
        entries = list(
            access.visible_to(
                user, JournalEntry.objects.filter(person=person, signed_at__isnull=False), purpose=purpose
            )
            .select_related("author", "case__owner_unit")
            .order_by("created_at")
        )
        access.record_list(user, entries, action=Action.VIEW, purpose=purpose)
    return person, entries


def consents_and_disclosures_of(*, person: Person, organisation_id) -> list[tuple[str, list[str]]]:
    """The person's consents recorded by the unit and what the unit disclosed without consent, as
    (heading, lines), for the subject access extract. Called only after the extract's EXPORT decision
    naming the person is recorded; it records nothing itself."""
    from consent.models import Disclosure

    consents = []
    for consent in (
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


def waiting_about_consent(user) -> list:
    """For the start page (counts only, never a person): consents of the user's own cases about to
    expire; for a supervisor, disclosures and emergency accesses waiting for review."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from accounts.roles import CASEWORK_ROLES, Role
    from lotsa.waiting import Waiting

    items = []
    today = timezone.localdate()
    if user.has_role(*CASEWORK_ROLES):
        cases = access.visible_to(user, Case.objects.filter(responsible=user))
        ending = (
            Consent.objects.in_force()
            .filter(
                person__cases__in=cases,
                valid_until__lte=today + dt.timedelta(days=settings.LOTSA_CONSENT_EXPIRY_WARNING_DAYS),
            )
            .distinct()
            .count()
        )
        if ending:
            items.append(
                Waiting(
                    ngettext("%(n)d consent is about to expire", "%(n)d consents are about to expire", ending)
                    % {"n": ending},
                    reverse("consent:expiring"),
                )
            )
    if user.has_role(Role.SUPERVISOR):
        reviews = access.visible_to(user, Review.objects.filter(reviewed_at__isnull=True))
        waiting, late = reviews.count(), reviews.filter(due_at__lt=timezone.now()).count()
        if waiting:
            items.append(
                Waiting(
                    ngettext(
                        "%(n)d disclosure or emergency access waits for your review",
                        "%(n)d disclosures or emergency accesses wait for your review",
                        waiting,
                    )
                    % {"n": waiting},
                    reverse("consent:review_queue"),
                    urgent=bool(late),
                    approval=True,
                )
            )
    return items
