"""``manage.py check --deploy``: what the rules keep can go to the archive only with its key."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

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
