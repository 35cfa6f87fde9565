"""``manage.py lotsa_first_accounts``: the first administrator and the first supervisor of a fresh
installation, each with a one-time enrolment code (accounts/installation.py; docs/operations.md,
"The first accounts")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.installation import Person, first_accounts_create, first_supervisor_claim
from accounts.models import SOCIAL_SERVICES_KINDS, OrganisationKind
from lotsa.errors import DomainError


def _first_supervisor_claims() -> str:
    """The claims configured to name the first supervisor, as the installer should ask the city for."""
    named = [
        f"{setting}={value}"
        for setting, value in (
            ("LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM", settings.LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM),
            ("LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE", settings.LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE),
        )
        if first_supervisor_claim(value)
    ]
    return ", ".join(named) or _(
        "none is configured yet: set LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM or "
        "LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE"
    )


class Command(BaseCommand):
    help = (
        "Create the first administrator and the first supervisor of a fresh installation, each with a "
        "one-time enrolment code. Refuses once any account exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--administrator", required=True, help="the administrator's username")
        parser.add_argument("--administrator-first-name", default="")
        parser.add_argument("--administrator-last-name", default="")
        parser.add_argument("--administrator-email", default="")
        parser.add_argument("--supervisor", required=True, help="the supervisor's username")
        parser.add_argument("--supervisor-first-name", default="")
        parser.add_argument("--supervisor-last-name", default="")
        parser.add_argument("--supervisor-email", default="")
        parser.add_argument(
            "--unit",
            required=True,
            help="the supervisor's social-services unit: an existing organisation's name, or a new one",
        )
        parser.add_argument(
            "--unit-kind",
            default=OrganisationKind.VBE_TEAM,
            choices=sorted(SOCIAL_SERVICES_KINDS),
            help="the kind of a new unit (default: the administration's VBE team, whose supervisors "
            "also approve the first access approver)",
        )
        parser.add_argument("--unit-district", default="", help="the district a new unit serves, if any")
        parser.add_argument(
            "--system-organisation",
            default="Lotsa systemförvaltning",
            help="the administrator's system-management organisation (existing or new)",
        )

    def handle(self, *args, **options):
        try:
            made = first_accounts_create(
                administrator=self._person(options, "administrator"),
                supervisor=self._person(options, "supervisor"),
                unit_name=options["unit"],
                unit_kind=options["unit_kind"],
                unit_district=options["unit_district"],
                system_name=options["system_organisation"],
            )
        except DomainError as error:
            raise CommandError(_("Nothing was changed. %(error)s") % {"error": error}) from None
        activate = reverse("accounts:activate")
        until = timezone.localtime(made.administrator_code.expires_at).strftime("%Y-%m-%d %H:%M")
        lines = [
            _(
                "The first accounts are created. Each code is shown this once, and works once, until "
                "%(until)s. Give each person their own code only; each activates their account at "
                "%(activate)s (username, code, a password of their own), then adds Lotsa to an "
                "authenticator app."
            )
            % {"until": until, "activate": activate},
            "",
            _("1. The administrator: %(username)s (%(organisation)s)")
            % {"username": made.administrator.username, "organisation": made.system.name},
            _("   Enrolment code: %(code)s") % {"code": made.administrator_code.text},
            "",
            _("2. The supervisor: %(username)s (%(organisation)s)")
            % {"username": made.supervisor.username, "organisation": made.unit.name},
            _("   Enrolment code: %(code)s") % {"code": made.supervisor_code.text},
            _(
                "   You have seen this code, so the login it sets is one person held alone: it approves "
                "account requests only and reaches no personal data; a login with e-ID reaches more."
            ),
            "",
            _(
                "Next: the administrator creates an access approver, and the supervisor approves it. "
                "Every login a code sets whose second part a login you held completed is confined too: "
                "it approves, nothing else. The same holds for the supervisor's e-ID link that such a "
                "login approves: you could have named your own e-ID. Only the city's identity provider "
                "ends that chain, by saying who the first supervisor is: the city's IT department gives "
                "%(supervisor)s, in its own directory, the group or assignment Lotsa is told of "
                "(%(claim)s). Then the administrator asks for the supervisor's e-ID link, the access "
                "approver approves it, and the supervisor's first login with e-ID carrying it confirms "
                "the link; logged in so, the supervisor approves the other accounts. Without an "
                "identity provider no login made from these accounts ever reaches personal data. See "
                'docs/operations.md, "The first accounts".'
            )
            % {"supervisor": made.supervisor.username, "claim": _first_supervisor_claims()},
        ]
        self.stdout.write("\n".join(str(line) for line in lines) + "\n")

    @staticmethod
    def _person(options, which: str) -> Person:
        return Person(
            username=options[which],
            first_name=options[f"{which}_first_name"],
            last_name=options[f"{which}_last_name"],
            email=options[f"{which}_email"],
        )
