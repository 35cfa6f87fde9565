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
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import forms, services
from accounts.models import Organisation, Role, RoleGrant, User
from audit import services as audit
from audit.models import Action, Outcome
from lotsa import access

PENDING_USER = "lotsa_pending_user"
PENDING_AT = "lotsa_pending_at"
PENDING_NEXT = "lotsa_pending_next"
PENDING_SECONDS = 300


def locked_out(request, response=None, credentials=None):
    """django-axes calls this when an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=403)


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _pending_user(request) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or timezone.now().timestamp() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            form.add_error(None, _("Wrong username or password."))
        elif user.organisation_id is None or not user.organisation.accepts_users:
            audit.record(
                action=Action.LOGIN_FAILURE,
                outcome=Outcome.DENIED,
                actor_username=user.username,
                reason="no organisation",
            )
            form.add_error(None, _("Your account belongs to no organisation. Contact your administrator."))
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_AT] = timezone.now().timestamp()
            request.session[PENDING_NEXT] = _safe_next(request, request.GET.get("next"))
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            return redirect("accounts:second_factor" if has_device else "accounts:enrol")
    return render(request, "accounts/login.html", {"form": form})


def _finish(request, user: User, device: TOTPDevice):
    destination = request.session.get(PENDING_NEXT) or reverse(settings.LOGIN_REDIRECT_URL)
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
        request.session.pop(key, None)
    services.user_complete_login(request=request, user=user, device=device)
    return redirect(destination)


def _second_factor_failed(request, user: User, form, reason: str):
    audit.record(
        action=Action.LOGIN_FAILURE, outcome=Outcome.DENIED, actor_username=user.username, reason=reason
    )
    form.add_error("token", _("That code is not right, or it has been used already. Try the next one."))


@never_cache
def second_factor_view(request):
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your username and password first."))
        return redirect("accounts:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:enrol")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            _second_factor_failed(request, user, form, "second factor throttled")
        elif device.verify_token(form.cleaned_data["token"]):
            return _finish(request, user, device)
        else:
            _second_factor_failed(request, user, form, "second factor")
    return render(request, "accounts/second_factor.html", {"form": form})


@never_cache
def enrol_view(request):
    """First login: the user adds Lotsa to an authenticator app and proves it with one code."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your username and password first."))
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
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


def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Account management (administrators only; never any case content) -------------------------


def _admin(request, action: str = Action.VIEW, target: str = "accounts.user"):
    """Administrators only. A page that shows accounts is itself an access event; changes are
    recorded by the services that make them."""
    access.require_role(request.user, Role.ADMINISTRATOR, action=action, target=target)
    if request.method == "GET":
        audit.record(action=action, actor=request.user, target_type=target, reason="account administration")


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


def user_create(request):
    _admin(request, Action.CREATE)
    form = forms.UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            by=request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            organisation=data["organisation"],
            roles=set(data["roles"]),
            password=data["password"],
        )
        messages.success(
            request,
            _(
                "The account %(username)s was created. At the first login its owner "
                "enrols an authenticator app."
            )
            % {"username": user.username},
        )
        return redirect("accounts:user_edit", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


def user_edit(request, user_id: int):
    _admin(request, Action.UPDATE if request.method == "POST" else Action.VIEW)
    user = get_object_or_404(User.objects.select_related("organisation"), pk=user_id)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation,
        "roles": sorted(user.role_codes()),
        "is_active": user.is_active,
    }
    form = forms.UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if user.pk == request.user.pk and not form.cleaned_data["is_active"]:
            form.add_error("is_active", _("You cannot disable your own account."))
        elif user.pk == request.user.pk and Role.ADMINISTRATOR not in form.cleaned_data["roles"]:
            form.add_error("roles", _("You cannot remove your own administrator role."))
        else:
            data = form.cleaned_data
            services.user_update(
                by=request.user,
                user=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                roles=set(data["roles"]),
                is_active=data["is_active"],
            )
            messages.success(request, _("The account was saved."))
            return redirect("accounts:user_edit", user_id=user.pk)
    context = {
        "form": form,
        "account": user,
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "password_form": forms.PasswordSetForm(user=user),
    }
    return render(request, "accounts/user_form.html", context)


@require_POST
def user_reset_second_factor(request, user_id: int):
    _admin(request, Action.UPDATE)
    user = get_object_or_404(User, pk=user_id)
    services.user_reset_second_factor(by=request.user, user=user)
    messages.success(request, _("The second factor was reset. The user enrols a new one at the next login."))
    return redirect("accounts:user_edit", user_id=user.pk)


@require_POST
def user_unlock(request, user_id: int):
    _admin(request, Action.UPDATE)
    user = get_object_or_404(User, pk=user_id)
    services.user_unlock(by=request.user, user=user)
    messages.success(request, _("The lockout was lifted."))
    return redirect("accounts:user_edit", user_id=user.pk)


@sensitive_post_parameters("password")
@require_POST
def user_set_password(request, user_id: int):
    _admin(request, Action.UPDATE)
    user = get_object_or_404(User, pk=user_id)
    form = forms.PasswordSetForm(request.POST, user=user)
    if form.is_valid():
        services.user_set_password(by=request.user, user=user, password=form.cleaned_data["password"])
        messages.success(request, _("The password was set and the user's sessions were ended."))
    else:
        for error in form.errors.get("password", []):
            messages.error(request, error)
    return redirect("accounts:user_edit", user_id=user.pk)


def organisation_list(request):
    _admin(request, Action.LIST, "accounts.organisation")
    organisations = Organisation.objects.annotate(user_count=Count("users")).order_by("name")
    return render(request, "accounts/organisation_list.html", {"organisations": organisations})


def organisation_edit(request, organisation_id: int | None = None):
    creating = organisation_id is None
    _admin(request, Action.CREATE if creating else Action.UPDATE, "accounts.organisation")
    organisation = Organisation() if creating else get_object_or_404(Organisation, pk=organisation_id)
    form = forms.OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        organisation = form.save(commit=False)
        if not organisation.accepts_users and organisation.pk and organisation.users.exists():
            form.add_error("kind", _("This kind of organisation has no users, and this one has some."))
        else:
            services.organisation_save(by=request.user, organisation=organisation)
            messages.success(request, _("The organisation was saved."))
            return redirect("accounts:organisation_list")
    return render(request, "accounts/organisation_form.html", {"form": form, "creating": creating})
