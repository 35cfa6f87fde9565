"""Sending a de-identified report. Decided first (lotsa.access), then checked again for anything that
identifies someone (the form checks too, but the service is the rule), then stored with the sending
unit — never the sending person."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, User
from audit.models import Action
from coordination.identity import identifying_parts
from coordination.indicators import snapshot
from coordination.models import (
    REPORTED_MILIEUS,
    AgeBand,
    DeidentifiedReport,
    ReportKind,
    Setting,
    SituationPicture,
)
from lotsa import access
from lotsa.errors import DomainError

SEND_PURPOSE = "de-identified report"
SITUATION_PURPOSE = "local situation picture"
# A report is about violent extremism: its milieu is named, or unclear — never "not relevant".


@transaction.atomic
def deidentified_report_send(
    *,
    by: User,
    administration_id,
    area: str,
    occurred_on: dt.date,
    kind: str,
    milieu: str,
    setting: str,
    age_band: str,
    description: str,
) -> DeidentifiedReport:
    report = DeidentifiedReport(
        administration_id=administration_id,
        area=area.strip(),
        occurred_on=occurred_on,
        kind=kind,
        milieu=milieu,
        setting=setting,
        age_band=age_band,
        description=description.strip(),
        from_unit_id=by.organisation_id,
    )
    # Decided before anything is checked, and recorded without the report's id (it has none yet, and
    # is never looked up by its sender): the log says that this user sent a report, not which one.
    access.check(by, Action.CREATE, report, purpose=SEND_PURPOSE)
    if not Organisation.objects.filter(
        pk=administration_id, kind=OrganisationKind.DISTRICT_ADMINISTRATION, is_active=True
    ).exists():
        raise DomainError(_("Choose the district administration where it happened."))
    if kind not in ReportKind.values or milieu not in REPORTED_MILIEUS or setting not in Setting.values:
        raise DomainError(_("Choose from the lists."))
    if age_band not in AgeBand.values:
        raise DomainError(_("Choose from the lists."))
    if occurred_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."))
    if not report.area or not report.description:
        raise DomainError(_("Give the area and a short description."))
    reasons = identifying_parts(report.area) + identifying_parts(report.description)
    if reasons:
        raise DomainError(" ".join(dict.fromkeys(reasons)))
    report.save()
    return report


@transaction.atomic
def situation_picture_write(
    *, by: User, administration_id, year: int, coordinator_assessment: str, police_assessment: str
) -> SituationPicture:
    """A new version of an administration's situation picture: the two assessments, and the counts of
    the area as they are published now (protected; the version keeps them as they were)."""
    picture = SituationPicture(
        administration_id=administration_id,
        year=year,
        coordinator_assessment=coordinator_assessment.strip(),
        police_assessment=police_assessment.strip(),
        written_by=by,
    )
    access.check(by, Action.CREATE, picture, purpose=SITUATION_PURPOSE)
    if not 2000 <= year <= timezone.localdate().year:
        raise DomainError(_("Choose a year up to this one."))
    if not picture.coordinator_assessment or not picture.police_assessment:
        raise DomainError(_("Write both assessments: the coordinator's and the police's."))
    reasons = identifying_parts(picture.coordinator_assessment) + identifying_parts(picture.police_assessment)
    if reasons:
        raise DomainError(" ".join(dict.fromkeys(reasons)))
    latest = (
        SituationPicture.objects.select_for_update()
        .filter(administration_id=administration_id, year=year)
        .order_by("-version")
        .first()
    )
    picture.version = (latest.version if latest else 0) + 1
    picture.counts = {"tables": snapshot(administration_id, year)}
    picture.save()
    return picture
