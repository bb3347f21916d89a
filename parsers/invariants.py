"""The parser's first promise, checked on a finished report: a value is exact as printed, or
`null` with a finding that says why. Pure functions over a `Report`, for the tests (the fixture
corpus, generated reports, a fuzz slice) and the fuzz harness's judgement.

- `silent_nulls`: cells whose value is `null` without a finding naming their table and row
  (one naming another column of the row does not say why this cell is unknown; section 四
  read as one printed sequence names its rows in `rows`) — except a not-applicable mark
  printed as such (`/`, `—`, `无`: the raw says it) and the cells of a table a table-wide
  finding explains (only its 总计 column printed, the table missing).
- `silent_imputations`: cells imputed (a blank read as 0) that are not a blank read as 0.
"""
from __future__ import annotations

from .model import Report
from .values import parse_value

Key = tuple[str, str, str]
# findings about a whole table that explain the null cells in it
TABLE_WIDE = frozenset({"parts_omitted", "table_missing"})
# findings that name a row but say a value was read (or the arithmetic broke), not why one is unknown
NOT_A_REASON = frozenset({"identity_break", "inferred_split", "inferred_position", "value_approx", "extra_cells",
                          "fact_mismatch", "row_unmatched", "row_variant"})


def silent_nulls(report: Report) -> list[Key]:
    """(table, row, column) of every null cell no finding explains. A finding explains the
    cells of its table in the rows it names (`row`, or a list `rows`; every row for a table-wide
    one) and the columns it names (`column`, or a list `columns`; else every column)."""
    reasons: list[tuple[str, frozenset[str] | None, frozenset[str] | None]] = []
    for f in report.findings:
        if not f.table or f.code in NOT_A_REASON:
            continue
        rows = f.details.get("rows")
        columns = f.details.get("columns")
        if f.row:
            rows = [f.row]
        elif not isinstance(rows, list):
            if f.code not in TABLE_WIDE:
                continue  # (a finding on the table's arithmetic or layout names no cell)
            rows = None
        if f.column:
            columns = [f.column]
        elif not isinstance(columns, list):
            columns = None  # (short_row's `columns` is a count)
        reasons.append((f.table, None if rows is None else frozenset(rows),
                        None if columns is None else frozenset(columns)))
    out = []
    for c in report.cells:
        if c.value is not None:
            continue
        if c.raw and parse_value(c.raw).kind == "na":
            continue  # printed not applicable: null as printed
        if any(t == c.table and (rows is None or c.row in rows) and (cols is None or c.column in cols)
               for t, rows, cols in reasons):
            continue
        out.append((c.table, c.row, c.column))
    return out


def silent_imputations(report: Report) -> list[Key]:
    """(table, row, column) of every imputed cell that is not a blank read as 0."""
    return [(c.table, c.row, c.column) for c in report.cells if c.imputed and (c.value != 0 or c.raw != "")]
