"""SQL of a fixed shape, compiled once per process and database, given each call's value.

Building an ORM query and compiling it to SQL is Python work; for a query whose shape never changes
(the retention date's unions, the news counted on a list of cases) it costs a page more than the
database takes to answer it (docs/benchmarks.md). Such a query is built and compiled once per process
and database, for a *probe*: a value of the one varying parameter (a person's id, a user's id) that
no row has. Every parameter of the compiled statement that equals the probe is then given the
asked value on each call (:meth:`CompiledOnce.given`); a statement in which the probe does not
appear is refused when it is compiled, so a change to the query cannot silently drop the value.

What is kept is only the text Django compiled, every value in it a parameter: nothing read from the
database, nothing decrypted, no user's value. Each call reads anew, so a withdrawal or an erasure is
seen by the next one. Kept per (connection alias, vendor): a test that points an alias at another
database compiles again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

T = TypeVar("T")


class CompiledOnce(Generic[T]):
    """What ``compile(probe)`` returns, built once per process and database.

    ``probe`` is the value the query is compiled for, as it appears among the compiled parameters
    (``prepare`` turns the probe into that form, e.g. a UUID into SQLite's hex text)."""

    def __init__(self, name: str, *, probe: Any, compile: Callable[[Any], T], prepare=None) -> None:
        self.name = name
        self.probe = probe
        self._compile = compile
        self._prepare = prepare or (lambda value: value)
        self._by_database: dict[tuple[str, str], T] = {}

    def get(self) -> T:
        """The compiled statements for the current database (compiled on first use)."""
        key = (connection.alias, connection.vendor)
        found = self._by_database.get(key)
        if found is None:
            found = self._by_database[key] = self._compile(self.probe)
        return found

    def compiled(self) -> dict[tuple[str, str], T]:
        """What is kept, by database (for the tests: nothing is compiled twice)."""
        return dict(self._by_database)

    def sql(self, queryset: QuerySet) -> tuple[str, list]:
        """The whole statement of ``queryset`` (built for the probe), checked to name it."""
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
        return sql, self._checked(params, what="the query")

    def row(self, columns: Iterable[tuple[str, QuerySet]]) -> tuple[str, list]:
        """One statement that reads one row: each column is a queryset's statement (built for the
        probe, checked to name it) in a fixed wrapper whose ``{}`` it takes, e.g.
        ``"(SELECT MAX(u.at) FROM ({}) u)"``; the parameters in the columns' order. Read with
        :meth:`fetch_row`."""
        texts, params = [], []
        for wrapper, queryset in columns:
            sql, part = self.sql(queryset)
            texts.append(wrapper.replace("{}", sql, 1))
            params += part
        # Only Django's compiled text in the callers' fixed wrappers; every value is a parameter.
        return "SELECT " + ", ".join(texts), params

    def fetch_row(self, value: Any) -> tuple:
        """The row of a statement made by :meth:`row`, read anew for ``value``."""
        sql, params = self.get()
        with connection.cursor() as cursor:
            cursor.execute(sql, self.given(params, value))
            return cursor.fetchone()

    def annotations(self, queryset: QuerySet, aliases: Iterable[str]) -> list[tuple[str, str, list, Any]]:
        """The SQL of some annotations of ``queryset`` (built for the probe), each checked to name it:
        (alias, sql, params, output field), to be given again as :meth:`raw`."""
        wanted = set(aliases)
        compiler = queryset.query.get_compiler(connection=connection)
        compiler.setup_query()
        found = []
        for expression, (sql, params), alias in compiler.select:
            if alias in wanted:
                params = self._checked(params, what=f"the {alias} annotation")
                found.append((alias, sql, params, expression.output_field))
        if {alias for alias, *_ in found} != wanted:
            raise RuntimeError(f"{self.name}: annotations {sorted(wanted)} not all found in the query")
        return found

    def given(self, params: Sequence, value: Any) -> list:
        """The compiled parameters with ``value`` in place of each that is the probe."""
        prepared_probe = self._prepare(self.probe)
        prepared_value = self._prepare(value)
        return [prepared_value if param == prepared_probe else param for param in params]

    def raw(self, annotations: Iterable[tuple[str, str, list, Any]], value: Any) -> dict[str, RawSQL]:
        """Compiled annotations as expressions for ``value``, to ``.annotate(**...)`` a queryset."""
        # Django's own SQL, every value in it a parameter (S611: no text is added to it).
        return {
            alias: RawSQL(sql, self.given(params, value), field)  # noqa: S611
            for alias, sql, params, field in annotations
        }

    def _checked(self, params: Sequence, *, what: str) -> list:
        if self._prepare(self.probe) not in params:
            raise RuntimeError(f"{self.name}: {what} does not name its probe value")
        return list(params)
