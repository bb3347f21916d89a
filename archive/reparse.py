"""Re-derive reports from their captured bytes with the current parser.

Each report is re-parsed from its first capture (or any other capture whose bytes are still
readable) when its parser_version differs from the running parser, or always with `force`.
Its derived rows (sections, cells, facts, report findings), parsed columns, search index row and
summaries are replaced; the report id, captures and cross-report findings stay.

At a million reports: the reports are read a batch at a time (by id, never all at once), the
documents of a batch are parsed in capped worker processes (`archive.parsepool`, as `xxgk load`
does) while the previous batch is written, and each batch is one transaction — memory stays
bounded by the batch, and an interrupted run loses at most one batch (run it again: the reports
already re-derived carry the current parser version and are skipped).
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlite_utils

import parsers
from archive import search
from archive.blobs import BlobError, read_capture
from archive.load import replace_derived, sha256
from archive.parsepool import ParsePool
from archive.sources import get_source
from parsers.model import Report

BATCH = 100  # reports per transaction
KEEP_REASONS = 1000  # unreadable reports whose reason is kept (all are counted)
_COLUMNS = ("id, sha256, capture_id, source_id, url, published_date, agency, province, level, year, "
            "parser_version")


@dataclass
class ReparseResult:
    reparsed: int = 0  # how many (a count, not the ids: a million reports' list would grow with them)
    skipped: int = 0  # already at the running parser version
    unreadable: dict[int, str] = field(default_factory=dict)  # report id -> why (the first KEEP_REASONS)
    n_unreadable: int = 0

    def cannot_read(self, report_id: int, why: str) -> None:
        self.n_unreadable += 1
        if len(self.unreadable) < KEEP_REASONS:
            self.unreadable[report_id] = why


def _bytes(db: sqlite_utils.Database, report: dict, data_dir: Path | None) -> tuple[dict, bytes]:
    caps = list(db.query("SELECT * FROM captures WHERE sha256 = ? ORDER BY id = ? DESC, id",
                         [report["sha256"], report["capture_id"]]))
    errors = []
    for cap in caps:
        try:
            data = read_capture(cap, data_dir)
        except BlobError as exc:
            errors.append(str(exc))
            continue
        if sha256(data) == report["sha256"]:
            return cap, data
        errors.append(f"capture {cap['id']}: bytes changed since capture (sha256 differs)")
    raise BlobError("; ".join(errors) or "no capture")


def _batches(db: sqlite_utils.Database, force: bool, size: int) -> Iterator[list[dict]]:
    """The reports to re-parse, `size` at a time, by id."""
    stale = "" if force else "AND parser_version IS NOT :version"
    last = 0
    while True:
        batch = list(db.query(f"SELECT {_COLUMNS} FROM reports WHERE id > :last {stale} ORDER BY id LIMIT :n",
                              {"last": last, "version": parsers.PARSER_VERSION, "n": size}))
        if not batch:
            return
        last = batch[-1]["id"]
        yield batch


def reparse(db: sqlite_utils.Database, data_dir: str | Path | None = None, *, force: bool = False,
            progress: bool = True, workers: int = 0, batch: int = BATCH) -> ReparseResult:
    """Re-parse the reports that need it (see the module doc); `workers` capped parse processes
    (0: parse in this process)."""
    from rich.progress import Progress

    data_dir = Path(data_dir) if data_dir is not None else None
    total = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    todo = total if force else db.execute("SELECT count(*) FROM reports WHERE parser_version IS NOT ?",
                                          [parsers.PARSER_VERSION]).fetchone()[0]
    result = ReparseResult(skipped=total - todo)
    with Progress(disable=not progress, transient=True) as bar, ParsePool(workers) as pool, \
            ThreadPoolExecutor(max(1, workers)) as threads:
        task = bar.add_task("re-parsing", total=todo)

        def submit(reports: list[dict]) -> list[tuple[dict, Future]]:
            out = []
            for rep in reports:
                try:
                    cap, data = _bytes(db, rep, data_dir)
                except BlobError as exc:
                    result.cannot_read(rep["id"], str(exc))
                    continue
                name = Path(cap["path"] or cap["url"] or "").name
                out.append((rep, threads.submit(pool.parse_now, data, cap["media_type"], name)))
            return out

        def finish(parsing: list[tuple[dict, Future]]) -> None:
            if not parsing:
                return
            done = [(rep, future.result()) for rep, future in parsing]
            _write(db, done)
            result.reparsed += len(done)
            bar.advance(task, len(done))

        parsing: list[tuple[dict, Future]] = []
        for reports in _batches(db, force, batch):  # (read before the batch before it is written)
            upcoming = submit(reports)  # parsed in the workers while the previous batch is written
            bar.advance(task, len(reports) - len(upcoming))  # the unreadable ones
            finish(parsing)
            parsing = upcoming
        finish(parsing)
    return result


def _write(db: sqlite_utils.Database, done: list[tuple[dict, Report]]) -> None:
    """One batch of re-derived reports, in one transaction."""
    with db.atomic():
        for rep, report in done:
            # what the loader knew besides the bytes: keep it as the fallback metadata
            meta = {k: rep[k] for k in ("agency", "province", "level", "year")}
            search.forget(db, [rep["id"]])  # while its rows are as indexed
            replace_derived(db, rep["id"], report, sha256=rep["sha256"], capture_id=rep["capture_id"],
                            source=get_source(db, rep["source_id"]), meta=meta, url=rep["url"],
                            published_date=rep["published_date"])
            search.index(db, [rep["id"]])
