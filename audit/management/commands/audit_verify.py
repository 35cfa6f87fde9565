from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.chain import AnchorError


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chain in constant memory, and that every signed anchor is still "
        "in it. Exits 0 when intact; otherwise non-zero, naming the first bad event."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args, chunk_size, **options):
        try:
            result = services.verify(chunk_size=chunk_size)
        except AnchorError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if not result.ok:
            raise CommandError(f"audit chain BROKEN after {result.checked} good events: {result.message}")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {result.message}"))
