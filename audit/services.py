"""Writing to the access log. Every append takes the chain's lock, so the chain never forks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import CHAINED_FIELDS, event_hash, make_anchor, read_anchors, verify_rows
from audit.models import AccessEvent, Action, Outcome
from lotsa import context

# Any fixed 64-bit number, the same in every process: the key of the PostgreSQL advisory lock.
_CHAIN_LOCK_KEY = 0x4C4F5453415F4155  # "LOTSA_AU"


@dataclass
class Event:
    """An event not yet chained. Reason, purpose and ground are codes or short texts, never personal data."""

    action: str
    outcome: str = Outcome.ALLOWED
    actor: object | None = None
    target_type: str = ""
    target_id: str = ""
    subject_id: object | None = None
    purpose: str = ""
    legal_ground: str = ""
    reason: str = ""
    actor_username: str | None = None
    extra: dict = field(default_factory=dict)


def _actor_snapshot(actor, username_override: str | None) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {
            "actor_id": None,
            "actor_username": (username_override or "")[:150],
            "actor_organisation_id": None,
            "actor_organisation": "",
            "actor_role": "",
        }
    organisation = getattr(actor, "organisation", None)
    roles = actor.role_codes() if hasattr(actor, "role_codes") else []
    return {
        "actor_id": actor.pk,
        "actor_username": actor.get_username()[:150],
        "actor_organisation_id": getattr(organisation, "pk", None),
        "actor_organisation": (organisation.name if organisation else "")[:200],
        "actor_role": ",".join(sorted(roles))[:200],
    }


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: the connection runs in IMMEDIATE mode, so the transaction already holds the write lock.


def _head() -> tuple[int, str]:
    head = AccessEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head else (0, AccessEvent.GENESIS_HASH)


def _values(event: Event, info) -> dict:
    actor = event.actor if event.actor is not None else (info.user if info else None)
    values = _actor_snapshot(actor, event.actor_username)
    values.update(
        occurred_at=timezone.now(),
        action=str(event.action),
        target_type=event.target_type[:100],
        target_id=str(event.target_id)[:64],
        subject_id=event.subject_id,
        purpose=str(event.purpose)[:100],
        legal_ground=str(event.legal_ground)[:100],
        outcome=str(event.outcome),
        reason=str(event.reason)[:300],
        request_id=(info.request_id if info else "")[:64],
        client_ip=(info.client_ip if info else "")[:45],
    )
    return values


def append(events: Iterable[Event]) -> list[AccessEvent]:
    """Chain and insert events, atomically, in the caller's transaction if there is one.

    If anything fails, the exception propagates and nothing is written: callers must then show no
    data (the access kernel and the views rely on that).
    """
    events = list(events)
    if not events:
        return []
    info = context.current()
    with transaction.atomic():
        _lock_chain()
        seq, prev_hash = _head()
        rows = []
        for event in events:
            seq += 1
            values = _values(event, info)
            values.update(seq=seq, prev_hash=prev_hash)
            values["hash"] = event_hash(values)
            prev_hash = values["hash"]
            rows.append(AccessEvent(**values))
        return AccessEvent.objects.bulk_create(rows)


def record(**kwargs) -> AccessEvent:
    """Append one event: ``record(action=Action.VIEW, actor=user, target=obj, ...)``."""
    target = kwargs.pop("target", None)
    if target is not None:
        kwargs.setdefault("target_type", target._meta.label_lower)
        kwargs.setdefault("target_id", str(target.pk))
    return append([Event(**kwargs)])[0]


def record_denial(*, action: str, reason: str, **kwargs) -> AccessEvent:
    return record(action=action, outcome=Outcome.DENIED, reason=reason, **kwargs)


# --- Verification and anchoring -------------------------------------------------------------------


def stream_events(chunk_size: int = 5000):
    """Every event in chain order, streamed (a server-side cursor on PostgreSQL)."""
    fields = (*CHAINED_FIELDS, "hash")
    queryset = AccessEvent.objects.order_by("seq").values(*fields)
    return queryset.iterator(chunk_size=chunk_size)


def _anchor_seed() -> bytes:
    from lotsa.crypto import key_material

    return key_material().anchor_signing_key


def anchor_path() -> Path:
    return Path(settings.LOTSA_AUDIT_ANCHOR_FILE)


def verify(chunk_size: int = 5000):
    anchors = read_anchors(anchor_path(), _anchor_seed())
    if connection.vendor == "postgresql":
        # A server-side cursor needs a transaction; a read-only snapshot one sees a single state
        # of the chain however long the verification takes.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return verify_rows(stream_events(chunk_size), anchors)
    return verify_rows(stream_events(chunk_size), anchors)


def write_anchor() -> dict:
    """Append the signed current head to the anchor file (outside the database) and return it."""
    seq, head_hash = _head()
    anchor = make_anchor(seq, head_hash, _anchor_seed())
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(json.dumps(anchor, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return anchor


__all__ = ["Action", "Event", "Outcome", "append", "record", "record_denial", "verify", "write_anchor"]
