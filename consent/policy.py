"""The sharing policy under OSL 10 kap. 1 §: may information recorded by one organisation reach another?

This module is the one place the consent rule is written. ``sharing_decision`` answers for one piece
of information (its person, category and recording organisation),
one viewer organisation, a purpose and a moment: allowed or denied, with its ground (the covering
consent, or the legal ground of a recorded disclosure). Nothing is cached: every request asks
again, so a withdrawal or an expiry takes effect on the very next request. ``shared_scope`` answers
the same question for many people at once (list pages), ``organisations_named`` says which
organisations a person's consents for a purpose name, and ``grants_for_person`` lists every crossing
that holds for a person (the case page's matrix). A consent names the organisations that may share
information *with each other*: the recording organisation must be among them; a deactivated
organisation is covered by nothing; an erased person is shared with no one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from lotsa.access import Decision

OWN = "recorded by the viewer's own organisation"
NO_GROUND = "no consent or legal ground covers sharing with this organisation"


def sharing_decision(
    *,
    person_id,
    category: str,
    recorded_by_id: int,
    viewer_org_id: int | None,
    purpose: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    if viewer_org_id is None:
        return Decision.deny(NO_GROUND)
    if recorded_by_id == viewer_org_id:
        return Decision.allow(OWN)
    scope = shared_scope(
        viewer_org_id=viewer_org_id,
        person_ids=[person_id],
        purpose=purpose,
        at=at,
        recorded_by_id=recorded_by_id,
    )
    grounds = scope.get(person_id, {}).get(category)
    if grounds:
        return Decision.allow("covered", ground=sorted(grounds)[0])
    return Decision.deny(NO_GROUND)


def shared_scope(
    *,
    viewer_org_id: int,
    person_ids=None,
    purpose: str | None = None,
    at: dt.datetime | None = None,
    recorded_by_id: int | None = None,
) -> dict:
    """person id → category → grounds, for everything ``viewer_org_id`` may see of other units'
    records right now. Two queries however many people, for list pages.

    With ``recorded_by_id``, only what that organisation recorded: a consent covers information
    passing between the organisations it names, so the recording one must be named too; and a
    disclosure gives away only the discloser's own information."""
    from accounts.models import Organisation
    from consent.models import Consent, Disclosure

    at = at or timezone.now()
    scope: dict = defaultdict(lambda: defaultdict(set))
    if not Organisation.objects.filter(pk=viewer_org_id, is_active=True).exists():
        return {}  # a deactivated organisation is covered by no consent and no disclosure
    consents = (
        Consent.objects.in_force(at)
        .filter(recipients=viewer_org_id, person__erased_at__isnull=True)
        .prefetch_related("recipients")
    )
    if person_ids is not None:
        consents = consents.filter(person_id__in=list(person_ids))
    for consent in consents:
        recipients = {organisation.pk for organisation in consent.recipients.all()}
        if recorded_by_id is not None and recorded_by_id not in recipients:
            continue
        for category in consent.categories:
            if consent.covers(
                category=category,
                organisation_id=viewer_org_id,
                purpose=purpose,
                at=at,
                recipient_ids=recipients,
            ):
                scope[consent.person_id][category].add(f"consent:{consent.pk}")
    disclosures = Disclosure.objects.filter(
        recipient_id=viewer_org_id, access_until__gte=timezone.localdate(at), person__erased_at__isnull=True
    )
    if recorded_by_id is not None:
        disclosures = disclosures.filter(organisation_id=recorded_by_id)
    if person_ids is not None:
        disclosures = disclosures.filter(person_id__in=list(person_ids))
    for disclosure in disclosures:
        for category in disclosure.categories:
            scope[disclosure.person_id][category].add(f"ground:{disclosure.ground}")
    return {person: dict(categories) for person, categories in scope.items()}


def consents_in_force(*, person_id, purpose: str | None = None, at: dt.datetime | None = None):
    """The person's consents in force at ``at`` (for ``purpose``, if given), with their recipients."""
    from consent.models import Consent

    consents = Consent.objects.in_force(at).filter(person_id=person_id, person__erased_at__isnull=True)
    if purpose:
        consents = consents.filter(purpose=purpose)
    return consents.prefetch_related("recipients")


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
    from consent.models import Disclosure

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
