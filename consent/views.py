"""Consent pages: record, read, print, supersede and withdraw; disclosures; the review queue;
what other organisations see of what is shared with them; emergency access."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import queries as accounts_queries
from accounts.roles import CASEWORK_ROLES, Role
from audit.models import Action
from cases import selectors as case_selectors
from cases.models import Case
from consent import forms, queries, selectors, services
from consent.models import Consent, Review
from lotsa import access, crypto
from lotsa.vocabulary import crossing_purpose_label


def _detail_url(case, consent) -> str:
    return reverse("consent:detail", kwargs={"case_id": case.pk, "consent_id": consent.pk})


def _posted(request, form) -> bool:
    """A valid post goes to the service, which decides (one decision per act)."""
    return request.method == "POST" and form.is_valid()


def record(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person", "owner_unit", "responsible"), pk=case_id)
    form = forms.ConsentForm(request.POST or None, request.FILES or None, case=case)
    if not _posted(request, form):
        case_selectors.case_get_for(user=request.user, case_id=case_id, purpose="the form for a consent")
    else:
        try:
            consent = services.consent_record(by=request.user, case_id=case.pk, terms=form.terms())
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect(_detail_url(case, consent))
    return render(request, "consent/record.html", {"case": case, "form": form})


def detail(request, case_id, consent_id):
    case, consent = selectors.consent_get_for(
        user=request.user, case_id=case_id, consent_id=consent_id, purpose="consents"
    )
    context = {
        "case": case,
        "consent": consent,
        "scope": queries.scope_sentence(consent),
        "can_write": access.decide(request.user, Action.UPDATE, consent).allowed,
        "withdraw_form": forms.WithdrawForm(),
    }
    return render(request, "consent/detail.html", context)


def print_form(request, case_id, consent_id):
    case, consent = selectors.consent_get_for(
        user=request.user, case_id=case_id, consent_id=consent_id, purpose="print a consent form"
    )
    return render(
        request,
        "consent/print.html",
        {"case": case, "consent": consent, "scope": queries.scope_sentence(consent)},
    )


def supersede(request, case_id, consent_id):
    case = get_object_or_404(Case.objects.select_related("person", "owner_unit", "responsible"), pk=case_id)
    old = get_object_or_404(
        Consent.objects.select_related("case").prefetch_related("recipients"), pk=consent_id, case_id=case.pk
    )
    initial = forms.ConsentForm.initial_from(old)
    form = forms.ConsentForm(request.POST or None, request.FILES or None, case=case, initial=initial)
    if not _posted(request, form):
        with transaction.atomic():
            access.check(request.user, Action.VIEW, old, purpose="the form to supersede a consent")
    else:
        try:
            consent = services.consent_supersede(
                by=request.user, consent_id=old.pk, case_id=case.pk, terms=form.terms()
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The new consent was recorded and replaces the old one."))
            return redirect(_detail_url(case, consent))
    return render(request, "consent/record.html", {"case": case, "form": form, "superseding": old})


@require_POST
def withdraw(request, case_id, consent_id):
    case = get_object_or_404(Case, pk=case_id)
    consent = get_object_or_404(Consent, pk=consent_id, case_id=case.pk)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how the person withdrew the consent."))
        return redirect(_detail_url(case, consent))
    try:
        services.consent_withdraw(
            by=request.user,
            consent_id=consent.pk,
            case_id=case.pk,
            how=form.cleaned_data["how"],
            note=form.cleaned_data["note"],
        )
    except services.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "The consent was withdrawn. Nothing is shared under it from now on; "
                "nothing was deleted from the case."
            ),
        )
    return redirect(_detail_url(case, consent))


def expiring(request):
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="consent.consent")
    consents = selectors.consents_expiring_for(user=request.user)
    crypto.prefetch_data_keys(c.person_id for c in consents)
    return render(request, "consent/expiring.html", {"consents": consents})


def disclose(request, case_id):
    case = get_object_or_404(Case.objects.select_related("person", "owner_unit", "responsible"), pk=case_id)
    form = forms.DisclosureForm(request.POST or None, case=case)
    if not _posted(request, form):
        case_selectors.case_get_for(user=request.user, case_id=case_id, purpose="the form for a disclosure")
    else:
        data = form.cleaned_data
        try:
            services.disclosure_record(
                by=request.user,
                case_id=case.pk,
                recipient_id=data["recipient"].pk,
                ground_code=data["ground"],
                categories=list(data["categories"]),
                what=data["what"],
                why=data["why"],
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The disclosure was recorded and is waiting for a supervisor's review.")
            )
            return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#sharing")
    return render(request, "consent/disclose.html", {"case": case, "form": form})


def review_queue(request):
    access.require_role(request.user, Role.SUPERVISOR, action=Action.VIEW, target="consent.review")
    reviews = selectors.review_queue_for(user=request.user)
    recent = accounts_queries.accounts_recently_issued(organisation_id=request.user.organisation_id)
    return render(
        request,
        "consent/review_queue.html",
        {"reviews": reviews, "recent_accounts": recent, "recent_days": settings.LOTSA_RECENT_ACCOUNT_DAYS},
    )


def review(request, review_id):
    item = get_object_or_404(
        Review.objects.select_related(
            "disclosure__recipient",
            "disclosure__disclosed_by",
            "emergency_access__user",
            "emergency_access__case",
            "subject",
        ),
        pk=review_id,
    )
    form = forms.ReviewForm(request.POST or None)
    if not (request.method == "POST" and form.is_valid()):
        # The page or its errors: decided here. A valid post is decided by the service (one decision).
        with transaction.atomic():
            access.check(request.user, Action.VIEW, item, purpose="review")
    else:
        try:
            services.review_sign_off(
                by=request.user,
                review_id=item.pk,
                outcome=form.cleaned_data["outcome"],
                comment=form.cleaned_data["comment"],
            )
        except services.DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The review was recorded."))
            return redirect("consent:review_queue")
    return render(request, "consent/review.html", {"item": item, "form": form})


def shared(request):
    """For other organisations: the people whose information is shared with the user's organisation now."""
    access.require_role(
        request.user, Role.EXTERNAL_MEMBER, *CASEWORK_ROLES, action=Action.VIEW, target="cases.person"
    )
    sections = selectors.people_shared_with(user=request.user)
    return render(request, "consent/shared.html", {"sections": sections})


def shared_person(request, person_id, purpose):
    person, entries = selectors.shared_person_for(user=request.user, person_id=person_id, purpose=purpose)
    return render(
        request,
        "consent/shared_person.html",
        {"person": person, "entries": entries, "purpose_label": crossing_purpose_label(purpose)},
    )


def emergency(request, case_id):
    """Nödåtkomst, step one: that information exists, and where. Step two: a stated reason opens it."""
    case = get_object_or_404(Case.objects.select_related("owner_unit", "responsible"), pk=case_id)
    with transaction.atomic():  # step one is an access too: that a case exists, and where
        access.check(request.user, Action.EMERGENCY_ACCESS, case, purpose="emergency access, step one")
    form = forms.EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.emergency_access_start(by=request.user, case_id=case.pk, reason=form.cleaned_data["reason"])
        messages.warning(
            request, _("Emergency access is open. It is logged and reviewed by your supervisor.")
        )
        return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "consent/emergency.html",
        {"case": case, "form": form, "minutes": settings.LOTSA_EMERGENCY_ACCESS_MINUTES},
    )
