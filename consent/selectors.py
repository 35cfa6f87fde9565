"""Reading consents: the scope in plain words, and who outside the owning unit may see what now."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases import queries as case_queries
from consent import policy
from consent.models import Consent, Review
from lotsa import access, crypto
from lotsa.vocabulary import CROSSING_PURPOSES, crossing_purpose_label
from lotsa.waiting import Waiting


def consent_get_for(*, user, case_id, consent_id, purpose: str) -> tuple:
    """A consent of the case's person, read from that case: one recorded decision to view the case
    (the consent is read under its rules; unknown ids are 404). The decision is asked of lotsa.access
    here, as cases.selectors.case_get_for asks it, so the two selectors never import each other."""
    case = case_queries.case_found(case_id=case_id, related=("person", "owner_unit", "responsible"))
    access.check(user, Action.VIEW, case, purpose=purpose)  # one INSERT that commits by itself
    consent = (
        Consent.objects.filter(pk=consent_id, person_id=case.person_id).prefetch_related("recipients").first()
    )
    if consent is None:
        raise Http404
    policy.with_status([consent])
    return case, consent


# --- Lists: each asks, records one access event naming every person it returns, and returns ------


def _ending_soon(*, cases, within_days: int, today):
    """The consents in force of ``cases``' people whose last day falls within ``within_days``: their own
    last day, or (a guardians' consent) the day before the young person comes of age."""
    horizon = today + dt.timedelta(days=within_days)
    return (
        policy.in_force()
        .filter(person__cases__in=cases)
        .filter(Q(valid_until__lte=horizon) | Q(child_at_consent=True, adult_on__lte=horizon))
    )


def consents_expiring_for(*, user, within_days: int | None = None, purpose: str | None = None) -> list:
    """Consents of the user's own cases that end within the warning period (for ``purpose``, if given),
    among them the guardians' consents of a young person about to come of age; one access event per
    consent, naming its person, before anything is shown. Each carries ``last_day`` and
    ``ends_at_majority`` (consent.policy)."""
    within_days = settings.LOTSA_CONSENT_EXPIRY_WARNING_DAYS if within_days is None else within_days
    today = timezone.localdate()
    cases = access.visible_to(user, case_queries.cases_responsible(user=user))
    consents = (
        _ending_soon(
            cases=cases, within_days=max(within_days, settings.LOTSA_MAJORITY_WARNING_DAYS), today=today
        )
        .select_related("person")
        .distinct()
    )
    if purpose:
        consents = consents.filter(purpose=purpose)
    rows = []
    for consent in consents:
        consent.last_day = policy.last_day_covered(consent)
        consent.ends_at_majority = policy.ends_at_majority(consent)
        window = settings.LOTSA_MAJORITY_WARNING_DAYS if consent.ends_at_majority else within_days
        if consent.last_day <= today + dt.timedelta(days=window):
            rows.append(consent)
    rows.sort(key=lambda consent: (consent.last_day, str(consent.pk)))
    with transaction.atomic():
        access.record_list(user, rows, purpose="consents about to expire")
    return rows


def consent_review_queue_for(*, user) -> list[Review]:
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
                    user, case_queries.people().exclude(organisation=user.organisation), purpose=purpose
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
    person = case_queries.people().filter(pk=person_id).exclude(organisation_id=user.organisation_id).first()
    if person is None:
        raise Http404
    with transaction.atomic():
        access.check(user, Action.VIEW, person, purpose=purpose)
        entries = list(
            access.visible_to(user, case_queries.signed_entries_of(person=person), purpose=purpose)
            .select_related("author", "case__owner_unit")
            .order_by("created_at")
        )
        access.record_list(user, entries, action=Action.VIEW, purpose=purpose)
    return person, entries


def waiting_about_consent(user) -> list:
    """For the start page (counts only, never a person): consents of the user's own cases about to
    expire; for a supervisor, disclosures and emergency accesses waiting for review."""
    items = []
    today = timezone.localdate()
    if user.has_role(*CASEWORK_ROLES):
        cases = access.visible_to(user, case_queries.cases_responsible(user=user))
        in_force = policy.in_force().filter(person__cases__in=cases)
        # A guardians' consent that ends when the young person comes of age is counted below, not here.
        ends_at_majority = Q(child_at_consent=True, adult_on__lte=F("valid_until"))
        expiry = today + dt.timedelta(days=settings.LOTSA_CONSENT_EXPIRY_WARNING_DAYS)
        ending = (
            in_force.filter(valid_until__lte=expiry).exclude(ends_at_majority).values("pk").distinct().count()
        )
        if ending:
            items.append(
                Waiting(
                    ngettext("%(n)d consent is about to expire", "%(n)d consents are about to expire", ending)
                    % {"n": ending},
                    reverse("consent:expiring"),
                )
            )
        # A guardians' consent ends when the young person comes of age: the handler asks them about
        # their own consent in good time (one task per person, however many consents end).
        majority = today + dt.timedelta(days=settings.LOTSA_MAJORITY_WARNING_DAYS)
        coming_of_age = (
            in_force.filter(ends_at_majority, adult_on__lte=majority).values("person_id").distinct().count()
        )
        if coming_of_age:
            items.append(
                Waiting(
                    ngettext(
                        "%(n)d young person comes of age soon: ask them about the consent",
                        "%(n)d young people come of age soon: ask them about the consent",
                        coming_of_age,
                    )
                    % {"n": coming_of_age},
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
