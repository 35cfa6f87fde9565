"""The sharing policy under OSL 10 kap. 1 §: may information recorded by one organisation reach another?

This module is the one place the consent rule is written. Information crosses for one purpose at a
time (``lotsa.vocabulary.CROSSING_PURPOSES``): under a consent *for that purpose* in force that names
both the viewer's organisation and the recording one, or — the purpose ``LEGAL_GROUND`` — under a
recorded disclosure (consent.grounds) to the viewer's organisation that has not run out. A read that
names no such purpose crosses nothing. A deactivated organisation is covered by nothing; an erased
person is shared with no one. Nothing is cached: every request asks again, so a withdrawal or an
expiry takes effect on the very next request.

- ``shared_with`` is the rule as a SQL expression over an outer queryset (policies' ``visible``);
- ``sharing_decision`` answers for one piece of information, with its ground;
- ``consents_in_force``, ``organisations_named`` and ``grants_for_person`` say what a person's consents
  name (forming a group, the case page's matrix).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from consent.models import Consent, Disclosure, EmergencyAccess
from lotsa.access import Decision
from lotsa.vocabulary import LEGAL_GROUND, Purpose

OWN = "recorded by the viewer's own organisation"
NO_GROUND = "no consent or legal ground covers sharing with this organisation"
NO_PURPOSE = "information crosses to another organisation only for a named purpose"


def consents_sharing(*, organisation_id: int, purpose: str, at: dt.datetime | None = None) -> QuerySet:
    """The consents in force for ``purpose`` that name ``organisation_id`` (while it is active), of
    people who are not erased."""
    return Consent.objects.in_force(at).filter(
        purpose=purpose,
        recipients=organisation_id,
        recipients__is_active=True,
        person__erased_at__isnull=True,
    )


def disclosures_to(*, organisation_id: int, at: dt.datetime | None = None) -> QuerySet:
    """The disclosures under a legal ground to ``organisation_id`` (while it is active) that still let
    it see what they name, of people who are not erased."""
    return Disclosure.objects.filter(
        recipient_id=organisation_id,
        recipient__is_active=True,
        access_until__gte=timezone.localdate(at or timezone.now()),
        person__erased_at__isnull=True,
    )


def _grounds(*, organisation_id: int, purpose: str, at, recorded_by) -> QuerySet | None:
    """What carries information to ``organisation_id`` for ``purpose``: consents or disclosures, or
    None when the purpose crosses nothing. ``recorded_by`` (an id or an OuterRef) keeps only what can
    carry that organisation's records: a consent that names it too, a disclosure it made."""
    if purpose == LEGAL_GROUND:
        rows = disclosures_to(organisation_id=organisation_id, at=at)
        return rows if recorded_by is None else rows.filter(organisation_id=recorded_by)
    if purpose in Purpose.values:
        rows = consents_sharing(organisation_id=organisation_id, purpose=purpose, at=at)
        return rows if recorded_by is None else rows.filter(recipients=recorded_by)
    return None


def shared_with(
    *,
    organisation_id: int | None,
    purpose: str,
    at: dt.datetime | None = None,
    person: str = "pk",
    category: str | None = None,
    category_value: str | None = None,
    recorded_by: str | None = None,
) -> Q:
    """The rule as a SQL expression on an outer queryset: its rows whose person (the field ``person``)
    is shared with ``organisation_id`` for ``purpose`` — with ``category``, only rows whose category
    (that field; or ``category_value`` for rows of one fixed category) the ground names; with
    ``recorded_by``, only rows whose recording organisation (that field) the ground covers."""
    if organisation_id is None:
        return Q(pk__in=[])
    rows = _grounds(
        organisation_id=organisation_id,
        purpose=purpose,
        at=at,
        recorded_by=OuterRef(recorded_by) if recorded_by else None,
    )
    if rows is None:
        return Q(pk__in=[])
    if not (category or category_value or recorded_by):
        # Only the person varies: an IN over the (few) people shared, which the database evaluates
        # once (a semi-join or a hashed subplan), not once per outer row.
        return Q(**{f"{person}__in": rows.values("person_id")})
    rows = rows.filter(person_id=OuterRef(person))
    if category:
        rows = rows.filter(categories__holds=OuterRef(category))
    if category_value:
        rows = rows.filter(categories__holds=category_value)
    return Q(Exists(rows.values("pk")))


def sharing_decision(
    *,
    person_id,
    category: str | None,
    recorded_by_id: int | None,
    viewer_org_id: int | None,
    purpose: str,
    at: dt.datetime | None = None,
) -> Decision:
    """One piece of information (its person, category — or None for "anything" — and recording
    organisation — or None for "any") for one viewer organisation and purpose: allowed with the
    covering consent or the disclosure's legal ground as its ground, or denied."""
    if viewer_org_id is None:
        return Decision.deny(NO_GROUND)
    if recorded_by_id is not None and recorded_by_id == viewer_org_id:
        return Decision.allow(OWN)
    rows = _grounds(organisation_id=viewer_org_id, purpose=purpose, at=at, recorded_by=recorded_by_id)
    if rows is None:
        return Decision.deny(NO_PURPOSE)
    rows = rows.filter(person_id=person_id)
    if category:
        rows = rows.filter(categories__holds=category)
    if purpose == LEGAL_GROUND:
        ground = rows.order_by("ground").values_list("ground", flat=True).first()
        if ground:
            return Decision.allow("disclosed under a legal ground", ground=f"ground:{ground}")
    else:
        consent_id = rows.order_by("pk").values_list("pk", flat=True).first()
        if consent_id:
            return Decision.allow("covered by a consent", ground=f"consent:{consent_id}")
    return Decision.deny(NO_GROUND)


def consents_in_force(*, person_id, purpose: str | None = None, at: dt.datetime | None = None):
    """The person's consents in force at ``at`` (for ``purpose``, if given), with their recipients."""
    consents = Consent.objects.in_force(at).filter(person_id=person_id, person__erased_at__isnull=True)
    if purpose:
        consents = consents.filter(purpose=purpose)
    return consents.prefetch_related("recipients")


def consents_naming_kind(*, person_ids, purpose: str, kind: str, at: dt.datetime | None = None) -> QuerySet:
    """The consents in force for ``purpose`` of these people that name an active organisation of
    ``kind`` (the defector programme's gate: a consent that names BOPS)."""
    return Consent.objects.in_force(at).filter(
        purpose=purpose,
        person_id__in=person_ids,
        person__erased_at__isnull=True,
        recipients__kind=kind,
        recipients__is_active=True,
    )


def organisations_named(*, person_id, purpose: str, at: dt.datetime | None = None) -> set[int]:
    """The active organisations that the person's consents in force for ``purpose`` name."""
    named: set[int] = set()
    for consent in consents_in_force(person_id=person_id, purpose=purpose, at=at):
        named |= {organisation.pk for organisation in consent.recipients.all() if organisation.is_active}
    return named


def grants_for_person(*, person_id, recorded_by_id: int, at: dt.datetime | None = None) -> list[tuple]:
    """Every crossing that holds now for what ``recorded_by_id`` recorded of the person:
    ``(organisation id, category, consent or None, disclosure or None)``, the recording organisation
    itself left out."""
    at = at or timezone.now()
    grants = []
    for consent in consents_in_force(person_id=person_id, at=at):
        recipients = {o.pk for o in consent.recipients.all() if o.is_active}
        if recorded_by_id not in recipients:
            continue
        for organisation_id in recipients - {recorded_by_id}:
            for category in consent.categories:
                grants.append((organisation_id, category, consent, None))
    disclosures = Disclosure.objects.filter(
        person_id=person_id,
        organisation_id=recorded_by_id,
        access_until__gte=timezone.localdate(at),
        recipient__is_active=True,
    )
    for disclosure in disclosures:
        for category in disclosure.categories:
            grants.append((disclosure.recipient_id, category, None, disclosure))
    return grants


def emergency_access_open_for(user, case):
    """The user's own open emergency access to the case, if any: the access decision counts it (two
    steps, with a reason, reviewed afterwards), and the case page shows it."""
    return (
        EmergencyAccess.objects.filter(user=user, case=case, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
