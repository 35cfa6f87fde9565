from django.db import transaction
from django.shortcuts import get_object_or_404, render

from audit.models import Action
from cases import personal_number
from cases.models import Case
from lotsa import access


def case_detail(request, case_id):
    """The case page: the access decision is recorded before anything is decrypted or rendered."""
    case = get_object_or_404(Case.objects.select_related("person", "owner_unit", "responsible"), pk=case_id)
    with transaction.atomic():
        access.check(request.user, Action.VIEW, case, purpose="casework")
    person = case.person
    number = person.personal_number
    context = {
        "case": case,
        "person": person,
        "personal_number": personal_number.formatted(number) if len(number or "") == 12 else number,
    }
    return render(request, "cases/case_detail.html", context)
