import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from tqdm import tqdm

from audit import services
from audit.models import Seal
from lotsa.keyfile import KeyConfigurationError


class Command(BaseCommand):
    help = (
        "Verify the access log: every seal's link and hash, each seal's digest against the stored form of "
        "its events and the rows naming people, the signed checkpoints in the anchor file (numbering, "
        "links, signatures, agreement with the chain) and their freshness, and that no event waits too "
        "long to be sealed. Exits 0 when intact; otherwise 1, saying what is wrong and where."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=int, default=None, metavar="CHECKPOINT",
            help=(
                "trust this checkpoint's signed seal and verify only what follows it; the anchors "
                "numbered below it are checked for numbering and links, not signatures"
            ),
        )  # fmt: skip
        parser.add_argument(
            "--all-anchors", action="store_true",
            help=(
                "also verify every archive of the anchor file, oldest first (signatures, numbering, links "
                "within and between the files); by default only the active file and its link to the "
                "archive before it"
            ),
        )  # fmt: skip
        parser.add_argument(
            "--max-age", type=float, default=None, metavar="SECONDS",
            help="how old the newest anchor may be (default LOTSA_AUDIT_ANCHOR_WINDOW)",
        )  # fmt: skip
        parser.add_argument(
            "--progress", action="store_true", help="show a progress bar (on a terminal: always)"
        )

    def handle(self, *args, since, max_age, progress, all_anchors, **options):
        bar = None
        if progress or sys.stderr.isatty():
            total = Seal.objects.aggregate(total=Max("total"))["total"] or 0
            bar = tqdm(total=total, unit=" events", unit_scale=True, file=sys.stderr, desc="verifying")
        started = time.perf_counter()
        try:
            result = services.verify(
                since=since, window=max_age, progress=bar.update if bar else None, all_anchors=all_anchors
            )
        except KeyConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        if not result.ok:
            raise CommandError(f"access log NOT intact: {result.message}")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"access log intact: {result.message}"))
        rate = result.events / elapsed if elapsed else 0
        self.stdout.write(f"verified {result.events} events in {elapsed:.2f} s ({rate:,.0f} events/s)")
