"""The sharing policy under OSL 10 kap. 1 §: may information recorded by one organisation reach another?

Until consent records exist (the consent issue builds them, with non-consent legal grounds), there is
no consent and no recorded ground for any person, so the correct answer to every crossing is a
denial. ``lotsa.access`` already asks here for every cross-organisation read, so the consent issue
changes this one function and every page follows.
"""

from __future__ import annotations

from lotsa.access import Decision


def crossing_decision(*, user, action: str, subject_id, recorded_by_id: int, purpose: str) -> Decision:
    """Allowed only with a covering consent or a recorded legal ground; none exists yet."""
    return Decision.deny("no consent or legal ground covers sharing with this organisation")
