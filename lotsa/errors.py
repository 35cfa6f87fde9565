"""The one kind of refusal a service gives a user: a translated message, and nothing changed.

(An access denial is another thing: ``lotsa.access.AccessDenied``, already in the access log.)
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message for the user (translated). Nothing was changed."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Conflict(DomainError):
    """The object changed after the user's page showed it (optimistic locking): nothing was changed.
    Answered with 409 and the message (``lotsa.posting.conflict_page``), not as a refusal of the user."""
