import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lotsa import keyfile


class Command(BaseCommand):
    help = (
        "Create the key file (master key version 1, blind-index key), the access log's anchor key (a file "
        "of its own, read by the sealer only, and its public half), the destruction certificates' key "
        "(another of its own, read by the scheduled work) and, for the demo, "
        "var/secret_key. Existing files are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--secret-key-file", default=None, help="Also write a fresh SECRET_KEY here.")
        parser.add_argument(
            "--print-master-key",
            action="store_true",
            help="Print one new master key for an operator to add to the environment; write nothing.",
        )

    def handle(self, *args, secret_key_file, print_master_key, **options):
        if print_master_key:
            self.stdout.write(keyfile.encode_key(keyfile.new_key()))
            return
        path = Path(settings.LOTSA_KEY_FILE)
        if keyfile.generate_file(path):
            self.stdout.write(f"created the key file {path} (mode 0600)")
        else:
            self.stdout.write(f"the key file {path} exists; left as it is")
        anchor_key = Path(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
        if keyfile.generate_anchor_key(anchor_key, Path(settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE)):
            self.stdout.write(f"created the anchor key {anchor_key} (mode 0600) and its public half")
        else:
            self.stdout.write(f"the anchor key {anchor_key} exists; left as it is")
        certificate_key = Path(settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE)
        certificate_public = Path(settings.LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE)
        if keyfile.generate_anchor_key(certificate_key, certificate_public):
            self.stdout.write(f"created the destruction certificates' key {certificate_key} (mode 0600)")
        else:
            self.stdout.write(f"the destruction certificates' key {certificate_key} exists; left as it is")
        if secret_key_file:
            self._secret_key(Path(secret_key_file))

    def _secret_key(self, path: Path) -> None:
        if path.exists():
            self.stdout.write(f"{path} exists; left as it is")
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(64) + "\n")
        except OSError as exc:
            raise CommandError(f"could not write {path}: {exc}") from exc
        self.stdout.write(f"created {path} (mode 0600)")
