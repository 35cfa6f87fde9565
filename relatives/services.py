"""Changes in a relative's support: the relation to the person concerned and support conversations.
Each is atomic and decided first as a change of the relative's case (its UPDATE rule)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import Action
from cases import personal_number as pnr
from cases import queries as case_queries
from cases.services import person_find
from lotsa import access
from lotsa.errors import DomainError
from relatives.models import ConversationForm, Relation, RelationKind, SupportConversation

# A support conversation with nothing written about it is refused, not kept for ever (the form says it
# at the field; this refuses it for every caller).
EMPTY_CONVERSATION = _("Write what the conversation was about. A conversation without notes is not recorded.")


def _changing(by: User, case_id, purpose: str):
    case = case_queries.case_for_service(
        case_id=case_id, related=("person", "owner_unit"), lock=True, lock_of=("self",)
    )
    access.check(by, Action.UPDATE, case, purpose=purpose)
    return case


@transaction.atomic
def relation_add(
    *, by: User, case_id, kind: str, concerned_name: str, concerned_number: str, notes: str
) -> Relation:
    """Record, in the relative's own case, whom they are a relative of. The person concerned is named
    here only, encrypted under the relative's key; no record of the person is linked or touched."""
    case = _changing(by, case_id, "record a relation")
    if kind not in RelationKind.values:
        raise DomainError(_("Choose the relation."))
    if not (concerned_name or "").strip():
        raise DomainError(_("Name the person concerned."))
    number = (concerned_number or "").strip()
    if number:
        try:
            number = pnr.normalise(number)
        except pnr.InvalidPersonalNumber as error:
            raise DomainError(error.message) from None
    known = person_find(organisation=case.owner_unit, number=number) if number else None
    relation = Relation(
        case=case, person_id=case.person_id, kind=kind, recorded_by=by, concerned_person=known
    )
    relation.concerned_name = concerned_name.strip()
    relation.concerned_number = number or None
    relation.notes = (notes or "").strip() or None
    relation.save()
    return relation


@transaction.atomic
def conversation_record(
    *, by: User, case_id, held_on: dt.date | None, form: str, notes: str, follow_up_on: dt.date | None
) -> SupportConversation:
    case = _changing(by, case_id, "record a support conversation")
    case_queries.happened_on_check(held_on, case=case)
    if form not in ConversationForm.values:
        raise DomainError(_("Choose the form of the conversation."))
    if follow_up_on is not None and follow_up_on < held_on:
        raise DomainError(_("The follow-up comes after the conversation."))
    if not (notes or "").strip():
        raise DomainError(EMPTY_CONVERSATION)
    conversation = SupportConversation(
        case=case,
        person_id=case.person_id,
        held_on=held_on,
        form=form,
        follow_up_on=follow_up_on,
        recorded_by=by,
    )
    conversation.notes = (notes or "").strip() or None
    conversation.save()
    return conversation
