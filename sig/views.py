"""Intervention group pages. Each member sees exactly what the consent gives their organisation and
nothing about the rest; every page asks lotsa.access first."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import POLICE_KINDS
from accounts.roles import GROUP_PAGE_ROLES
from audit.models import Action
from cases import queries as case_queries
from lotsa import access
from lotsa.posting import confirm_page, decide, form_page, post_form
from sig import forms, selectors, services
from sig.models import GroupStatus, InterventionGroup, Membership, PlanAction, ThreatAssessment

# What a post to the group needs: the coordinator's acts are decided as UPDATE on the group (the
# case's rules), a member's as CREATE (the group's read rule, lotsa.access). A valid post is decided by
# its service, once; an invalid one is decided here before its message is shown.
COORDINATOR, MEMBER = Action.UPDATE, Action.CREATE


def _fetch(group_id) -> InterventionGroup:
    return get_object_or_404(InterventionGroup.objects.select_related("case__person"), pk=group_id)


def _back(group_id, anchor="") -> str:
    return reverse("sig:detail", kwargs={"group_id": group_id}) + anchor


def _post(request, group_id, form, change, done: str, anchor="", *, action=COORDINATOR):
    """A post from the group's page (lotsa.posting): decided on the group, back to its page."""
    return post_form(
        request,
        form,
        change=change,
        done=done,
        back=_back(group_id, anchor),
        decide_on=lambda: _fetch(group_id),
        action=action,
    )


def overview(request):
    """My groups, next meetings, overdue actions and threat re-assessments, consents about to expire."""
    access.require_role(request.user, *GROUP_PAGE_ROLES, action=Action.VIEW, target="sig.interventiongroup")
    context = selectors.overview_for(user=request.user)
    context["band_label"] = services.band_label
    return render(request, "sig/overview.html", context)


def _formed(request, formed) -> str:
    group, inside = formed
    if not inside:
        messages.warning(
            request,
            _("The person's age is outside the group's band. Check that the group is right for them."),
        )
    return _back(group.pk)


@require_POST
def form_group(request, case_id):
    return post_form(
        request,
        change=lambda data: services.group_form(by=request.user, case_id=case_id),
        done=_("The intervention group was formed. Add its members."),
        back=reverse("cases:detail", kwargs={"case_id": case_id}),
        decide_on=lambda: case_queries.case_found(case_id=case_id),
        action=Action.UPDATE,
        then=lambda formed: _formed(request, formed),
    )


def detail(request, group_id):
    user = request.user
    context = selectors.group_page_for(user=user, group_id=group_id)
    group, assessments = context["group"], context["assessments"]
    context.update(
        is_coordinator=access.decide(user, Action.UPDATE, group.case).allowed,  # offers, unrecorded
        # The way back to the person's case: only for a user the case page itself would let in (the
        # same decision, unrecorded; a police member of the group is not one).
        may_open_case=access.decide(user, Action.VIEW, group.case).allowed,
        is_police=user.organisation is not None and user.organisation.kind in POLICE_KINDS,
        members=services.current_members(group),
        missing=services.missing_consent(group),
        problems=services.activation_problems(group) if group.status == GroupStatus.FORMING else [],
        referral=services.referral_offered(assessments[0] if assessments else None),
        band=services.band_label(group.band),
        entry_form=forms.SharedEntryForm(),
        assessment_form=forms.AssessmentForm(),
        goal_form=forms.GoalForm(),
        referral_form=forms.ReferralForm(),
        action_form=forms.ActionForm(group=group),
        action_update_form=forms.ActionUpdateForm(),
    )
    return render(request, "sig/detail.html", context)


def _coordinators_page(request, group, form, *, template, purpose, change, done, anchor):
    """The coordinator's own form pages (they list the unit's staff): the coordinator's decision, on
    the page and on an invalid post alike."""
    return form_page(
        request,
        form,
        template=template,
        context={"group": group},
        show=lambda: decide(request, COORDINATOR, group, purpose=purpose),
        act=(COORDINATOR, group),
        change=change,
        done=done,
        then=_back(group.pk, anchor),
    )


def member_add(request, group_id):
    group = _fetch(group_id)
    return _coordinators_page(
        request,
        group,
        forms.MemberForm(request.POST or None, group=group),
        template="sig/member_add.html",
        purpose="the form to add a member",
        change=lambda data: services.member_add(by=request.user, group_id=group.pk, **data),
        done=_("The member was added."),
        anchor="#members",
    )


@require_POST
def activate(request, group_id):
    return _post(
        request,
        group_id,
        None,
        lambda data: services.group_activate(by=request.user, group_id=group_id),
        _("The group is active."),
    )


@require_POST
def undertaking(request, group_id):
    return _post(
        request,
        group_id,
        None,
        lambda data: services.undertaking_accept(by=request.user, group_id=group_id),
        _("You have accepted the confidentiality undertaking."),
        action=MEMBER,
    )


@require_POST
def entry_add(request, group_id):
    return _post(
        request,
        group_id,
        forms.SharedEntryForm(request.POST),
        lambda data: services.shared_entry_add(by=request.user, group_id=group_id, **data),
        _("The entry was shared with the group."),
        "#shared",
        action=MEMBER,
    )


def _assessment(request, group) -> ThreatAssessment:
    """The act an assessment is (the police's, under the consent): what an invalid one is decided as."""
    return ThreatAssessment(group=group, person_id=group.case.person_id, author=request.user)


@require_POST
def assess(request, group_id):
    return post_form(
        request,
        forms.AssessmentForm(request.POST),
        change=lambda data: services.threat_assess(by=request.user, group_id=group_id, **data),
        done=_("The assessment was recorded."),
        back=_back(group_id, "#threat"),
        decide_on=lambda: _assessment(request, _fetch(group_id)),
        action=Action.CREATE,
    )


def _meeting_record(request, group, data) -> None:
    services.meeting_record(
        by=request.user,
        group_id=group.pk,
        held_on=data["held_on"],
        present_ids={int(pk) for pk in data["present"]},
        items=[(data["category"], data["minutes"])],
        decisions=data["decisions"],
    )
    if data["next_meeting_on"]:
        services.next_meeting_set(by=request.user, group_id=group.pk, on=data["next_meeting_on"])


def meeting_new(request, group_id):
    group = _fetch(group_id)
    return _coordinators_page(
        request,
        group,
        forms.MeetingForm(request.POST or None, group=group, initial={"held_on": timezone.localdate()}),
        template="sig/meeting_new.html",
        purpose="the form for a meeting",
        change=lambda data: _meeting_record(request, group, data),
        done=_("The meeting was recorded."),
        anchor="#meetings",
    )


@require_POST
def goal_add(request, group_id):
    return _post(
        request,
        group_id,
        forms.GoalForm(request.POST),
        lambda data: services.goal_add(by=request.user, group_id=group_id, **data),
        _("The goal was added."),
        "#plan",
    )


@require_POST
def action_add(request, group_id):
    return _post(
        request,
        group_id,
        forms.ActionForm(request.POST, group=_fetch(group_id)),
        lambda data: services.action_add(
            by=request.user,
            goal_id=data["goal"],
            owner_id=int(data["owner"]),
            text=data["text"],
            due=data["due"],
        ),
        _("The action was added to the plan."),
        "#plan",
    )


@require_POST
def action_update(request, group_id, action_id):
    get_object_or_404(PlanAction, pk=action_id, goal__group_id=group_id)
    return _post(
        request,
        group_id,
        forms.ActionUpdateForm(request.POST),
        lambda data: services.action_update(by=request.user, action_id=action_id, **data),
        _("The action was followed up."),
        "#plan",
        action=MEMBER,
    )


def _current_membership(group, membership_id) -> Membership:
    return get_object_or_404(
        group.memberships.select_related("user", "organisation"), pk=membership_id, left_at__isnull=True
    )


@require_safe
def member_remove_confirm(request, group_id, membership_id):
    """Before a member is removed: what they lose (lotsa.posting.confirm_page). The coordinator's page;
    an unknown membership is a 404 only after the decision."""
    group = _fetch(group_id)
    return confirm_page(
        request,
        "sig/member_remove_confirm.html",
        show=lambda: decide(request, COORDINATOR, group, purpose="the confirmation to remove a group member"),
        act=reverse("sig:member_remove", kwargs={"group_id": group_id, "membership_id": membership_id}),
        back=_back(group_id, "#members"),
        context=lambda _shown: {"group": group, "membership": _current_membership(group, membership_id)},
    )


@require_safe
def close_confirm(request, group_id):
    """Before the group is closed: it cannot be opened again (lotsa.posting.confirm_page). How the
    group ended is asked here, with the confirmation."""
    group = _fetch(group_id)
    return confirm_page(
        request,
        "sig/close_confirm.html",
        show=lambda: decide(request, COORDINATOR, group, purpose="the confirmation to close a group"),
        act=reverse("sig:close", kwargs={"group_id": group_id}),
        back=_back(group_id),
        context=lambda _shown: {"group": group, "form": forms.CloseGroupForm()},
    )


@require_POST
def member_remove(request, group_id, membership_id):
    return _post(
        request,
        group_id,
        None,
        lambda data: services.member_remove(by=request.user, group_id=group_id, membership_id=membership_id),
        _("The member left the group."),
        "#members",
    )


@require_POST
def close(request, group_id):
    return post_form(
        request,
        forms.CloseGroupForm(request.POST),
        change=lambda data: services.group_close(by=request.user, group_id=group_id, **data),
        done=_("The group was closed."),
        back=reverse("sig:close_confirm", kwargs={"group_id": group_id}) + "#act",  # its form is there
        decide_on=lambda: _fetch(group_id),
        action=COORDINATOR,
        then=lambda _closed: _back(group_id),
    )


@require_POST
def refer(request, group_id):
    return _post(
        request,
        group_id,
        forms.ReferralForm(request.POST),
        lambda data: services.refer_to_defector_programme(
            by=request.user, group_id=group_id, organisation_id=data["organisation"].pk, note=data["note"]
        ),
        _("The referral was sent to the defector programme."),
        "#threat",
    )
