"""The base of every model that records something about one person (a journal entry, a consent, a
meeting of a group, a placement, …): lotsa.records.GuardedRecord's behaviour, and the two fields
such a row always has.

It lives here, beside ``Person``, and not in the kernel: its ``person`` names a domain model, and the
kernel names none. Its primary key is a random UUID, known before the row is inserted, because every
ciphertext is bound to the row's key (lotsa.crypto). A model whose person field has another name or
another reverse accessor declares its own (``person = None`` removes the inherited one) and says so in
``encryption_subject_field``.
"""

from __future__ import annotations

import uuid

from django.db import models

from lotsa.records import GuardedRecord


class PersonalRecord(GuardedRecord):
    encryption_subject_field = "person_id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
