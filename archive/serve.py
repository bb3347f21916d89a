"""Serve the archive with Datasette: read-only, with the project's metadata, plugins and
templates (archive/datasette/), correct while a crawl writes to the archive.

The archive is a WAL database and is served in Datasette's mutable mode: every connection is
opened `mode=ro`, reads the committed state (write-ahead log included) at the start of each
query, never writes, and never checkpoints (folding the log is the writer's job). Immutable mode
(`-i`, `immutable=1`) is for files nobody changes: SQLite then takes no locks and ignores the
log, so a query can read pages a checkpoint is rewriting (wrong rows, "database disk image is
malformed") and commits still in the log stay unseen.

The metadata is built for the database being served: archive/datasette/metadata.yaml (titles,
Chinese descriptions, facets, canned queries, dashboards) plus what the code and the data say
(English column docs from archive/schema.py and archive/views.py, the label of every template key
from the `keys` table for the wide views' columns, the licence from archive/info.py, whether the
archive is a demo, where its WARC files are for the archived originals).

Before Datasette starts, `upgrade` brings an archive made by an older version to this version's
schema, views and summaries: the one write of `xxgk serve`, and none when it is current. Start-up
counts nothing (mutable mode: Datasette counts no table at start either), so it takes the same
second at a million reports as at a hundred."""
from __future__ import annotations

import atexit
import json
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from sqlite_utils.utils import sqlite3

from archive import health, info, publications, search
from archive.db import open_db
from archive.paths import missing_archive
from archive.schema import TABLE
from archive.views import VIEWS

HERE = Path(__file__).resolve().parent / "datasette"
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_MOUNT = "assets"  # served at /assets/ (a database name would clash)
# tables whose default facets are counted by the plugin (summaries, capped, sampled): large ones
BROWSED = ("reports", "findings", "captures")

# Datasette settings (`--setting NAME VALUE`); why each differs from the default:
SETTINGS: dict[str, Any] = {
    "suggest_facets": "off",        # suggestions run a query per column on every table page
    "facet_time_limit_ms": 1000,    # the five default facets of `reports` over 100k rows
    "sql_time_limit_ms": 5000,      # canned queries that join cells across the whole archive
    "truncate_cells_html": 300,     # section texts are long; full text on the row page and in CSV/JSON
    "default_page_size": 50,
}


class ServeError(Exception):
    """The database cannot be served (missing, or not an archive)."""


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _columns(conn: sqlite3.Connection, name: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo([{name}])").fetchall() if r[-1] == 0]


def _both(zh: str | None, en: str | None) -> str:
    return f"{zh} · {en}" if zh and en else (zh or en or "")


def build_metadata(path: Path, db_name: str | None = None, data_dirs: list[Path] = ()) -> dict[str, Any]:
    """Datasette metadata for the archive at `path` (served as `db_name`, default the file stem;
    `data_dirs`: where relative WARC and file paths of captures are looked up)."""
    spec = yaml.safe_load((HERE / "metadata.yaml").read_text(encoding="utf-8"))
    db_name = db_name or path.stem
    conn = _connect_ro(path)
    try:
        present = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        demo = conn.execute("SELECT value FROM archive_info WHERE key = ?", [info.DEMO]).fetchone() \
            if "archive_info" in present else None
        keys = {(k[0], k[1]): k for k in conn.execute(
            "SELECT row_key, column_key, label_zh, description_en, table_key, column_label_zh "
            "FROM keys").fetchall()} if "keys" in present else {}
        key_cols = {}  # template column key -> (zh, en) for the *_rows views
        for (_, col), k in keys.items():
            key_cols.setdefault(col, (k[5], k[3].split(": ", 1)[-1]))
        tables: dict[str, Any] = {}
        for name in [*TABLE, *VIEWS]:
            if name not in present:
                continue
            zh_table = spec["tables_zh"].get(name)
            en_table = TABLE[name].doc if name in TABLE else VIEWS[name][1]
            columns = {}
            for col in _columns(conn, name):
                zh = spec["columns_zh_by_table"].get(name, {}).get(col) or spec["columns_zh"].get(col)
                en = _column_en(name, col, spec)
                if (zh is None or en is None) and "__" in col:  # wide views: <row>__<column>
                    k = keys.get(tuple(col.split("__", 1)))
                    zh, en = (k[2], k[3]) if k else (zh, en)
                if (zh is None or en is None) and col in key_cols:
                    zh, en = key_cols[col]
                columns[col] = _both(zh, en)
            tables[name] = {"description": _both(zh_table, en_table), "columns": columns}
            if name in spec["facets"]:  # the large tables' default facets: the plugin's (xxgk_browse.py)
                tables[name]["facets"] = [{"xxgk": c} if name in BROWSED else c for c in spec["facets"][name]]
            if name in spec["label_columns"]:
                tables[name]["label_column"] = spec["label_columns"][name]
    finally:
        conn.close()
    # hide the search index, its shadow tables, the bookkeeping (migrations applied, the fleet
    # writer's place in its stream) and the storage behind the views and the summaries from table lists
    internal = {t.name for t in TABLE.values() if t.internal}
    for name in present:
        if name == search.FTS_TABLE or name.startswith(search.FTS_TABLE + "_") \
                or name in ("_sqlite_migrations", "stream_offsets") or name in internal:
            tables[name] = {"hidden": True}
    queries = spec["queries"]
    if search.FTS_TABLE not in present:  # an archive that never had a report loaded
        queries = {k: q for k, q in queries.items() if search.FTS_TABLE not in q["sql"]}
    dashboards = json.loads(json.dumps(spec["dashboards"], ensure_ascii=False).replace("{db}", db_name))
    top = {k: spec[k] for k in ("title", "description", "source", "about")}
    top.update(license=info.DATA_LICENSE_SHORT, license_url=info.DATA_LICENSE["path"], about_url="/-/about")
    if demo:
        top["title"] = f"演示数据 · synthetic demo data — {top['title']}"
    return {
        **top,
        "extra_css_urls": [f"/{STATIC_MOUNT}/xxgk.css"],
        "databases": {db_name: {**top, "tables": tables, "queries": queries}},
        "plugins": {"datasette-dashboards": dashboards,
                    "xxgk_archive": {"database": db_name, "demo": demo[0] if demo else None,
                                     "data_dirs": [str(Path(d).resolve()) for d in data_dirs]}},
    }


def _column_en(table: str, col: str, spec: dict) -> str | None:
    if table in TABLE and col in TABLE[table].columns:
        return TABLE[table].columns[col][1]
    if table in VIEWS:
        if col == "report_id":
            return "Report"
        if col in TABLE["reports"].columns:
            return TABLE["reports"].columns[col][1]
        return spec["columns_en"].get(col) or health.COLUMN_DOCS.get(col) or publications.COLUMN_DOCS.get(col)
    return None


def datasette_args(path: Path, metadata_path: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """Arguments of `datasette serve` for the archive (mutable mode: opened with mode=ro)."""
    args = ["serve", str(path), "--metadata", str(metadata_path),
            "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR),
            "--static", f"{STATIC_MOUNT}:{STATIC_DIR}",
            "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value)]
    return args


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR as servers set it: a port
    whose last connections are closing is free, one another server listens on is not)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def upgrade(path: Path) -> None:
    """Bring an archive to this version's schema, views and summaries (migrations: nothing written
    when it is current, nothing counted): the queries served rely on them. Any other SQLite file
    is left alone."""
    conn = _connect_ro(path)
    try:
        is_archive = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'reports'").fetchone()
    finally:
        conn.close()
    if is_archive:  # (a published snapshot stays in its journal mode: nothing written when current)
        open_db(path, wal=False).close()


def serve(path: Path, host: str = "127.0.0.1", port: int = 8001, data_dir: Path | None = None,
          workers: int = 1) -> None:
    """Run Datasette on the archive until interrupted (`data_dir`: where the captures' relative
    WARC paths point, besides the archive's own folder; `workers` > 1: that many Datasette
    processes behind one address, archive/proxy.py)."""
    from datasette.cli import cli  # Datasette's own command line: same behaviour as `datasette serve`

    path = Path(path)
    if not path.is_file():
        raise ServeError(missing_archive(path))
    if not port_free(host, port):
        raise ServeError(f"port {port} on {host} is in use (another server?): choose another with --port N or PORT=N")
    try:
        upgrade(path)
        metadata = build_metadata(path, data_dirs=list(dict.fromkeys(d for d in (data_dir, path.parent) if d)))
    except sqlite3.DatabaseError as e:
        raise ServeError(f"{path} is not a readable SQLite archive: {e}") from e
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-serve-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    meta_path = tmp / "metadata.json"
    meta_path.write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"serving {path} at http://{host}:{port}/{path.stem}" + (f" ({workers} workers)" if workers > 1 else ""),
          file=sys.stderr, flush=True)
    if workers > 1:
        _serve_workers(path, meta_path, host, port, workers)
    else:
        cli.main(args=datasette_args(path, meta_path, host, port), prog_name="xxgk serve")


def _serve_workers(path: Path, meta_path: Path, host: str, port: int, workers: int) -> None:
    """`workers` Datasette processes on loopback ports, the round-robin proxy on host:port."""
    import signal
    import subprocess
    import time

    import httpx
    import uvicorn

    from archive.proxy import RoundRobin

    ports = []
    for _ in range(workers):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    procs = [subprocess.Popen([sys.executable, "-m", "datasette", *datasette_args(path, meta_path, "127.0.0.1", p)])
             for p in ports]
    try:
        deadline = time.monotonic() + 120
        for p, proc in zip(ports, procs):
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{p}/-/versions.json", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ServeError(f"a Datasette worker (port {p}) did not start")
                time.sleep(0.2)
        # uvicorn re-raises the SIGTERM it stopped on once it has: exit through `finally` then, not
        # by the default action, which would leave the workers running
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.run(RoundRobin([f"http://127.0.0.1:{p}" for p in ports]), host=host, port=port, log_level="warning")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
