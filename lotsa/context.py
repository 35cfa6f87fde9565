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
    # How many access decisions this request has recorded in all (lotsa.posting: a service's refusal
    # that came before any decision is decided as the page's act before its message is shown).
    decided: int = 0


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
