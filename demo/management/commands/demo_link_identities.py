"""Link every demo account to its username at the local test provider (``make demo-idp``), each link
asked by the demo's administrator and approved by one of the approvers its request names, as in
production: a login never links by itself. Only with LOTSA_DEMO=1 and single sign-on configured."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import identities, oidc, services
from accounts.models import IdentityLink, User
from accounts.roles import Role
from lotsa.errors import DomainError


class Command(BaseCommand):
    help = "Link the demo accounts to the local test provider (make demo-idp). Only with LOTSA_DEMO=1."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE or not oidc.oidc_configured():
            raise CommandError(_("demo_link_identities runs only in demo mode with LOTSA_OIDC_ISSUER set."))
        admin = User.objects.filter(role_grants__role=Role.ADMINISTRATOR, is_active=True).first()
        if admin is None:
            raise CommandError(_("No demo administrator: run `make demo` once first."))
        linked = 0
        for user in User.objects.filter(is_active=True, organisation__isnull=False).exclude(pk=admin.pk):
            if IdentityLink.objects.filter(user=user, provider=settings.LOTSA_OIDC_ISSUER).exists():
                continue
            try:
                request = identities.identity_link_request(
                    by=admin, user=user, provider=settings.LOTSA_OIDC_ISSUER, value=user.username
                )
                approver = request.approver_rows.first().user
                services.account_request_decide(by=approver, request_id=request.pk, approve=True)
                linked += 1
            except DomainError as error:
                self.stderr.write(f"  {user.username}: {error.message}")
        done = ngettext(
            "%(count)d demo account linked: log in at the provider with the username.",
            "%(count)d demo accounts linked: log in at the provider with the username.",
            linked,
        ) % {"count": linked}
        self.stdout.write(self.style.SUCCESS(done))
