"""Open the archive database, creating or migrating its schema (idempotent: opening an
up-to-date database writes nothing)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import sqlite_utils

from archive import cells, summary
from archive.keys import rows as key_rows
from archive.migrations import MIGRATIONS
from archive.paths import resolve
from archive.schema import TABLES
from archive.views import VIEWS


def open_db(path: str | Path | None = None, *, indexes: bool = True, wal: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at `path` (default: `archive.paths.resolve().db`).

    `indexes=False` leaves secondary indexes out but those the triggers need (bulk builds add
    them at the end with `create_indexes`); `wal=False` leaves the journal mode as the file has it (a published
    snapshot served as it is: switching it to WAL would write its header)."""
    if path is not None and str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
    else:
        p = Path(path) if path is not None else resolve().db
        p.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(p)
        # WAL: Datasette and readers keep working while a crawl writes
        if wal and db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        # with WAL, NORMAL keeps every transaction atomic and the file consistent; only a power
        # cut can lose the last commits (no fsync per loaded document)
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db, indexes=indexes)
    return db


# filter indexes the summary triggers read through (archive/summary.py recounts an agency from its
# reports on every insert): kept with the unique keys, or each insert would read every report
TRIGGER_INDEXES = {"reports": (("agency", "year"),)}


def create_indexes(db: sqlite_utils.Database, *, unique_only: bool = False) -> None:
    """The unique keys and TRIGGER_INDEXES (part of the loader's logic, always there) and the
    filter indexes; an index of ours the schema no longer declares is dropped (indexes are
    derived, not history)."""
    for t in (t for t in TABLES if t.stored):
        partial = {f"idx_{t.name}_{'_'.join(c)}_partial": (c, where) for c, where in t.partial_indexes}
        declared = {f"uq_{t.name}_{'_'.join(c)}" for c in t.unique} | {f"idx_{t.name}_{'_'.join(c)}" for c in t.indexes} \
            | set(partial)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                  "AND (name LIKE 'idx~_%' ESCAPE '~' OR name LIKE 'uq~_%' ESCAPE '~')",
                                  [t.name]).fetchall():
            if name not in declared:
                db.execute(f"DROP INDEX [{name}]")
        for cols in t.unique:
            db[t.name].create_index(list(cols), unique=True, if_not_exists=True,
                                    index_name=f"uq_{t.name}_{'_'.join(cols)}")
        for cols in TRIGGER_INDEXES.get(t.name, ()) if unique_only else t.indexes:
            db[t.name].create_index(list(cols), if_not_exists=True,
                                    index_name=f"idx_{t.name}_{'_'.join(cols)}")
        for name, (cols, where) in ({} if unique_only else partial).items():
            db.execute(f"CREATE INDEX IF NOT EXISTS [{name}] ON [{t.name}] ({', '.join(cols)}) WHERE {where}")


def _sync_keys(db: sqlite_utils.Database) -> None:
    want = key_rows()
    cols = list(want[0])
    have = [dict(zip(cols, r)) for r in db.execute(
        f"SELECT {', '.join(cols)} FROM keys ORDER BY rowid").fetchall()]
    if have != want:
        with db.atomic():
            db.execute("DELETE FROM keys")
            db["keys"].insert_all(want)


def ensure_schema(db: sqlite_utils.Database, *, indexes: bool = True) -> None:
    """Tables and columns by migration; indexes, views and the `keys` rows (derived from code,
    no history to keep) created or refreshed where they differ."""
    MIGRATIONS.apply(db)
    with db.atomic():
        create_indexes(db, unique_only=not indexes)
        cells.ensure(db)
        for name, (sql, _) in VIEWS.items():
            # SQLite stores the statement without trailing white space; strip it so an
            # unchanged view compares equal and is not recreated (a write) on every open
            db.create_view(name, sql.strip(), replace=True)
    summary.ensure(db)
    _sync_keys(db)


def content_digest(db: sqlite_utils.Database) -> str:
    """SHA-256 over every row of every table (in a stable order): equal digests, equal content.
    Used to prove that a load changed nothing or that a failed load left no trace."""
    h = hashlib.sha256()
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for name in names:
        h.update(f"\0table {name}\0".encode())
        cur = db.execute(f"SELECT * FROM [{name}] LIMIT 0")
        order = ", ".join(str(i + 1) for i in range(len(cur.description)))
        for row in db.execute(f"SELECT * FROM [{name}] ORDER BY {order}"):
            h.update(repr(row).encode())
    return h.hexdigest()
