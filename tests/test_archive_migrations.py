"""Schema migrations (sqlite-utils' Migrations over archive/schema.py): a new archive and an old
one end with the same schema; opening an up-to-date archive writes nothing."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from archive.db import open_db
from archive.migrations import SET_NAME, migrations
from archive.schema import BASELINE, TABLES, TableDef

OLD_TABLES = Path(__file__).resolve().parent / "fixtures" / "archive-0.2.0-tables.sql"


def schema(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, pk), every index, every view, as
    SQLite reports them, and the migrations recorded."""
    db = sqlite3.connect(path)
    try:
        out: dict[str, object] = {}
        for kind, name in db.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                                     " ORDER BY type, name"):
            if kind == "table":
                out[name] = [tuple(r[1:]) for r in db.execute(f"PRAGMA table_xinfo([{name}])")]
            elif kind == "index":
                out[name] = [tuple(r) for r in db.execute(f"PRAGMA index_xinfo([{name}])")]
            else:
                out[name] = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
        out["applied"] = [r for r in db.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")]
        return out
    finally:
        db.close()


def test_an_archive_from_before_migrations_ends_like_a_new_one(tmp_path):
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(OLD_TABLES.read_text(encoding="utf-8"))
    conn.execute("INSERT INTO sources (id, name) VALUES ('s', 'S')")
    conn.execute("INSERT INTO url_checks (url, source_id, etag) VALUES ('http://h/a', 's', '\"v1\"')")
    conn.commit()
    conn.close()
    open_db(old).close()
    open_db(tmp_path / "new.db").close()
    assert schema(old) == schema(tmp_path / "new.db")
    applied = schema(old)["applied"]
    assert applied[0] == (SET_NAME, BASELINE) and (SET_NAME, "0002_lists_incomplete") in applied
    assert "lists_incomplete" in [c[0] for c in schema(old)["crawl_runs"]]  # a column added since 0.2.0
    db = sqlite3.connect(old)  # nothing lost on the way
    assert db.execute("SELECT url, source_id, etag FROM url_checks").fetchall() == [("http://h/a", "s", '"v1"')]
    assert db.execute("SELECT name FROM sources").fetchall() == [("S",)]
    db.close()


def test_opening_an_up_to_date_archive_writes_nothing(tmp_path):
    open_db(tmp_path / "x.db").close()
    db = open_db(tmp_path / "x.db")
    try:
        assert db.conn.total_changes == 0
        assert {t.name for t in TABLES if t.stored} <= set(db.table_names())
        assert {t.name for t in TABLES if t.view} <= set(db.view_names())
    finally:
        db.close()


def _v1() -> list[TableDef]:
    return [TableDef("runs", "Runs.", {"id": (int, "Id"), "status": (str, "Status")}, pk="id")]


def _v2() -> list[TableDef]:
    """v1 with two later columns and a later table, each by its own migration."""
    return [TableDef("runs", "Runs.", {"id": (int, "Id"), "status": (str, "Status"),
                                       "note": (str, "Note"), "pid": (int, "Process")},
                     pk="id", added={"pid": "0003_pid", "note": "0002_note"}),
            TableDef("hosts", "Hosts.", {"name": (str, "Host name")}, pk="name", created_by="0004_hosts")]


def _columns(db: sqlite_utils.Database, table: str) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in db[table].columns]


def test_column_migrations_reach_the_schema_of_a_new_archive(tmp_path):
    old = sqlite_utils.Database(tmp_path / "old.db")
    migrations(_v1()).apply(old)
    old["runs"].insert({"id": 1, "status": "finished"})
    migrations(_v2()).apply(old)
    new = sqlite_utils.Database(tmp_path / "new.db")
    migrations(_v2()).apply(new)
    for table in ("runs", "hosts"):
        assert _columns(old, table) == _columns(new, table)
    assert _columns(new, "runs") == [("id", "INTEGER"), ("status", "TEXT"), ("note", "TEXT"), ("pid", "INTEGER")]
    names = [(m.name) for m in migrations(_v2()).applied(old)]
    assert names == [BASELINE, "0002_note", "0003_pid", "0004_hosts"] == [m.name for m in migrations(_v2()).applied(new)]
    assert list(old["runs"].rows) == [{"id": 1, "status": "finished", "note": None, "pid": None}]
    before = old.conn.total_changes
    migrations(_v2()).apply(old)  # nothing pending: nothing written
    assert old.conn.total_changes == before


def test_a_column_already_there_is_not_added_twice(tmp_path):
    """An archive whose column an earlier version added without recording a migration."""
    db = sqlite_utils.Database(tmp_path / "x.db")
    db["runs"].create({"id": int, "status": str, "note": str}, pk="id")
    migrations(_v2()).apply(db)
    assert _columns(db, "runs") == [("id", "INTEGER"), ("status", "TEXT"), ("note", "TEXT"), ("pid", "INTEGER")]


def test_stream_offsets_recorded_under_its_first_name_is_kept(tmp_path):
    """The fleet's migration was first released as 0005_stream_offsets (now 0008): an archive that
    recorded it has the table with the writer's place in it, and the renamed migration keeps both."""
    path = tmp_path / "fleet.db"
    open_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE _sqlite_migrations SET name = '0005_stream_offsets' WHERE name = '0008_stream_offsets'")
    conn.execute("INSERT INTO stream_offsets VALUES ('xxgk:stream', '1700000000000-3', '2026-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    open_db(path).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT * FROM stream_offsets").fetchall() == [
        ("xxgk:stream", "1700000000000-3", "2026-01-01T00:00:00Z")]
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")]
    db.close()
    assert "0005_stream_offsets" in names and "0008_stream_offsets" in names
