"""The sharing policy under OSL 10 kap. 1 §: may information recorded by one organisation reach another?

``decide`` answers for one piece of information (its person, category and recording organisation),
one viewer organisation, a purpose and a moment: allowed or denied, with its ground (the covering
consent, or the legal ground of a recorded disclosure). Nothing is cached: every request asks
again, so a withdrawal or an expiry takes effect on the very next request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from lotsa.access import Decision

OWN = "recorded by the viewer's own organisation"
NO_GROUND = "no consent or legal ground covers sharing with this organisation"


def decide(
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
        recipient_id=viewer_org_id, access_until__gte=timezone.localdate(at)
    )
    if recorded_by_id is not None:
        disclosures = disclosures.filter(organisation_id=recorded_by_id)
    if person_ids is not None:
        disclosures = disclosures.filter(person_id__in=list(person_ids))
    for disclosure in disclosures:
        for category in disclosure.categories:
            scope[disclosure.person_id][category].add(f"ground:{disclosure.ground}")
    return {person: dict(categories) for person, categories in scope.items()}


def crossing_decision(*, user, action: str, subject_id, recorded_by_id: int, purpose: str) -> Decision:
    """The case page itself is the owning unit's workspace: other organisations read what is shared
    with them on the shared pages, entry by entry, never the case as such."""
    return Decision.deny(NO_GROUND)
