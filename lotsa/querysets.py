"""Querysets of models that hold personal data (as Open Zaak's BlockChangeMixin does).

``update()``, ``bulk_create()`` and ``bulk_update()`` write without ``save()``: without the encryption
of new values, without django-auditlog's change history, past every rule a service applies. On these
models they are refused with a clear message. The few internal uses that need them (erasure, the demo
data, the benchmarks' data sets, tests that age a record) say so, with a reason:
``Person.objects.bypassing_guard("erasure").filter(...).update(...)``.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

# Sent after a bulk write that bypassed the guard: it wrote rows without save(), so without post_save;
# what keeps something derived from the rows (coordination's published figures) hears of it here.
# Arguments: sender, the model; fields, the names of the fields written (a frozenset, as update() and
# bulk_update() name them), or None when the write may have set any (bulk_create()).
bulk_written = Signal()


class BulkWriteRefused(TypeError):
    pass


class GuardedQuerySet(models.QuerySet):
    _bulk_reason: str = ""

    def bypassing_guard(self, reason: str):
        """A queryset that allows bulk writes, for an internal use that states why."""
        if not reason.strip():
            raise ValueError("say why the guard is bypassed")
        clone = self._chain()
        clone._bulk_reason = reason
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._bulk_reason = self._bulk_reason
        return clone

    def _refuse(self, what: str) -> None:
        if not self._bulk_reason:
            raise BulkWriteRefused(
                f"{self.model._meta.label} holds personal data: {what}() would bypass its encryption and "
                f"its change history. Change rows through the services (save()); an internal use that "
                f"must write in bulk says why with bypassing_guard(reason)."
            )

    def _written(self, result, fields):
        bulk_written.send(sender=self.model, fields=None if fields is None else frozenset(fields))
        return result

    def update(self, **kwargs):
        self._refuse("update")
        return self._written(super().update(**kwargs), kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        self._refuse("bulk_create")
        return self._written(super().bulk_create(objs, *args, **kwargs), None)

    def bulk_update(self, objs, fields, *args, **kwargs):
        self._refuse("bulk_update")
        # Written through this queryset's update(), one per batch, which tells of the fields it sets.
        return super().bulk_update(objs, fields, *args, **kwargs)
