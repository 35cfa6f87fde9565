"""Login with a mandatory second factor, and account management for administrators."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import forms, local_login, lockout, oidc, passkeys, saml, selectors, services, views_sso
from accounts.models import (
    AccountRequest,
    AccountRequestStatus,
    Organisation,
    RequestKind,
    RoleGrant,
    User,
)
from accounts.pending import pending_end, pending_start, pending_user
from accounts.roles import ACCOUNT_REQUEST_ROLES, ADMINISTRATOR_ROLES, GUARDED_ROLES, Role
from audit import services as audit
from audit.models import AccessOutcome, Action
from lotsa import access
from lotsa.posting import confirm_page, form_page, post_form


def locked_out(request, response=None, credentials=None):
    """django-axes calls this when an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=403)


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and lockout.address_locked_out(request):
        return locked_out(request)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            form.add_error(None, _("Wrong username or password."))
        elif refused := local_login.refusal(user):
            form.add_error(None, refused)
        elif user.organisation_id is None or not user.organisation.accepts_users:
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=AccessOutcome.DENIED,
                actor_username=user.username,
                reason="no organisation",
            )
            form.add_error(None, _("Your account belongs to no organisation. Contact your administrator."))
        elif user.login_held_alone and user.has_role(*GUARDED_ROLES) and not user.login_by_installation:
            # Cannot happen through Lotsa's own services (granting re-issues the login); checked anyway.
            # (The installation's login logs in, confined to approving: accounts.installation.confined.)
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=AccessOutcome.DENIED,
                actor_username=user.username,
                reason="a login one person held alone never reaches personal data",
            )
            form.add_error(
                None,
                _("Your login must be issued again before you can use this account. Ask your administrator."),
            )
        elif not user.organisation.is_active:
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=AccessOutcome.DENIED,
                actor_username=user.username,
                reason="organisation deactivated",
            )
            form.add_error(
                None, _("Your organisation no longer takes part in Lotsa. Contact your administrator.")
            )
        else:
            step = "accounts:second_factor" if passkeys.has_second_factor(user) else "accounts:enrol"
            return redirect(_pending(request, user, _safe_next(request, request.GET.get("next")), step))
    return views_sso.login_page(request, form)


def _finish(request, user: User, device: TOTPDevice):
    destination = pending_end(request)
    services.user_complete_login(
        request=request,
        user=user,
        how=local_login.method_for(user, services.PASSWORD_AND_TOTP),
        device=device,
    )
    return redirect(destination)


def _second_factor_failed(request, user: User, form, reason: str):
    audit.record(
        action=Action.LOGIN_FAILURE, outcome=AccessOutcome.DENIED, actor_username=user.username, reason=reason
    )
    form.add_error("token", _("That code is not right, or it has been used already. Try the next one."))


@never_cache
def second_factor_view(request):
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your username and password first."))
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if not passkeys.has_second_factor(user):
        return redirect("accounts:enrol")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and device is None:  # passkeys only: no code to check
        _second_factor_failed(request, user, form, "second factor")
    elif request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            _second_factor_failed(request, user, form, "second factor throttled")
        elif device.verify_token(form.cleaned_data["token"]):
            return _finish(request, user, device)
        else:
            _second_factor_failed(request, user, form, "second factor")
    context = {"form": form, "has_code": device is not None, "has_passkey": passkeys.has_passkey(user)}
    return render(request, "accounts/second_factor.html", context)


@never_cache
def enrol_view(request):
    """First login: the user adds Lotsa to an authenticator app and proves it with one code."""
    user = pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your username and password first."))
        return redirect("accounts:login")
    if passkeys.has_second_factor(user):
        return redirect("accounts:second_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Lotsa", confirmed=False)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(
                action=Action.SECOND_FACTOR_ENROLLED,
                actor=user,
                target=device,
                reason="authenticator enrolled",
            )
            return _finish(request, user, device)
        _second_factor_failed(request, user, form, "second factor enrolment")
    secret_text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
        "secret_groups": " ".join(secret_text[i : i + 4] for i in range(0, len(secret_text), 4)),
    }
    return render(request, "accounts/enrol.html", context)


@require_safe
def passkey_list(request):
    """The person's own passkeys: add one (in a fresh login), see them, remove one."""
    rows = passkeys.passkeys_visible_to(request.user)
    return render(request, "accounts/passkey_list.html", passkeys.passkey_page(request, rows))


@require_POST
def passkey_remove(request, credential_id: int):
    return post_form(
        request,
        change=lambda data: passkeys.passkey_remove(by=request.user, credential_id=credential_id),
        done=_("The passkey was removed. It no longer logs you in."),
        back=reverse("accounts:passkeys"),
        decide_on=lambda: get_object_or_404(passkeys.WebAuthnCredential, pk=credential_id),
        action=Action.DELETE,
    )


def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    id_token = request.session.get(oidc.SESSION_ID_TOKEN)
    saml_state = saml.saml_logout_state(request)
    user_id = request.user.pk
    logout(request)  # Lotsa's session ends, and is recorded, before the provider is asked anything
    messages.info(request, _("You have logged out."))
    # A session from the city's provider ends there too (RP-initiated logout, SAML single logout),
    # where it can.
    location = oidc.oidc_logout_url(request, id_token) or saml.saml_logout_url(
        request, saml_state, user_id=user_id
    )
    return redirect(location or settings.LOGOUT_REDIRECT_URL)


# --- Account management (administrators only; never any case content) -------------------------


def _admin(request, action: str = Action.VIEW, target: str = "accounts.user"):
    """Administrators only. A page that shows accounts is itself an access event; changes are
    recorded by the services that make them."""
    access.require_role(
        request.user, *ADMINISTRATOR_ROLES, action=action, target=target, purpose="account administration"
    )


def user_list(request):
    _admin(request, Action.LIST)
    users = (
        User.objects.select_related("organisation")
        .prefetch_related(Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")))
        .annotate(has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("organisation__name", "username")
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "roles": dict(Role.choices)})


def _code_page(request, *, account, issued, request_obj=None, approver=False):
    """Shows a part of an enrolment code once. It is never stored in clear and never shown again."""
    return render(
        request,
        "accounts/code_issued.html",
        {"account": account, "issued": issued, "account_request": request_obj, "approver": approver},
    )


def user_create(request):
    _admin(request, Action.CREATE)
    return form_page(
        request,
        forms.UserCreateForm(request.POST or None),
        template="accounts/user_form.html",
        context={"creating": True},
        change=lambda data: services.user_create(by=request.user, **{**data, "roles": set(data["roles"])}),
        then=lambda made: _code_page(request, account=made[0], issued=made[1], request_obj=made[2]),
    )


def _saved(request, user, outcome):
    """Where saving an account leads: the enrolment code, shown once; or back, saying whether the
    change waits for a second person."""
    if outcome.issued is not None:
        return _code_page(request, account=user, issued=outcome.issued, request_obj=outcome.request)
    if outcome.request is not None:
        messages.warning(
            request,
            _(
                "The account was saved. The change reaches personal data, or who approves access "
                "to it: it takes effect when a second person approves it."
            ),
        )
    else:
        messages.success(request, _("The account was saved."))
    return reverse("accounts:user_edit", kwargs={"user_id": user.pk})


def user_edit(request, user_id: int):
    _admin(request, Action.UPDATE if request.method == "POST" else Action.VIEW)
    user = get_object_or_404(User.objects.select_related("organisation"), pk=user_id)
    initial = {field: getattr(user, field) for field in ("first_name", "last_name", "email", "organisation")}
    initial.update(roles=sorted(user.role_codes()), is_active=user.is_active)
    context = {
        "account": user,
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_password": user.has_usable_password(),
        "pending": selectors.pending_requests_about(user=user),
        **views_sso.link_context(user, viewer=request.user),
    }
    return form_page(
        request,
        forms.UserEditForm(request.POST or None, initial=initial),
        template="accounts/user_form.html",
        context=context,
        change=lambda data: services.user_update(
            by=request.user, user=user, **{**data, "roles": set(data["roles"])}
        ),
        then=lambda outcome: _saved(request, user, outcome),
    )


@require_safe
def user_reset_credentials_confirm(request, user_id: int):
    """Before a login is reset: what stops working, and who must approve (lotsa.posting.confirm_page)."""
    account = get_object_or_404(User.objects.select_related("organisation"), pk=user_id)
    return confirm_page(
        request,
        "accounts/reset_confirm.html",
        show=lambda: _admin(request, Action.VIEW),
        act=reverse("accounts:user_reset_credentials", kwargs={"user_id": user_id}),
        back=reverse("accounts:user_edit", kwargs={"user_id": user_id}),
        context=lambda _shown: {"account": account, "guarded": bool(account.role_codes() & GUARDED_ROLES)},
    )


@require_POST
def user_reset_credentials(request, user_id: int):
    """Ends the account's password and authenticator (at once, or when approved) and issues a
    one-time enrolment code: the administrator never learns a working credential."""
    _admin(request, Action.UPDATE)
    user = get_object_or_404(User, pk=user_id)
    return post_form(
        request,
        change=lambda data: services.user_reset_credentials(by=request.user, user=user),
        done=None,
        back=reverse("accounts:user_edit", kwargs={"user_id": user.pk}),
        decide_on=lambda: user,
        action=Action.UPDATE,
        then=lambda reset: _code_page(request, account=user, issued=reset[0], request_obj=reset[1]),
    )


@require_POST
def user_unlock(request, user_id: int):
    _admin(request, Action.UPDATE)
    user = get_object_or_404(User, pk=user_id)
    services.user_unlock(by=request.user, user=user)
    messages.success(request, _("The lockout was lifted."))
    return redirect("accounts:user_edit", user_id=user.pk)


def organisation_list(request):
    _admin(request, Action.LIST, "accounts.organisation")
    organisations = Organisation.objects.annotate(user_count=Count("users")).order_by("name")
    pending = set(
        AccountRequest.objects.filter(
            kind__in=[RequestKind.ORGANISATION_KIND, RequestKind.ORGANISATION_ACTIVATE],
            status=AccountRequestStatus.PENDING,
        ).values_list("organisation_id", flat=True)
    )
    return render(
        request, "accounts/organisation_list.html", {"organisations": organisations, "pending": pending}
    )


def organisation_edit(request, organisation_id: int | None = None):
    creating = organisation_id is None
    _admin(request, Action.CREATE if creating else Action.UPDATE, "accounts.organisation")
    organisation = Organisation() if creating else get_object_or_404(Organisation, pk=organisation_id)
    form = forms.OrganisationForm(request.POST or None, instance=organisation)
    return form_page(
        request,
        form,
        template="accounts/organisation_form.html",
        context={"creating": creating},
        change=lambda data: services.organisation_save(by=request.user, organisation=form.save(commit=False)),
        then=lambda pending: _organisation_saved(request, pending),
    )


def _organisation_saved(request, pending) -> str:
    if pending is None:
        messages.success(request, _("The organisation was saved."))
    else:
        messages.warning(
            request,
            _(
                "The organisation was saved. A new organisation, one activated again, or a new "
                "kind changes who may see personal data: it takes effect when an access "
                "approver approves it."
            ),
        )
    return reverse("accounts:organisation_list")


# --- Four eyes: requests that reach case data, and their approval ------------------------------------


def account_requests(request):
    """Supervisors: what waits for their approval. Administrators: every request and its outcome."""
    access.require_role(
        request.user, *ACCOUNT_REQUEST_ROLES, action=Action.VIEW, target="accounts.accountrequest"
    )
    if request.user.has_role(Role.ADMINISTRATOR):
        rows, deciding = selectors.account_requests_recent(user=request.user), False
    else:
        rows, deciding = selectors.account_requests_waiting_for(user=request.user), True
    return render(
        request,
        "accounts/requests.html",
        {"rows": rows, "deciding": deciding, "form": forms.DecisionForm()},
    )


def _request_decided(request, decided, issued):
    """The enrolment code, shown once, when approving completed a reset or an account; else back."""
    if issued is not None:
        return _code_page(
            request, account=decided.subject_user, issued=issued, request_obj=decided, approver=True
        )
    approved = decided.status == AccountRequestStatus.APPROVED
    messages.success(request, _("The request was approved.") if approved else _("The request was refused."))
    return "accounts:requests"


def _decider(request) -> dict:
    """Who decides, and with which verified device (an identity link for a login through the identity
    provider): whether the session may be one person's alone is recorded on what it approves."""
    return {"by": request.user, "device": getattr(request.user, "otp_device", None)}


@require_POST
def account_request_decide(request, request_id: int):
    return post_form(
        request,
        forms.DecisionForm(request.POST),
        change=lambda data: services.account_request_decide(
            **_decider(request),
            request_id=request_id,
            approve=data["decision"] == "approve",
            note=data["note"],
        ),
        done=None,
        back=reverse("accounts:requests") + f"#request-{request_id}",
        decide_on=lambda: get_object_or_404(AccountRequest, pk=request_id),
        action=Action.UPDATE,
        then=lambda decided: _request_decided(request, *decided),
    )


@sensitive_post_parameters("password", "password_again", "first_part", "second_part")
@never_cache
def activate_view(request):
    """The account's owner sets their own password with their enrolment code, then enrols an
    authenticator: nobody else ever knows a working credential."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    return form_page(
        request,
        forms.ActivationForm(request.POST or None),
        template="accounts/activate.html",
        change=lambda data: services.user_activate(
            **{key: data[key] for key in ("username", "first_part", "second_part", "password")}
        ),
        done=_("Your password is set. Now add Lotsa to your authenticator app."),
        then=lambda user: _after_activation(request, user),
    )


def _after_activation(request, user: User) -> str:
    """The password is set: on to the authenticator, unless local login is kept for the break-glass
    accounts (then the person logs in with e-ID; the refusal is recorded)."""
    if refused := local_login.refusal(user):
        messages.warning(request, refused)
        return "accounts:login"
    return _pending(request, user, reverse(settings.LOGIN_REDIRECT_URL), "accounts:enrol")


def _pending(request, user: User, then: str, step: str) -> str:
    """Password checked: the login waits for its second factor (accounts.pending)."""
    pending_start(request, user, then)
    return step
