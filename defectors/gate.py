"""The gate before support starts: the one place its five conditions are written (seed 001 and the
national guidance on defector work). Support cannot be planned until all five hold.

1. BOPS assesses a high threat *and* a special protection need (recorded by a BOPS user);
2. the person's consent to sharing between social services and BOPS (purpose: defector programme)
   is in force;
3. the police conditions form is signed (date and witness);
4. the person is confirmed not to be a protected witness;
5. a social-services decision on support is approved by the supervisor (reviewer ≠ author).

``gates_for`` answers for many cases in a constant number of queries (the programme's overview).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from consent import policy
from defectors.models import BopsAssessment, DecisionStatus, Enrolment, SupportDecision
from lotsa.vocabulary import Purpose

BOPS, CONSENT, CONDITIONS, NOT_WITNESS, DECISION = "bops", "consent", "conditions", "not_witness", "decision"

LABELS = {
    BOPS: _("BOPS assesses a high threat and a special protection need"),
    CONSENT: _("Consent to sharing between social services and BOPS, in force"),
    CONDITIONS: _("The police conditions form, signed"),
    NOT_WITNESS: _("Confirmed not to be a protected witness"),
    DECISION: _("A decision on support, approved by the supervisor"),
}


@dataclass(frozen=True)
class GateItem:
    code: str
    held: bool
    missing: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.code])


@dataclass(frozen=True)
class Gate:
    items: tuple[GateItem, ...]

    @property
    def open(self) -> bool:
        return all(item.held for item in self.items)

    @property
    def held(self) -> int:
        return sum(item.held for item in self.items)

    @property
    def missing(self) -> list[GateItem]:
        return [item for item in self.items if not item.held]


def _bops_item(latest) -> GateItem:
    if latest is None:
        return GateItem(BOPS, False, str(_("BOPS has not assessed the person yet.")))
    if not latest.opens_the_programme:
        return GateItem(
            BOPS,
            False,
            str(_("BOPS's latest assessment: threat %(level)s, special protection need %(need)s."))
            % {
                "level": latest.get_level_display().lower(),
                "need": _("yes") if latest.special_protection_need else _("no"),
            },
        )
    return GateItem(BOPS, True)


def gates_for(cases, *, enrolments: dict | None = None, approved: set | None = None) -> dict:
    """The gate of each case (by case id), in five queries whatever the number of cases; three when
    the caller has read the cases' enrolments (by case id) and the ids of those with an approved
    decision already (the programme's page)."""
    cases = list(cases)
    ids = [case.pk for case in cases]
    if enrolments is None:
        enrolments = {e.case_id: e for e in Enrolment.objects.filter(case_id__in=ids)}
    latest = {}
    assessments = BopsAssessment.objects.filter(case_id__in=ids)
    for assessment in assessments.order_by("case_id", "-assessed_on", "-recorded_at"):
        latest.setdefault(assessment.case_id, assessment)
    if approved is None:
        approved = set(
            SupportDecision.objects.filter(case_id__in=ids, status=DecisionStatus.APPROVED).values_list(
                "case_id", flat=True
            )
        )
    naming_bops = policy.consents_naming_kind(
        person_ids=[case.person_id for case in cases],
        purpose=Purpose.DEFECTOR_PROGRAMME,
        kind=OrganisationKind.BOPS,
    )
    consented = set(naming_bops.values_list("person_id", flat=True))
    gates = {}
    for case in cases:
        enrolment = enrolments.get(case.pk)
        conditions = enrolment is not None and enrolment.conditions_signed
        witness = enrolment is not None and enrolment.not_protected_witness_confirmed_at is not None
        gates[case.pk] = Gate(
            (
                _bops_item(latest.get(case.pk)),
                GateItem(
                    CONSENT,
                    case.person_id in consented,
                    ""
                    if case.person_id in consented
                    else str(_("Record the person's consent for the defector programme that names BOPS.")),
                ),
                GateItem(
                    CONDITIONS, conditions, "" if conditions else str(_("Record the signed conditions form."))
                ),
                GateItem(
                    NOT_WITNESS,
                    witness,
                    ""
                    if witness
                    else str(_("Confirm with the police that the person is not a protected witness.")),
                ),
                GateItem(
                    DECISION,
                    case.pk in approved,
                    ""
                    if case.pk in approved
                    else str(_("Prepare a decision on support for the supervisor to approve.")),
                ),
            )
        )
    return gates


def gate_for(case) -> Gate:
    return gates_for([case])[case.pk]
