"""Retention's acts: draw a unit's destruction list, approve it, hold a record, review a hold, record
what went to the archive, and carry out an approved list (the erasure and its certificate).

Every act by a person is decided by lotsa.access first (one decision, one event); the scheduled work's
acts (drawing, carrying out) are recorded as the access log's events of their own, actor "retention".
The erasure goes through the one domain service that erases (``cases.services.person_erase``), whose
reason names the list and the rule only: it goes into the access log.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.roles import Role
from audit import services as audit
from audit.models import Action
from cases import queries as case_queries
from cases import services as case_services
from lotsa import access, crypto
from lotsa.errors import DomainError
from retention import archive, certificate, entries, rules
from retention.access import RETENTION
from retention.models import DestructionList, Hold, HoldReason, ItemState, ListItem, ListStatus

JOB = "retention"  # the access log's actor name for the scheduled work


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def facts_of(people: list, *, held: set, birth_days: bool = True, last=None, counts=None) -> dict:
    """person id -> rules.Facts, for people already loaded (their birth dates are decrypted here,
    unless ``birth_days`` is false: then the research day is unknown). ``last`` and ``counts``: the
    entries' answers, if already read."""
    ids = [person.pk for person in people]
    last = entries.last_entries(ids) if last is None else last
    counts = entries.open_cases_and_placements(ids) if counts is None else counts
    found = {}
    for person in people:
        open_cases, placements = counts.get(person.pk, (0, 0))
        born = person.birth_date if birth_days and person.erased_at is None else None
        found[person.pk] = rules.Facts(
            last_entry_at=last.get(person.pk),
            open_cases=open_cases,
            birth_day=born.day if born and not person.birth_date_is_approximate else None,
            has_placement=bool(placements),
            held=person.pk in held,
            erased=person.erased_at is not None,
        )
    return found


def held_people(person_ids) -> set:
    return set(
        Hold.objects.filter(person_id__in=list(person_ids), lifted_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def _candidates(organisation_id, today: dt.date) -> list:
    """The unit's records whose file could be due: not erased, no later entry than the period allows
    (found first by dates alone, so that only those are decrypted)."""
    people = case_queries.people().filter(
        organisation_id=organisation_id, erased_at__isnull=True, merged_into=None
    )
    ids = list(people.values_list("pk", flat=True))
    last = entries.last_entries(ids)
    years = min(
        rule.years for rule in rules.rules().values() if rule.completion == rules.DURING_FOLLOWING_YEAR
    )
    latest = dt.date(today.year - 1, 12, 31)  # the duty must have arisen in an earlier year
    latest = rules.add_years(latest, -years)
    due_ids = [pk for pk, at in last.items() if timezone.localdate(at) <= latest]
    return list(case_queries.people().filter(pk__in=due_ids).order_by("pk"))


def _on_the_list(verdict: rules.Verdict, today: dt.date) -> bool:
    """A record belongs on (or stays on) a list drawn ``today``: its window has opened (held or not)."""
    return verdict.is_due(today) or (verdict.outcome == rules.HELD and verdict.erase_from <= today)


@transaction.atomic
def destruction_list_draw(*, organisation_id, by: User | None = None, now: dt.datetime | None = None):
    """The unit's list for this month: the records whose erasure window has opened. Idempotent: the
    month's list, if drawn, is returned as it is. None when nothing is due. Drawn by hand (``by``), the
    list is approved by another supervisor.

    One event per draw: it names every record whose birth date was read (exactly those put on the
    list: the window is found from dates, open cases and placements alone, and only the records it
    puts on the list are decrypted, for their research day). Drawn by hand, that event is the
    decision's (CREATE); a refusal is recorded and raised before anything is read; the month's list
    found already drawn is returned without a new event (nothing is read or made)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    existing = DestructionList.objects.filter(organisation=organisation, month=month_of(today)).first()
    decision = None
    if by is not None:
        target = existing or DestructionList(organisation=organisation)
        decision = access.decide(by, Action.CREATE, target, RETENTION)
        if not decision.allowed:
            access.check(by, Action.CREATE, target, purpose=RETENTION)  # records the refusal, raises
    if existing is not None:
        return existing
    people = _candidates(organisation.pk, today)
    ids = [person.pk for person in people]
    held = held_people(ids)
    last, counts = entries.last_entries(ids), entries.open_cases_and_placements(ids)
    # By dates, open cases and placements alone (nothing decrypted): who can be on the list.
    undated = facts_of(people, held=held, birth_days=False, last=last, counts=counts)
    people = [person for person in people if _on_the_list(rules.erasure_due(undated[person.pk]), today)]
    with crypto.key_cache():
        facts = facts_of(people, held=held, last=last, counts=counts)
    items = []
    for person in people:
        verdict = rules.erasure_due(facts[person.pk])
        if not _on_the_list(verdict, today):
            continue
        state = {rules.ERASE: ItemState.DUE, rules.RESEARCH: ItemState.TO_ARCHIVE}.get(
            verdict.outcome, ItemState.HELD
        )
        items.append(
            ListItem(
                person=person,
                rule_id=verdict.rule.id,
                last_entry_at=facts[person.pk].last_entry_at,
                erase_from=verdict.erase_from,
                erase_by=verdict.erase_by,
                state=state,
                for_research=rules.is_research_day(facts[person.pk].birth_day),
            )
        )
    if not items:
        if by is not None:  # the decision to draw, allowed: nothing was due, nothing read
            access.check(by, Action.CREATE, DestructionList(organisation=organisation), purpose=RETENTION)
        return None
    try:
        with transaction.atomic():
            drawn = DestructionList.objects.create(
                organisation=organisation,
                month=month_of(today),
                act=rules.act_code(),
                drawn_at=now,
                drawn_by=by,
            )
    except IntegrityError:  # drawn meanwhile by another run
        return DestructionList.objects.get(organisation=organisation, month=month_of(today))
    for item in items:
        item.destruction_list = drawn
    ListItem.objects.bulk_create(items)
    # The draw read the birth dates of these records (the research days): one event names them all.
    audit.append(
        [
            audit.Event(
                action=Action.CREATE if by else Action.LIST,
                actor=by,
                actor_username=None if by else JOB,
                target_type=DestructionList._meta.label_lower,
                target_id=str(drawn.pk),
                purpose=RETENTION,
                legal_ground=decision.ground if decision else "",
                reason=f"{decision.reason}; destruction list drawn" if decision else "destruction list drawn",
                subjects=[item.person_id for item in items],
            )
        ]
    )
    return drawn


def _list_for_update(list_id) -> DestructionList:
    found = DestructionList.objects.select_for_update().filter(pk=list_id).first()
    if found is None:
        raise DomainError(_("There is no such destruction list."))
    return found


@transaction.atomic
def destruction_list_approve(*, by: User, list_id) -> DestructionList:
    """A supervisor of the unit who did not draw it approves the list; the scheduled work then erases
    each record on it that is not held (or waits for the archive) and issues the certificate."""
    drawn = _list_for_update(list_id)
    access.check(by, Action.DECIDE, drawn, purpose=RETENTION)
    now = timezone.now()
    drawn.status, drawn.approved_by, drawn.approved_at = ListStatus.APPROVED, by, now
    drawn.save(update_fields=["status", "approved_by", "approved_at"])
    # What is no longer due is taken off now, so the approver's list is the one carried out (checked
    # again at carry-out all the same).
    waiting = list(drawn.items.select_for_update().filter(state__in=[ItemState.DUE, ItemState.TO_ARCHIVE]))
    held = held_people(item.person_id for item in waiting)
    _no_longer_due([item for item in waiting if item.person_id not in held], now)
    return drawn


@transaction.atomic
def hold_place(*, by: User, item_id, reason: str, review_on: dt.date) -> Hold:
    """Hold a record on a list (it is not erased while the hold stands); another supervisor reviews it."""
    item = ListItem.objects.select_related("destruction_list").select_for_update().filter(pk=item_id).first()
    if item is None:
        raise DomainError(_("There is no such record on a list."))
    hold = Hold(
        person_id=item.person_id,
        organisation_id=item.destruction_list.organisation_id,
        item=item,
        reason=reason,
        review_on=review_on,
        placed_by=by,
        placed_at=timezone.now(),
    )
    access.check(by, Action.CREATE, hold, purpose=RETENTION)
    if reason not in HoldReason.values:
        raise DomainError(_("Choose the reason for the hold."))
    if review_on <= timezone.localdate():
        raise DomainError(_("The hold's review date must be in the future."))
    if item.state == ItemState.ERASED:
        raise DomainError(_("The record is erased already."))
    if item.state == ItemState.NO_LONGER_DUE:
        raise DomainError(_("The record is no longer due: there is nothing to hold."))
    if Hold.objects.filter(person_id=item.person_id, lifted_at__isnull=True).exists():
        raise DomainError(_("The record is held already."))
    hold.save()
    item.state = ItemState.HELD
    item.save(update_fields=["state"])
    return hold


@transaction.atomic
def hold_review(*, by: User, hold_id, keep: bool, review_on: dt.date | None = None) -> Hold:
    """Another supervisor of the unit reviews a hold: keeps it (to a new review date) or lifts it (the
    record is then erased with its list, or drawn again next month)."""
    hold = Hold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        raise DomainError(_("There is no such hold."))
    access.check(by, Action.DECIDE, hold, purpose=RETENTION)
    now = timezone.now()
    if keep and (review_on is None or review_on <= timezone.localdate(now)):
        raise DomainError(_("A hold that is kept needs a new review date in the future."))
    hold.reviewed_by, hold.reviewed_at = by, now
    if keep:
        hold.review_on = review_on
    else:
        hold.lifted_at = now
        item = hold.item
        if item is not None and item.destruction_list.status != ListStatus.CARRIED_OUT:
            if item.archived_at is not None:  # the archive has it already: only the erasure waits
                item.state = ItemState.ARCHIVED
            else:
                item.state = ItemState.TO_ARCHIVE if item.for_research else ItemState.DUE
            item.save(update_fields=["state"])
    hold.save()
    return hold


@transaction.atomic
def destruction_list_archived(*, list_id, person_ids, now: dt.datetime | None = None) -> int:
    """What the archive export (retention.archive) took over: those records of the list may now be
    erased. Returns how many items moved."""
    now = now or timezone.now()
    return ListItem.objects.filter(
        destruction_list_id=list_id, person_id__in=list(person_ids), state=ItemState.TO_ARCHIVE
    ).update(state=ItemState.ARCHIVED, archived_at=now)


def _no_longer_due(items: list, now: dt.datetime) -> list:
    """Of these items (not held), those whose record is no longer due today: a new case or a new entry
    since the list was drawn moved its date (or it was erased meanwhile). They are taken off the
    list's work: NO_LONGER_DUE (or ERASED), saved, and returned; the certificate names them."""
    if not items:
        return []
    today = timezone.localdate(now)
    people = list(case_queries.people().filter(pk__in=[item.person_id for item in items]))
    # Whether a record is due does not depend on its research day (only where it goes): nothing is
    # decrypted here.
    facts = facts_of(people, held=set(), birth_days=False)
    off = []
    for item in items:
        found = facts.get(item.person_id)
        if found is not None and found.erased:
            item.state, item.erased_at = ItemState.ERASED, now
        elif found is None or not rules.erasure_due(found).is_due(today):
            item.state = ItemState.NO_LONGER_DUE
        else:
            continue
        item.save(update_fields=["state", "erased_at"])
        off.append(item)
    return off


def _exporter(drawn: DestructionList) -> User | None:
    """Who the archive export is decided as: the list's approver while still an active supervisor of
    the unit; else another current supervisor of the unit (the first by account), recorded as such;
    None if the unit has none (the export is then refused)."""
    approver = drawn.approved_by
    if _supervises(approver, drawn.organisation_id):
        return approver
    for user in User.objects.filter(organisation_id=drawn.organisation_id, is_active=True).order_by("pk"):
        if _supervises(user, drawn.organisation_id):
            audit.append(
                [
                    audit.Event(
                        action=Action.DECIDE,
                        actor_username=JOB,
                        target_type=DestructionList._meta.label_lower,
                        target_id=str(drawn.pk),
                        purpose=RETENTION,
                        reason=f"archive export as {user.get_username()}: the approver no longer may",
                    )
                ]
            )
            return user
    return None


def _supervises(user: User | None, organisation_id) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.organisation_id == organisation_id
        and user.has_role(Role.SUPERVISOR)
    )


def destruction_list_to_archive(*, list_id, now: dt.datetime | None = None) -> int:
    """The records of an approved list that the rules keep (research birthdays) go to the archive first:
    one package of them all (``retention.archive.archive_export``, decided as an export by the list's
    approver, or another current supervisor of the unit if the approver no longer may), and only once
    it is written may their live copies be erased. Held records wait; records no longer due are taken
    off. In one transaction with the list locked: the package's record and the items marked ARCHIVED
    commit together (the package's file appears on commit), so a rerun or an overlapping run finds
    them ARCHIVED and makes no second package. A refusal (no archive key, a denied export, no one to
    export) raises, changes nothing (a denial stays recorded), and the records keep waiting. Returns
    how many records the package took over."""
    now = now or timezone.now()
    exporter = None
    try:
        with transaction.atomic():
            drawn = _list_for_update(list_id)
            if drawn.status != ListStatus.APPROVED:
                return 0
            waiting = list(drawn.items.select_for_update().filter(state=ItemState.TO_ARCHIVE).order_by("pk"))
            held = held_people(item.person_id for item in waiting)
            waiting = [item for item in waiting if item.person_id not in held]
            off = {item.pk for item in _no_longer_due(waiting, now)}
            person_ids = [item.person_id for item in waiting if item.pk not in off]
            if not person_ids:
                return 0
            exporter = _exporter(drawn)
            if exporter is None:
                raise DomainError(_("The unit has no supervisor the archive export can be decided as."))
            archive.archive_export(person_ids=person_ids, destruction_list=drawn, by=exporter, now=now)
            return destruction_list_archived(list_id=list_id, person_ids=person_ids, now=now)
    except access.AccessDenied as denial:
        access.ensure_recorded(denial, actor=exporter)  # its event went with the rolled-back work
        raise


@transaction.atomic
def destruction_list_carry_out(*, list_id, now: dt.datetime | None = None) -> DestructionList:
    """Erase each record of an approved list that is neither held nor waiting for the archive, and is
    still due (each is checked again, in the locked transaction: a new case or entry since the draw
    takes it off, NO_LONGER_DUE); once nothing waits, the list is carried out and its certificate
    issued, naming every record and its state."""
    now = now or timezone.now()
    drawn = _list_for_update(list_id)
    if drawn.status != ListStatus.APPROVED:
        return drawn
    items = list(drawn.items.select_for_update().order_by("pk"))
    waiting = (ItemState.DUE, ItemState.ARCHIVED, ItemState.TO_ARCHIVE)
    pending = [item for item in items if item.state in waiting]
    held = held_people(item.person_id for item in pending)
    for item in pending:
        if item.person_id in held:  # held meanwhile, on another list's item
            item.state = ItemState.HELD
            item.save(update_fields=["state"])
    off = {item.pk for item in _no_longer_due([i for i in pending if i.person_id not in held], now)}
    erasable = [
        item
        for item in pending
        if item.state in (ItemState.DUE, ItemState.ARCHIVED)
        and item.person_id not in held
        and item.pk not in off
    ]
    counts = entries.record_counts([item.person_id for item in erasable])
    for item in erasable:
        item.counts = counts.get(item.person_id, {})
        case_services.person_erase(
            person_id=item.person_id,
            reason=f"retention list {drawn.pk}, rule {item.rule_id}",
            by=drawn.approved_by,
        )
        item.state, item.erased_at = ItemState.ERASED, now
        item.save(update_fields=["state", "erased_at"])
    if any(item.state in (ItemState.DUE, ItemState.TO_ARCHIVE, ItemState.ARCHIVED) for item in items):
        return drawn
    drawn.status, drawn.carried_out_at = ListStatus.CARRIED_OUT, now
    drawn.save(update_fields=["status", "carried_out_at"])
    certificate.issue(destruction_list=drawn, body=certificate_body(drawn, items, now), now=now)
    return drawn


def certificate_body(drawn: DestructionList, items: list, now: dt.datetime) -> dict:
    in_force = rules.rules(drawn.act)  # the act the list was drawn under
    used = sorted({item.rule_id for item in items})
    return {
        "certificate": "lotsa destruction certificate v1",
        "list": drawn.pk,
        "unit": drawn.organisation_id,
        "month": drawn.month.isoformat(),
        "act": drawn.act,
        "rules": {
            rule_id: {
                "source": in_force[rule_id].source if rule_id in in_force else "",
                "to_be_checked": in_force[rule_id].to_be_checked if rule_id in in_force else True,
            }
            for rule_id in used
        },
        "drawn_at": drawn.drawn_at.isoformat(),
        "drawn_by": drawn.drawn_by.get_username() if drawn.drawn_by else JOB,
        "approved_by": drawn.approved_by.get_username() if drawn.approved_by else "",
        "approved_at": drawn.approved_at.isoformat() if drawn.approved_at else "",
        "carried_out_at": now.isoformat(),
        "records": [
            {
                "subject": str(item.person_id),
                "rule": item.rule_id,
                "state": item.state,
                "erased_at": item.erased_at.isoformat() if item.erased_at else "",
                "counts": getattr(item, "counts", {}),
            }
            for item in items
        ],
    }
