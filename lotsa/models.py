"""Models of the security kernel: the wrapped per-subject data keys."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataKey(models.Model):
    """A subject's data key, wrapped by master key ``master_version``.

    ``wrapped_key`` is erased (and ``shredded_at`` set) when the subject is crypto-shredded; the
    row stays so that no new key is ever made for that subject.
    """

    subject_id = models.UUIDField(primary_key=True)
    master_version = models.PositiveIntegerField(db_index=True)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self) -> str:
        return f"DataKey({self.subject_id}, v{self.master_version})"
