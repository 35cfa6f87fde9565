"""Text messages: an adapter interface, with no provider wired in.

A municipality that wants text messages writes a class with ``send(to, text)`` (``to`` a phone number
in E.164 form, ``text`` the message) for its provider's API, and names it in the setting
``LOTSA_SMS_ADAPTER`` (a dotted path). The text is the same as the e-mail's first line: that something
waits in Lotsa, never a name or a case. ``send`` raises :class:`TextMessageNotSent` when the provider
refuses, so the notification is recorded as not delivered. Staff accounts hold no phone number yet, so
the reminder job sends e-mail only; see docs/operations.md.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class TextMessageNotSent(Exception):
    """The provider did not take the message (its reason is not kept: it may quote the number)."""


class TextMessageAdapter(Protocol):
    def send(self, to: str, text: str) -> None: ...


def text_message_adapter() -> TextMessageAdapter | None:
    """The configured adapter, or None when no provider is wired in (the default)."""
    if not settings.LOTSA_SMS_ADAPTER:
        return None
    return import_string(settings.LOTSA_SMS_ADAPTER)()
