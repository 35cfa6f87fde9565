"""What other apps may want to know about a case, without cases importing them."""

from django.dispatch import Signal

# Sent when the supervisor decides a proposal to close a case: ``case``, ``by``, ``approved``.
case_closing_decided = Signal()

# Sent when one unit's record of a person is erased (``person_erase``), in its transaction: ``person_id``.
# Apps that keep plain dates derived from the person's birth date blank them.
person_erased = Signal()

# Sent when a record's birth date becomes known for certain (a person recorded without a number is
# given their real number, by merging or by taking it: ``person_merge_decide``), in its transaction:
# ``person_id`` (the record that now holds the number) and ``born`` (its birth date, from the number).
# Apps that keep plain dates derived from the birth date (a consent's day of majority, a group's band
# end) correct them.
person_birth_date_corrected = Signal()
