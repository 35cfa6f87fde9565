from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from audit import services as audit
from audit.models import Action
from lotsa import crypto, keyfile
from lotsa.models import DataKey


class Command(BaseCommand):
    help = (
        "Add a master key version and rewrap every data key under it. Data is not re-encrypted. "
        "Safe to interrupt: run it again and it finishes the rewrapping it started."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--status", action="store_true", help="Only show how many keys each version wraps."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, batch_size, status, no_progress, **options):
        keys = crypto.key_material(reload=True)
        if status:
            self._status(keys)
            return
        current = keys.current_version
        pending = self._pending(current)
        resuming = bool(pending)
        if pending:
            self.stdout.write(f"resuming: {pending} data keys are not yet under master key v{current}")
        else:
            if keys.source != "file":
                raise CommandError(
                    "The master keys come from the environment. Add LOTSA_MASTER_KEY_"
                    f"{current + 1} (make one with `generate_keys --print-master-key`), restart, then run "
                    "rotate_keys again to rewrap every data key under it."
                )
            current = keyfile.add_master_version(settings.LOTSA_KEY_FILE)
            crypto.key_material(reload=True)
            self.stdout.write(f"added master key v{current} to {settings.LOTSA_KEY_FILE}")
            pending = self._pending(current)
        how = "resumed" if resuming else "started"
        audit.record(
            action=Action.KEY_ROTATION, reason=f"rotation to v{current} {how}: {pending} data keys to rewrap"
        )
        done = 0
        with tqdm(total=pending, unit="key", disable=no_progress, file=self.stderr._out) as bar:
            while True:
                # Each batch and its event commit together: a run killed midway leaves in the log
                # exactly what it did, and the run that resumes it adds only what it does.
                with transaction.atomic():
                    count = crypto.rewrap_batch(to_version=current, batch_size=batch_size)
                    if count:
                        audit.record(
                            action=Action.KEY_ROTATION, reason=f"rewrapped {count} data keys under v{current}"
                        )
                if not count:
                    break
                done += count
                bar.update(count)
        audit.record(
            action=Action.KEY_ROTATION,
            reason=f"rotation to v{current} complete: this run rewrapped {done} data keys; none is left "
            f"under an older version",
        )
        self.stdout.write(
            self.style.SUCCESS(f"{done} data keys rewrapped; every data key is under v{current}")
        )
        self.stdout.write(
            "Older master key versions can be removed from the key file once `rotate_keys --status` "
            "shows they wrap nothing; keep a backup of the file until then."
        )

    def _pending(self, version: int) -> int:
        return DataKey.objects.filter(master_version__lt=version, wrapped_key__isnull=False).count()

    def _status(self, keys) -> None:
        for version in sorted(keys.master_keys):
            count = DataKey.objects.filter(master_version=version, wrapped_key__isnull=False).count()
            marker = " (current)" if version == keys.current_version else ""
            self.stdout.write(f"master key v{version}{marker}: wraps {count} data keys")
        shredded = DataKey.objects.filter(wrapped_key__isnull=True).count()
        self.stdout.write(f"shredded subjects: {shredded}")
