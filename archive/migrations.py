"""The archive's schema migrations, on sqlite-utils' own (`Migrations`, recorded in the table
`_sqlite_migrations`), derived from the schema data in archive/schema.py.

One migration per name in `TableDef.created_by` and `TableDef.added`, in name order: it creates
the tables declared with it (where missing) and adds the columns declared with it (where
missing). A new archive runs them all, an old one those it lacks, so both end with the same
tables, columns and column order. Archives made before migrations were recorded run the baseline
too: it keeps their tables as they are (they already have every baseline column).

A migration may also move data (`STEPS`): 0003 groups the reports into publications
(archive/publications.py), 0005 stores cells compactly (archive/cells.py) and makes the search
index contentless (archive/search.py), 0006 and 0007 build the summary tables (archive/summary.py).
0008 creates `stream_offsets` (the crawl fleet's; first named 0005_stream_offsets, see schema.py).
"""
from __future__ import annotations

from typing import Callable, Iterable

import sqlite_utils
from sqlite_utils import Migrations

from archive import cells, publications, search, summary
from archive.schema import TABLES, TableDef

SET_NAME = "xxgk-archive"
# what a migration does besides creating its tables and columns, run after them
STEPS: dict[str, tuple[Callable[[sqlite_utils.Database], None], ...]] = {
    "0003_publications": (publications.assign,),
    "0005_compact_storage": (cells.migrate, search.migrate),
    "0006_summaries": (summary.migrate,),
    "0007_agency_years": (summary.migrate_agencies,),
}


def _create(db: sqlite_utils.Database, t: TableDef) -> None:
    cols = {c: typ for c, (typ, _) in t.columns.items() if c not in t.added}
    sql = db.create_table_sql(t.name, cols, pk=t.pk, foreign_keys=list(t.foreign_keys), not_null=set(t.not_null))
    db.execute(sql.rstrip().rstrip(";") + (" WITHOUT ROWID" if t.without_rowid else ""))
    for unique in t.unique:  # the loader's logic relies on them: from the start, not with the other indexes
        db[t.name].create_index(list(unique), unique=True, index_name=f"uq_{t.name}_{'_'.join(unique)}")


def _step(name: str, tables: list[TableDef]) -> Callable[[sqlite_utils.Database], None]:
    def migrate(db: sqlite_utils.Database) -> None:
        for t in tables:
            if t.created_by == name and t.stored and not db[t.name].exists():
                _create(db, t)
            adding = [c for c, by in t.added.items() if by == name]
            if adding:
                have = set(db[t.name].columns_dict)
                for c in adding:
                    if c not in have:  # an older version may have added it unrecorded
                        db[t.name].add_column(c, t.columns[c][0], not_null_default=t.defaults.get(c))
        if any(t.created_by == name or name in t.added.values() for t in tables):
            for step in STEPS.get(name, ()):
                step(db)
    return migrate


def migrations(tables: Iterable[TableDef] = TABLES) -> Migrations:
    """The migration set for `tables` (a parameter so that tests can evolve a schema of their own)."""
    tables = list(tables)
    m = Migrations(SET_NAME)
    for name in sorted({t.created_by for t in tables} | {by for t in tables for by in t.added.values()}):
        m(name=name)(_step(name, tables))
    return m


MIGRATIONS = migrations()
