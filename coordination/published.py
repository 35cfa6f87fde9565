"""The indicators of effect as published: each indicator's table for a year, computed once and kept,
already protected, until what it is counted from changes.

Computing an indicator reads every row it counts (every threat assessment, every follow-up, …) and
protects the table with a linear program per small count (coordination.suppression): too much to do
on every view of the coordinator's page, for figures that change a few times a day. So the protected
table is stored (``IndicatorTable``) with what it was computed from, and a view computes it anew only
when that differs:

* the **generation** of every model the indicator reads (``InputGeneration``): raised, in the writing
  transaction (so a view that sees the change also sees the new generation), by every save and delete
  of such a row and by every bulk write through its guarded queryset (``lotsa.querysets.bulk_written``)
  — a save or bulk write only if it touched a field an indicator reads (``concerns_indicators``: a
  case's journal version, status or latest activity is no input). Two kinds of write pass by it: a
  migration, which writes past both, so it drops every stored table; and a person merge, which
  re-points rows through the plain ``_base_manager`` (``cases.services._repoint``), sending nothing —
  it changes only which person a row belongs to (and encrypts the row's texts again under that
  person's key), and no indicator reads a row's person or an encrypted field, so no table it leaves
  stored is stale;
* the **district administrations** in the order of their names (the table's rows; the order decides
  which counts protect a small one, so a renamed administration that moves is a new table);
* **the day**, for an indicator that counts what is due "up to today".

The cache is the database, not Django's cache framework: none is configured (the default would keep
a copy per process, so one worker would show figures another has found stale), and a stored table
must change in the same transaction as the rows it counts, which only the database gives.

What is stored has passed the small-number protection: each count as published (a number, "<5" or
"..", never the number behind a small one), a share only where both its counts are shown, a median
only over five or more. No name: rows are keyed by the administration's id, and the words (the
administration's name, "All", "City-wide units") are the reader's, added when it is shown.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination import indicators
from coordination.indicators import CITY_WIDE, DISTRICT_INPUTS, Indicator, IndicatorResult, IndicatorRow
from coordination.models import IndicatorTable, InputGeneration
from coordination.suppression import Count
from lotsa.querysets import bulk_written

# Raised when what is stored changes shape, or how an indicator is computed changes: every stored table
# is then stale.
FORMAT = 1
# The fields an indicator (or the situation picture) reads of a watched model whose other fields change
# often: a write of such a model that touches none of them leaves the figures as they are. A watched
# model not named here: any write of it counts. Names, not attnames (concerns_indicators maps those).
FIELDS_READ = {
    "cases.case": frozenset({"owner_unit", "activity", "milieu", "opened_at", "closed_at"}),
}


def inputs_of(indicator: Indicator) -> tuple[str, ...]:
    return tuple(sorted({*DISTRICT_INPUTS, *indicator.inputs}))


def watched() -> set[str]:
    return {label for indicator in indicators.INDICATORS for label in inputs_of(indicator)}


# --- Keeping the generations -----------------------------------------------------------------------------


def generation_raise(label: str) -> None:
    """One more write of the model's rows, in the writing transaction."""
    if not InputGeneration.objects.filter(label=label).update(generation=F("generation") + 1):
        try:
            with transaction.atomic():
                InputGeneration.objects.create(label=label, generation=1)
        except IntegrityError:  # created alongside by another writer: raise that one
            InputGeneration.objects.filter(label=label).update(generation=F("generation") + 1)


def concerns_indicators(model, fields) -> bool:
    """Whether a write of ``model``'s rows that set ``fields`` (names or attnames; None: it may have set
    any, as a new row or a save that names none) can change what an indicator counts."""
    read = FIELDS_READ.get(model._meta.label_lower)
    if read is None or fields is None:
        return True
    for name in fields:
        try:
            if model._meta.get_field(name).name in read:
                return True
        except FieldDoesNotExist:  # not a field we know: it may be anything
            return True
    return False


def _saved(sender, instance=None, created=False, update_fields=None, raw=False, **kwargs):
    if concerns_indicators(sender, None if created else update_fields):
        generation_raise(sender._meta.label_lower)


def _deleted(sender, **kwargs):
    generation_raise(sender._meta.label_lower)


def _bulk_written(sender, fields=None, **kwargs):
    if concerns_indicators(sender, fields):
        generation_raise(sender._meta.label_lower)


def _migrated(sender, using="default", **kwargs):
    # A migration may have written rows past save(): nothing stored is trusted after one (if the
    # database is at a state that has the table: a test migrates back to before it).
    if sender.label != "coordination":
        return
    if IndicatorTable._meta.db_table in connections[using].introspection.table_names():
        IndicatorTable.objects.using(using).all().delete()


def connect() -> None:
    for label in sorted(watched()):
        model = apps.get_model(label)
        post_save.connect(_saved, sender=model, dispatch_uid=f"published-save-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"published-delete-{label}")
        bulk_written.connect(_bulk_written, sender=model, dispatch_uid=f"published-bulk-{label}")
    post_migrate.connect(_migrated, dispatch_uid="published-migrated")


# --- Reading what is published ---------------------------------------------------------------------------


def _stored_row(key, row: IndicatorRow) -> dict:
    return {
        "key": key,
        "met": row.met.csv,
        "not_met": row.not_met.csv,
        "counted": row.counted.csv,
        "share": row.share,
        "median": row.median,
    }


def _stored(indicator: Indicator, result: IndicatorResult, where) -> dict:
    keys = [o.pk for o in where] + [CITY_WIDE]
    rows = [] if indicator.city_wide else result.rows
    return {
        "rows": [_stored_row(key, row) for key, row in zip(keys, rows, strict=True)] if rows else [],
        "total": _stored_row(None, result.total),
    }


def _shown(indicator: Indicator, stored: dict, names: dict) -> IndicatorResult:
    def row(item: dict, label: str) -> IndicatorRow:
        return IndicatorRow(
            label,
            Count.from_csv(item["met"]),
            Count.from_csv(item["not_met"]),
            Count.from_csv(item["counted"]),
            item["share"],
            item["median"],
        )

    rows = [
        row(item, names[item["key"]] if item["key"] is not None else _("City-wide units"))
        for item in stored["rows"]
    ]
    return IndicatorResult(indicator, rows, row(stored["total"], _("All")))


def indicator_results(years: dict[str, list[int]]) -> dict[tuple[str, int], IndicatorResult]:
    """The published table of each indicator (by key) for each of its years: as stored where what it
    is computed from is unchanged, otherwise computed, protected and stored anew."""
    where = indicators.districts()
    names = {o.pk: o.name for o in where}
    generations = dict(InputGeneration.objects.values_list("label", "generation"))
    today = timezone.localdate().isoformat()
    wanted = {(i.key, y) for i in indicators.INDICATORS for y in years.get(i.key, [])}
    stored = {
        (t.key, t.year): t
        for t in IndicatorTable.objects.filter(
            key__in={key for key, _y in wanted}, year__in={y for _k, y in wanted}
        )
    }
    results = {}
    for indicator in indicators.INDICATORS:
        inputs = {
            "format": FORMAT,
            "day": today if indicator.as_of_today else None,
            "administrations": list(names),
            "generations": {label: generations.get(label, 0) for label in inputs_of(indicator)},
        }
        for year in years.get(indicator.key, []):
            kept = stored.get((indicator.key, year))
            if kept is not None and kept.inputs == inputs:
                results[indicator.key, year] = _shown(indicator, kept.table, names)
                continue
            result = indicators.indicator_result(indicator, year, where)
            table = _stored(indicator, result, where)
            _store(indicator.key, year, inputs, table)
            results[indicator.key, year] = _shown(indicator, table, names)
    return results


def _store(key: str, year: int, inputs: dict, table: dict) -> None:
    """Kept for the next view; two views computing it at once both store it, the later one wins (a
    table stored with inputs older than the rows it counted is only computed once more)."""
    try:
        with transaction.atomic():
            IndicatorTable.objects.update_or_create(
                key=key, year=year, defaults={"inputs": inputs, "table": table}
            )
    except IntegrityError:  # created alongside by another view: theirs is as good
        pass
