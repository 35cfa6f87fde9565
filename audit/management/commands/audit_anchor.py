from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.anchors import AnchorError
from lotsa.keyfile import KeyConfigurationError


class Command(BaseCommand):
    help = (
        "Seal what is pending and write a signed checkpoint of the access log's head to the anchor file "
        "now, whatever the schedule (for example before verifying a log whose sealer is stopped). "
        "The sealer (audit_sealer) does this by itself while it runs."
    )

    def handle(self, *args, **options):
        try:
            sealer = services.Sealer()
        except (KeyConfigurationError, AnchorError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            done = sealer.tick(force_anchor=True)
        except AnchorError as exc:
            raise CommandError(str(exc)) from exc
        record = sealer.writer.last
        self.stdout.write(
            f"sealed {done['sealed']} events; anchored seal #{record.seal} ({record.total} events) "
            f"as checkpoint {record.n} in {services.anchor_path()}"
        )
