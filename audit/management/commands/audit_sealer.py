import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from audit import retention, services
from audit.anchors import AnchorError
from lotsa.keyfile import KeyConfigurationError

logger = logging.getLogger("lotsa.audit")


class Command(BaseCommand):
    help = (
        "The access log's sequencer: seals committed events into the hash chain in batches (within a "
        "second of commit), and signs checkpoints to the anchor file every few seals, at least every "
        "LOTSA_AUDIT_ANCHOR_INTERVAL seconds while there is traffic and every LOTSA_AUDIT_HEARTBEAT "
        "seconds when idle; and once every LOTSA_AUDIT_PRUNE_HOURS it prunes the seals past the log's "
        "retention period (audit_prune). It alone reads the anchor signing key. Several may run against "
        "one database and share one anchor file (each append locks it). It refuses to start on a file "
        "holding fewer anchors than the access log remembers, or with a torn last line: see "
        "audit_anchor_recover."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="one round, then exit (for cron or tests)")

    def handle(self, *args, interval, once, **options):
        try:
            sealer = services.Sealer()
        except (KeyConfigurationError, AnchorError) as exc:
            raise CommandError(str(exc)) from exc
        stopping, pruned_at = [], None
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        if not once:
            self.stdout.write(
                f"audit sealer: sealing every {interval} s, anchoring to {services.anchor_path()}"
            )
        while True:
            try:
                done = sealer.tick()
            except AnchorError as exc:
                raise CommandError(f"audit sealer stopped: {exc}") from exc
            if pruned_at is None or time.monotonic() - pruned_at >= settings.LOTSA_AUDIT_PRUNE_HOURS * 3600:
                pruned_at = time.monotonic()
                self._prune(sealer)
            if once or stopping:
                if once:
                    self.stdout.write(
                        f"sealed {done['sealed']} events; anchor: {done['anchor'] or 'not due'}"
                    )
                return
            if done["anchor"] == "alarm":
                self.stderr.write(f"audit sealer: ALARM written: {sealer.writer.last.reason}")
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
            finally:
                connection.close_if_unusable_or_obsolete()

    def _prune(self, sealer) -> None:
        """A pruning round: the seals past the retention period leave under signed records. A log that
        does not add up (or a refusal by the database) is reported and sealing goes on; the next round
        tries again, and audit_verify says why."""
        try:
            records = retention.prune_expired(private=sealer.private)
        except (retention.LogDoesNotAddUp, DatabaseError) as exc:
            logger.error("audit sealer: nothing pruned: %s", exc)
            self.stderr.write(f"audit sealer: nothing pruned: {exc}")
            return
        for record in records:
            self.stdout.write(
                f"audit sealer: pruning record #{record.n}: seals through #{record.through_seal} removed "
                f"({record.events} events)"
            )
