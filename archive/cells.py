"""How table cells are stored: compactly, behind the `cells` view researchers know.

About 200 cells per report make `cells` the bulk of the archive. Stored as text keys
(`table_key`, `row_key`, `column_key`) with an index by key they took 25 KiB a report (70 % of
the archive); here each key is an integer (`cell_keys.id`, stable: ids are only ever added) and
`cell_values` is a WITHOUT ROWID table keyed by (report_id, key_id), and no other index: ≈ 3.5 KiB
a report. Questions across reports ("every report's 本年新收") are the wide views' (a primary-key
lookup a report) and the summaries' (`cell_totals`).

`cells` is a view with the old table's columns, in the old order, so every query, Datasette URL
(its row pages included, served by the plugin), CSV and export keeps working; INSTEAD OF
triggers make it writable as before (an UPDATE or DELETE on `cells` reaches `cell_values`, and
the summed 总计 cells in `cell_totals` follow).
Writers in archive/ write `cell_values` directly (`KeyIds` maps keys to ids, adding new ones).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from archive.keys import rows as key_rows
from archive.summary import TOTAL_COLUMN

VIEW = """
SELECT v.report_id, k.table_key, k.row_key, k.column_key, v.value, v.raw, v.imputed, v.source
FROM cell_values v JOIN cell_keys k ON k.id = v.key_id
"""
_KEY = "(SELECT id FROM cell_keys WHERE table_key = {0}.table_key AND row_key = {0}.row_key AND column_key = {0}.column_key)"


def _totals(row: str, sign: str) -> str:
    """Add (sign '') or remove ('-') the stored value of cell `row` (new / old) to cell_totals,
    as archive.summary counts it (a 总计 cell of a primary rendition, an integer value)."""
    return (f"INSERT INTO cell_totals (grp, key_id, year, province, level, total, n) "
            f"SELECT json_array(r.year, r.province, r.level), v.key_id, r.year, r.province, r.level, {sign}v.value, {sign}1 "
            f"FROM cell_values v JOIN cell_keys k ON k.id = v.key_id JOIN reports r ON r.id = v.report_id "
            f"WHERE v.report_id = {row}.report_id AND v.key_id = {_KEY.format(row)} AND k.column_key = '{TOTAL_COLUMN}' "
            f"AND r.is_primary = 1 AND typeof(v.value) = 'integer' "
            f"ON CONFLICT (grp, key_id) DO UPDATE SET total = total + excluded.total, n = n + excluded.n;\n"
            + ("  DELETE FROM cell_totals WHERE n = 0;\n" if sign else ""))


# the view writable as the table was (tests and hand edits; the loader writes cell_values itself),
# the summed 总计 cells (archive/summary.py) following
TRIGGERS = {
    "cells_insert": f"""CREATE TRIGGER cells_insert INSTEAD OF INSERT ON cells BEGIN
  INSERT OR IGNORE INTO cell_keys (table_key, row_key, column_key) VALUES (new.table_key, new.row_key, new.column_key);
  INSERT INTO cell_values (report_id, key_id, value, raw, imputed, source)
  VALUES (new.report_id, {_KEY.format('new')}, new.value, new.raw, new.imputed, new.source);
  {_totals('new', '')}END""",
    "cells_update": f"""CREATE TRIGGER cells_update INSTEAD OF UPDATE ON cells BEGIN
  {_totals('old', '-')}  INSERT OR IGNORE INTO cell_keys (table_key, row_key, column_key) VALUES (new.table_key, new.row_key, new.column_key);
  UPDATE cell_values SET report_id = new.report_id, key_id = {_KEY.format('new')}, value = new.value,
    raw = new.raw, imputed = new.imputed, source = new.source
  WHERE report_id = old.report_id AND key_id = {_KEY.format('old')};
  {_totals('new', '')}END""",
    "cells_delete": f"""CREATE TRIGGER cells_delete INSTEAD OF DELETE ON cells BEGIN
  {_totals('old', '-')}  DELETE FROM cell_values WHERE report_id = old.report_id AND key_id = {_KEY.format('old')};
END""",
}


def ensure(db: sqlite_utils.Database) -> None:
    """The `cells` view and its triggers (derived from code: created, or replaced where they
    differ; nothing written when current)."""
    have = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE name = 'cells' OR "
                           "(type = 'trigger' AND tbl_name = 'cells')").fetchall())
    if have.get("cells") != f"CREATE VIEW cells AS {VIEW.strip()}":
        for name in TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute("DROP VIEW IF EXISTS cells")
        db.execute(f"CREATE VIEW cells AS {VIEW.strip()}")
        have = {}
    for name, sql in TRIGGERS.items():
        if have.get(name) != sql:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
            db.execute(sql)


def seed_keys(db: sqlite_utils.Database) -> None:
    """The template's keys first, in template order (small ids for the common keys)."""
    db.conn.executemany("INSERT OR IGNORE INTO cell_keys (table_key, row_key, column_key) VALUES (?, ?, ?)",
                        [(k["table_key"], k["row_key"], k["column_key"]) for k in key_rows()
                         if k["table_key"] != "facts"])


class KeyIds(dict):
    """(table_key, row_key, column_key) -> cell_keys.id, adding a key not yet known when asked
    for (inside the caller's transaction: use one per transaction, so that a rolled-back load
    leaves no id behind in it)."""

    def __init__(self, db: sqlite_utils.Database):
        super().__init__((tuple(r[1:]), r[0]) for r in db.execute(
            "SELECT id, table_key, row_key, column_key FROM cell_keys"))
        self.db = db

    def __missing__(self, key: tuple[str, str, str]) -> int:
        self[key] = self.db.conn.execute(
            "INSERT INTO cell_keys (table_key, row_key, column_key) VALUES (?, ?, ?)", key).lastrowid
        return self[key]


def migrate(db: sqlite_utils.Database) -> None:
    """An archive whose `cells` is still a table: its rows move to cell_values (keys to
    cell_keys), then the table and its index go; `ensure` puts the view in its place."""
    seed_keys(db)
    kind = db.execute("SELECT type FROM sqlite_master WHERE name = 'cells'").fetchone()
    if not kind or kind[0] != "table":
        return
    db.execute("INSERT OR IGNORE INTO cell_keys (table_key, row_key, column_key) "
               "SELECT DISTINCT table_key, row_key, column_key FROM cells")
    db.execute("INSERT INTO cell_values (report_id, key_id, value, raw, imputed, source) "
               "SELECT c.report_id, k.id, c.value, c.raw, c.imputed, c.source FROM cells c JOIN cell_keys k "
               "ON k.table_key = c.table_key AND k.row_key = c.row_key AND k.column_key = c.column_key "
               "ORDER BY c.report_id, k.id")
    db.execute("DROP TABLE cells")
