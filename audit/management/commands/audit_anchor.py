from django.core.management.base import BaseCommand

from audit import services


class Command(BaseCommand):
    help = (
        "Write the access log's current head, signed with the anchor key, to the anchor file "
        "(settings.LOTSA_AUDIT_ANCHOR_FILE). Run it regularly, e.g. hourly from cron; keep the file "
        "where the database's administrators cannot rewrite it."
    )

    def handle(self, *args, **options):
        anchor = services.write_anchor()
        self.stdout.write(f"anchored head #{anchor['seq']} {anchor['hash']} to {services.anchor_path()}")
