"""What other apps may want to know about a case, without cases importing them."""

from django.dispatch import Signal

# Sent when the supervisor decides a proposal to close a case: ``case``, ``by``, ``approved``.
case_closing_decided = Signal()

# Sent when one unit's record of a person is erased (``person_erase``), in its transaction: ``person_id``.
# Apps that keep plain dates derived from the person's birth date blank them.
person_erased = Signal()
