"""Intervention group pages. Each member sees exactly what the consent gives their organisation and
nothing about the rest; every page asks lotsa.access first."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import POLICE_KINDS
from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases.models import Case
from lotsa import access
from sig import forms, selectors, services
from sig.models import GroupStatus, InterventionGroup, PlanAction

# What a post to the group needs: the coordinator's acts are decided as UPDATE on the group (the
# case's rules), a member's as CREATE (the group's read rule, lotsa.access). A valid post is decided by
# its service, once; an invalid one is decided here before its message is shown.
COORDINATOR, MEMBER = Action.UPDATE, Action.CREATE


def _fetch(group_id) -> InterventionGroup:
    return get_object_or_404(InterventionGroup.objects.select_related("case__person"), pk=group_id)


def _invalid(request, group, action: str, purpose: str, message, anchor: str = ""):
    """Decide first (a stranger learns nothing from a validation message), then say what is missing."""
    with transaction.atomic():
        access.check(request.user, action, group, purpose=purpose)
    messages.error(request, message)
    return _back(group, anchor)


def _back(group, anchor=""):
    return redirect(reverse("sig:detail", kwargs={"group_id": group.pk}) + anchor)


def _run(request, group, change, done: str, anchor=""):
    try:
        change()
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(group, anchor)


def overview(request):
    """My groups, next meetings, overdue actions and threat reviews, consents about to expire."""
    access.require_role(
        request.user,
        *CASEWORK_ROLES,
        Role.SUPERVISOR,
        Role.EXTERNAL_MEMBER,
        action=Action.VIEW,
        target="sig.interventiongroup",
    )
    context = selectors.overview_for(user=request.user)
    context["band_label"] = services.band_label
    return render(request, "sig/overview.html", context)


@require_POST
def form_group(request, case_id):
    get_object_or_404(Case, pk=case_id)
    try:
        group, inside = services.group_form(by=request.user, case_id=case_id)
    except services.DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", case_id=case_id)
    messages.success(request, _("The intervention group was formed. Add its members."))
    if not inside:
        messages.warning(
            request,
            _("The person's age is outside the group's band. Check that the group is right for them."),
        )
    return _back(group)


def detail(request, group_id):
    user = request.user
    context = selectors.group_page_for(user=user, group_id=group_id)
    group, assessments = context["group"], context["assessments"]
    context.update(
        is_coordinator=access.decide(user, Action.UPDATE, group.case).allowed,  # offers, unrecorded
        is_police=user.organisation is not None and user.organisation.kind in POLICE_KINDS,
        members=services.current_members(group),
        missing=services.missing_consent(group),
        problems=services.activation_problems(group) if group.status == GroupStatus.FORMING else [],
        referral=services.referral_offered(assessments[0] if assessments else None),
        band=services.band_label(group.band),
        entry_form=forms.SharedEntryForm(),
        assessment_form=forms.AssessmentForm(),
        goal_form=forms.GoalForm(),
        close_form=forms.CloseGroupForm(),
        referral_form=forms.ReferralForm(),
        action_form=forms.ActionForm(group=group),
    )
    return render(request, "sig/detail.html", context)


def member_add(request, group_id):
    group = _fetch(group_id)
    form = forms.MemberForm(request.POST or None, group=group)
    if not (request.method == "POST" and form.is_valid()):
        # The coordinator's own form pages (they list the unit's staff): the coordinator's decision.
        with transaction.atomic():
            access.check(request.user, COORDINATOR, group, purpose="the form to add a member")
    else:
        try:
            services.member_add(
                by=request.user,
                group_id=group.pk,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The member was added."))
            return _back(group, "#members")
    return render(request, "sig/member_add.html", {"group": group, "form": form})


@require_POST
def activate(request, group_id):
    group = _fetch(group_id)
    return _run(
        request,
        group,
        lambda: services.group_activate(by=request.user, group_id=group.pk),
        _("The group is active."),
    )


@require_POST
def undertaking(request, group_id):
    group = _fetch(group_id)
    return _run(
        request,
        group,
        lambda: services.undertaking_accept(by=request.user, group_id=group.pk),
        _("You have accepted the confidentiality undertaking."),
    )


@require_POST
def entry_add(request, group_id):
    group = _fetch(group_id)
    form = forms.SharedEntryForm(request.POST)
    if not form.is_valid():
        return _invalid(
            request, group, MEMBER, "share with the group", _("Write something in the entry."), "#shared"
        )
    data = form.cleaned_data
    return _run(
        request,
        group,
        lambda: services.shared_entry_add(
            by=request.user,
            group_id=group.pk,
            category=data["category"],
            text=data["text"],
            for_civil_society=data["for_civil_society"],
        ),
        _("The entry was shared with the group."),
        "#shared",
    )


@require_POST
def assess(request, group_id):
    group = _fetch(group_id)
    form = forms.AssessmentForm(request.POST)
    if not form.is_valid():
        return _invalid(
            request,
            group,
            MEMBER,
            "assess threat and protection need",
            _("Choose the threat level."),
            "#threat",
        )
    data = form.cleaned_data
    return _run(
        request,
        group,
        lambda: services.threat_assess(
            by=request.user,
            group_id=group.pk,
            level=data["level"],
            protection_need=data["protection_need"],
            notes=data["notes"],
            next_review=data["next_review"],
        ),
        _("The assessment was recorded."),
        "#threat",
    )


def meeting_new(request, group_id):
    group = _fetch(group_id)
    form = forms.MeetingForm(request.POST or None, group=group, initial={"held_on": timezone.localdate()})
    if not (request.method == "POST" and form.is_valid()):
        # The coordinator's own form pages (they list the unit's staff): the coordinator's decision.
        with transaction.atomic():
            access.check(request.user, COORDINATOR, group, purpose="the form for a meeting")
    else:
        data = form.cleaned_data
        try:
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
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The meeting was recorded."))
            return _back(group, "#meetings")
    return render(request, "sig/meeting_new.html", {"group": group, "form": form})


@require_POST
def goal_add(request, group_id):
    group = _fetch(group_id)
    form = forms.GoalForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return _run(
        request,
        group,
        lambda: services.goal_add(by=request.user, group_id=group.pk, text=text),
        _("The goal was added."),
        "#plan",
    )


@require_POST
def action_add(request, group_id):
    group = _fetch(group_id)
    form = forms.ActionForm(request.POST, group=group)
    if not form.is_valid():
        message = _("Fill in the action: goal, owner, text and due date.")
        return _invalid(request, group, COORDINATOR, "plan an action", message, "#plan")
    data = form.cleaned_data
    return _run(
        request,
        group,
        lambda: services.action_add(
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
    group = _fetch(group_id)
    get_object_or_404(PlanAction, pk=action_id, goal__group=group)
    form = forms.ActionUpdateForm(request.POST)
    if not form.is_valid():
        return _invalid(request, group, MEMBER, "follow up an action", _("Choose a status."), "#plan")
    data = form.cleaned_data
    return _run(
        request,
        group,
        lambda: services.action_update(
            by=request.user, action_id=action_id, status=data["status"], follow_up=data["follow_up"]
        ),
        _("The action was followed up."),
        "#plan",
    )


@require_POST
def member_remove(request, group_id, membership_id):
    group = _fetch(group_id)
    return _run(
        request,
        group,
        lambda: services.member_remove(by=request.user, group_id=group.pk, membership_id=membership_id),
        _("The member left the group."),
        "#members",
    )


@require_POST
def close(request, group_id):
    group = _fetch(group_id)
    form = forms.CloseGroupForm(request.POST)
    if not form.is_valid():
        return _invalid(request, group, COORDINATOR, "close the group", _("Choose the outcome."))
    outcome = form.cleaned_data["outcome"]
    return _run(
        request,
        group,
        lambda: services.group_close(by=request.user, group_id=group.pk, outcome=outcome),
        _("The group was closed."),
    )


@require_POST
def refer(request, group_id):
    group = _fetch(group_id)
    form = forms.ReferralForm(request.POST)
    if not form.is_valid():
        message = _("Choose a defector programme.")
        return _invalid(request, group, COORDINATOR, "refer to the defector programme", message, "#threat")
    data = form.cleaned_data
    return _run(
        request,
        group,
        lambda: services.refer_to_defector_programme(
            by=request.user, group_id=group.pk, organisation_id=data["organisation"].pk, note=data["note"]
        ),
        _("The referral was sent to the defector programme."),
        "#threat",
    )
