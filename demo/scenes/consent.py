"""Consent scene: Adam Testsson's consent to share school and work with the police and Jobbtorg."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case
from cases.words import Activity
from consent import services as consent_services
from consent.models import Consent
from demo.scenes.accounts import Organisations, Users


def load(*, organisations: Organisations, users: Users) -> None:
    """Adam Testsson consents to sharing school and work with the police in Järva and Jobbtorg."""
    worker = users["socialsekreterare.rk"]
    case = (
        Case.objects.filter(responsible=worker, activity=Activity.INTERVENTION_GROUP)
        .order_by("opened_at")
        .first()
    )
    if case is None or Consent.objects.filter(person_id=case.person_id).exists():
        return
    today = timezone.localdate()
    consent_services.consent_record(
        by=worker,
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[
                organisations["Polisen, lokalpolisområde Järva"].pk,
                organisations["Jobbtorg Stockholm"].pk,
            ],
            categories=["school_education", "work_income"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
            given_how="oral",
            witness="Karin Holm",
        ),
    )
