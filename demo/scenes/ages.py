"""Ages scene (issue 29): the edges a person's age crosses, just ahead of the day the demo is loaded.

* Nora Prövare (demo/scenes/cases.py) is 17 and comes of age 20 days after the demo is loaded. Her
  guardians consented, beside her, to sharing in her intervention group (demo/scenes/sig.py): her
  handler's start page asks to talk to her about her own consent, and her group's page tells every
  member the day sharing pauses.
* Sam Övergångsson, 20, turns 21 sixty days after the demo is loaded: the district's child and youth
  unit's responsibility for him ends, and his handler's start page asks to hand his case over in good
  time.

Idempotent: a person already in the handler's cases is skipped.
"""

from __future__ import annotations

from django.conf import settings

from cases import services
from cases.words import Activity, Milieu, ProtectedIdentity
from demo.scenes.accounts import Organisations, Users
from demo.scenes.cases import known_to, turns_in, with_check_digit


def load(*, organisations: Organisations, users: Users) -> None:
    worker = users["socialsekreterare.rk"]
    if known_to(worker, "Sam", "Övergångsson"):
        return
    nine = turns_in(60, settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE + 1, "517")
    services.case_open(
        by=worker,
        number=with_check_digit(nine),
        details=services.PersonDetails(
            given_names="Sam",
            surname="Övergångsson",
            contact={},
            address={},
            protected_identity=ProtectedIdentity.NONE,
        ),
        activity=Activity.OTHER,
        milieu=Milieu.UNCLEAR,
    )
