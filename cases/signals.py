"""What other apps may want to know about a case, without cases importing them."""

from django.dispatch import Signal

# Sent when the supervisor decides a proposal to close a case: ``case``, ``by``, ``approved``.
case_closing_decided = Signal()
