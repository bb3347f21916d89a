"""Loading documents into the archive: parse, then write one capture and (for a report document
not seen before) its report and derived rows, all in one transaction.

Identity: a report is its content (sha256 of the bytes): the same bytes at two URLs are one
report with two captures. A capture is (sha256, url-or-path): loading the same bytes from the
same place again writes nothing. `report_row` and `derived_rows` build every row from a `Report`;
the loader, `reparse` and the bulk path (archive/bulk.py, used by the benchmarks) all use them.

Nothing is lost on load: when the report's rows cannot be written (a number outside SQLite's
integer range, a text that is not Unicode, a sidecar value of the wrong type), the transaction
is rolled back and written again with every such value null and a `value_out_of_range` (or
`value_unstorable`) finding; if even that fails, the capture is written with a failed report
carrying a `load_error` finding (re-parsable with `xxgk reparse --force`). Only failures of the
database itself (locked, I/O, full) propagate. Local files: parsed in a capped worker
(`archive.parsepool`); FIFOs, sockets and devices are skipped, never opened; a file name that is
not valid UTF-8 is stored as its `file:` URI (`archive.blobs.stored_path`), its bytes kept.
"""
from __future__ import annotations

import hashlib
import json
import math
import mmap
import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

import parsers
from archive.blobs import display_path, stored_path
from archive.headline import headline
from archive.levels import level_from_agency, province_from_agency
from archive.parsepool import ParsePool, parse_safely  # (parse_safely is also imported from here)
from archive.runs import now
from archive.schema import HEADLINE
from archive import cells as cell_store, search, summary
from archive.sources import get_source, upsert_sources
from parsers.dispatch import MEDIA_TYPE_BY_SUFFIX as DOCUMENT_SUFFIXES  # the suffixes the parsers read
from parsers.limits import Limits
from parsers.model import Report

PARSED_KINDS = ("report", "attachment")  # other kinds (listing, blocked, error): capture row only
META_SUFFIX = ".meta.json"  # sidecar metadata of a local document: <file>.meta.json
META_KEYS = ("agency", "province", "level", "year", "url", "published_date", "source_id", "source")


@dataclass
class LoadResult:
    capture_id: int | None  # None only when the document could not be read (change "error")
    report_id: int | None
    change: str  # new | unchanged | changed | capture_only | error (not archived) | skipped (not a file)
    status: str | None = None  # the report's parse status
    path: str | None = None  # as the user can read it (undecodable bytes as \xNN)
    error: str | None = None  # why it was not archived, or archived without its rows (load_error)


# --- rows ----------------------------------------------------------------------------------

REPORT_COLUMNS = ("id", "sha256", "capture_id", "source_id", "agency", "province", "level", "year",
                  "template", "title", "url", "published_date", "status", "parser_version",
                  "media_type", "n_cells", "n_findings", *(c for c, _ in HEADLINE))
DERIVED_COLUMNS = {
    "sections": ("report_id", "number", "heading", "text"),
    # key: (table_key, row_key, column_key), stored as its cell_keys id (archive/cells.py)
    "cells": ("report_id", "key", "value", "raw", "imputed", "source"),
    "facts": ("report_id", "key", "value", "text"),
    "findings": ("report_id", "code", "severity", "message", "identity", "table_key", "row_key",
                 "column_key", "details", "scope"),
}
# Columns passed as "" for NULL and turned back by NULLIF: binding Python's None is several
# times slower than binding a string (the sqlite3 module tries adapters on it first), which
# doubles the cost of the cells insert, the bulk of every load.
_EMPTY_IS_NULL = {("cells", "source")}
_INSERT = {t: f"INSERT INTO {t} ({', '.join(cols)}) VALUES ("
              + ", ".join("NULLIF(?, '')" if (t, c) in _EMPTY_IS_NULL else "?" for c in cols) + ")"
           for t, cols in DERIVED_COLUMNS.items()}
_INSERT["cells"] = ("INSERT INTO cell_values (report_id, key_id, value, raw, imputed, source) "
                    "VALUES (?, ?, ?, ?, ?, NULLIF(?, ''))")


# one encoder for every call: json.dumps with options builds a new encoder each time, which
# was a quarter of the cost of writing a report's ~200 cell sources
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _json(d: dict[str, Any]) -> str | None:
    return _ENCODE(d) if d else None


# attrgetter: the cells loop is the hot path of bulk loads
_CELL_KEY = attrgetter("table", "row", "column")
_CELL_VALUES = attrgetter("value", "raw", "imputed", "source")


def cell_keys(report: Report) -> list[tuple[str, str, str]]:
    """(table, row, column) of each of the report's cells, in order."""
    return list(map(_CELL_KEY, report.cells))


def derived_rows(report: Report, report_id: int, key_ids: cell_store.KeyIds | None = None,
                 keys: list[tuple[str, str, str]] | None = None) -> dict[str, list[tuple]]:
    """Rows of sections, cells, facts and findings for one report (tuples in DERIVED_COLUMNS order;
    with `key_ids`, cells as cell_values rows: the key as its id). `keys`: `cell_keys(report)`,
    where the caller has them already."""
    findings = [(report_id, f.code, f.severity, f.message, f.identity, f.table, f.row, f.column,
                 _json(f.details), "report") for f in report.findings]
    keys = cell_keys(report) if keys is None else keys
    unique = len(set(keys)) == len(keys)
    # with key ids and no duplicate (the bulk loader's case): the ids straight away, one pass
    ids = list(map(key_ids.__getitem__, keys)) if key_ids is not None and unique else keys
    cells = [(report_id, key, v, raw, 1 if imp else 0, _json(src) if src else "")
             for key, (v, raw, imp, src) in zip(ids, map(_CELL_VALUES, report.cells))]
    if not unique:
        # a parser slip must not lose the document: keep the first value of a key, say so
        first: dict[tuple, tuple] = {}
        for r in cells:
            if r[1] in first:
                findings.append((report_id, "duplicate_cell", "warning",
                                 f"{'/'.join(r[1])} read twice; the first value is kept", None,
                                 *r[1], _json({"raw": r[3], "value": r[2]}), "report"))
            else:
                first[r[1]] = r
        cells = list(first.values())
    if key_ids is not None and not unique:
        cells = [(report_id, key_ids[r[1]], *r[2:]) for r in cells]
    return {
        "sections": [(report_id, s.number, s.heading, s.text) for s in report.sections],
        "cells": cells,
        "facts": [(report_id, f.key, f.value, f.text) for f in report.facts],
        "findings": findings,
    }


def report_row(report: Report, *, report_id: int | None, sha256: str, capture_id: int,
               source: dict | None, meta: dict, url: str | None, published_date: str | None,
               n_cells: int, n_findings: int, keys: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """The `reports` row: agency from the report, else the sidecar, else the source; province
    from the source, else the sidecar, else the agency's name when it starts with one (a
    national portal: 江西省教育厅); level from the source when it has one (one agency's
    column), else the sidecar, else read from the agency's name (archive.levels: a portal
    registered without a level publishes many agencies' reports). `keys`: `cell_keys(report)`,
    where the caller has them already."""
    source = source or {}
    agency = report.agency or meta.get("agency") or source.get("name")
    row = {
        "id": report_id, "sha256": sha256, "capture_id": capture_id, "source_id": source.get("id"),
        "agency": agency,
        "province": source.get("province") or meta.get("province") or province_from_agency(agency),
        "level": source.get("level") or meta.get("level") or level_from_agency(agency),
        "year": report.year or meta.get("year"),
        # (a saved page names its own URL and date in its header: the parser reads them)
        "template": report.template, "title": report.title, "url": url or report.url or None,
        "published_date": published_date or meta.get("published_date") or report.published_date,
        "status": report.status, "parser_version": parsers.PARSER_VERSION,
        "media_type": report.media_type, "n_cells": n_cells, "n_findings": n_findings,
    }
    row.update(headline(report, keys))
    return row


# --- writing ---------------------------------------------------------------------------------

def _write_rows(db: sqlite_utils.Database, table: str, rows: list[tuple],
                key_ids: cell_store.KeyIds | None = None) -> None:
    if not rows:
        return
    if table == "cells" and not isinstance(rows[0][1], int):  # keys still to be made ids
        ids = key_ids if key_ids is not None else cell_store.KeyIds(db)
        rows = [(r[0], ids[r[1]], r[2], r[3], r[4], r[5]) for r in rows]
    insert_many(db.conn, _INSERT[table], rows)


def insert_many(conn: sqlite3.Connection, sql: str, rows: list[tuple]) -> None:
    """`conn.executemany(sql, rows)` for an `INSERT … VALUES (…)`, in statements of many rows:
    Python's sqlite3 spends ≈ 0.85 µs on each statement it steps, more than SQLite takes to
    insert a cell row (a report's 200 cells: 232 → 124 µs). At most 999 parameters a statement
    (the smallest limit of the SQLite versions Python ships with)."""
    head, one = sql.split(" VALUES ")
    per = min(500, 999 // max(1, one.count("?")))
    whole = len(rows) - len(rows) % per
    if whole:
        many = f"{head} VALUES {', '.join([one] * per)}"
        for i in range(0, whole, per):
            conn.execute(many, tuple(chain.from_iterable(rows[i:i + per])))
    if whole < len(rows):
        conn.executemany(sql, rows[whole:])


def _write_report(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    if row["id"] is None:  # never an id the search index still has words for (search.free_id)
        row = {**row, "id": search.free_id(db)}
    db.conn.execute(f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) VALUES ({', '.join('?' * len(REPORT_COLUMNS))})",
                    [row.get(c) for c in REPORT_COLUMNS])
    return row["id"]


def write_report(db: sqlite_utils.Database, report: Report, storable: bool = False, **row_kw: Any) -> int:
    """Insert one report and its derived rows (inside the caller's transaction); returns its id.
    `storable`: values SQLite cannot store are written null, each with a finding."""
    row, rows = _all_rows(report, row_kw.pop("report_id", None), storable, row_kw)
    report_id = _write_report(db, row)  # the id is known once the report row is in
    for table, trows in rows.items():
        _write_rows(db, table, [(report_id, *r[1:]) for r in trows])
    summary.add_cells(db, [report_id])
    return report_id


def replace_derived(db: sqlite_utils.Database, report_id: int, report: Report, **row_kw: Any) -> None:
    """Replace a report's derived rows and parsed columns with those of a new parse (reparse).
    Values SQLite cannot store are written null, each with a finding, rather than failing."""
    try:
        with db.atomic():
            _replace_derived(db, report_id, report, False, row_kw)
    except _DATABASE_FAILURES:
        raise
    except Exception:
        with db.atomic():
            _replace_derived(db, report_id, report, True, row_kw)


def _replace_derived(db: sqlite_utils.Database, report_id: int, report: Report, storable: bool,
                     row_kw: dict[str, Any]) -> None:
    summary.add_cells(db, [report_id], -1)
    for table in ("sections", "cell_values", "facts"):
        db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
    db.execute("DELETE FROM findings WHERE report_id = ? AND scope = 'report'", [report_id])
    row, rows = _all_rows(report, report_id, storable, row_kw)
    db["reports"].update(report_id, {k: v for k, v in row.items() if k not in ("id", "sha256")})
    for table, trows in rows.items():
        _write_rows(db, table, trows)
    summary.add_cells(db, [report_id])


def _all_rows(report: Report, report_id: int | None, storable: bool,
              row_kw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[tuple]]]:
    """The `reports` row and the derived rows of a report (`storable`: made storable)."""
    rows = derived_rows(report, report_id or 0)
    extra: list[tuple] = []  # findings about values that could not be stored
    if storable:
        for table, columns in DERIVED_COLUMNS.items():
            rows[table] = _storable_rows(table, columns, rows[table], extra)
    row = report_row(report, report_id=report_id, n_cells=len(rows["cells"]),
                     n_findings=len(rows["findings"]), **row_kw)
    if storable:
        (values,) = _storable_rows("reports", REPORT_COLUMNS, [tuple(row[c] for c in REPORT_COLUMNS)], extra)
        row = dict(zip(REPORT_COLUMNS, values))
        rows["findings"] += [(report_id or 0, *f[1:]) for f in extra]
        row["n_findings"] = len(rows["findings"])
    return row, rows


# --- loading one document --------------------------------------------------------------------

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def needs_parse(db: sqlite_utils.Database, data: bytes, kind: str) -> bool:
    """Whether `load_document` would parse these bytes: a report or attachment not archived yet."""
    return kind in PARSED_KINDS and db.execute("SELECT 1 FROM reports WHERE sha256 = ?",
                                               [sha256(data)]).fetchone() is None


def document_name(url: str | None, path: str | None) -> str:
    """The file name the parser sees (its suffix helps sniff the format)."""
    return Path(path or url or "").name


def _parent(db: sqlite_utils.Database, parent_url: str | None) -> dict[str, Any] | None:
    """The latest capture of `parent_url` (an attachment's page) with what its report says."""
    if not parent_url:
        return None
    row = db.execute(
        "SELECT c.id, c.source_id, r.published_date, r.agency, r.year FROM captures c"
        " LEFT JOIN reports r ON r.sha256 = c.sha256 WHERE c.url = ? ORDER BY c.id DESC LIMIT 1",
        [parent_url]).fetchone()
    return dict(zip(("id", "source_id", "published_date", "agency", "year"), row)) if row else None


def load_document(db: sqlite_utils.Database, data: bytes, *, url: str | None = None,
                  media_type: str | None = None, source_id: str | None = None,
                  fetched_at: str | None = None, http_status: int | None = 200,
                  encoding: str | None = None, warc_file: str | None = None,
                  warc_offset: int | None = None, path: str | None = None,
                  published_date: str | None = None, kind: str = "report",
                  parent_url: str | None = None, run_id: int | None = None,
                  meta: dict[str, Any] | None = None, report: Report | None = None) -> LoadResult:
    """Archive one document (see the module doc). `meta`: agency/province/level/year fallbacks.
    `report`: the document already parsed (`parse_safely(data, media_type, document_name(url,
    path))`, e.g. in a worker process); parsed here when needed and not given."""
    meta = meta or {}
    digest = sha256(data)
    locator = url or path or f"sha256:{digest}"
    have_capture = db.execute("SELECT id FROM captures WHERE sha256 = ? AND locator = ?",
                              [digest, locator]).fetchone()
    have_report = db.execute("SELECT id, status FROM reports WHERE sha256 = ?", [digest]).fetchone()
    parse_it = kind in PARSED_KINDS and have_report is None
    if have_capture and not parse_it:
        return LoadResult(have_capture[0], have_report[0] if have_report and kind in PARSED_KINDS else None,
                          "unchanged", have_report[1] if have_report else None, path)
    parent = _parent(db, parent_url)
    if parent:  # an attachment knows less than its page: take the page's date, source, agency, year
        published_date = published_date or parent["published_date"]
        source_id = source_id or parent["source_id"]
        meta = {**{k: parent[k] for k in ("agency", "year") if parent[k]}, **meta}
    source = get_source(db, source_id)
    if source_id and source is None:
        raise ValueError(f"unknown source id {source_id!r}: register it first (upsert_sources)")
    if parse_it and report is None:  # slow and pure: outside the transaction
        report = parse_safely(data, media_type, document_name(url, path))
    capture = [url, fetched_at or now(), http_status, media_type or (report.media_type if report else None),
               encoding, digest, len(data), warc_file, warc_offset, path, source_id, kind,
               parent["id"] if parent else None, run_id, locator]
    row_kw = dict(sha256=digest, source=source, meta=meta, url=url or meta.get("url"), published_date=published_date)
    try:
        return _write(db, capture, have_capture, have_report, locator, report, row_kw)
    except _DATABASE_FAILURES:
        raise
    except Exception as exc:
        if report is None:
            raise  # the capture row itself failed: nothing derived to leave out
        problem = f"{type(exc).__name__}: {exc}"[:300]
    capture = [_storable(v)[0] for v in capture]
    try:  # the same rows, with every value SQLite cannot store null and a finding for each
        res = _write(db, capture, have_capture, have_report, locator, report, row_kw, storable=True)
    except _DATABASE_FAILURES:
        raise
    except Exception as exc:  # not even that: the capture, and a failed report saying why
        problem += f"; then {type(exc).__name__}: {exc}"[:300]
        bare = Report(status="failed", media_type=report.media_type)
        bare.add_finding("load_error", "error", f"the report's rows could not be archived ({problem}); "
                                                f"the capture is kept: `xxgk reparse --force` parses it again")
        res = _write(db, capture, have_capture, have_report, locator, bare, dict(row_kw, meta={}))
    res.error = problem
    return res


# the database itself failing (locked, I/O, full): not the document's doing, so not recorded on it
_DATABASE_FAILURES = (sqlite3.OperationalError, sqlite3.InternalError, MemoryError)


def _write(db: sqlite_utils.Database, capture: list, have_capture: tuple | None, have_report: tuple | None,
           locator: str, report: Report | None, row_kw: dict[str, Any], storable: bool = False) -> LoadResult:
    """The capture (unless known) and the report with its rows, in one transaction."""
    kind, path = capture[11], capture[9]
    with db.atomic():
        if have_capture:
            capture_id = have_capture[0]
        else:
            capture_id = db.conn.execute(
                "INSERT INTO captures (url, fetched_at, http_status, media_type, encoding, sha256, size,"
                " warc_file, warc_offset, path, source_id, kind, parent_capture_id, run_id, locator)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", capture).lastrowid
        if kind not in PARSED_KINDS:
            return LoadResult(capture_id, None, "capture_only", None, path)
        if have_report:
            return LoadResult(capture_id, have_report[0], "unchanged", have_report[1], path)
        seen_here = db.execute("SELECT 1 FROM captures WHERE locator = ? AND sha256 != ? LIMIT 1",
                               [locator, capture[5]]).fetchone()
        report_id = write_report(db, report, capture_id=capture_id, storable=storable, **row_kw)
        search.index(db, [report_id])
    return LoadResult(capture_id, report_id, "changed" if seen_here else "new", report.status, path)


# --- values SQLite cannot store ----------------------------------------------------------

_INT_RANGE = (-2**63, 2**63 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> tuple[Any, bool]:
    """(the value as SQLite can store it; False when it had to become None)."""
    if value is None or isinstance(value, bytes):
        return value, True
    if isinstance(value, int):  # (bool too)
        return (int(value), True) if _INT_RANGE[0] <= value <= _INT_RANGE[1] else (None, False)
    if isinstance(value, float):
        return (value, True) if math.isfinite(value) else (None, False)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, True
        except UnicodeEncodeError:  # lone surrogates: each becomes U+FFFD
            return _SURROGATE.sub("\ufffd", value), True
    return None, False  # a list, a dict (a sidecar's "year": {…}) …


def _show(value: Any) -> str:
    try:
        return str(value)
    except ValueError:  # an integer past Python's int → str digit limit
        return f"an integer of {int(value.bit_length() * 0.30103)}+ digits"


def _storable_rows(table: str, columns: tuple[str, ...], rows: list[tuple],
                   findings: list[tuple]) -> list[tuple]:
    """`rows` with every value SQLite cannot store made storable: text repaired, numbers and
    anything else null, each with a finding (a DERIVED_COLUMNS["findings"] tuple) added to
    `findings`."""
    out = []
    for row in rows:
        fixed = []
        for col, value in zip(columns, row):
            if col == "key":  # (cells) the template's keys: clean text
                fixed.append(value)
                continue
            new, ok = _storable(value)
            if not ok:
                keys = row[1] if table == "cells" else (None, None, None)
                where = "/".join(keys) if table == "cells" else f"fact {row[1]}" if table == "facts" else \
                    f"{table}.{col}"
                code = "value_out_of_range" if isinstance(value, (int, float)) else "value_unstorable"
                shown = _show(value)
                findings.append((0, code, "warning", f"{where}: {shown[:60]} cannot be stored in the archive "
                                 "(outside SQLite's integer range, or not a number); null", None, *keys,
                                 _json({"value": shown[:200], "column": col}), "report"))
            fixed.append(new)
        out.append(tuple(fixed))
    return out


# --- local files and folders -----------------------------------------------------------------

def read_meta(path: Path) -> dict[str, Any]:
    """The sidecar `<file>.meta.json` of a local document ({} if none). Unknown keys are ignored."""
    side = path.with_name(path.name + META_SUFFIX)
    if not side.is_file():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{side}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ValueError(f"{side}: expected a JSON object")
    return {k: v for k, v in meta.items() if k in META_KEYS}


def iter_documents(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Paths named directly, and under folders everything but folders with a document suffix
    (sorted): FIFOs, sockets and devices too, for `load_file` to skip with a message."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix.lower() in DOCUMENT_SUFFIXES
                              and not f.name.endswith(META_SUFFIX) and not f.is_dir())
        else:
            yield p


class NotAFile(Exception):
    """A FIFO, socket or device where a document was expected: never opened."""


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def _check_regular(mode: int) -> None:
    for test, what in _KINDS:
        if test(mode):
            raise NotAFile(f"{what}, not a regular file: skipped")
    if not stat.S_ISREG(mode):
        raise NotAFile("not a regular file: skipped")


def read_document(path: Path, max_bytes: int) -> bytes | mmap.mmap:
    """A regular file's bytes; mapped, not read, when it is larger than `max_bytes` (it is only
    hashed and archived as too large). Anything else raises NotAFile without being opened: a
    named pipe would block the read forever. (Opened non-blocking, and checked again, in case
    the path changed in between.)"""
    _check_regular(path.stat().st_mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as fh:
        st = os.fstat(fd)
        _check_regular(st.st_mode)
        if st.st_size > max_bytes:
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        return fh.read()


def load_file(db: sqlite_utils.Database, path: Path, pool: ParsePool | None = None) -> LoadResult:
    """Archive one local file (parsed in `pool`'s worker when given, else in this process)."""
    meta = read_meta(path)
    if isinstance(meta.get("source"), dict):
        upsert_sources(db, [meta["source"]])
    source_id = meta.get("source_id") or (meta.get("source") or {}).get("id")
    limits = Limits.from_env()
    data = read_document(path, limits.max_bytes)
    try:
        where = stored_path(path.resolve())
        report = None
        if needs_parse(db, data, "report"):
            name = document_name(meta.get("url"), where)
            # too large: refused by the parser before it reads a byte (the map cannot go to a worker)
            report = (parse_safely(data, None, name) if pool is None or isinstance(data, mmap.mmap)
                      else pool.parse_now(data, None, name))
        res = load_document(db, data, path=where, url=meta.get("url"), source_id=source_id,
                            published_date=meta.get("published_date"), meta=meta, report=report)
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    res.path = display_path(path)
    return res


def load_paths(db: sqlite_utils.Database, paths: Iterable[str | Path], progress: bool = True,
               workers: int = 1) -> list[LoadResult]:
    """Load files and folders, one transaction per document, with a rich progress bar, parsing
    in `workers` capped worker processes (0: in this process, uncapped). A path that cannot be
    archived is reported (change 'error', or 'skipped' for FIFOs, sockets and devices) and the
    rest still load. WARC files and saved-page folders (also inside the folders given) go to
    archive.imports."""
    from rich.progress import Progress

    from archive.imports import load_imports, partition  # WARC files and saved-page folders

    warcs, pages, paths = partition(paths)
    files = list(iter_documents(paths))
    with Progress(disable=not progress, transient=True) as bar, ParsePool(workers) as pool:
        results: list[LoadResult] = load_imports(db, warcs, pages, pool)
        task = bar.add_task("loading", total=len(files))
        for f in files:
            try:
                results.append(load_file(db, f, pool))
            except NotAFile as exc:
                results.append(LoadResult(None, None, "skipped", None, display_path(f), str(exc)))
            except Exception as exc:  # unreadable, a bad sidecar, the database: this file only
                why = str(exc) if isinstance(exc, (OSError, ValueError)) else f"{type(exc).__name__}: {exc}"
                results.append(LoadResult(None, None, "error", None, display_path(f), why))
            bar.advance(task)
    return results


# --- bulk -------------------------------------------------------------------------------------

def load_reports(db: sqlite_utils.Database, items: Iterable[tuple[Report, bytes, dict[str, Any]]],
                 batch: int = 2000, index: bool = True) -> int:
    """Many parsed reports at once: `archive.bulk.load_reports`."""
    from archive.bulk import load_reports as bulk_load

    return bulk_load(db, items, batch=batch, index=index)
