import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from audit import retention
from lotsa.keyfile import KeyConfigurationError


class Command(BaseCommand):
    help = (
        "The access log's own retention: show which seals are past LOTSA_AUDIT_RETENTION_YEARS (every event "
        "they cover older than the period, from the oldest on, never the newest seal), and with --apply "
        "remove them with their events under a signed pruning record, from which audit_verify then starts. "
        "Without --apply nothing is changed. Needs the anchor signing key and, on PostgreSQL, the sealer's "
        "database role (run it as the sealer's user); the sealer does the same every LOTSA_AUDIT_PRUNE_HOURS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="remove them (by default: only show them)")

    def handle(self, *args, apply, **options):
        cutoff = retention.cutoff()
        steps = retention.pending()
        if not steps:
            self.stdout.write(
                f"nothing to prune: no seal holds only events from before {cutoff:%Y-%m-%d %H:%M} UTC"
            )
            return
        for step in steps:
            self.stdout.write(
                f"{'pruning' if apply else 'would prune'} seals #{step.first_seal} to #{step.through.seq}: "
                f"{step.events} events, {step.subjects} rows naming people, all from before "
                f"{cutoff:%Y-%m-%d %H:%M} UTC"
            )
        if not apply:
            self.stdout.write("nothing changed (dry run): run with --apply to prune")
            return
        operator = f"audit_prune ({getpass.getuser()})"
        try:
            records = retention.prune_expired(actor_username=operator)
        except (KeyConfigurationError, retention.LogDoesNotAddUp, DatabaseError) as exc:
            raise CommandError(f"nothing more pruned: {exc}") from exc
        for record in records:
            self.stdout.write(
                f"pruning record #{record.n}: removed seals through #{record.through_seal} "
                f"({record.events} events); the log now starts at seal #{record.through_seal + 1}"
            )
