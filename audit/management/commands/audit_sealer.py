import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit import services
from audit.anchors import AnchorError
from lotsa.keyfile import KeyConfigurationError


class Command(BaseCommand):
    help = (
        "The access log's sequencer: seals committed events into the hash chain in batches (within a "
        "second of commit), and signs checkpoints to the anchor file every few seals, at least every "
        "LOTSA_AUDIT_ANCHOR_INTERVAL seconds while there is traffic and every LOTSA_AUDIT_HEARTBEAT "
        "seconds when idle. It alone reads the anchor signing key. Several may run against one database and "
        "share one anchor file (each append locks it). It refuses to start on a file holding fewer anchors "
        "than the access log remembers, or with a torn last line: see audit_anchor_recover."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="one round, then exit (for cron or tests)")

    def handle(self, *args, interval, once, **options):
        try:
            sealer = services.Sealer()
        except (KeyConfigurationError, AnchorError) as exc:
            raise CommandError(str(exc)) from exc
        stopping = []
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
