"""Small-number protection: the one function every coordinator's count goes through.

A table of counts (rows by columns, with row totals, column totals and a grand total) is published so
that no count below five can be known:

1. **Primary suppression.** Every count below 5 — a cell or a total, zero included — is shown as
   "fewer than 5" (so a reader knows it lies between 0 and 4, and nothing more).
2. **Complementary suppression.** A hidden count must not be recoverable from what is shown: with the
   totals, a single hidden cell in a row is the total minus the rest. So the total of every row and
   column holding a small count is hidden too (shown as "hidden"; a reader knows it is 5 or more),
   and the grand total once any total is hidden. Hiding a second cell per line instead keeps more
   totals but is not enough: the totals minus a row minus a column can still pin a cell (the tests
   keep such a table). Then an audit checks, for every count below 5, that at least two values are
   consistent with everything published, and hides more until they are. The audit is exact: for each
   hidden small count it asks a linear program for the smallest and the largest value the published
   equations and bounds allow (a table with its margins is a network, so both are whole numbers) and
   calls the count protected only if they differ.
3. **Differencing.** Two tables that overlap would give a hidden count by subtraction. So every view
   a coordinator can ask for is a projection of one table computed over all administrations at once
   (a local coordinator sees their row of the city-wide table, with the same hidden counts), and the
   periods are fixed (calendar years, months within them), never a range of the reader's choosing.

``protect`` never returns a table in which a small count is exposed: if the heuristic cannot find
complements, it hides whole lines, and in the end everything but what touches no hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy.optimize import linprog

THRESHOLD = 5

# An entry of the table: ("cell", i, j), ("row", i) a row total, ("column", j) a column total,
# ("total",) the grand total.
Key = tuple


@dataclass(frozen=True)
class Count:
    """One published number: its value, or why it is not shown."""

    value: int | None
    small: bool = False  # hidden because it is below the threshold
    complementary: bool = False  # hidden so that a small one cannot be worked out

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.small:
            return str(_("fewer than %(n)s") % {"n": THRESHOLD})
        if self.complementary:
            return str(_("hidden"))
        return str(self.value)

    @property
    def csv(self) -> str:
        """As the CSV export writes it: the number, ``<5`` or ``..``."""
        if self.small:
            return f"<{THRESHOLD}"
        if self.complementary:
            return ".."
        return str(self.value)

    @classmethod
    def from_csv(cls, text: str) -> Count:
        """A count as :attr:`csv` wrote it (a stored version keeps its counts so), to be shown in the
        same words as a live table: one name for a small count, "fewer than 5", never "<5"."""
        if text == f"<{THRESHOLD}":
            return cls(None, small=True)
        if text == "..":
            return cls(None, complementary=True)
        return cls(int(text))


@dataclass(frozen=True)
class ProtectedTable:
    rows: list[str]
    columns: list[str]
    cells: list[list[Count]]
    row_totals: list[Count]
    column_totals: list[Count]
    total: Count

    def row(self, label: str) -> ProtectedTable:
        """One row of the table (a local coordinator's administration), hidden as in the whole."""
        i = self.rows.index(label)
        return ProtectedTable(
            rows=[label],
            columns=self.columns,
            cells=[self.cells[i]],
            row_totals=[self.row_totals[i]],
            column_totals=list(self.cells[i]),
            total=self.row_totals[i],
        )

    def lines(self):
        """Rows for a template: (label, cells, total)."""
        return [(label, self.cells[i], self.row_totals[i]) for i, label in enumerate(self.rows)]


def _equations(n_rows: int, n_cols: int) -> list[tuple[list[Key], Key]]:
    """Every published sum: the parts and their total."""
    equations = [([("cell", i, j) for j in range(n_cols)], ("row", i)) for i in range(n_rows)]
    equations += [([("cell", i, j) for i in range(n_rows)], ("column", j)) for j in range(n_cols)]
    equations.append(([("row", i) for i in range(n_rows)], ("total",)))
    equations.append(([("column", j) for j in range(n_cols)], ("total",)))
    return equations


def _values(counts: list[list[int]]) -> dict[Key, int]:
    values: dict[Key, int] = {}
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            values["cell", i, j] = value
        values["row", i] = sum(row)
    for j in range(len(counts[0])):
        values["column", j] = sum(row[j] for row in counts)
    values["total",] = sum(values["row", i] for i in range(len(counts)))
    return values


def exposed(
    values: dict[Key, int], small: set[Key], hidden: set[Key], equations: list[tuple[list[Key], Key]]
) -> list[Key]:
    """The small hidden entries whose value the published table fixes (the audit)."""
    unknowns = sorted(hidden)
    if not unknowns:
        return []
    index = {key: n for n, key in enumerate(unknowns)}
    rows, rhs = [], []
    for parts, total in equations:
        members = [(key, 1) for key in parts] + [(total, -1)]
        if not any(key in index for key, _sign in members):
            continue
        row = np.zeros(len(unknowns))
        known = 0
        for key, sign in members:
            if key in index:
                row[index[key]] += sign
            else:
                known += sign * values[key]
        rows.append(row)
        rhs.append(-known)
    bounds = [(0, THRESHOLD - 1) if key in small else (THRESHOLD, None) for key in unknowns]
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    found = []
    for key in unknowns:
        if key not in small:
            continue
        objective = np.zeros(len(unknowns))
        objective[index[key]] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if not (low.success and high.status in (0, 3)):
            # The true table is always feasible; a solver failure counts as exposed (fail closed).
            found.append(key)
            continue
        if high.status == 0 and round(-high.fun) - round(low.fun) < 1:
            found.append(key)
    return found


def _lines_through(key: Key, equations) -> list[list[Key]]:
    return [[*parts, total] for parts, total in equations if key == total or key in parts]


def _complements(small: set[Key], n_rows: int, n_cols: int) -> set[Key]:
    """The rule: the total of every row and column with a small cell is hidden, and the grand total
    once any total is hidden — then no published sum holds a hidden count together with only shown
    ones, and each hidden count keeps at least two possible values (the audit checks it)."""
    hidden = {("row", i) for i in range(n_rows) for j in range(n_cols) if ("cell", i, j) in small}
    hidden |= {("column", j) for i in range(n_rows) for j in range(n_cols) if ("cell", i, j) in small}
    if small:
        hidden.add(("total",))
    return hidden


def protect(rows: list[str], columns: list[str], counts: list[list[int]]) -> ProtectedTable:
    """``counts`` (one list per row, one number per column) published with small numbers protected."""
    if not rows or not columns:
        raise ValueError("a table has at least one row and one column")
    if len(counts) != len(rows) or any(len(row) != len(columns) for row in counts):
        raise ValueError("the counts do not match the rows and columns")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts are never negative")
    values = _values(counts)
    equations = _equations(len(rows), len(columns))
    small = {key for key, value in values.items() if value < THRESHOLD}
    hidden = set(small) | _complements(small, len(rows), len(columns))
    while True:
        found = exposed(values, small, hidden, equations)
        if not found:
            break
        key = found[0]
        candidates = [k for line in _lines_through(key, equations) for k in line if k not in hidden]
        if not candidates:
            # Every line through it is hidden already: widen to any line holding a hidden entry.
            candidates = [
                k
                for parts, total in equations
                if any(m in hidden for m in [*parts, total])
                for k in [*parts, total]
                if k not in hidden
            ]
        if not candidates:
            hidden = set(values)  # fail closed: nothing is shown rather than a small count exposed
            break
        # The smallest count loses least; a cell before a total, the grand total last.
        rank = {"cell": 0, "row": 1, "column": 1, "total": 2}
        hidden.add(min(candidates, key=lambda k: (rank[k[0]], values[k], k)))

    def count(key: Key) -> Count:
        if key in small:
            return Count(None, small=True)
        if key in hidden:
            return Count(None, complementary=True)
        return Count(values[key])

    return ProtectedTable(
        rows=list(rows),
        columns=list(columns),
        cells=[[count(("cell", i, j)) for j in range(len(columns))] for i in range(len(rows))],
        row_totals=[count(("row", i)) for i in range(len(rows))],
        column_totals=[count(("column", j)) for j in range(len(columns))],
        total=count(("total",)),
    )
