"""People without a Swedish number (issue 30, item 2).

* Amir Utansson: the school called about "Amir, born 2009"; he has no Swedish number yet. Spånga-
  Tensta records him with a reserve identity Lotsa issues and the year he was born (a year only).
* Dana Väntesson, who came back from abroad, was recorded with an approximate birth date; the tax
  agency has since given her a coordination number. Her handler asked to give it to her record, and the
  unit's supervisor has the request on her start page (a merge waits for four eyes).
* Amir was entered twice: a police report named "Amir Utansson, born 2009-05-12", and a colleague's
  hurried entry recorded him again with that birth date. Both case pages flag the other record as
  possibly the same person (same names, and the day falls in the year recorded first); the handler
  may mark them "not the same person" or ask the supervisor to merge them (issue 30, item 4).

Idempotent: a person already in the handler's cases is skipped.
"""

from __future__ import annotations

import datetime as dt

from cases import reserve_identity as reserve
from cases import services
from cases.words import Activity, Milieu, ProtectedIdentity
from demo.scenes.accounts import Organisations, Users
from demo.scenes.cases import known_to, with_check_digit


def _details(given: str, surname: str, born: dt.date, precision: str) -> services.PersonDetails:
    return services.PersonDetails(
        given_names=given,
        surname=surname,
        contact={},
        address={},
        protected_identity=ProtectedIdentity.NONE,
        birth_date=born,
        birth_date_precision=precision,
    )


def load(*, organisations: Organisations, users: Users) -> None:
    worker = users["socialsekreterare.st"]
    if known_to(worker, "Amir", "Utansson"):
        return
    services.case_open(
        by=worker,
        number="",
        details=_details("Amir", "Utansson", dt.date(2009, 1, 1), reserve.BirthDatePrecision.YEAR),
        activity=Activity.OTHER,
        milieu=Milieu.UNCLEAR,
    )
    services.case_open(
        by=worker,
        number="",
        details=_details("Amir", "Utansson", dt.date(2009, 5, 12), reserve.BirthDatePrecision.EXACT),
        activity=Activity.OTHER,
        milieu=Milieu.UNCLEAR,
    )
    dana = services.case_open(
        by=worker,
        number="",
        details=_details("Dana", "Väntesson", dt.date(1996, 6, 1), reserve.BirthDatePrecision.APPROXIMATE),
        activity=Activity.OTHER,
        milieu=Milieu.UNCLEAR,
    )
    services.person_merge_request(
        by=worker,
        case_id=dana.pk,
        number=with_check_digit("960661473"),  # a coordination number: day + 60
        reason="Skatteverket beslutade om samordningsnummer; beslutet finns i akten.",
    )
