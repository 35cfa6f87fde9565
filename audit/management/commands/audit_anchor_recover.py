import getpass

from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.anchors import AnchorError
from lotsa.keyfile import KeyConfigurationError


class Command(BaseCommand):
    help = (
        "Recover the access log's anchor file from a state in which the sealer refuses to start or "
        "verification fails for a reason you have examined; writes a signed record saying what was done "
        "and why (which the log also remembers) and an access event. torn-line: the last line was cut "
        "short by an interrupted write (it is moved aside). clock-step: the sealer's clock was stepped "
        "(an anchor goes back in time, or lies in the future, beyond LOTSA_AUDIT_CLOCK_TOLERANCE). "
        "restart: the file was deleted, emptied, rewound, truncated or is unreadable (it is moved aside "
        "and a new one started), or an alarm was examined (for example a restored backup): the log is "
        "anchored anew from its head."
    )

    def add_arguments(self, parser):
        parser.add_argument("situation", choices=[services.TORN_LINE, services.CLOCK_STEP, services.RESTART])
        parser.add_argument("--reason", required=True, help="why: what was examined, by whom, the ticket")

    def handle(self, *args, situation, reason, **options):
        operator = f"audit_anchor_recover ({getpass.getuser()})"
        try:
            record = services.anchor_recover(situation=situation, reason=reason, operator=operator)
        except (services.RecoveryRefused, AnchorError, KeyConfigurationError) as exc:
            raise CommandError(f"nothing changed: {exc}") from exc
        self.stdout.write(
            f"wrote {record.kind} record {record.n} naming seal #{record.seal} to {services.anchor_path()}: "
            f"{record.reason}"
        )
