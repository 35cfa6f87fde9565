"""Protection follows the person (issue 29, item 1): the defector programme raises Jamal Provsson's
protected identity after his protected placement; raised there, it is raised in Rinkeby-Kista's own
record of him too, and his handler there is told on her start page, without being told by whom.

The last scene to touch Jamal: the notice on the handler's start page clears once she has opened
his case since the change, so nothing of hers may name him after it."""

from __future__ import annotations

from cases import services as case_services
from cases.models import Case
from cases.words import Activity
from demo.scenes.accounts import Organisations, Users

LEVEL = "protected_registration"


def load(*, organisations: Organisations, users: Users) -> None:
    lena = users["avhopparverksamheten"]
    jamal = next(
        (
            case
            for case in Case.objects.filter(responsible=lena, activity=Activity.DEFECTOR_PROGRAMME)
            .select_related("person")
            .order_by("opened_at")
            if case.person.surname == "Provsson"
        ),
        None,
    )
    if jamal is None or jamal.person.protected_identity == LEVEL:
        return
    case_services.person_protect(by=lena, case_id=jamal.pk, level=LEVEL)
