"""Supervision scene: two months of replayed reads, the access-log reviews over them, the
needs-and-risk analyses and two subject access extracts."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from accounts.models import Role
from audit import services as audit
from audit.models import AccessOutcome, Action
from cases.models import Case
from demo.scenes.accounts import RK, Organisations, Users
from supervision import services as supervision
from supervision.models import LogReview, NeedsRiskAnalysis


def load(*, organisations: Organisations, users: Users) -> None:
    """Rinkeby-Kista's supervisor reviews the access log every 30 days: the log holds two past
    months of work (replayed at their times, as reads of the district's people), the earlier month's
    review is signed off, the last month's waits for its marks. The administrator wrote the
    needs-and-risk analyses of the district's roles; the social workers' is approved, the
    supervisors' waits for Karin's approval."""
    karin, amina, admin = users["enhetschef.rk"], users["socialsekreterare.rk"], users["administrator"]
    district = organisations[RK]
    if LogReview.objects.filter(organisation=district).exists():
        return
    if not NeedsRiskAnalysis.objects.filter(organisation=district).exists():
        social = supervision.analysis_write(
            by=admin,
            organisation_id=district.pk,
            role=Role.SOCIAL_WORKER,
            needs="Läser och skriver i de ärenden hen är ansvarig för eller tilldelad; söker personer "
            "på personnummer för att undvika dubbla ärenden.",
            risks="Nyfikenhet i andras ärenden: bara tilldelade ärenden visas, nödåtkomst kräver skäl "
            "och granskas. Skyddade personuppgifter: adressen visas bara för namngivna handläggare.",
        )
        supervision.analysis_approve(by=karin, analysis_id=social.pk)
        supervision.analysis_write(
            by=admin,
            organisation_id=district.pk,
            role=Role.SUPERVISOR,
            needs="Läser enhetens ärenden för att fördela och följa upp dem, och granskar åtkomstloggen.",
            risks="Bred läsbehörighet: chefen ändrar inga ärenden, och chefens egna läsningar granskas "
            "av nästa chefsled.",
        )
    people = list(Case.objects.filter(owner_unit=district).values_list("person_id", flat=True))
    if not people:
        return
    today = timezone.localdate()
    zone = timezone.get_current_timezone()

    def replay(day: dt.date, hour: int, minute: int, **fields) -> None:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), zone)
        clock = mock.Mock(wraps=timezone, now=lambda: moment)
        with mock.patch.object(audit, "timezone", clock):
            audit.append([audit.Event(**fields)])

    colleague = users["socialsekreterare.st"]
    for back in range(60, 0, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for n, person in enumerate(people):
            replay(
                day,
                9 + n % 7,
                5 * n % 60,
                action=Action.VIEW,
                actor=amina,
                target_type="cases.case",
                subject_id=person,
                purpose="casework",
                reason="assigned to the case",
            )
        if back % 9 == 0:
            replay(
                day,
                21,
                40,
                action=Action.VIEW,
                actor=amina,
                target_type="cases.case",
                subject_id=people[0],
                purpose="casework",
                reason="assigned to the case",
            )
        if back % 10 == 3:
            for minute in (1, 2, 4):
                replay(
                    day,
                    14,
                    minute,
                    action=Action.VIEW,
                    outcome=AccessOutcome.DENIED,
                    actor=colleague,
                    target_type="cases.case",
                    subject_id=people[-1],
                    purpose="casework",
                    reason="not assigned to the case",
                )
    supervision.log_review_plan_set(by=karin, every_days=30, random_samples=6, per_rule=2)
    first = supervision.log_review_draw(
        by=karin, start=today - dt.timedelta(days=60), end=today - dt.timedelta(days=31)
    )
    for item in first.items.all():
        if "outside_hours" in item.reasons:
            note = "Kvällsbesök efter larm från skolan; kontrollerat med handläggaren."
            supervision.log_review_item_mark(by=karin, item_id=item.pk, mark="follow_up", note=note)
        else:
            supervision.log_review_item_mark(by=karin, item_id=item.pk, mark="in_order", note="")
    supervision.log_review_sign_off(
        by=karin,
        review_id=first.pk,
        conclusion="Åtkomsten var i sin ordning. Kvällsläsningar följs upp på nästa arbetsplatsträff.",
    )
    supervision.log_review_draw(
        by=karin, start=today - dt.timedelta(days=30), end=today - dt.timedelta(days=1)
    )
    # Adam asked what has been done with his data: Amina prepared the extract, Karin approved it;
    # the next one waits for Karin.
    cases = list(Case.objects.filter(owner_unit=district, responsible=amina).order_by("opened_at")[:2])
    for case, approve in zip(cases, (True, False), strict=False):
        extract = supervision.subject_access_prepare(
            by=amina, case_id=case.pk, with_staff_names=False, reason=""
        )
        if approve:
            supervision.subject_access_decide(by=karin, extract_id=extract.pk, approve=True, note="")
