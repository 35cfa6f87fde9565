"""Single sign-on pages: the login through a city's OpenID Provider or a SAML identity provider (Sweden
Connect, SITHS), and the identity links that an administrator asks for on an account's page (made when
a second person approves)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts import forms, identities, oidc, saml
from accounts.models import IdentityLink, User
from audit.models import Action
from lotsa.posting import post_form


def _refused(request, message: str):
    return render(request, "accounts/oidc_refused.html", {"message": message}, status=403)


@require_POST
@never_cache
def oidc_login(request):
    """Start a login at the provider (a post from the login page, with its CSRF token)."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not oidc.oidc_configured():
        return HttpResponseNotFound()
    location, refusal = oidc.oidc_begin(request)
    return redirect(location) if refusal is None else _refused(request, refusal.message)


@require_safe
@never_cache
def oidc_callback(request):
    """The provider sends the browser back here. The session cookie is SameSite=Strict, so a browser
    coming from a provider on another site arrives without it: the page then loads itself once more
    from Lotsa (a same-site navigation, which carries the cookie)."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not oidc.oidc_configured():
        return HttpResponseNotFound()
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and "again" not in request.GET:
        again = request.GET.copy()
        again["again"] = "1"
        url = f"{request.path}?{again.urlencode()}"
        return render(request, "accounts/sso_continue.html", {"url": url, "heading": _("Logging in")})
    outcome = oidc.oidc_finish(request)
    if outcome.user is None:
        return _refused(request, outcome.message)
    return redirect(settings.LOGIN_REDIRECT_URL)


def login_page(request, form):
    """The login page: the single sign-on buttons, and the local login's form. The SAML button's form
    leads (by a redirect) to the identity provider, which the page's form-action must allow."""
    saml_sign_on = saml.single_sign_on()
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "single_sign_on": oidc.single_sign_on(), "saml_sign_on": saml_sign_on},
    )
    origin = saml.idp_origin(request) if saml_sign_on else None
    if origin:
        response._csp_update = {"form-action": [origin]}
    return response


@require_POST
@never_cache
def saml_login(request):
    """Start a login at the SAML identity provider (a post from the login page, with its CSRF token)."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not saml.saml_configured():
        return HttpResponseNotFound()
    location, refusal = saml.saml_begin(request)
    return redirect(location) if refusal is None else _refused(request, refusal.message)


@csrf_exempt  # the identity provider posts here; the answer is bound to this browser by InResponseTo
@require_POST
@never_cache
def saml_acs(request):
    """The assertion consumer service. A browser posting from the provider's site arrives without the
    SameSite=Strict session cookie: the page then posts the answer once more from Lotsa itself."""
    if not saml.saml_configured():
        return HttpResponseNotFound()
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and "again" not in request.POST:
        context = {
            "action": request.path,
            "saml_response": request.POST.get("SAMLResponse", ""),
            "relay_state": request.POST.get("RelayState", ""),
        }
        return render(request, "accounts/saml_continue.html", context)
    outcome = saml.saml_finish(request)
    if outcome.user is None:
        return _refused(request, outcome.message)
    return redirect(settings.LOGIN_REDIRECT_URL)


@require_safe
@never_cache
def saml_slo(request):
    """The single logout service (HTTP-Redirect binding): the provider's LogoutResponse to the logout
    this browser started, or its own LogoutRequest (IdP-initiated). A browser redirected from the
    provider's site arrives without the SameSite=Strict session cookie: the page then loads itself once
    more from Lotsa (a same-site navigation, which carries it)."""
    if not saml.saml_configured():
        return HttpResponseNotFound()
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and "again" not in request.GET:
        # The query as received, byte for byte: its signature is over the provider's own encoding.
        query = request.META.get("QUERY_STRING", "")
        url = f"{request.path}?{query}&again=1" if query else f"{request.path}?again=1"
        return render(request, "accounts/sso_continue.html", {"url": url, "heading": _("Logging out")})
    if "SAMLRequest" in request.GET:
        was_logged_in = request.user.is_authenticated
        location, refusal = saml.saml_logout_answer(request)
        if refusal:
            return _logout_refused(request, refusal)
        if was_logged_in and not request.user.is_authenticated:
            messages.info(request, saml.LOGOUT_BY_PROVIDER)
        return redirect(location or settings.LOGOUT_REDIRECT_URL)
    accepted, message = saml.saml_logout_finish(request)
    if not accepted:
        return _logout_refused(request, message)
    messages.info(request, message)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _logout_refused(request, message: str):
    return render(request, "accounts/saml_logout_refused.html", {"message": message}, status=403)


@require_safe
def saml_metadata(request):
    """Lotsa's SAML service provider metadata, for the federation (Sweden Connect) to register."""
    if not saml.saml_configured():
        return HttpResponseNotFound()
    return HttpResponse(saml.sp_metadata(request), content_type="application/samlmetadata+xml")


def link_context(user: User, *, viewer: User) -> dict:
    """What an account's page shows of its identity links: the links, and the form to ask for one."""
    return {
        "identity_links": identities.identity_links_of(user, viewer=viewer),
        "link_form": forms.IdentityLinkForm() if identities.login_providers() else None,
    }


@require_POST
def identity_link_create(request, user_id: int):
    """Ask for the account to be linked to an identity at a login provider (approved by a second person)."""
    user = get_object_or_404(User, pk=user_id)
    return post_form(
        request,
        forms.IdentityLinkForm(request.POST),
        change=lambda data: identities.identity_link_request(by=request.user, user=user, **data),
        done=_("The link was entered. It takes effect when a second person approves it."),
        back=reverse("accounts:user_edit", kwargs={"user_id": user.pk}) + "#identity-links",
        decide_on=lambda: IdentityLink(user=user),
        action=Action.CREATE,
    )


@require_POST
def identity_link_remove(request, user_id: int, link_id: int):
    user = get_object_or_404(User, pk=user_id)
    return post_form(
        request,
        change=lambda data: identities.identity_link_remove(by=request.user, user=user, link_id=link_id),
        done=_("The link was removed. Sessions started through it have ended."),
        back=reverse("accounts:user_edit", kwargs={"user_id": user.pk}) + "#identity-links",
        decide_on=lambda: IdentityLink(user=user),
        action=Action.DELETE,
    )
