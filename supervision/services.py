"""Changes at the supervisor's desk: the review plan, drawing a review's sample, marking its events,
signing it off; writing and approving a needs-and-risk analysis. Each decides first (lotsa.access),
then validates, then changes, atomically; a refusal is a DomainError and changes nothing."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.roles import Role
from audit.models import AccessEvent, Action
from cases import queries as case_queries
from lotsa import access
from lotsa.errors import DomainError
from supervision import queries
from supervision.access import ACCESS_REVIEW
from supervision.log_review import draw, scope_of
from supervision.models import (
    BreakGlassLogin,
    BreakGlassReview,
    ExtractStatus,
    LogReview,
    Mark,
    NeedsRiskAnalysis,
    ReviewItem,
    ReviewPlan,
    SubjectAccessExtract,
)

MAX_PERIOD_DAYS = 366


@transaction.atomic
def log_review_plan_set(*, by: User, every_days: int, random_samples: int, per_rule: int) -> ReviewPlan:
    plan = ReviewPlan.objects.select_for_update().filter(organisation_id=by.organisation_id).first()
    plan = plan or ReviewPlan(organisation_id=by.organisation_id, updated_by=by)
    access.check(by, Action.UPDATE, plan, purpose=ACCESS_REVIEW)
    plan.every_days, plan.random_samples, plan.per_rule, plan.updated_by = (
        every_days,
        random_samples,
        per_rule,
        by,
    )
    plan.full_clean(exclude=["organisation", "updated_by"])
    plan.save()
    return plan


def log_review_draw(*, by: User, start: dt.date, end: dt.date, seed: int | None = None) -> LogReview:
    """Draw the sample of a closed period: the plan's number of random events and of each risk rule's."""
    review = LogReview(organisation_id=by.organisation_id, period_start=start, period_end=end, drawn_by=by)
    with transaction.atomic():
        access.check(by, Action.CREATE, review, purpose=ACCESS_REVIEW)
    plan = ReviewPlan.objects.filter(organisation_id=by.organisation_id).first()
    if plan is None:
        raise DomainError(_("Set the unit's review plan first."))
    if start > end:
        raise DomainError(_("The period must end on or after its first day."))
    if end >= timezone.localdate():
        raise DomainError(_("Only a period that has ended can be reviewed: end it yesterday at the latest."))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(_("A review covers one year at most."))
    scope = scope_of(by.organisation_id, start, end)
    review.seed = seed if seed is not None else secrets.randbits(62)
    review.random_samples, review.per_rule = plan.random_samples, plan.per_rule
    sample = draw(scope, seed=review.seed, random_samples=plan.random_samples, per_rule=plan.per_rule)
    review.events_in_scope = scope.events.count()
    try:
        with transaction.atomic():
            review.save()
            # Fresh items hold no text yet (the note is encrypted when marked).
            ReviewItem.objects.bypassing_guard("a review's sample, drawn without notes").bulk_create(
                ReviewItem(review=review, event_id=pk, reasons=reasons) for pk, reasons in sample.items()
            )
    except IntegrityError as error:
        raise DomainError(_("This period has been reviewed already.")) from error
    return review


def _locked_log_review(review_id) -> LogReview:
    review = LogReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise DomainError(_("There is no such review."))
    return review


@transaction.atomic
def log_review_item_mark(*, by: User, item_id, mark: str, note: str) -> ReviewItem:
    item = ReviewItem.objects.filter(pk=item_id).first()
    if item is None:
        raise DomainError(_("There is no such event in the review."))
    review = _locked_log_review(item.review_id)
    access.check(by, Action.UPDATE, review, purpose=ACCESS_REVIEW)
    if mark not in Mark.values:
        raise DomainError(_("Mark the event as in order or as needing follow-up."))
    if mark == Mark.FOLLOW_UP and not note.strip():
        raise DomainError(_("Say what needs following up."))
    item.mark, item.note, item.marked_by, item.marked_at = mark, note.strip(), by, timezone.now()
    item.save()
    return item


@transaction.atomic
def log_review_sign_off(*, by: User, review_id, conclusion: str) -> LogReview:
    review = _locked_log_review(review_id)
    access.check(by, Action.DECIDE, review, purpose=ACCESS_REVIEW)
    if review.items.filter(mark="").exists():
        raise DomainError(_("Mark every sampled event before signing the review off."))
    if not conclusion.strip():
        raise DomainError(_("Write the review's conclusion before signing it off."))
    review.conclusion, review.signed_off_by, review.signed_off_at = conclusion.strip(), by, timezone.now()
    review.save()
    return review


@transaction.atomic
def analysis_write(*, by: User, organisation_id, role: str, needs: str, risks: str) -> NeedsRiskAnalysis:
    """A new version of the analysis of ``role`` in the organisation, waiting for approval."""
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    analysis = NeedsRiskAnalysis(
        organisation_id=organisation_id, role=role, written_by=by, needs=needs, risks=risks
    )
    if organisation is None:
        analysis.organisation_id = by.organisation_id
    access.check(by, Action.CREATE, analysis, purpose="needs and risk")
    if organisation is None:
        raise DomainError(_("There is no such organisation."))
    if role not in Role.values:
        raise DomainError(_("There is no such role."))
    if not needs.strip() or not risks.strip():
        raise DomainError(_("Describe both the needs and the risks."))
    latest = NeedsRiskAnalysis.objects.filter(organisation=organisation, role=role).aggregate(
        v=Max("version")
    )["v"]
    analysis.version = (latest or 0) + 1
    analysis.needs, analysis.risks = needs.strip(), risks.strip()
    analysis.save()
    return analysis


@transaction.atomic
def analysis_approve(*, by: User, analysis_id) -> NeedsRiskAnalysis:
    analysis = NeedsRiskAnalysis.objects.select_for_update().filter(pk=analysis_id).first()
    if analysis is None:
        raise DomainError(_("There is no such analysis."))
    access.check(by, Action.DECIDE, analysis, purpose="needs and risk")
    analysis.approved_by, analysis.approved_at = by, timezone.now()
    analysis.save()
    return analysis


@transaction.atomic
def subject_access_prepare(*, by: User, case_id, with_staff_names: bool, reason: str) -> SubjectAccessExtract:
    """A subject access extract of the case's person, waiting for the supervisor's approval. It covers
    the access log up to the event of its own preparation."""
    try:
        case = case_queries.case_for_service(case_id=case_id)
    except ObjectDoesNotExist:
        raise DomainError(_("There is no such case.")) from None
    extract = SubjectAccessExtract(
        person=case.person,
        organisation_id=case.owner_unit_id,
        prepared_by=by,
        with_staff_names=with_staff_names,
        staff_names_reason=reason.strip() if with_staff_names else "",
    )
    access.check(by, Action.CREATE, extract, purpose="subject access extract")
    if with_staff_names and not extract.staff_names_reason:
        raise DomainError(_("Say why the staff are named: by default an extract leaves them out."))
    extract.last_event_id = (
        AccessEvent.objects.filter(actor_id=by.pk, subject_id=case.person_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
    extract.save()
    return extract


@transaction.atomic
def subject_access_decide(*, by: User, extract_id, approve: bool, note: str) -> SubjectAccessExtract:
    extract = SubjectAccessExtract.objects.select_for_update().filter(pk=extract_id).first()
    if extract is None:
        raise DomainError(_("There is no such extract."))
    access.check(by, Action.DECIDE, extract, purpose="subject access extract")
    if not approve and not note.strip():
        raise DomainError(_("Say why the extract is refused."))
    extract.status = ExtractStatus.APPROVED if approve else ExtractStatus.REFUSED
    extract.reviewed_by, extract.reviewed_at, extract.review_note = by, timezone.now(), note.strip()
    extract.save()
    return extract


def break_glass_login_review(*, by: User, login_id: int) -> BreakGlassReview:
    """Mark a break-glass login reviewed: decided (lotsa.access: the account's supervisor or an access
    approver, not the account itself, once), then kept."""
    login = BreakGlassLogin.objects.filter(pk=login_id).first()
    if login is None or not queries.break_glass_logins().filter(pk=login_id).exists():
        raise DomainError(_("That is not a break-glass login."))
    try:
        with transaction.atomic():
            access.check(by, Action.DECIDE, login, purpose=ACCESS_REVIEW)
            return BreakGlassReview.objects.create(login_id=login.pk, reviewed_by=by)
    except IntegrityError as error:
        raise DomainError(_("This break-glass login has been reviewed already.")) from error
