"""Verify destruction certificates: ``manage.py retention_verify_certificate [LIST_ID ...]`` (all if none).

Each certificate's body must match its digest, its signature must verify with the public key
(``LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE``), and an event of the access log must carry its digest
(run ``audit_verify`` to prove the log itself whole). Exits non-zero if any fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from retention.certificate import CertificateError, seal_of, verify
from retention.models import Certificate


class Command(BaseCommand):
    help = "Verify destruction certificates (signature, digest, and their seal in the access log)."

    def add_arguments(self, parser):
        parser.add_argument(
            "lists", nargs="*", type=int, help="destruction list ids (default: every certificate)"
        )

    def handle(self, *args, lists, **options):
        certificates = Certificate.objects.order_by("pk")
        if lists:
            certificates = certificates.filter(destruction_list_id__in=lists)
        failed = 0
        for certificate in certificates:
            try:
                body = verify(certificate)
            except CertificateError as error:
                failed += 1
                self.stderr.write(f"list {certificate.destruction_list_id}: FAILS: {error}")
                continue
            self.stdout.write(
                f"list {certificate.destruction_list_id}: verified ({len(body['records'])} records, "
                f"sha256 {certificate.digest}, sealed by {seal_of(certificate)})"
            )
        if failed:
            raise CommandError(f"{failed} certificate(s) do not verify")
