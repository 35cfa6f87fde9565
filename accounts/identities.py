"""Identity links: which account a person's identity at a login provider is (protocol-neutral: OpenID
Connect and SAML).

A link names the provider (issuer or entity id), the claim it is matched by (the provider's subject,
an employee or HSA id) and the claim's value. An administrator asks for it; it is made only when a
second person approves the request, by the same rule and the same approvers as a role
(``accounts.services.account_request_decide``). A login only looks a link up: it never makes an
account, a link or a role. Removing a link narrows access and applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountRequest, IdentityLink, RequestKind, User
from accounts.services import _pending, _request
from audit import services as audit
from audit.models import Action
from lotsa import access
from lotsa.errors import DomainError


@dataclass(frozen=True)
class LoginProvider:
    """A login provider Lotsa is configured for: its issuer (or entity id), its name on the login
    page, and the claim an account is matched by."""

    key: str
    name: str
    claim: str


def login_providers() -> list[LoginProvider]:
    providers = []
    if settings.LOTSA_OIDC_ISSUER:
        name = settings.LOTSA_OIDC_NAME or settings.LOTSA_OIDC_ISSUER
        providers.append(LoginProvider(settings.LOTSA_OIDC_ISSUER, name, settings.LOTSA_OIDC_CLAIM))
    if settings.LOTSA_SAML_IDP_ENTITY_ID:
        name = settings.LOTSA_SAML_NAME or settings.LOTSA_SAML_IDP_ENTITY_ID
        providers.append(
            LoginProvider(settings.LOTSA_SAML_IDP_ENTITY_ID, name, settings.LOTSA_SAML_ATTRIBUTE)
        )
    return providers


def identity_links_of(user: User) -> list[IdentityLink]:
    """An account's links, for its administrator's page (which is itself the recorded access)."""
    return list(IdentityLink.objects.filter(user=user).order_by("provider", "claim"))


def identity_find(*, provider: str, claim: str, value: str) -> IdentityLink | None:
    return (
        IdentityLink.objects.select_related("user", "user__organisation")
        .filter(provider=provider, claim=claim, value=value, confirmed=True)
        .first()
    )


@transaction.atomic
def identity_link_request(*, by: User, user: User, provider: str, value: str) -> AccountRequest:
    """Ask for ``user`` to be linked to ``value`` at ``provider`` (by the claim configured for it).
    Takes effect when a second person approves; refused, changing nothing, when the identity is
    linked or waiting already."""
    access.check(by, Action.CREATE, IdentityLink(user=user), purpose="account administration")
    known = {p.key: p for p in login_providers()}
    if provider not in known:
        raise DomainError(_("Lotsa is not configured for that login provider."))
    value = value.strip()
    if not value:
        raise DomainError(_("Enter the value the provider gives for this person."))
    user = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
    if user.organisation is None or not user.is_active:
        raise DomainError(_("Only an active account of an organisation can be linked to a login provider."))
    identity = {
        "identity_provider": provider,
        "identity_claim": known[provider].claim,
        "identity_value": value,
    }
    if IdentityLink.objects.filter(provider=provider, claim=known[provider].claim, value=value).exists():
        raise DomainError(_("This identity is already linked to an account."))
    if _pending(RequestKind.IDENTITY_LINK, **identity):
        raise DomainError(_("Linking this identity is already waiting for approval."))
    if IdentityLink.objects.filter(user=user, provider=provider).exists():
        raise DomainError(_("The account is already linked at this login provider: remove that link first."))
    if _pending(RequestKind.IDENTITY_LINK, subject_user=user, identity_provider=provider):
        raise DomainError(_("A link of this account at this login provider is already waiting for approval."))
    return _request(
        by=by, kind=RequestKind.IDENTITY_LINK, organisation=user.organisation, subject=user, **identity
    )


@transaction.atomic
def identity_link_remove(*, by: User, user: User, link_id: int) -> None:
    """Remove a link at once (it only narrows access): a session it started ends at its next request,
    as its device is gone (accounts.middleware.SecondFactorRequiredMiddleware)."""
    link = IdentityLink.objects.select_for_update().filter(pk=link_id, user=user).first()
    access.check(by, Action.DELETE, link or IdentityLink(user=user), purpose="account administration")
    if link is None:
        raise DomainError(_("That link no longer exists."))
    link.delete()
    audit.record(action=Action.UPDATE, actor=by, target=user, reason="identity link removed")
