"""Reads of the supervisor's desk: each asks lotsa.access, records the access event and returns (or
raises a denial that is already recorded)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, RoleGrant, User
from accounts.roles import (
    ANALYSIS_ROLES,
    BREAK_GLASS_REVIEW_ROLES,
    CASE_PAGE_ROLES,
    PERSONAL_DATA_ROLES,
    SUPERVISOR_ROLES,
    Role,
)
from audit import services as audit
from audit import vocabulary
from audit.models import AccessEvent, AccessOutcome, Action
from cases.queries import holdings_of, ids_of_person_with_merged, person_found
from consent.queries import consents_and_disclosures_of
from defectors.queries import holdings_of as programme_holdings
from lotsa import access, charts, waiting
from relatives.queries import holdings_of as support_holdings
from sig.queries import holdings_of as group_holdings
from supervision import queries
from supervision.access import ACCESS_REVIEW, PREVIEW
from supervision.extract import extract_events, render
from supervision.filters import AccessEventFilter
from supervision.log_review import period_bounds, rule_labels
from supervision.models import (
    BreakGlassLogin,
    BreakGlassReview,
    LogReview,
    NeedsRiskAnalysis,
    PersonAccessLog,
    ReviewItem,
    ReviewPlan,
    SubjectAccessExtract,
)

PAGE_SIZE = 50
CHART_WEEKS = 12
BREAK_GLASS_REVIEWED_SHOWN = 50


def _role_labels(codes: str) -> str:
    labels = dict(Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes.split(",") if code)


@dataclass(frozen=True)
class EventRow:
    """An access event as the desk shows it: who, when, what, why, the outcome, in the reader's words
    (audit.vocabulary), never the codes the log keeps."""

    event: AccessEvent
    roles: str
    action: str
    outcome: str
    sealed: bool = True  # covered by a seal; otherwise shown as waiting for one
    why: str = ""  # the purpose and the ground
    reason: str = ""  # the decision's reason

    @classmethod
    def of(cls, event: AccessEvent, head: audit.SealedHead | None = None) -> EventRow:
        return cls(
            event,
            _role_labels(event.actor_role),
            str(dict(Action.choices).get(event.action, event.action)),
            str(dict(AccessOutcome.choices).get(event.outcome, event.outcome)),
            head.covers(event) if head is not None else True,
            vocabulary.why(event),
            vocabulary.reason_words(event.reason) if event.reason else "",
        )


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    monday = start - dt.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def _chart(events, start: dt.date, end: dt.date) -> tuple:
    """Accesses per week by organisation, as a picture and as a table; ``events``: (when, organisation)
    of each."""
    weeks = _weeks(start, end)
    index = {week: i for i, week in enumerate(weeks)}
    counts: dict[str, list[int]] = {}
    for at, organisation in events:
        day = timezone.localtime(at).date()
        week = day - dt.timedelta(days=day.weekday())
        if week in index:
            counts.setdefault(organisation or _("(no organisation)"), [0] * len(weeks))[index[week]] += 1
    labels = [f"v{week.isocalendar()[1]}" for week in weeks]
    series = [charts.Series(name, values) for name, values in sorted(counts.items())]
    picture = charts.stacked_bars(
        title=_("Accesses per week by organisation"),
        description=_("Each bar is a week; its parts are the organisations whose staff accessed the person."),
        columns=labels,
        series=series,
    )
    return picture, labels, series


def period_page(events, *, start: dt.date, end: dt.date, page) -> tuple:
    """The events of a period (``events``: filtered and in the list's order) as the page about one
    person shows them: one page of them, with how many there are and the picture of the accesses per
    week, from one read of what each is (when, by which organisation), and then the page's own rows
    by their ids. Not three passes over the events naming the person (a count, the picture, the page),
    each of which finds them again through the log's two indexes of who is named."""
    listed = list(events.values_list("pk", "occurred_at", "actor_organisation"))
    picture, weeks, series = _chart(((at, organisation) for _, at, organisation in listed), start, end)
    shown = Paginator(listed, PAGE_SIZE).get_page(page)
    ids = [pk for pk, _, _ in shown.object_list]
    rows = events.model._default_manager.in_bulk(ids)
    shown.object_list = [rows[pk] for pk in ids]
    return shown, picture, weeks, series


def person_access_log_for(
    *, user: User, person_id, filters: AccessEventFilter | None = None, page=None
) -> dict:
    """Every access event naming the person, filtered and sorted as ``filters`` (read by the view) asks
    (newest first), one page; with a picture of the accesses per week. Opening it is itself an access
    event (the owning unit's supervisor only)."""
    filters = filters or AccessEventFilter.opening()
    log = PersonAccessLog.objects.filter(pk=person_id).first()
    if log is None:
        raise Http404
    access.check(user, Action.VIEW, log, purpose=ACCESS_REVIEW)
    today = timezone.localdate()
    end = filters.value("end") or today
    start = filters.value("start") or end - dt.timedelta(weeks=CHART_WEEKS)

    begin, finish = period_bounds(start, end)
    naming = AccessEvent.objects.naming_any(ids_of_person_with_merged(person_id=log.pk))
    events = filters.apply(naming.filter(occurred_at__gte=begin, occurred_at__lt=finish))
    # Without the log's own order, which would make every event distinct (one row each, not each name).
    organisations = sorted(set(naming.order_by().values_list("actor_organisation", flat=True).distinct()))
    if not events.query.order_by:
        events = events.order_by("-occurred_at", "-id")
    shown, picture, weeks, series = period_page(events, start=start, end=end, page=page)
    head = audit.SealedHead()
    return {
        # The names are read through the person's own model: its ciphertexts are bound to it.
        "person": person_found(person_id=log.pk),
        "page_obj": shown,
        "rows": [EventRow.of(event, head) for event in shown.object_list],
        "picture": picture,
        "weeks": weeks,
        "series": series,
        "organisations": organisations,
        "start": start,
        "end": end,
        "total": shown.paginator.count,
    }


def log_reviews_for(*, user: User) -> dict:
    access.require_role(user, *SUPERVISOR_ROLES, target="supervision.logreview", purpose=ACCESS_REVIEW)
    reviews = access.visible_to(user, LogReview.objects.select_related("drawn_by", "signed_off_by"))
    return {
        "reviews": list(reviews[:100]),
        "plan": queries.log_review_plan_of(user.organisation_id),
        "due": queries.log_review_due(user.organisation_id),
    }


@dataclass(frozen=True)
class ItemRow:
    item: ReviewItem
    row: EventRow
    reasons: list[str]
    analysis: NeedsRiskAnalysis | None


def log_review_get_for(*, user: User, review_id) -> dict:
    review = (
        LogReview.objects.select_related("organisation", "drawn_by", "signed_off_by")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404
    access.check(user, Action.VIEW, review, purpose=ACCESS_REVIEW)
    items = list(review.items.select_related("marked_by"))
    events = AccessEvent.objects.in_bulk([item.event_id for item in items])
    analyses = list(
        NeedsRiskAnalysis.objects.filter(approved_at__isnull=False).order_by(
            "organisation_id", "role", "version"
        )
    )
    labels = rule_labels()
    head = audit.SealedHead()
    rows = []
    for item in items:
        event = events[item.event_id]
        in_force = None
        roles = [code for code in event.actor_role.split(",") if code]
        for analysis in analyses:
            if (
                analysis.organisation_id == event.actor_organisation_id
                and analysis.role in roles
                and analysis.approved_at <= event.occurred_at
            ):
                in_force = analysis
        rows.append(
            ItemRow(
                item, EventRow.of(event, head), [labels.get(code, code) for code in item.reasons], in_force
            )
        )
    return {
        "review": review,
        "rows": rows,
        "unmarked": sum(1 for item in items if not item.mark),
        "rules": rule_labels(),
    }


def analyses_for(*, user: User) -> dict:
    """The analyses the user keeps, by organisation and role: the version in force and any waiting for
    approval; and the roles held in the organisation without an approved analysis."""
    access.require_role(
        user, *ANALYSIS_ROLES, target="supervision.needsriskanalysis", purpose="needs and risk"
    )
    rows = list(
        access.visible_to(
            user, NeedsRiskAnalysis.objects.select_related("organisation", "written_by", "approved_by")
        )
    )
    return {
        "analyses": rows,
        "missing": roles_without_analysis(user=user),
    }


def roles_without_analysis(*, user: User) -> list[tuple[Organisation, str]]:
    """(organisation, role label) for each role that reaches personal data, held by someone in an
    organisation the user keeps analyses for, with no approved analysis."""
    grants = RoleGrant.objects.filter(role__in=list(PERSONAL_DATA_ROLES), user__is_active=True)
    if not user.has_role(Role.ADMINISTRATOR):
        grants = grants.filter(user__organisation_id=user.organisation_id)
    held = set(grants.values_list("user__organisation_id", "role").distinct())
    approved = set(
        NeedsRiskAnalysis.objects.filter(approved_at__isnull=False)
        .values_list("organisation_id", "role")
        .distinct()
    )
    organisations = Organisation.objects.in_bulk({org for org, _ in held})
    labels = dict(Role.choices)
    return sorted(
        ((organisations[org], str(labels[role])) for org, role in held - approved if org in organisations),
        key=lambda pair: (pair[0].name, pair[1]),
    )


def analysis_get_for(*, user: User, analysis_id) -> NeedsRiskAnalysis:
    analysis = (
        NeedsRiskAnalysis.objects.select_related("organisation", "written_by", "approved_by")
        .filter(pk=analysis_id)
        .first()
    )
    if analysis is None:
        raise Http404
    access.check(user, Action.VIEW, analysis, purpose="needs and risk")
    return analysis


def waiting_at_the_desk(user: User) -> list[waiting.Waiting]:
    """The start page: a review due or waiting for sign-off, analyses to approve or missing. Counts only."""
    items = []
    if user.has_role(Role.SUPERVISOR) and user.organisation_id:
        reviews = reverse("supervision:reviews")
        if not ReviewPlan.objects.filter(organisation_id=user.organisation_id).exists():
            items.append(
                waiting.Waiting(_("The unit has no plan for reviewing its access log."), reviews, True)
            )
        elif queries.log_review_due(user.organisation_id):
            items.append(waiting.Waiting(_("A review of the access log is due."), reviews, True))
        open_reviews = LogReview.objects.filter(
            organisation_id=user.organisation_id, signed_off_at=None
        ).count()
        if open_reviews:
            items.append(
                waiting.Waiting(
                    _("%(n)d review of the access log waits for sign-off.") % {"n": open_reviews}
                    if open_reviews == 1
                    else _("%(n)d reviews of the access log wait for sign-off.") % {"n": open_reviews},
                    reviews,
                )
            )
        to_approve = (
            NeedsRiskAnalysis.objects.filter(organisation_id=user.organisation_id, approved_at=None)
            .exclude(written_by=user)
            .count()
        )
        if to_approve:
            items.append(
                waiting.Waiting(
                    _("Needs-and-risk analyses waiting for your approval: %(n)d") % {"n": to_approve},
                    reverse("supervision:analyses"),
                    approval=True,
                )
            )
    if user.organisation_id:
        pending = SubjectAccessExtract.objects.filter(organisation_id=user.organisation_id, status="pending")
        if user.has_role(Role.SUPERVISOR):
            count = pending.exclude(prepared_by=user).count()
            if count:
                items.append(
                    waiting.Waiting(
                        _("Subject access extracts waiting for your approval: %(n)d") % {"n": count},
                        reverse("supervision:subject_accesses"),
                        approval=True,
                    )
                )
        mine = pending.filter(prepared_by=user).count()
        if mine:
            items.append(
                waiting.Waiting(
                    _("Your subject access extracts waiting for approval: %(n)d") % {"n": mine},
                    reverse("supervision:subject_accesses"),
                )
            )
    if user.has_role(Role.ADMINISTRATOR, Role.SUPERVISOR):
        missing = len(roles_without_analysis(user=user))
        if missing:
            items.append(
                waiting.Waiting(
                    _("Roles without an approved needs-and-risk analysis: %(n)d") % {"n": missing},
                    reverse("supervision:analyses"),
                    True,
                )
            )
    return items


def subject_access_extracts_for(*, user: User) -> list[SubjectAccessExtract]:
    """The extracts the user prepared, or (a supervisor) the unit's; one event naming every person."""
    access.require_role(
        user, *CASE_PAGE_ROLES, target="supervision.subjectaccessextract", purpose="subject access"
    )
    rows = list(
        access.visible_to(
            user, SubjectAccessExtract.objects.select_related("person", "prepared_by", "reviewed_by")
        )[:200]
    )
    access.record_list(user, rows, purpose="subject access extracts")
    return rows


def subject_access_get_for(*, user: User, extract_id) -> dict:
    extract = (
        SubjectAccessExtract.objects.select_related("person", "organisation", "prepared_by", "reviewed_by")
        .filter(pk=extract_id)
        .first()
    )
    if extract is None:
        raise Http404
    access.check(user, Action.VIEW, extract, purpose="subject access extract")

    return {
        "extract": extract,
        "person": extract.person,
        "events": extract_events(extract).count(),
        "may_decide": access.decide(user, Action.DECIDE, extract).allowed,
        "may_preview": access.decide(user, Action.VIEW, extract, purpose=PREVIEW).allowed,
        "may_export": access.decide(user, Action.EXPORT, extract).allowed,
    }


def subject_access_pdf_for(*, user: User, extract_id) -> tuple[SubjectAccessExtract, bytes]:
    """The extract as a PDF: giving it out is an EXPORT event naming the person."""
    extract = _extract(extract_id)
    access.check(user, Action.EXPORT, extract, purpose="subject access extract")
    return extract, _pdf(extract)


def subject_access_preview_for(*, user: User, extract_id) -> tuple[SubjectAccessExtract, bytes]:
    """The extract as the person would get it, marked as a preview, for the supervisor who approves it,
    while it waits (supervision.access.PREVIEW): reading it is a VIEW event naming the person."""
    extract = _extract(extract_id)
    access.check(user, Action.VIEW, extract, purpose=PREVIEW)
    return extract, _pdf(extract, preview=True)


def _extract(extract_id) -> SubjectAccessExtract:
    extract = (
        SubjectAccessExtract.objects.select_related("person", "organisation").filter(pk=extract_id).first()
    )
    if extract is None:
        raise Http404
    return extract


def _pdf(extract: SubjectAccessExtract, *, preview: bool = False) -> bytes:
    """Called only after a decision naming the person is recorded."""
    person = extract.person
    unit = extract.organisation_id
    holdings = holdings_of(person=person, organisation_id=unit)
    holdings += consents_and_disclosures_of(person=person, organisation_id=unit)
    holdings += group_holdings(person=person, organisation_id=unit)
    holdings += programme_holdings(person=person, organisation_id=unit)
    holdings += support_holdings(person=person, organisation_id=unit)
    events = extract_events(extract)
    return render(extract=extract, person=person, holdings=holdings, events=events, preview=preview)


def break_glass_logins_for(*, user: User) -> dict:
    """The break-glass logins the user reviews: those waiting (oldest first), and the latest reviewed."""
    access.require_role(
        user, *BREAK_GLASS_REVIEW_ROLES, target="supervision.breakglasslogin", purpose=ACCESS_REVIEW
    )
    waiting_logins = access.visible_to(user, queries.break_glass_logins_waiting()).order_by(
        "occurred_at", "pk"
    )
    seen = access.visible_to(user, queries.break_glass_logins()).values("pk")
    reviews = list(
        BreakGlassReview.objects.filter(login_id__in=seen).select_related("reviewed_by")[
            :BREAK_GLASS_REVIEWED_SHOWN
        ]
    )
    logins = BreakGlassLogin.objects.in_bulk([review.login_id for review in reviews])
    return {
        "waiting": list(waiting_logins[:PAGE_SIZE]),
        "waiting_count": waiting_logins.count(),
        "reviewed": [(logins[review.login_id], review) for review in reviews if review.login_id in logins],
    }


def waiting_break_glass_logins(user: User) -> list[waiting.Waiting]:
    """The start page: break-glass logins waiting for this user's review. A count only."""
    if not user.has_role(*BREAK_GLASS_REVIEW_ROLES):
        return []
    count = access.visible_to(user, queries.break_glass_logins_waiting()).count()
    if not count:
        return []
    return [
        waiting.Waiting(
            _("Break-glass logins waiting for your review: %(n)d") % {"n": count},
            reverse("supervision:break_glass"),
            urgent=True,
        )
    ]
