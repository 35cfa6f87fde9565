import uuid

from django.core.management.base import BaseCommand, CommandError

from audit import services as audit
from audit.models import Action
from lotsa import crypto


class Command(BaseCommand):
    help = (
        "Crypto-shred a subject: destroy its data key so that none of its ciphertexts can ever be "
        "decrypted again. Irreversible. Used when retention rules require erasure."
    )

    def add_arguments(self, parser):
        parser.add_argument("subject_id")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, subject_id, yes, **options):
        try:
            subject = uuid.UUID(subject_id)
        except ValueError as exc:
            raise CommandError("subject_id must be a UUID") from exc
        if not yes:
            answer = input(f"Destroy every trace of subject {subject} for good? Type 'shred': ")
            if answer.strip() != "shred":
                raise CommandError("nothing done")
        crypto.shred_subject(subject)
        audit.record(
            action=Action.SHRED,
            subject_id=subject,
            target_type="lotsa.datakey",
            target_id=str(subject),
            reason="data key destroyed",
        )
        self.stdout.write(self.style.SUCCESS(f"subject {subject} shredded"))
