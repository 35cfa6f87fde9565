"""``manage.py check --deploy``: what the rules keep can go to the archive only with its key; the
destruction certificates are signed with a key of their own, not the access log's anchor key."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from lotsa import keyfile
from lotsa.errors import DomainError
from retention.archive import archival_font, archive_certificate, archive_directory


@register("lotsa", deploy=True)
def archive_key_is_configured(app_configs, **kwargs):
    if not settings.LOTSA_PRODUCTION:
        return []
    try:
        archive_certificate()
        archive_directory()
        archival_font()
    except DomainError as problem:
        return [
            Warning(
                f"no package can be made for the archive: {problem.message}",
                hint="Set LOTSA_ARCHIVE_CERTIFICATE to the archive authority's certificate (PEM) and "
                "LOTSA_ARCHIVE_DIR to where the packages go (docs/archive.md).",
                id="retention.W001",
            )
        ]
    return []


@register("lotsa", deploy=True)
def certificate_key_is_its_own(app_configs, **kwargs):
    """The worker signs certificates: it must hold their key, and never the anchor key (the sealer's)."""
    hint = (
        "Create it with `manage.py generate_keys` and set LOTSA_RETENTION_CERTIFICATE_KEY_FILE to it, "
        'readable by the scheduled work\'s user only (docs/security.md, "Who holds which key").'
    )
    try:
        certificate = keyfile.load_anchor_private(settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE)
    except keyfile.KeyConfigurationError as problem:
        problem_text = f"no destruction certificate can be signed: {problem}"
        return [Warning(problem_text, hint=hint, id="retention.W002")]
    same_path = settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE == settings.LOTSA_AUDIT_ANCHOR_KEY_FILE
    same_key = False
    try:
        anchor = keyfile.load_anchor_private(settings.LOTSA_AUDIT_ANCHOR_KEY_FILE)
        same_key = anchor.private_bytes_raw() == certificate.private_bytes_raw()
    except keyfile.KeyConfigurationError:
        pass  # the anchor key is not on this machine, as it should be where the worker runs
    if same_path or same_key:
        return [
            Warning(
                "the destruction certificates are signed with the access log's anchor key: the worker "
                "that signs them would hold the key that anchors the log",
                hint=hint,
                id="retention.W003",
            )
        ]
    return []
