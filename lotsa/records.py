"""What every model holding personal data has in common, as abstract bases (Saleor's
``ModelWithMetadata``: a repeated model tail written once).

:class:`GuardedRecord` is the behaviour, with no field of its own, so that it can live here in the
kernel: the guarded manager (bulk writes refused, lotsa.querysets), a ``__str__`` that names no one
(it ends up in logs, change histories and error pages), the model's encrypted fields found from its
field classes (``ENCRYPTED_FIELDS``), and the person a row is about (``access_subject_id``) read from
the one declaration that also says whose data key encrypts it (``encryption_subject_field``), so
that the access log and the encryption cannot name different people.

The fields of a personal record — its random primary key, the person it is about — are in
``cases.records.PersonalRecord``, beside ``Person``: the kernel names no domain model, not even by
string. :class:`Recorded` adds who recorded a row and when, for the models whose columns are named
so (others keep their own names: ``author``, ``created_by``, …, as their columns are).

A model whose texts concern no person (under its organisation's key) takes :class:`GuardedRecord`
without a subject: its ``access_subject_id`` is None, as for a model that has none.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.functional import classproperty

from lotsa import crypto
from lotsa.querysets import GuardedQuerySet


class GuardedRecord(models.Model):
    # The attname of the person the row is about ("pk" for a person's own record): their data key
    # encrypts the row's fields and the access log names them. None: the row concerns no person.
    encryption_subject_field: str | None = None

    objects = GuardedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:  # never personal data: this ends up in logs and change histories
        # The concrete model's name, so that a proxy reads as the row it is.
        return f"{self._meta.concrete_model.__name__} {self.pk}"

    @classproperty
    def ENCRYPTED_FIELDS(cls) -> tuple[str, ...]:  # read like the constant it was
        return () if cls._meta.abstract else crypto.encrypted_fields(cls)

    def get_additional_data(self) -> dict | None:
        """What django-auditlog adds to a change record of the row (its hook): the encrypted fields a
        change writes, by name. Their values stay out of every history (lotsa.apps), so without this
        an edit of a text alone would leave a record that says nothing of what changed."""
        written = crypto.encrypted_fields_written(self)
        return {"encrypted_fields_written": list(written)} if written else None

    def access_subject_id(self) -> uuid.UUID | None:
        """The person whose data this row is (lotsa.access names them in every access event)."""
        attr = self.encryption_subject_field
        return None if attr is None else getattr(self, attr)


class Recorded(models.Model):
    """Who recorded the row, and when."""

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
