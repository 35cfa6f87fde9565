"""The sharing policy under OSL 10 kap. 1 §: may information recorded by one organisation reach another?

This module is the one place the consent rule is written. Information crosses for one purpose at a
time (``lotsa.vocabulary.CROSSING_PURPOSES``): under a consent *for that purpose* in force that names
both the viewer's organisation and the recording one, or — the purpose ``LEGAL_GROUND`` — under a
recorded disclosure (consent.grounds) to the viewer's organisation that has not run out. A read that
names no such purpose crosses nothing. A deactivated organisation is covered by nothing; an erased
person is shared with no one. Nothing is cached across requests (a page may share one read within its
request: lotsa.context.request_memo): every request asks again, so a withdrawal or an
expiry takes effect on the very next request.

What keeps a consent in force is written here too (``covering`` in SQL, ``consent_status`` for one
consent): not withdrawn or superseded, within its dates (the local day), and for a child with every
guardian's consent beside the child's own. A consent recorded for a child (the guardians') covers
only until the day the child comes of age (``Consent.adult_on``, the date of majority written in
clear when the consent is recorded, so that no query decrypts a personal identity number): from that
day on it covers no sharing at all, and only a consent the young person gives as an adult does.

- ``shared_with`` is the rule as a SQL expression over an outer queryset (policies' ``visible``);
- ``sharing_decision`` answers for one piece of information, with its ground;
- ``consents_in_force``, ``organisations_named`` and ``grants_for_person`` say what a person's consents
  name (forming a group, the case page's matrix);
- ``covering`` / ``in_force`` / ``consent_status`` / ``last_day_covered`` / ``sharing_pauses_on``: when a
  consent is in force, and until when.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from consent.models import Consent, ConsentStatus, Disclosure, EmergencyAccess
from lotsa import context
from lotsa.access import Decision
from lotsa.vocabulary import LEGAL_GROUND, Purpose

OWN = "recorded by the viewer's own organisation"
NO_GROUND = "no consent or legal ground covers sharing with this organisation"
NO_PURPOSE = "information crosses to another organisation only for a named purpose"


def covering(at: dt.datetime | None = None) -> Q:
    """The consents in force at ``at``, as a condition on Consent rows: not withdrawn or superseded,
    within their dates (the local day), for a child with the guardians' consents beside the child's
    own, and a child's consent only before the child comes of age."""
    today = timezone.localdate(at or timezone.now())
    return (
        (Q(child_at_consent=False) | Q(guardians_consented__gte=Greatest(Value(1), F("guardians_required"))))
        # A consent recorded for a child ends at majority: without a recorded date of majority it
        # covers nothing (it fails closed).
        & (Q(child_at_consent=False) | Q(adult_on__gt=today))
        & Q(withdrawn_at__isnull=True, superseded_by__isnull=True)
        & Q(valid_from__lte=today, valid_until__gte=today)
    )


def in_force(consents: QuerySet | None = None, at: dt.datetime | None = None) -> QuerySet:
    """``consents`` (every consent, if not given) that are in force at ``at``."""
    return (Consent.objects.all() if consents is None else consents).filter(covering(at))


def consent_status(consent: Consent, at: dt.datetime | None = None) -> str:
    """Where one consent stands at ``at`` (a ``ConsentStatus``): the rule of ``covering``, for one."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    if consent.superseded_by_id:
        return ConsentStatus.SUPERSEDED
    if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
        return ConsentStatus.WITHDRAWN
    if consent.child_at_consent and (consent.adult_on is None or today >= consent.adult_on):
        return ConsentStatus.ENDED_AT_MAJORITY
    if today > consent.valid_until:
        return ConsentStatus.EXPIRED
    if today < consent.valid_from:
        return ConsentStatus.PENDING
    if consent.child_at_consent and consent.guardians_consented < max(1, consent.guardians_required):
        return ConsentStatus.INCOMPLETE
    return ConsentStatus.ACTIVE


def with_status(consents, at: dt.datetime | None = None) -> list[Consent]:
    """The consents as a list, each with its ``current_status`` at ``at`` (for the pages)."""
    rows = list(consents)
    for consent in rows:
        consent.current_status = consent_status(consent, at)
    return rows


def last_day_covered(consent: Consent) -> dt.date:
    """The last day the consent can cover: its own last day, or for a child's the day before the
    child comes of age, if that is earlier."""
    if consent.child_at_consent and consent.adult_on is not None:
        return min(consent.valid_until, consent.adult_on - dt.timedelta(days=1))
    return consent.valid_until


def ends_at_majority(consent: Consent) -> bool:
    """Whether the consent ends because the child comes of age (before its own last day)."""
    return bool(
        consent.child_at_consent and consent.adult_on is not None and consent.adult_on <= consent.valid_until
    )


def sharing_pauses_on(*, person_id, purpose: str, at: dt.datetime | None = None) -> dt.date | None:
    """The day sharing for ``purpose`` stops because the guardians' consents in force end at the
    person's majority, while no consent the person gave as an adult carries it on; None otherwise."""
    consents = list(consents_in_force(person_id=person_id, purpose=purpose, at=at))
    if not consents or not all(ends_at_majority(consent) for consent in consents):
        return None
    return max(consent.adult_on for consent in consents)


def consents_sharing(
    *, organisation_id: int, purpose: str | tuple[str, ...], at: dt.datetime | None = None
) -> QuerySet:
    """The consents in force for ``purpose`` (or any of a tuple of purposes) that name
    ``organisation_id`` (while it is active), of people who are not erased."""
    purposes = {"purpose__in": purpose} if isinstance(purpose, tuple) else {"purpose": purpose}
    return in_force(at=at).filter(
        **purposes,
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


def purposes_consented(*, person_id, viewer_org_id: int, purposes, at: dt.datetime | None = None) -> dict:
    """Of ``purposes``, those for which a consent of the person in force names ``viewer_org_id`` (while
    it is active), each with the id of its first consent by id (the ground :func:`sharing_decision`
    would give). One query whatever it finds, and the same query for a person
    that is None: the cross-unit pointer asks it of every candidate record, and of none, so that the
    work done does not tell a consent from none (cases.access.pointer_decision)."""
    rows = (
        consents_sharing(organisation_id=viewer_org_id, purpose=tuple(purposes), at=at)
        .filter(person_id=person_id)
        .order_by("pk")
        .values_list("purpose", "pk")
    )
    found: dict = {}
    for purpose, consent_id in rows:
        found.setdefault(purpose, consent_id)
    return found


def consents_in_force(*, person_id, purpose: str | None = None, at: dt.datetime | None = None):
    """The person's consents in force at ``at`` (for ``purpose``, if given), with their recipients."""
    consents = in_force(at=at).filter(person_id=person_id, person__erased_at__isnull=True)
    if purpose:
        consents = consents.filter(purpose=purpose)
    return consents.prefetch_related("recipients")


def consents_naming_kind(*, person_ids, purpose: str, kind: str, at: dt.datetime | None = None) -> QuerySet:
    """The consents in force for ``purpose`` of these people that name an active organisation of
    ``kind`` (the defector programme's gate: a consent that names BOPS)."""
    return in_force(at=at).filter(
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


def in_force_among(consents, *, person, at: dt.datetime | None = None) -> list[Consent]:
    """Of the person's consents already read (for a page that lists them too), those in force at
    ``at``: the rule of ``covering`` for each one (``consent_status``), none for an erased person, as
    ``consents_in_force`` would read them again."""
    if person.erased_at is not None:
        return []
    return [
        consent
        for consent in consents
        if consent.withdrawn_at is None and consent_status(consent, at) == ConsentStatus.ACTIVE
    ]


def grants_for_person(
    *, person_id, recorded_by_id: int, at: dt.datetime | None = None, consents_in_force_now=None
) -> list[tuple]:
    """Every crossing that holds now for what ``recorded_by_id`` recorded of the person:
    ``(organisation, category, consent or None, disclosure or None)``, the recording organisation
    itself left out. ``consents_in_force_now``: the person's consents in force with their recipients,
    if the caller has read them already (``in_force_among``), so that a page reads them once."""
    at = at or timezone.now()
    grants = []
    if consents_in_force_now is None:
        consents_in_force_now = consents_in_force(person_id=person_id, at=at)
    for consent in consents_in_force_now:
        recipients = {o.pk: o for o in consent.recipients.all() if o.is_active}
        if recorded_by_id not in recipients:
            continue
        for organisation_id, organisation in recipients.items():
            if organisation_id == recorded_by_id:
                continue
            for category in consent.categories:
                grants.append((organisation, category, consent, None))
    disclosures = Disclosure.objects.filter(
        person_id=person_id,
        organisation_id=recorded_by_id,
        access_until__gte=timezone.localdate(at),
        recipient__is_active=True,
    ).select_related("recipient")
    for disclosure in disclosures:
        for category in disclosure.categories:
            grants.append((disclosure.recipient, category, None, disclosure))
    return grants


def emergency_accesses_open_of(user) -> list[EmergencyAccess]:
    """The user's own emergency accesses open now, the one ending last first: the banner every page
    shows while one is open, and the decisions on each case (:func:`emergency_access_open_for`), from
    one read a request (``emergency_access_start`` forgets it), never across requests."""
    return context.request_memo(
        _emergency_key(user),
        lambda: list(
            EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
                "-expires_at", "-pk"
            )
        ),
    )


def emergency_access_open_for(user, case):
    """The user's own open emergency access to the case, if any: the access decision counts it (two
    steps, with a reason, reviewed afterwards), and the case page shows it."""
    return next((opened for opened in emergency_accesses_open_of(user) if opened.case_id == case.pk), None)


def _emergency_key(user) -> tuple:
    return ("consent.emergency_accesses", user.pk)


def emergency_access_opened(user, case) -> None:
    """Forget the request's memo of the user's emergency accesses (one to ``case`` was just opened)."""
    context.request_forget(_emergency_key(user))
