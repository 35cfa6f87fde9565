"""Answers of a login provider are accepted once, installation-wide (issue 31: replay).

A session remembers the requests it started and the answers it took, but a copy of an answer posted from
another browser, or to another process, is not in that session. :func:`answer_use` records an answer's
IDs (a SAML Response's and its Assertion's) in one table with a unique column: the first insert wins,
in every process and on both databases, and any later use of the same ID is refused. Rows are kept until
the answer could no longer be accepted anyway (its NotOnOrAfter, with the leeway) and are pruned as new
answers come in.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import UsedAssertion


def _digest(kind: str, identifier: str) -> str:
    return hashlib.sha256(f"{kind}\x1f{identifier}".encode()).hexdigest()


def answer_use(
    *, kind: str, identifiers: list[str], expires_at: dt.datetime, now: dt.datetime | None = None
) -> bool:
    """Record the answer's ``identifiers`` as used until ``expires_at``. False, recording nothing, when
    any of them was used before (anywhere in the installation)."""
    now = now or timezone.now()
    UsedAssertion.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.bulk_create(
                UsedAssertion(digest=_digest(kind, identifier), expires_at=max(expires_at, now))
                for identifier in dict.fromkeys(identifiers)
            )
    except IntegrityError:
        return False
    return True
