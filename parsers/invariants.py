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


class Explained:
    """Which cells a report's findings speak of. A finding names the cells of its table in the
    rows it names (`row`, or a list `rows`) and the columns it names (`column`, or a list
    `columns`; else every column). `reads`: findings that say how a value was read or that its
    arithmetic broke count too (for a value that changed: a word about it), and so do findings
    naming a table's column, or the table, without a row; otherwise only findings that say why a
    value is unknown, and of the table-wide ones only those explaining a whole table's cells."""

    def __init__(self, report: Report, reads: bool = False) -> None:
        self.reasons: list[tuple[str, frozenset[str] | None, frozenset[str] | None]] = []
        for f in report.findings:
            if not f.table or (not reads and f.code in NOT_A_REASON):
                continue
            rows = f.details.get("rows")
            columns = f.details.get("columns")
            if f.row:
                rows = [f.row]
            elif not isinstance(rows, list):
                if not reads and f.code not in TABLE_WIDE:
                    continue  # (a finding on the table's arithmetic or layout names no cell)
                rows = None
            if f.column:
                columns = [f.column]
            elif not isinstance(columns, list):
                columns = None  # (short_row's `columns` is a count)
            self.reasons.append((f.table, None if rows is None else frozenset(rows),
                                 None if columns is None else frozenset(columns)))

    def __call__(self, table: str, row: str, column: str) -> bool:
        return any(t == table and (rows is None or row in rows) and (cols is None or column in cols)
                   for t, rows, cols in self.reasons)


def silent_nulls(report: Report) -> list[Key]:
    """(table, row, column) of every null cell no finding explains."""
    explained = Explained(report)
    out = []
    for c in report.cells:
        if c.value is not None:
            continue
        if c.raw and parse_value(c.raw).kind == "na":
            continue  # printed not applicable: null as printed
        if not explained(c.table, c.row, c.column):
            out.append((c.table, c.row, c.column))
    return out


def silent_imputations(report: Report) -> list[Key]:
    """(table, row, column) of every imputed cell that is not a blank read as 0."""
    return [(c.table, c.row, c.column) for c in report.cells if c.imputed and (c.value != 0 or c.raw != "")]
