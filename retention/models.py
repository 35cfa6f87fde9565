"""Retention's records. ``ArchivePackage``: the proof that what the rules keep went to the archive.

A package row is kept after the live copy of what it holds is erased: it says when, by whom, for which
destruction list, which file (its SHA-256 and size), to which archive key (the certificate's
fingerprint) and how much (counts). It never holds a name, a personal identity number or any other
plaintext: the people are named only in the access log's export events (their opaque ids), and in the
encrypted package itself.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArchivePackage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    # The destruction list the package was made for (retention's list, built beside this): its id, as
    # text, until the list's model is merged and this becomes a foreign key. Empty: made on its own.
    destruction_list_ref = models.CharField(_("destruction list"), max_length=64, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the encrypted package"), max_length=64)
    size = models.PositiveBigIntegerField(_("size of the encrypted package (bytes)"))
    key_fingerprint = models.CharField(_("SHA-256 fingerprint of the archive's certificate"), max_length=64)
    people = models.PositiveIntegerField(_("people"))
    cases = models.PositiveIntegerField(_("cases"))
    files = models.PositiveIntegerField(_("files in the package"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("archive package")

    def __str__(self) -> str:  # never personal data: this ends up in logs and change histories
        return f"archive package {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("an archive package's record is written once")
        super().save(*args, **kwargs)
