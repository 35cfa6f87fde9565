"""Small-number protection, tested against reconstruction: for every table hypothesis finds, every count
below five must have at least two values consistent with everything the published table shows. The
check below is independent of the function's own audit (no linear programming): it searches for a
whole table that agrees with the published one and differs in that count."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination.suppression import THRESHOLD, Count, protect

LOW = THRESHOLD - 1


def _bounds(count: Count, upper: int) -> tuple[int, int]:
    if count.small:
        return 0, LOW
    if count.complementary:
        return THRESHOLD, upper
    return count.value, count.value


def alternative(published, n_rows, n_cols, fixed: dict, upper: int) -> list[list[int]] | None:
    """A table of counts consistent with ``published`` in which the entries in ``fixed`` (keys as in
    coordination.suppression: ("cell", i, j), ("row", i), ("column", j), ("total",)) have the given
    values; None if there is none with hidden counts up to ``upper``."""
    cell_bounds = [[_bounds(published.cells[i][j], upper) for j in range(n_cols)] for i in range(n_rows)]
    for key, value in fixed.items():
        if key[0] == "cell":
            cell_bounds[key[1]][key[2]] = (value, value)
    row_bounds = [_bounds(c, upper * n_cols) for c in published.row_totals]
    col_bounds = [_bounds(c, upper * n_rows) for c in published.column_totals]
    total_bounds = _bounds(published.total, upper * n_rows * n_cols)
    for key, value in fixed.items():
        if key[0] == "row":
            row_bounds[key[1]] = (value, value)
        elif key[0] == "column":
            col_bounds[key[1]] = (value, value)
        elif key[0] == "total":
            total_bounds = (value, value)
    table = [[0] * n_cols for _ in range(n_rows)]
    col_sums = [0] * n_cols

    def place(i: int, j: int, row_sum: int) -> bool:
        if i == n_rows:
            if not all(col_bounds[c][0] <= col_sums[c] <= col_bounds[c][1] for c in range(n_cols)):
                return False
            return total_bounds[0] <= sum(col_sums) <= total_bounds[1]
        if j == n_cols:
            if not row_bounds[i][0] <= row_sum <= row_bounds[i][1]:
                return False
            return place(i + 1, 0, 0)
        low, high = cell_bounds[i][j]
        if j == n_cols - 1 and row_bounds[i][0] == row_bounds[i][1]:
            # The row's total is known: its last cell is forced.
            low = high = row_bounds[i][0] - row_sum if low <= row_bounds[i][0] - row_sum <= high else -1
            if low < 0:
                return False
        for value in range(low, high + 1):
            if col_sums[j] + value > col_bounds[j][1] or row_sum + value > row_bounds[i][1]:
                break
            if i == n_rows - 1 and col_sums[j] + value < col_bounds[j][0]:
                continue
            table[i][j] = value
            col_sums[j] += value
            if place(i, j + 1, row_sum + value):
                return True
            col_sums[j] -= value
        return False

    return [row[:] for row in table] if place(0, 0, 0) else None


def entries(published, n_rows, n_cols):
    for i in range(n_rows):
        for j in range(n_cols):
            yield ("cell", i, j), published.cells[i][j]
        yield ("row", i), published.row_totals[i]
    for j in range(n_cols):
        yield ("column", j), published.column_totals[j]
    yield ("total",), published.total


def true_value(counts, key):
    if key[0] == "cell":
        return counts[key[1]][key[2]]
    if key[0] == "row":
        return sum(counts[key[1]])
    if key[0] == "column":
        return sum(row[key[1]] for row in counts)
    return sum(map(sum, counts))


def assert_protected(counts):
    n_rows, n_cols = len(counts), len(counts[0])
    published = protect([f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)], counts)
    upper = max(max(map(max, counts)), THRESHOLD) + THRESHOLD
    for key, count in entries(published, n_rows, n_cols):
        value = true_value(counts, key)
        # What is shown is true; every count below the threshold is hidden as small, nothing else is.
        assert count.small == (value < THRESHOLD), (key, value, count)
        assert count.hidden or count.value == value
        if not count.small:
            continue
        others = [v for v in range(THRESHOLD) if v != value]
        assert any(alternative(published, n_rows, n_cols, {key: v}, upper) for v in others), (
            f"{key} = {value} can be worked out from the published table of {counts}"
        )


tables = st.integers(1, 3).flatmap(
    lambda n_rows: st.integers(1, 4).flatmap(
        lambda n_cols: st.lists(
            st.lists(st.one_of(st.integers(0, 4), st.integers(5, 12)), min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_small_count_can_be_worked_out(counts):
    assert_protected(counts)


@pytest.mark.parametrize(
    "counts",
    [
        # One small cell in a row and column with shown totals: the classic subtraction.
        [[3, 10], [12, 20]],
        # Found while writing this: hiding a second cell per line is not enough when totals minus a
        # row minus a column pin the zeros.
        [[4, 5, 0], [7, 5, 0], [0, 0, 0]],
        # Bounds alone: the total minus a shown part leaves exactly 5 for a hidden pair of 0-4 and ≥5.
        [[0, 5, 9], [8, 9, 9]],
        [[1]],
        [[4, 4, 4, 4]],
        [[12, 7], [6, 9]],
    ],
)
def test_known_tables(counts):
    assert_protected(counts)


def test_a_table_without_small_counts_is_shown_whole():
    published = protect(["a", "b"], ["x", "y"], [[5, 6], [7, 8]])
    assert [[c.value for c in row] for row in published.cells] == [[5, 6], [7, 8]]
    assert [c.value for c in published.row_totals] == [11, 15]
    assert published.total.value == 26


def test_a_local_view_is_the_city_wide_row():
    """Differencing between the city-wide table and a district's own view gives nothing: the view is
    the row, hidden exactly as in the whole."""
    published = protect(["a", "b", "c"], ["x", "y", "z"], [[3, 9, 8], [6, 2, 7], [9, 9, 9]])
    local = published.row("b")
    assert local.cells == [published.cells[1]]
    assert local.total == published.row_totals[1]
    assert local.column_totals == published.cells[1]


def test_the_published_words():
    published = protect(["a"], ["x", "y"], [[2, 9]])
    small, other = published.cells[0]
    assert small.csv == "<5" and other.csv == "9" and published.row_totals[0].csv == ".."
    assert str(small) == "färre än 5"


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        protect(["a"], ["x"], [[-1]])
    with pytest.raises(ValueError):
        protect(["a"], ["x", "y"], [[1]])
