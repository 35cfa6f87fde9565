"""The one decision point (architecture invariant 1).

Every view asks, before it touches personal data::

    decision = access.check(user, Action.VIEW, case, purpose="...")

``check`` decides, writes the decision (allowed or denied) to the access log in the caller's
transaction, and raises :class:`AccessDenied` when denied. If the event cannot be written, the
exception propagates and the caller shows no data. Lists use ``visible_to`` (a SQL filter, constant
number of queries) and ``record_list`` (one event naming every person shown).

Rules live in per-model policies that domain apps register (``access.register(Case, CasePolicy())``),
so this module stays small. Anything without a policy is denied.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction

from audit import services as audit
from audit.models import AccessOutcome, Action
from lotsa import context


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    ground: str = ""

    @classmethod
    def allow(cls, reason: str, ground: str = "") -> Decision:
        return cls(True, reason, ground)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        return cls(False, reason)


class AccessDenied(PermissionDenied):
    """A denial that is already in the access log (``event_token`` names its event)."""

    def __init__(
        self,
        decision: Decision,
        *,
        action: str,
        target_type: str,
        target_id: str,
        subject_id=None,
        purpose: str = "",
        event_token: str = "",
    ):
        super().__init__(decision.reason)
        self.decision = decision
        self.action = action
        self.target_type = target_type
        self.target_id = target_id
        self.subject_id = subject_id
        self.purpose = purpose
        self.event_token = event_token


class Policy:
    """What a model's policy answers. Subclasses override both."""

    def decide(self, user, action: str, obj, purpose: str) -> Decision:
        return Decision.deny("no rule allows this")

    def visible(self, user, queryset: models.QuerySet, purpose: str = "") -> models.QuerySet:
        return queryset.none()


_policies: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    _policies[model] = policy


def policy_for(model: type[models.Model]) -> Policy | None:
    return _policies.get(model)


def subject_of(obj) -> uuid.UUID | None:
    getter = getattr(obj, "access_subject_id", None)
    return getter() if callable(getter) else None


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def decide(user, action: str, obj, purpose: str = "") -> Decision:
    """The decision alone, without recording it. Views use :func:`check`."""
    if not _usable(user):
        return Decision.deny("not logged in")
    policy = _policies.get(type(obj))
    if policy is None:
        return Decision.deny(f"no access policy for {obj._meta.label}")
    return policy.decide(user, action, obj, purpose)


def _record_decision(**fields) -> audit.AccessEvent:
    """Write a decision's event now, and remember it (keep_decisions) until its transaction commits;
    written outside any transaction, it has committed already and cannot be rolled back."""
    event = audit.append([audit.Event(**fields)])[0]
    info = context.current()
    if info is not None:
        info.decided += 1
    if info is not None and connection.in_atomic_block:
        token = audit.token(event)
        info.decisions[token] = fields
        # Once the transaction commits, the event cannot be rolled back any more: stop tracking it.
        transaction.on_commit(lambda: info.decisions.pop(token, None))
    return event


def keep_decisions() -> None:
    """At the end of a request: every decision it made is in the access log. A decision whose event
    was rolled back with the change it allowed (a refusal after the decision, a failed write) is
    written again, outside that transaction; if that fails, the response fails and shows nothing.
    Decisions written in autocommit are not checked: they committed when they were written."""
    info = context.current()
    if info is None or not info.decisions:
        return
    present = audit.present(info.decisions)
    for old in [t for t in info.decisions if t not in present]:
        fields = info.decisions.pop(old)
        event = audit.append([audit.Event(**fields)])[0]
        info.decisions[audit.token(event)] = fields
        info.rewritten[old] = audit.token(event)


def check(user, action: str, obj, *, purpose: str = "", naming: Iterable = ()) -> Decision:
    """Decide, record the decision, and raise :class:`AccessDenied` if it is a denial. ``naming``: the
    other people the one act concerns besides the object's subject (merging two records of a person
    names both), named by the same event."""
    decision = decide(user, action, obj, purpose)
    target_type, subject = obj._meta.label_lower, subject_of(obj)
    target_id = "" if obj.pk is None else str(obj.pk)
    others = [other for other in naming if other is not None and other != subject]
    event = _record_decision(
        action=action,
        outcome=AccessOutcome.ALLOWED if decision.allowed else AccessOutcome.DENIED,
        actor=user,
        target_type=target_type,
        target_id=target_id,
        subject_id=subject,
        purpose=purpose,
        legal_ground=decision.ground,
        reason=decision.reason,
        subjects=[subject, *others] if others else [],
    )
    if not decision.allowed:
        raise AccessDenied(
            decision,
            action=action,
            target_type=target_type,
            target_id=target_id,
            subject_id=subject,
            purpose=purpose,
            event_token=audit.token(event),
        )
    return decision


def check_as_shown(user, action: str, as_shown, *, purpose: str = "", changed: str) -> Decision:
    """For a post made from a page showing an older version of an object, which has changed since
    (``changed`` says how: recorded as the reason). It is judged against the object as that page
    showed it (``as_shown``), so whoever loses a race is not recorded as denied: someone the rule
    would have refused then is denied (recorded, raised) as by :func:`check`; anyone else's one
    event is a conflict, with the rule's reason and what changed, and the caller refuses the change
    (nothing is done)."""
    decision = decide(user, action, as_shown, purpose)
    if not decision.allowed:
        return check(user, action, as_shown, purpose=purpose)
    _record_decision(
        action=action,
        outcome=AccessOutcome.CONFLICT,
        actor=user,
        target_type=as_shown._meta.label_lower,
        target_id="" if as_shown.pk is None else str(as_shown.pk),
        subject_id=subject_of(as_shown),
        purpose=purpose,
        legal_ground=decision.ground,
        reason=f"{decision.reason}; {changed}",
    )
    return decision


def holds_role(user, *roles: str) -> bool:
    """What :func:`require_role` would answer, unrecorded: for a menu or a link that offers a page
    decided by role, so that it offers the page to exactly those the page lets in."""
    return _usable(user) and user.has_role(*roles)


def require_role(
    user, *roles: str, action: str = Action.VIEW, target: str = "", purpose: str = ""
) -> Decision:
    """For pages decided by role alone (account management, lists whose rows are decided and recorded
    one by one). The decision is recorded either way, so no page has to remember to."""
    if holds_role(user, *roles):
        decision = Decision.allow("role: " + ",".join(sorted(str(r) for r in user.role_codes() & set(roles))))
        _record_decision(
            action=action, actor=user, target_type=target, purpose=purpose, reason=decision.reason
        )
        return decision
    decision = Decision.deny("role required: " + ",".join(sorted(str(r) for r in roles)))
    event = _record_decision(
        action=action, outcome=AccessOutcome.DENIED, actor=user, target_type=target, reason=decision.reason
    )
    raise AccessDenied(
        decision, action=action, target_type=target, target_id="", event_token=audit.token(event)
    )


def ensure_recorded(denial: AccessDenied, *, actor) -> None:
    """Make sure a denial is in the access log. ``check`` records it where it is called; if that was
    inside a transaction that was then rolled back, the event is gone, so it is written again here.
    Whoever catches an :class:`AccessDenied` to show something else calls this, outside the rolled-back
    transaction (the 403 middleware does it for every denial that reaches it)."""
    info = context.current()
    if info is not None and denial.event_token in info.rewritten:
        denial.event_token = info.rewritten[denial.event_token]  # written again by keep_decisions
    if denial.event_token and audit.present([denial.event_token]):
        return
    if info is not None:
        info.decisions.pop(denial.event_token, None)
    event = _record_decision(
        action=denial.action,
        outcome=AccessOutcome.DENIED,
        actor=actor,
        target_type=denial.target_type,
        target_id=denial.target_id,
        subject_id=denial.subject_id,
        purpose=denial.purpose,
        reason=denial.decision.reason,
    )
    denial.event_token = audit.token(event)


@contextlib.contextmanager
def page_commit(*, actor) -> Iterator[None]:
    """A page's decision and what it writes because of it (the list's event, the visit it allows)
    commit together: one commit a page, not one per write (on PostgreSQL each commit waits for its log
    to reach the disk). Whatever ends the block early (a denial, a 404 after the page's decision)
    rolls its writes back; the decisions it made are then written again at once, in the order they
    were made (keep_decisions), and a denial is made sure of (ensure_recorded), before the exception
    goes on to whoever shows the refusal. Outermost, that never depends on who catches it; inside an
    outer transaction that is rolled back too, the end of the request writes them again."""
    try:
        with transaction.atomic():
            yield
    except BaseException as failure:
        keep_decisions()
        if isinstance(failure, AccessDenied):
            ensure_recorded(failure, actor=actor)
        raise


def visible_to(user, queryset: models.QuerySet, *, purpose: str = "") -> models.QuerySet:
    """``queryset`` narrowed, in SQL, to what ``user`` may see (for ``purpose``: what crosses from
    another organisation crosses for a named purpose only). Unknown models: nothing."""
    if not _usable(user):
        return queryset.none()
    policy = _policies.get(queryset.model)
    if policy is None:
        return queryset.none()
    return policy.visible(user, queryset, purpose)


def record_list(user, objects: Iterable, *, action: str = Action.LIST, purpose: str = "") -> None:
    """One access event for what a list shows, naming every person in it (one indexed row each),
    written before the page is rendered. A list that shows one object names it as a single read does.
    """
    objects = list(objects)
    if not objects:
        return
    subjects = [subject_of(obj) for obj in objects]
    labels = sorted({obj._meta.label_lower for obj in objects})
    single = len(objects) == 1
    audit.append(
        [
            audit.Event(
                action=action,
                actor=user,
                target_type=",".join(labels)[:100],
                target_id=str(objects[0].pk) if single else "",
                subject_id=subjects[0] if single else None,
                subjects=[] if single else subjects,
                purpose=purpose,
                reason="listed" if single else f"listed {len(objects)}",
            )
        ]
    )
