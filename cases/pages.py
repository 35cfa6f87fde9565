"""What the pages of the cases app share, the case core's and its sub-domains' (hand-overs, first
contacts): where a case's page is, and a person's details as a form gives them to a service."""

from __future__ import annotations

from django.urls import reverse

from cases.services import PersonDetails


def detail(case_or_id) -> str:
    """The address of the case's page."""
    case_id = getattr(case_or_id, "pk", case_or_id)
    return reverse("cases:detail", kwargs={"case_id": case_id})


def person_details(form) -> PersonDetails:
    """The person's details from a form that asks for them (cases.forms.OpenCaseForm and its kin)."""
    data = form.cleaned_data
    return PersonDetails(
        given_names=data["given_names"],
        surname=data["surname"],
        contact=form.contact(),
        address=form.address(),
        protected_identity=data["protected_identity"],
        birth_date=data.get("born"),
        birth_date_precision=data.get("birth_date_precision", ""),
    )
