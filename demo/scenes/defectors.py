"""Defector-programme scene: three people handed over from the districts, at three stages of the
programme."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.handovers import services as handover_services
from cases.models import Case, Handover
from consent import services as consent_services
from defectors import services as programme
from demo.scenes.accounts import Organisations, Users


def load(*, organisations: Organisations, users: Users) -> None:
    """The defector programme: Jamal Provsson handed over from Rinkeby-Kista, the gate open, two
    interventions running and a protected placement (his protected registration is raised by the
    protection scene, after every scene that works on his records); Cecilia Exempelsson handed over from
    Hässelby-Vällingby, at the gate with two items missing; Farid Påhittad's referral from
    Spånga-Tensta still undecided after 16 days (overdue)."""
    unit = organisations["Socialförvaltningen, avhopparverksamheten"]
    if Case.objects.filter(owner_unit=unit).exists():
        return
    bops = organisations["Polisen, BOPS"]
    lena, chef, anders = users["avhopparverksamheten"], users["enhetschef.avhopp"], users["polis.bops"]
    today = timezone.localdate()

    def consent(by, case, recipients, categories):
        consent_services.consent_record(
            by=by,
            case_id=case.pk,
            terms=consent_services.ConsentTerms(
                purpose="defector_programme",
                purpose_text="",
                recipient_ids=[r.pk for r in recipients],
                categories=categories,
                valid_from=today,
                valid_until=today + dt.timedelta(days=365),
                given_how="oral",
                witness="Karin Holm",
            ),
        )

    def hand_over(surname, worker, note):
        case = next(
            c
            for c in Case.objects.filter(responsible=worker).select_related("person")
            if c.person.surname == surname
        )
        consent(worker, case, [unit, bops], ["identity_contact", "threat_protection"])
        return handover_services.handover_send(
            by=worker, case_id=case.pk, to_unit_id=unit.pk, purpose="defector_programme", note=note
        )

    jamal = handover_services.handover_accept(
        by=lena,
        handover_id=hand_over(
            "Provsson",
            users["socialsekreterare.rk"],
            "Vill lämna miljön. Polisen bedömer hotet som högt.",
        ).pk,
    )
    consent(lena, jamal, [bops], ["threat_protection", "interventions_plans"])
    programme.bops_assess(
        by=anders,
        person_id=jamal.person_id,
        level="high",
        special_protection_need=True,
        notes="Hot från tidigare kontakter.",
    )
    programme.conditions_record(
        by=lena, case_id=jamal.pk, signed_on=today - dt.timedelta(days=10), witness="Anders Vik, BOPS"
    )
    programme.not_protected_witness_confirm(by=lena, case_id=jamal.pk)
    decision = programme.decision_prepare(
        by=lena,
        case_id=jamal.pk,
        section="sol_4_1",
        text="Bistånd i form av boende med stöd och skuldrådgivning.",
    )
    programme.decision_review(by=chef, decision_id=decision.pk, approve=True, note="")
    budget = programme.intervention_add(
        by=lena,
        case_id=jamal.pk,
        kind="budget_debt",
        section="sol_4_1",
        provider="Budget- och skuldrådgivningen",
        starts_on=today - dt.timedelta(days=5),
        planned_end=today + dt.timedelta(days=90),
    )
    programme.intervention_update(
        by=lena,
        intervention_id=budget.pk,
        status="ongoing",
        follow_up="Första mötet hållet.",
        expected_version=1,
    )
    flat = programme.intervention_add(
        by=lena,
        case_id=jamal.pk,
        kind="training_flat",
        section="sol_4_1",
        provider="Stadens bostadssociala enhet",
        starts_on=today - dt.timedelta(days=3),
        planned_end=today + dt.timedelta(days=180),
    )
    programme.placement_add(
        by=lena,
        intervention_id=flat.pk,
        address={"street": "Skyddad väg 12", "postcode": "123 45", "town": "Stockholm"},
        protected_housing=True,
        outside_stockholm=False,
    )
    cecilia = handover_services.handover_accept(
        by=lena,
        handover_id=hand_over("Exempelsson", users["socialsekreterare.hv"], "Behöver skydd skyndsamt.").pk,
    )
    consent(lena, cecilia, [bops], ["threat_protection"])
    programme.bops_assess(
        by=anders, person_id=cecilia.person_id, level="high", special_protection_need=True, notes=""
    )
    programme.not_protected_witness_confirm(by=lena, case_id=cecilia.pk)
    farid = hand_over("Påhittad", users["socialsekreterare.st"], "Hänvisning efter polisens bedömning.")
    # Demo only: sent 16 days ago, so the overdue flag shows.
    Handover.objects.bypassing_guard("demo: an overdue referral").filter(pk=farid.pk).update(
        sent_at=timezone.now() - dt.timedelta(days=16)
    )
