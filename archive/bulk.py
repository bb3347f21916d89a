"""Bulk loading: many parsed reports at once (the benchmarks, synthetic and imported archives).

Two steps, so that the work can be split over two processes: `Preparer.batch` turns (report,
bytes, meta) items into a `Batch` of finished rows — ids, cells by key id, headline figures,
the search index's tokens, the 总计 cells for the summaries — with the same `report_row` /
`derived_rows` code as `archive.load.load_document`, reading the archive but never writing it;
`write_batch` writes a batch in one transaction (captures, reports, derived rows, search index,
summaries; the reports' own summary by trigger). Building rows takes about as long as writing
them, so a loader that prepares in a second process (`bench.archive_bench` does) writes about
twice as many reports a second as `load_reports`, which does both in turn.

Moving rows between the processes: the derived rows (≈ 215 a report, 200 of them cells) are the
bulk of a batch, and Python's sqlite3 spends ≈ 0.85 µs binding and stepping each row it inserts,
against ≈ 0.33 µs for SQLite to insert it. So a preparer given a `stage` directory writes them
to a throwaway SQLite file there (no journal, no sync), and the writer copies each table with
one `INSERT … SELECT` (SQLite's own loop): the per-row cost moves to the preparer, and the
pickling of the rows (≈ 100 µs a report each way) is gone. Without one, rows travel in the batch.

Ids are assigned by the preparer: from the first free id on, one after the other, so it must
be the only writer of reports while it runs (another writer's report would take an id the
batch wants: the batch's insert fails, its transaction is rolled back, nothing is half-written).
Several preparers (processes) can share a load when the caller numbers the batches: batch j
from the first free ids + j × its size (`Preparer.batch(…, first_ids=…)`, bench/scale_bench.py).
"""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils
from sqlite_utils.utils import sqlite3

from archive import cells as cell_store, search, summary
from archive.load import (_INSERT, DERIVED_COLUMNS, REPORT_COLUMNS, _write_rows, cell_keys, derived_rows, insert_many,
                          report_row, sha256)
from archive.runs import now
from parsers.model import Report

Item = tuple[Report, bytes, dict[str, Any]]


@dataclass
class Batch:
    """Rows of new reports, ready to write (plain tuples: cheap to send between processes)."""
    captures: list[tuple] = field(default_factory=list)
    reports: list[tuple] = field(default_factory=list)
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in DERIVED_COLUMNS})
    # per report: (report id, [(key id, integer value)] of its cells in the 总计 columns)
    totals: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)
    documents: list[tuple[int, str, str, str]] = field(default_factory=list)  # search index rows
    # keys the archive did not have when the batch was built: placeholder (negative) id -> key
    new_keys: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    stage: str | None = None  # a SQLite file holding `rows` instead (its tables: DERIVED_COLUMNS)


def _stage(path: Path, rows: dict[str, list[tuple]]) -> None:
    """Write derived rows to a new staging file (a throwaway: no journal, no sync)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for table, cols in DERIVED_COLUMNS.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")  # no types: values kept as built
            insert_many(conn, f"INSERT INTO {table} VALUES {_INSERT[table].split(' VALUES ')[1]}", rows[table])
        conn.execute("COMMIT")
    finally:
        conn.close()


class _Keys(dict):
    """Key ids as the archive has them; a key it lacks gets a negative placeholder id that the
    writer replaces (the preparer never writes)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        super().__init__(cell_store.KeyIds(db))
        self.new: dict[int, tuple[str, str, str]] = {}

    def __missing__(self, key: tuple[str, str, str]) -> int:
        self[key] = -1 - len(self.new)
        self.new[self[key]] = key
        return self[key]


class Preparer:
    """Builds batches of new reports from an archive it only reads (`db`: a connection to it,
    read-only is enough). Documents already archived, or earlier in this load, are skipped."""

    def __init__(self, db: sqlite_utils.Database, *, index: bool = True, stage: str | Path | None = None) -> None:
        self.db = db
        self.index = index
        self.stage = Path(stage) if stage is not None else None  # a directory for staging files
        self.n_batches = 0
        self.next_report = search.free_id(db)
        self.next_capture = (db.execute("SELECT max(id) FROM captures").fetchone()[0] or 0) + 1
        self.keys = _Keys(db)
        self.seen: set[str] = set()

    def batch(self, items: Iterable[Item], first_ids: tuple[int, int] | None = None) -> Batch:
        """The batch of these items. `first_ids`: the (report, capture) ids to number it from, for
        a caller that runs several preparers and gives each batch a range of its own, one id per
        item (by default the count goes on from the last batch). Several preparers do not see
        each other's documents: one given to two of them makes a batch fail to write (nothing of
        it is written)."""
        if first_ids is not None:
            self.next_report, self.next_capture = first_ids
        with _gc_paused():
            return self._batch(list(items))

    def _batch(self, items: list[Item]) -> Batch:
        out = Batch()
        self.keys.new = {}  # placeholders are per batch: a key new to one may be known to the next
        for k in [k for k, i in self.keys.items() if i < 0]:
            del self.keys[k]
        source_ids = sorted({m["source_id"] for _, _, m in items if m.get("source_id")})
        sources = {r["id"]: r for r in self.db.query(
            f"SELECT * FROM sources WHERE id IN ({', '.join('?' * len(source_ids))})", source_ids)}
        missing = set(source_ids) - set(sources)
        if missing:
            raise ValueError(f"unknown source ids: {sorted(missing)}")
        digests = [sha256(d) for _, d, _ in items]
        known = {r[0] for r in self.db.execute(
            f"SELECT sha256 FROM reports WHERE sha256 IN ({', '.join('?' * len(digests))})", digests)}
        totals = {i for k, i in self.keys.items() if k[2] == summary.TOTAL_COLUMN}
        for (report, data, meta), digest in zip(items, digests):
            if digest in known or digest in self.seen:
                continue
            self.seen.add(digest)
            rid, cid = self.next_report, self.next_capture
            self.next_report, self.next_capture = rid + 1, cid + 1
            out.captures.append((cid, meta.get("url"), meta.get("fetched_at") or now(), 200, report.media_type,
                                 None, digest, len(data), meta.get("path"), meta.get("source_id"), "report",
                                 meta.get("url") or meta.get("path") or f"sha256:{digest}"))
            keys = cell_keys(report)
            rows = derived_rows(report, rid, self.keys, keys)
            row = report_row(report, report_id=rid, sha256=digest, capture_id=cid,
                             source=sources.get(meta.get("source_id")), meta=meta, url=meta.get("url"),
                             published_date=meta.get("published_date"),
                             n_cells=len(rows["cells"]), n_findings=len(rows["findings"]), keys=keys)
            out.reports.append(tuple(row[c] for c in REPORT_COLUMNS))
            for t, trows in rows.items():
                out.rows[t].extend(trows)
            if self.keys.new:
                totals |= {i for i, k in self.keys.new.items() if k[2] == summary.TOTAL_COLUMN}
            out.totals.append((rid, [(c[1], v) for c in rows["cells"]
                                     if c[1] in totals and (v := summary.stored_int(c[2])) is not None]))
            if self.index:
                out.documents.append(search.document(rid, report.title, row["agency"],
                                                     [(s.number, s.heading, s.text) for s in report.sections]))
        out.new_keys = dict(self.keys.new)
        if self.stage is not None and out.reports:
            self.n_batches += 1
            path = self.stage / f"batch-{os.getpid()}-{self.n_batches}.db"
            _stage(path, out.rows)
            out.stage, out.rows = str(path), {t: [] for t in DERIVED_COLUMNS}
        return out


@contextmanager
def _gc_paused():
    """The cyclic garbage collector off: a batch makes about 1,500 objects a report (rows, tuples)
    and no cycle, and the collections their number sets off were ~5 % of the preparer's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_batch(db: sqlite_utils.Database, batch: Batch) -> int:
    """Write a prepared batch in one transaction; returns the number of reports written. A
    staged batch's file is removed once written (it cannot be written twice)."""
    if batch.stage is None:
        return _write(db, batch)
    db.execute("ATTACH DATABASE ? AS stage", [batch.stage])  # (not possible inside a transaction)
    try:
        return _write(db, batch)
    finally:
        db.execute("DETACH DATABASE stage")
        Path(batch.stage).unlink(missing_ok=True)


def _write(db: sqlite_utils.Database, batch: Batch) -> int:
    with db.atomic():
        if batch.new_keys:  # give the keys the archive lacked their ids
            ids = cell_store.KeyIds(db)
            real = {tmp: ids[key] for tmp, key in batch.new_keys.items()}
            if batch.stage is not None:
                db.conn.executemany("UPDATE stage.cells SET key = ? WHERE key = ?", [(r, t) for t, r in real.items()])
            batch.rows["cells"] = [(r[0], real.get(r[1], r[1]), *r[2:]) for r in batch.rows["cells"]]
            batch.totals = [(rid, [(real.get(k, k), v) for k, v in t]) for rid, t in batch.totals]
        db.conn.executemany(
            "INSERT INTO captures (id, url, fetched_at, http_status, media_type, encoding, sha256, size,"
            " path, source_id, kind, locator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch.captures)
        ids = [r[0] for r in batch.reports]
        # the batch's own, consecutive ids (a Preparer's): the summaries per batch, not per report
        summaries = summary.batched(db, ids[0], ids[-1]) if ids and ids == list(range(ids[0], ids[-1] + 1)) \
            else nullcontext()
        with summaries:
            db.conn.executemany(f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) VALUES "
                                f"({', '.join('?' * len(REPORT_COLUMNS))})", batch.reports)
        if batch.stage is not None:
            for table in DERIVED_COLUMNS:
                db.execute(_STAGED[table])
        for table, rows in batch.rows.items():
            _write_rows(db, table, rows)
        summary.add_totals(db, batch.totals)
        search.add_documents(db, batch.documents)
    return len(batch.reports)


# a staged table into the archive, in the order it was written (as the rows would have been);
# staged values are as the archive stores them (_stage applies _INSERT's expressions)
_STAGED = {t: f"{_INSERT[t].split(' VALUES ')[0]} SELECT * FROM stage.{t} ORDER BY rowid" for t in DERIVED_COLUMNS}


def batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    buf: list[Item] = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def unchecked_foreign_keys(db: sqlite_utils.Database):
    """A context in which foreign keys are not checked row by row (about an eighth of the time of
    a bulk load): the preparer assigns the ids and checks the source ids itself."""

    @contextmanager
    def ctx():
        enforced = db.execute("PRAGMA foreign_keys").fetchone()[0]
        if not db.conn.in_transaction:  # the pragma is a no-op inside a transaction
            db.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            db.execute(f"PRAGMA foreign_keys = {int(enforced)}")
    return ctx()


def load_reports(db: sqlite_utils.Database, items: Iterable[Item], batch: int = 2000, index: bool = True) -> int:
    """Insert many new reports: each item is (report, document bytes, meta with optional
    url/path/source_id/published_date/province/level), `batch` reports per transaction, with
    their search index entries and summaries (`index=False`: the search index is left to one
    `archive.search.rebuild(db)`). Documents already archived are skipped. Returns how many
    reports were added."""
    prep = Preparer(db, index=index)
    with unchecked_foreign_keys(db):
        return sum(write_batch(db, prep.batch(chunk)) for chunk in batches(items, batch))
