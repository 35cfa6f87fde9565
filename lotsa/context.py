"""Who is asking, for the request being served: read by the audit trail and the access kernel."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class RequestInfo:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    client_ip: str = ""
    user: object | None = None
    # The access decisions of this request whose transaction has not committed yet, by their event's
    # token, so that one rolled back with a refused change is written again (access.keep_decisions).
    decisions: dict = field(default_factory=dict)
    # A rolled-back decision written again: its old event token -> the new one (access.ensure_recorded
    # then knows a denial's event is already back, and does not write it twice).
    rewritten: dict = field(default_factory=dict)
    # How many access decisions this request has recorded in all (lotsa.posting: a service's refusal
    # that came before any decision is decided as the page's act before its message is shown).
    decided: int = 0
    # What this request has read once and shares between its decisions and its page (request_memo):
    # dropped with the request, so that nothing read here outlives it.
    memo: dict = field(default_factory=dict)


_current: ContextVar[RequestInfo | None] = ContextVar("lotsa_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


@contextlib.contextmanager
def bind(info: RequestInfo) -> Iterator[RequestInfo]:
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


_UNSET = object()


def request_memo(key, compute):
    """``compute()``, read once for the request being served and shared within it; outside a request
    (a command, a task, a test calling a selector) computed every time. Never kept across requests,
    so a withdrawal or an expiry takes effect on the next one."""
    info = _current.get()
    if info is None:
        return compute()
    value = info.memo.get(key, _UNSET)
    if value is _UNSET:
        value = info.memo[key] = compute()
    return value


def request_forget(key) -> None:
    """Drop what the request remembered under ``key`` (it has just changed)."""
    info = _current.get()
    if info is not None:
        info.memo.pop(key, None)
