"""Data migrations that move a model's plaintext texts into encrypted columns under its organisation's
key, and back (lotsa.crypto holds the rules; this only walks the rows).

The forward step gives every row its row key (``row_key``, which the ciphertexts are bound to) and
writes ``<field>_sealed``; the backward step writes the plaintext back from ``<field>_sealed``. Both
write with ``queryset.update()`` on the historical model, past the models' own "never changed" rules,
which is what a migration of the storage (not of the content) must do; PostgreSQL triggers that guard
the same rules are switched off for the step by :func:`triggers_disabled`.
"""

from __future__ import annotations

import contextlib
import uuid

from lotsa import crypto

SUFFIX = "_sealed"


def seal_texts(model, *, fields: list[str], organisation: str) -> None:
    """``organisation``: the lookup of the row's organisation id, e.g. ``review__organisation_id``."""
    label = model._meta.label_lower
    with crypto.key_cache():
        for row in model.objects.values("pk", organisation, *fields).iterator():
            row_key = uuid.uuid4()
            values = {"row_key": row_key}
            for field in fields:
                text = row[field]
                values[field + SUFFIX] = (
                    crypto.encrypt_organisation_text(
                        text, label=label, field=field, row=row_key, organisation_id=row[organisation]
                    )
                    if text
                    else None
                )
            model.objects.filter(pk=row["pk"]).update(**values)


def unseal_texts(model, *, fields: list[str], organisation: str) -> None:
    label = model._meta.label_lower
    with crypto.key_cache():
        sealed = [field + SUFFIX for field in fields]
        for row in model.objects.values("pk", "row_key", organisation, *sealed).iterator():
            values = {}
            for field in fields:
                blob = row[field + SUFFIX]
                values[field] = (
                    ""
                    if blob is None
                    else crypto.decrypt_organisation_text(
                        bytes(blob),
                        label=label,
                        field=field,
                        row=row["row_key"],
                        organisation_id=row[organisation],
                    )
                )
            model.objects.filter(pk=row["pk"]).update(**values)


@contextlib.contextmanager
def triggers_disabled(schema_editor, triggers: dict[str, str]):
    """On PostgreSQL, switch the named triggers (table: trigger) off for the block, and on again."""
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        with schema_editor.connection.cursor() as cursor:
            for table, trigger in triggers.items():
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
    yield
    if postgres:
        with schema_editor.connection.cursor() as cursor:
            for table, trigger in triggers.items():
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{trigger}"')
