"""The sample of a systematic access-log review: random events plus risk-based selections.

The events in scope are those of the period written by the unit's staff or naming a person the unit
keeps a record of. Each rule picks candidate events; the sample takes up to ``per_rule`` of each
rule's candidates and ``random_samples`` of all events, each with a random generator seeded from the
review's seed and the rule's code, over candidates in id order. The log is append-only, so a closed
period's sample is reproducible from its seed and period.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.queries import accounts_new_or_reset
from audit.models import AccessEvent, AccessEventSubject, AccessOutcome, Action
from cases.queries import handlers_of_unit, people_kept_by, protected_people_kept_by


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    start: dt.datetime
    end: dt.datetime  # exclusive
    events: QuerySet  # AccessEvent
    people: QuerySet  # ids of the unit's people


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    how: str
    candidates: Callable[[Scope], list[int]]


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of ``start`` to local midnight after ``end``."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), zone),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), zone),
    )


def scope_of(organisation_id: int, start: dt.date, end: dt.date) -> Scope:
    begin, finish = period_bounds(start, end)
    people = people_kept_by(organisation_id=organisation_id)
    listed = AccessEventSubject.objects.filter(subject_id__in=people).values("event_id")
    events = AccessEvent.objects.filter(occurred_at__gte=begin, occurred_at__lt=finish).filter(
        Q(actor_organisation_id=organisation_id) | Q(subject_id__in=people) | Q(pk__in=listed)
    )
    return Scope(organisation_id, begin, finish, events, people)


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("id").values_list("id", flat=True))


def _emergency(scope: Scope) -> list[int]:
    return _ids(
        scope.events.filter(
            Q(action=Action.EMERGENCY_ACCESS) | Q(legal_ground__startswith="emergency access")
        )
    )


def _outside_hours(scope: Scope) -> list[int]:
    first, last = settings.LOTSA_WORKING_HOURS
    zone = timezone.get_current_timezone()
    picked = []
    for pk, at in scope.events.exclude(actor_id=None).order_by("id").values_list("id", "occurred_at"):
        local = timezone.localtime(at, zone)
        if local.weekday() >= 5 or not first <= local.hour < last:
            picked.append(pk)
    return picked


def _many_people(scope: Scope) -> list[int]:
    """Single reads of people by one user: the reads in any window of ``LOTSA_REVIEW_BURST_MINUTES``
    in which they opened ``LOTSA_REVIEW_BURST_PEOPLE`` different people or more."""
    threshold, window = (
        settings.LOTSA_REVIEW_BURST_PEOPLE,
        dt.timedelta(minutes=settings.LOTSA_REVIEW_BURST_MINUTES),
    )
    reads = (
        scope.events.filter(outcome=AccessOutcome.ALLOWED, action=Action.VIEW)
        .exclude(actor_id=None)
        .exclude(subject_id=None)
        .order_by("actor_id", "occurred_at", "id")
        .values_list("actor_id", "occurred_at", "id", "subject_id")
    )
    picked: set[int] = set()
    recent: dict[int, deque] = defaultdict(deque)
    for actor, at, pk, subject in reads:
        held = recent[actor]
        held.append((at, pk, subject))
        while held and at - held[0][0] > window:
            held.popleft()
        if len({s for _, _, s in held}) >= threshold:
            picked.update(p for _, p, _ in held)
    return sorted(picked)


def _repeated_denials(scope: Scope) -> list[int]:
    denied = scope.events.filter(outcome=AccessOutcome.DENIED).exclude(actor_id=None)
    counts: dict[int, list[int]] = defaultdict(list)
    for actor, pk in denied.order_by("id").values_list("actor_id", "id"):
        counts[actor].append(pk)
    threshold = settings.LOTSA_REVIEW_REPEATED_DENIALS
    return sorted(pk for pks in counts.values() if len(pks) >= threshold for pk in pks)


def _new_accounts(scope: Scope) -> list[int]:
    """Events by an account created, or whose login was reset, within ``LOTSA_REVIEW_NEW_ACCOUNT_DAYS``
    before the event."""
    days = dt.timedelta(days=settings.LOTSA_REVIEW_NEW_ACCOUNT_DAYS)
    since = accounts_new_or_reset(since=scope.start - days, until=scope.end)
    if not since:
        return []
    picked = []
    rows = (
        scope.events.filter(actor_id__in=list(since))
        .order_by("id")
        .values_list("id", "actor_id", "occurred_at")
    )
    for pk, actor, at in rows:
        if any(moment <= at <= moment + days for moment in since[actor]):
            picked.append(pk)
    return picked


def _not_assigned(scope: Scope) -> list[int]:
    """Reads of one of the unit's people by its own staff who handle no case of that person (the
    supervisors' reads are theirs to review, not this rule's)."""
    handled = handlers_of_unit(organisation_id=scope.organisation_id)
    rows = (
        scope.events.filter(actor_organisation_id=scope.organisation_id, outcome=AccessOutcome.ALLOWED)
        .exclude(subject_id=None)
        .exclude(actor_role="supervisor")
        .filter(subject_id__in=scope.people)
        .order_by("id")
        .values_list("id", "actor_id", "subject_id")
    )
    return [pk for pk, actor, subject in rows if (actor, subject) not in handled]


def _protected(scope: Scope) -> list[int]:
    protected = protected_people_kept_by(organisation_id=scope.organisation_id)
    listed = AccessEventSubject.objects.filter(subject_id__in=protected).values("event_id")
    return _ids(scope.events.filter(Q(subject_id__in=protected) | Q(pk__in=listed)))


RULES: tuple[Rule, ...] = (
    Rule(
        "not_assigned",
        _("Access by someone not assigned"),
        _("A read of one of the unit's people by its own staff who handle no case of that person."),
        _not_assigned,
    ),
    Rule("emergency", _("Emergency access"), _("Every event of emergency access (nödåtkomst)."), _emergency),
    Rule(
        "protected",
        _("Protected identity"),
        _("Events naming a person with protected personal data."),
        _protected,
    ),
    Rule(
        "many_people",
        _("Many people in a short time"),
        _("Reads by one user of many different people within a short time."),
        _many_people,
    ),
    Rule(
        "outside_hours",
        _("Outside working hours"),
        _("Events before or after working hours, or at a weekend."),
        _outside_hours,
    ),
    Rule(
        "repeated_denials",
        _("Repeated denials"),
        _("Every denial of a user who was denied several times in the period."),
        _repeated_denials,
    ),
    Rule(
        "new_account",
        _("New or reset account"),
        _("Events by an account created, or whose login was reset, shortly before."),
        _new_accounts,
    ),
)
RANDOM = "random"


def rule_labels() -> dict[str, str]:
    return {RANDOM: str(_("Random")), **{rule.code: str(rule.label) for rule in RULES}}


def draw(scope: Scope, *, seed: int, random_samples: int, per_rule: int) -> dict[int, list[str]]:
    """The sample: event id -> the codes of what selected it (``random`` and the rules), in order."""
    picked: dict[int, list[str]] = defaultdict(list)
    everything = _ids(scope.events)
    for pk in random.Random(f"{seed}:{RANDOM}").sample(everything, min(random_samples, len(everything))):
        picked[pk].append(RANDOM)
    for rule in RULES:
        candidates = rule.candidates(scope)
        chosen = random.Random(f"{seed}:{rule.code}").sample(candidates, min(per_rule, len(candidates)))
        for pk in chosen:
            picked[pk].append(rule.code)
    return dict(sorted(picked.items()))
