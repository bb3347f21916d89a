"""Summary tables: the archive's counts and sums by year, province, level …, kept current as
reports are written, so that facets, canned queries and dashboards read a few hundred rows
instead of every report (at a million reports a facet over `reports` took a second; over
`reports_summary` well under a millisecond).

- `reports_summary`: per (is_primary, year, province, level, template, status): how many reports
  (documents; is_primary = 1: publications) and, per headline figure, its sum and how many
  reports give it (so that a sum over no value stays NULL, as SQL's sum does). Kept by triggers on
  `reports` (insert, update, delete): every write, whoever makes it, moves the counts with it —
  but the bulk writer's, which adds its batch in one statement (`batched`, below).
- `agency_years_summary`: per agency (name, province, level): its publications, first and last
  year, which years (the `agency_years` view reads it). Kept by triggers on `reports`: each
  write recounts the agencies it touches from their few reports (index on agency, year); the
  bulk writer recounts its batch's agencies in one statement.
- `cell_totals`: per (year, province, level, key_id), over publications only (is_primary = 1),
  for the cells of the 总计 columns (column_key `total`: every row of section 三 and each
  outcome group of section 四, ≈ 30 of a report's ≈ 200 cells): the sum of their integer values
  (counts) and how many there are. A trigger per cell would halve the load rate, so the writers in
  archive/ maintain it per batch: the bulk loader adds up the new reports' cells as it builds
  their rows (`add_totals`), the single-document loader, reparse (before and after replacing cells)
  and the publications step (around a change of primary rendition) call `add_cells`; a cell
  written by hand through the `cells` view moves the sums by that view's triggers
  (archive/cells.py). Only `cell_values` written directly by other code escapes it: `rebuild`.

All are storage (hidden in Datasette, not exported): read them through the canned queries and
views.
`check(db)` compares them with a recomputation (tests); `rebuild(db)` recomputes them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlite_utils

from archive.schema import HEADLINE

DIMS = ("is_primary", "year", "province", "level", "template", "status")
# the headline figures summed (fees are money with decimals: adding and subtracting them row by
# row could drift in the last digits, so they are left out)
FIGURES = tuple(name for name, _ in HEADLINE if name != "fees_10k_yuan")
CELL_DIMS = ("year", "province", "level")
TOTAL_COLUMN = "total"  # the cells cell_totals sums: those of the 总计 columns
# the summary tables are keyed by their group as a JSON array (NULL stays null, '' stays ''): a
# primary key SQLite can upsert on, where six nullable columns could not be one
_COLS = ("grp", *DIMS, "reports", *FIGURES, *(f"n_{f}" for f in FIGURES))
_ADD = ", ".join(f"{c} = {c} + excluded.{c}" for c in _COLS[1 + len(DIMS):])  # an upsert's sums


def _grp(dims: tuple[str, ...], row: str = "") -> str:
    return f"json_array({', '.join(row + d for d in dims)})"


def _upsert(row: str, sign: str) -> str:
    """One statement adding (sign '+') or removing ('-') report `row` (new / old) to its group."""
    values = [_grp(DIMS, f"{row}."), *(f"{row}.{d}" for d in DIMS), f"{sign}1",
              *(f"{sign}coalesce({row}.{f}, 0)" for f in FIGURES), *(f"{sign}({row}.{f} IS NOT NULL)" for f in FIGURES)]
    return (f"INSERT INTO reports_summary ({', '.join(_COLS)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT (grp) DO UPDATE SET {_ADD};\n")


def same_agency(row: str) -> str:
    """The primary reports of the agency of report `row` (new / old). Unary + keeps the planner
    on idx_reports_agency_year: left to itself (no ANALYZE) it takes (is_primary, level), two
    equalities, and reads every report of the level each time (a 20,000-page crawl lost half its
    rate to it)."""
    return (f"+is_primary = 1 AND agency = {row}.agency AND +province IS {row}.province "
            f"AND +level IS {row}.level AND year IS NOT NULL")


def _agency(row: str) -> str:
    """Statements recounting the agency of report `row` (new / old) from its reports."""
    same = same_agency(row)
    grp = f"json_array({row}.agency, {row}.province, {row}.level)"
    return (f"  DELETE FROM agency_years_summary WHERE grp = {grp};\n"
            f"  INSERT INTO agency_years_summary (grp, agency, province, level, n_reports, first_year, last_year, "
            f"n_years, years)\n"
            f"  SELECT {grp}, {row}.agency, {row}.province, {row}.level, count(*), min(year), max(year), "
            f"count(DISTINCT year), (SELECT group_concat(year) FROM (SELECT DISTINCT year FROM reports WHERE {same} "
            f"ORDER BY year)) FROM reports WHERE {same} AND {row}.agency != '' HAVING count(*) > 0;\n")


# The bulk writer adds a batch's reports to the summaries with one statement each (`batched`):
# row by row, the two insert triggers were a fifth of its time at a million reports. While its
# transaction holds this archive_info row they stand aside; no other connection ever sees the row
# (it is deleted before the commit, and a rollback takes it too), so every other write still
# moves the summaries by trigger.
BATCH_FLAG = "summaries_by_batch"
_ONE_BY_ONE = f"NOT EXISTS (SELECT 1 FROM archive_info WHERE key = '{BATCH_FLAG}')"


AGENCY_TRIGGERS = {
    "agency_years_summary_insert": "CREATE TRIGGER agency_years_summary_insert AFTER INSERT ON reports "
                                   "WHEN new.is_primary = 1 AND new.agency != '' AND new.year IS NOT NULL "
                                   f"AND {_ONE_BY_ONE} BEGIN\n"
                                   + _agency("new") + "END",
    "agency_years_summary_delete": "CREATE TRIGGER agency_years_summary_delete AFTER DELETE ON reports "
                                   "WHEN old.is_primary = 1 AND old.agency != '' AND old.year IS NOT NULL BEGIN\n"
                                   + _agency("old") + "END",
    "agency_years_summary_update": "CREATE TRIGGER agency_years_summary_update AFTER UPDATE OF is_primary, agency, "
                                   "province, level, year ON reports BEGIN\n" + _agency("old") + _agency("new") + "END",
}

_EMPTIED = f"  DELETE FROM reports_summary WHERE grp = {_grp(DIMS, 'old.')} AND reports = 0;\n"
TRIGGERS = {
    "reports_summary_insert": f"CREATE TRIGGER reports_summary_insert AFTER INSERT ON reports WHEN {_ONE_BY_ONE} "
                              "BEGIN\n  "
                              + _upsert("new", "+") + "END",
    "reports_summary_delete": "CREATE TRIGGER reports_summary_delete AFTER DELETE ON reports BEGIN\n  "
                              + _upsert("old", "-") + _EMPTIED + "END",
    "reports_summary_update": f"CREATE TRIGGER reports_summary_update AFTER UPDATE OF {', '.join(DIMS + FIGURES)} "
                              "ON reports BEGIN\n  " + _upsert("old", "-") + "  " + _upsert("new", "+")
                              + _EMPTIED + "END",
}


def ensure(db: sqlite_utils.Database) -> None:
    """The triggers (derived from code); where one had to be created or changed, its summary may
    be behind the reports: rebuilt, in the same transaction."""
    for table, want, rebuild_it in (("reports_summary", TRIGGERS, _rebuild_reports_and_cells),
                                    ("agency_years_summary", AGENCY_TRIGGERS, _rebuild_agencies)):
        if not db[table].exists():
            continue  # before its migration
        have = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'reports' "
                               "AND name LIKE ? ESCAPE '~'", [table.replace("_", "~_") + "~_%"]).fetchall())
        if have == want:
            continue
        with db.atomic():
            for name in have:
                db.execute(f"DROP TRIGGER [{name}]")
            for sql in want.values():
                db.execute(sql)
            rebuild_it(db)


def migrate(db: sqlite_utils.Database) -> None:
    """Migration 0006: the tables are created; fill them (ensure adds the triggers)."""
    _rebuild_reports_and_cells(db)


def migrate_agencies(db: sqlite_utils.Database) -> None:
    """Migration 0007: the same for agency_years_summary."""
    _rebuild_agencies(db)


def _reports_sql(where: str = "") -> str:
    figs = ", ".join([f"coalesce(sum({f}), 0)" for f in FIGURES] + [f"count({f})" for f in FIGURES])
    return f"SELECT {_grp(DIMS)}, {', '.join(DIMS)}, count(*), {figs} FROM reports {where} GROUP BY {', '.join(DIMS)}"



_AGENCY_COLS = "grp, agency, province, level, n_reports, first_year, last_year, n_years, years"


def _agencies_sql() -> str:
    return ("SELECT json_array(agency, province, level), agency, province, level, count(*), min(year), max(year), "
            "count(DISTINCT year), (SELECT group_concat(y) FROM (SELECT DISTINCT year AS y FROM reports r "
            "WHERE r.is_primary = 1 AND r.agency = g.agency AND r.province IS g.province AND r.level IS g.level "
            "AND r.year IS NOT NULL ORDER BY y)) "
            "FROM reports g WHERE is_primary = 1 AND agency IS NOT NULL AND agency != '' AND year IS NOT NULL "
            "GROUP BY agency, province, level")


def _cells_sql(where: str = "", sign: int = 1) -> str:
    # integer values only (counts): decimals (amounts) summed row by row could drift
    return (f"SELECT {_grp(CELL_DIMS, 'r.')}, v.key_id, r.year, r.province, r.level, "
            f"{sign} * sum(v.value), {sign} * count(*) "
            f"FROM reports r JOIN cell_values v ON v.report_id = r.id "
            f"WHERE r.is_primary = 1 AND typeof(v.value) = 'integer' "
            f"AND v.key_id IN (SELECT id FROM cell_keys WHERE column_key = '{TOTAL_COLUMN}') {where} "
            f"GROUP BY r.year, r.province, r.level, v.key_id")


# the agencies of the reports first … last (those the insert trigger would recount: primary, with
# an agency and a year), each recounted from all its reports (`same_agency`'s conditions)
_BATCH_AGENCIES = (
    "SELECT json_array(g.agency, g.province, g.level), g.agency, g.province, g.level, count(*), min(r.year), "
    "max(r.year), count(DISTINCT r.year), (SELECT group_concat(y) FROM (SELECT DISTINCT year AS y FROM reports "
    "WHERE +is_primary = 1 AND agency = g.agency AND +province IS g.province AND +level IS g.level "
    "AND year IS NOT NULL ORDER BY y)) "
    "FROM (SELECT DISTINCT agency, province, level FROM reports WHERE id BETWEEN ? AND ? AND is_primary = 1 "
    "AND agency != '' AND year IS NOT NULL) g "
    "JOIN reports r ON r.agency = g.agency AND +r.province IS g.province AND +r.level IS g.level "
    "AND +r.is_primary = 1 AND r.year IS NOT NULL "
    "GROUP BY g.agency, g.province, g.level")


_CELL_COLS = "grp, key_id, year, province, level, total, n"
_CELL_UPSERT = (f"INSERT INTO cell_totals ({_CELL_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grp, key_id) "
                "DO UPDATE SET total = total + excluded.total, n = n + excluded.n")
_INT64 = 2**63


def stored_int(value) -> int | None:
    """The value as the archive stores it, if that is an integer (NUMERIC affinity: 3.0 is
    stored as 3), else None."""
    if type(value) is int:
        return value if -_INT64 <= value < _INT64 else None
    if type(value) is float and value.is_integer() and -_INT64 <= value < _INT64:
        return int(value)
    return None


@contextmanager
def batched(db: sqlite_utils.Database, first: int, last: int) -> Iterator[None]:
    """Inside the caller's transaction: the reports with ids first … last, inserted in the block,
    are added to reports_summary and agency_years_summary at its end, set by set, instead of one
    by one by the insert triggers (the same rows result: `check`). Only new reports: no report
    of that range may exist before (the bulk loader's own ids), none may be updated in the block."""
    db.execute("INSERT INTO archive_info (key, value) VALUES (?, '1')", [BATCH_FLAG])
    yield
    db.execute(f"INSERT INTO reports_summary ({', '.join(_COLS)}) {_reports_sql('WHERE id BETWEEN ? AND ?')} "
               f"ON CONFLICT (grp) DO UPDATE SET {_ADD}", [first, last])
    # each agency of the batch recounted from all its reports, as its trigger does
    db.execute(f"INSERT OR REPLACE INTO agency_years_summary ({_AGENCY_COLS}) {_BATCH_AGENCIES}", [first, last])
    db.execute("DELETE FROM archive_info WHERE key = ?", [BATCH_FLAG])


def add_totals(db: sqlite_utils.Database, totals: list[tuple[int, list[tuple[int, int]]]]) -> None:
    """Add new reports' cells to cell_totals from what the bulk loader built (archive/bulk.py):
    per report, its (key id, integer value) of the 总计 columns — cheaper than reading back the
    cells just written. The reports must be written (their group is read back); those that are
    not primary renditions count for nothing (inside the caller's transaction)."""
    ids = [rid for rid, _ in totals]
    groups: dict[int, tuple] = {}
    for start in range(0, len(ids), 20000):
        chunk = ",".join(map(str, ids[start:start + 20000]))
        groups.update((r[0], r[1:]) for r in db.execute(
            f"SELECT id, json_array(year, province, level), year, province, level "
            f"FROM reports WHERE is_primary = 1 AND id IN ({chunk})"))
    acc: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for rid, cells in totals:
        group = groups.get(rid)
        if group is not None:
            for kid, v in cells:
                a = acc[(group, kid)]
                a[0] += v
                a[1] += 1
    db.conn.executemany(_CELL_UPSERT, ((g[0], kid, *g[1:], t, n) for (g, kid), (t, n) in acc.items()))


def rebuild(db: sqlite_utils.Database) -> None:
    """Every summary recomputed from the reports and cells (in one transaction, or the caller's)."""
    with db.atomic():
        _rebuild_reports_and_cells(db)
        _rebuild_agencies(db)


def _rebuild_reports_and_cells(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM reports_summary")
    db.execute(f"INSERT INTO reports_summary ({', '.join(_COLS)}) {_reports_sql()}")
    db.execute("DELETE FROM cell_totals")
    db.execute(f"INSERT INTO cell_totals ({_CELL_COLS}) {_cells_sql()}")


def _rebuild_agencies(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM agency_years_summary")
    db.execute(f"INSERT INTO agency_years_summary ({_AGENCY_COLS}) {_agencies_sql()}")


def add_cells(db: sqlite_utils.Database, report_ids: Iterable[int], sign: int = 1) -> None:
    """Add (sign 1) or remove (-1) the cells of these reports, those that are primary renditions
    now, to cell_totals (inside the caller's transaction)."""
    ids = sorted({int(i) for i in report_ids})
    if not ids or not db["cell_totals"].exists():
        return
    for start in range(0, len(ids), 20000):
        chunk = ",".join(map(str, ids[start:start + 20000]))
        db.execute(f"INSERT INTO cell_totals ({_CELL_COLS}) {_cells_sql(f'AND r.id IN ({chunk})', sign)} "
                   f"ON CONFLICT (grp, key_id) DO UPDATE SET total = total + excluded.total, n = n + excluded.n")
    if sign < 0:
        db.execute("DELETE FROM cell_totals WHERE n = 0")


def check(db: sqlite_utils.Database) -> list[str]:
    """Where the summaries differ from a recomputation ([]: they agree)."""
    out = []
    for name, want_sql, cols in (("reports_summary", _reports_sql(), ", ".join(_COLS)),
                                 ("cell_totals", _cells_sql(), _CELL_COLS),
                                 ("agency_years_summary", _agencies_sql(), _AGENCY_COLS)):
        want = set(map(tuple, db.execute(want_sql).fetchall()))
        have = set(map(tuple, db.execute(f"SELECT {cols} FROM {name}").fetchall()))
        if want != have:
            out.append(f"{name}: {len(have ^ want)} rows differ")
    return out
