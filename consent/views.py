"""Consent pages: record, read, print, supersede and withdraw; disclosures; the review queue;
what other organisations see of what is shared with them; emergency access."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import queries as accounts_queries
from accounts.roles import CASEWORK_ROLES, SHARED_PAGE_ROLES, SUPERVISOR_ROLES
from audit.models import Action
from cases import queries as case_queries
from cases import selectors as case_selectors
from consent import forms, queries, selectors, services
from consent.models import Consent, Review
from lotsa import access, crypto
from lotsa.posting import as_ids, confirm_page, decide, form_page, post_form
from lotsa.vocabulary import crossing_purpose_label


def _detail_url(case, consent) -> str:
    return reverse("consent:detail", kwargs={"case_id": case.pk, "consent_id": consent.pk})


def _case(case_id):
    return case_queries.case_found(case_id=case_id, related=("person", "owner_unit", "responsible"))


def _read_case(request, case, purpose: str):
    """A form page's own decision: the case is read (VIEW); the act is decided when it is posted."""
    return lambda: case_selectors.case_get_for(user=request.user, case_id=case.pk, purpose=purpose)


def _consent_page(form, **context):
    """What the consent form's page shows, once the case is read: the guardians' fields for a child."""

    def shown() -> dict:
        form.guardians_only_for_a_child()
        return context

    return shown


def record(request, case_id):
    case = _case(case_id)
    form = forms.ConsentForm(request.POST or None, request.FILES or None, case=case)
    return form_page(
        request,
        form,
        template="consent/record.html",
        context=_consent_page(form, case=case),
        show=_read_case(request, case, "the form for a consent"),
        act=(Action.UPDATE, case),
        change=lambda data: services.consent_record(by=request.user, case_id=case.pk, terms=form.terms()),
        done=_("The consent was recorded."),
        then=lambda consent: _detail_url(case, consent),
    )


def detail(request, case_id, consent_id):
    case, consent = selectors.consent_get_for(
        user=request.user, case_id=case_id, consent_id=consent_id, purpose="consents"
    )
    context = {
        "case": case,
        "consent": consent,
        "scope": queries.scope_sentence(consent),
        "can_write": access.decide(request.user, Action.UPDATE, consent).allowed,
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
    case = _case(case_id)
    old = get_object_or_404(
        Consent.objects.select_related("case").prefetch_related("recipients"), pk=consent_id, case_id=case.pk
    )
    initial = forms.ConsentForm.initial_from(old)
    form = forms.ConsentForm(request.POST or None, request.FILES or None, case=case, initial=initial)
    return form_page(
        request,
        form,
        template="consent/record.html",
        context=_consent_page(form, case=case, superseding=old),
        show=lambda: decide(request, Action.VIEW, old, purpose="the form to supersede a consent"),
        act=(Action.UPDATE, old),
        change=lambda data: services.consent_supersede(
            by=request.user, consent_id=old.pk, case_id=case.pk, terms=form.terms()
        ),
        done=_("The new consent was recorded and replaces the old one."),
        then=lambda consent: _detail_url(case, consent),
    )


WITHDRAW_CONFIRMATION = "the confirmation to withdraw a consent"  # the page's purpose in the access log


def _withdraw_url(consent) -> str:
    return reverse("consent:withdraw_confirm", kwargs={"case_id": consent.case_id, "consent_id": consent.pk})


@require_safe
def withdraw_confirm(request, case_id, consent_id):
    """Before withdrawing: what stops, for whom, and that it cannot be taken back
    (lotsa.posting.confirm_page). How the person withdrew it is asked here, with the confirmation."""
    ids = {"case_id": case_id, "consent_id": consent_id}
    return confirm_page(
        request,
        "consent/withdraw_confirm.html",
        show=lambda: selectors.consent_get_for(user=request.user, **ids, purpose=WITHDRAW_CONFIRMATION),
        act=reverse("consent:withdraw", kwargs=ids),
        back=reverse("consent:detail", kwargs=ids),
        context=lambda shown: {
            "case": shown[0],
            "consent": shown[1],
            "scope": queries.scope_sentence(shown[1]),
            "form": forms.WithdrawForm(),
        },
    )


@require_POST
def withdraw(request, case_id, consent_id):
    consent = get_object_or_404(Consent.objects.select_related("case"), pk=consent_id, case_id=case_id)
    return post_form(
        request,
        forms.WithdrawForm(request.POST),
        change=lambda data: services.consent_withdraw(
            by=request.user, consent_id=consent.pk, case_id=consent.case_id, **data
        ),
        done=_(
            "The consent was withdrawn. Nothing is shared under it from now on; "
            "nothing was deleted from the case."
        ),
        back=_withdraw_url(consent) + "#act",  # a refusal comes back to the confirmation's form
        decide_on=lambda: consent,
        action=Action.UPDATE,
        then=lambda _withdrawn: _detail_url(consent.case, consent),
    )


def expiring(request):
    access.require_role(request.user, *CASEWORK_ROLES, action=Action.VIEW, target="consent.consent")
    consents = selectors.consents_expiring_for(user=request.user)
    crypto.prefetch_data_keys(c.person_id for c in consents)
    return render(request, "consent/expiring.html", {"consents": consents})


def disclose(request, case_id):
    case = _case(case_id)
    return form_page(
        request,
        forms.DisclosureForm(request.POST or None, case=case),
        template="consent/disclose.html",
        context={"case": case},
        show=_read_case(request, case, "the form for a disclosure"),
        act=(Action.UPDATE, case),
        change=lambda data: services.disclosure_record(
            by=request.user, case_id=case.pk, ground_code=data.pop("ground"), **as_ids(data, "recipient")
        ),
        done=_("The disclosure was recorded and is waiting for a supervisor's review."),
        then=reverse("cases:detail", kwargs={"case_id": case.pk}) + "#sharing",
    )


def consent_review_queue(request):
    access.require_role(request.user, *SUPERVISOR_ROLES, action=Action.VIEW, target="consent.review")
    reviews = selectors.consent_review_queue_for(user=request.user)
    recent = accounts_queries.accounts_recently_issued(organisation_id=request.user.organisation_id)
    return render(
        request,
        "consent/review_queue.html",
        {"reviews": reviews, "recent_accounts": recent, "recent_days": settings.LOTSA_RECENT_ACCOUNT_DAYS},
    )


CONSENT_REVIEW_SHOWS = (
    "disclosure__recipient",
    "disclosure__disclosed_by",
    "emergency_access__user",
    "emergency_access__case",
    "subject",
)


def consent_review(request, review_id):
    item = get_object_or_404(Review.objects.select_related(*CONSENT_REVIEW_SHOWS), pk=review_id)
    return form_page(
        request,
        forms.ConsentReviewForm(request.POST or None),
        template="consent/review.html",
        context={"item": item},
        show=lambda: decide(request, Action.VIEW, item, purpose="review"),
        act=(Action.UPDATE, item),
        change=lambda data: services.consent_review_sign_off(by=request.user, review_id=item.pk, **data),
        done=_("The review was recorded."),
        then="consent:review_queue",
    )


def shared(request):
    """For other organisations: the people whose information is shared with the user's organisation now."""
    access.require_role(request.user, *SHARED_PAGE_ROLES, action=Action.VIEW, target="cases.person")
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
    case = case_queries.case_found(case_id=case_id, related=("owner_unit", "responsible"))
    # Step one is an access too (that a case exists, and where): decided on entry, for every method.
    decide(request, Action.EMERGENCY_ACCESS, case, purpose="emergency access, step one")
    return form_page(
        request,
        forms.EmergencyForm(request.POST or None),
        template="consent/emergency.html",
        context={"case": case, "minutes": settings.LOTSA_EMERGENCY_ACCESS_MINUTES},
        change=lambda data: services.emergency_access_start(
            by=request.user, case_id=case.pk, reason=data["reason"]
        ),
        then=lambda started: _emergency_open(request, case),
    )


def _emergency_open(request, case) -> str:
    messages.warning(request, _("Emergency access is open. It is logged and reviewed by your supervisor."))
    return reverse("cases:detail", kwargs={"case_id": case.pk})
