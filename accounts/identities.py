"""Identity links: which account a person's identity at a login provider is (protocol-neutral: OpenID
Connect and SAML).

A link names the provider (issuer or entity id), the claim it is matched by (the provider's subject,
an employee or HSA id) and the claim's value. An administrator asks for it; it is made only when a
second person approves the request, by the same rule and the same approvers as a role
(``accounts.services.account_request_decide``). A login only looks a link up: it never makes an
account, a link or a role. Removing a link narrows access and applies at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountRequest, IdentityLink, RequestKind, User
from accounts.services import _pending, _request
from audit import services as audit
from audit.models import Action
from lotsa import access
from lotsa.crypto import blind_index_lookup
from lotsa.errors import DomainError

# What of an identity value is shown where its whole is not needed: its last characters, when it is
# long enough that they do not give it away.
MASK = "••••"
SHOWN_TAIL = 4
PERSONAL_NUMBER_DIGITS = 10


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


def looks_like_a_personal_number(value: str) -> bool:
    """Ten or more digits (a personal identity or coordination number, with or without century or
    separator): its last four digits are the sensitive ones (birth number and check digit)."""
    return sum(ch.isdigit() for ch in value) >= PERSONAL_NUMBER_DIGITS


def masked(value: str | None) -> str:
    """An identity value as shown to whoever need not see it whole: its last four characters (of a
    value of eight or more), never the rest; nothing at all of a value that looks like a personal
    identity number."""
    if not value:
        return ""
    if len(value) < 2 * SHOWN_TAIL or looks_like_a_personal_number(value):
        return MASK
    return MASK + value[-SHOWN_TAIL:]


def sees_identity_whole(viewer: User, request: AccountRequest) -> bool:
    """Only the administrator who asked for the link and the request's approvers see the value whole
    (they must compare it with what the provider's administrators gave); everyone else its tail."""
    if viewer.pk is None or request.kind != RequestKind.IDENTITY_LINK:
        return False
    if viewer.pk in (request.requested_by_id, request.decided_by_id):
        return True
    return any(row.user_id == viewer.pk for row in request.approver_rows.all())


def with_identity_shown(viewer: User, requests: list[AccountRequest]) -> list[AccountRequest]:
    """``requests``, each identity link's with ``identity_value_shown``: whole or masked for ``viewer``."""
    for request in requests:
        if request.kind == RequestKind.IDENTITY_LINK:
            value = request.identity_value
            request.identity_value_shown = value if sees_identity_whole(viewer, request) else masked(value)
    return requests


def identity_links_of(user: User, *, viewer: User) -> list[IdentityLink]:
    """An account's links, for its administrator's page (which is itself the recorded access), each
    with ``value_shown``: whole to the administrator who asked for it and its approver, else masked."""
    links = list(
        IdentityLink.objects.filter(user=user)
        .select_related("request")
        .prefetch_related("request__approver_rows")
        .order_by("provider", "claim")
    )
    for link in links:
        whole = sees_identity_whole(viewer, link.request)
        link.value_shown = link.value if whole else masked(link.value)
    return links


def identity_find(*, provider: str, claim: str, value: str) -> IdentityLink | None:
    """The link of ``value`` at ``provider``: found by its keyed blind index alone, nothing decrypted."""
    return (
        IdentityLink.objects.select_related("user", "user__organisation")
        .filter(
            provider=provider,
            claim=claim,
            confirmed=True,
            **blind_index_lookup(IdentityLink, "value_index", value),
        )
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
    claim = known[provider].claim
    if IdentityLink.objects.filter(
        provider=provider, claim=claim, **blind_index_lookup(IdentityLink, "value_index", value)
    ).exists():
        raise DomainError(_("This identity is already linked to an account."))
    if _pending(
        RequestKind.IDENTITY_LINK,
        identity_provider=provider,
        identity_claim=claim,
        **blind_index_lookup(AccountRequest, "identity_value_index", value),
    ):
        raise DomainError(_("Linking this identity is already waiting for approval."))
    if IdentityLink.objects.filter(user=user, provider=provider).exists():
        raise DomainError(_("The account is already linked at this login provider: remove that link first."))
    if _pending(RequestKind.IDENTITY_LINK, subject_user=user, identity_provider=provider):
        raise DomainError(_("A link of this account at this login provider is already waiting for approval."))
    return _request(
        by=by,
        kind=RequestKind.IDENTITY_LINK,
        organisation=user.organisation,
        subject=user,
        identity_provider=provider,
        identity_claim=claim,
        identity_key=uuid.uuid4(),
        identity_value=value,
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
