"""Re-derive reports from their captured bytes with the current parser.

Each report is re-parsed from its first capture (or any other capture whose bytes are still
readable) when its parser_version differs from the running parser, or always with `force`.
Its derived rows (sections, cells, facts, report findings) and parsed columns are replaced in
one transaction per report; the report id, captures and cross-report findings stay.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

import parsers
from archive.blobs import BlobError, read_capture
from archive import search
from archive.load import parse_safely, replace_derived, sha256
from archive.sources import get_source


@dataclass
class ReparseResult:
    reparsed: list[int] = field(default_factory=list)
    skipped: int = 0  # already at the running parser version
    unreadable: dict[int, str] = field(default_factory=dict)  # report id -> why


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


def reparse(db: sqlite_utils.Database, data_dir: str | Path | None = None, *, force: bool = False,
            progress: bool = True) -> ReparseResult:
    from rich.progress import Progress

    data_dir = Path(data_dir) if data_dir is not None else None
    reports = list(db.query("SELECT id, sha256, capture_id, source_id, url, published_date, agency, "
                            "province, level, year, parser_version FROM reports ORDER BY id"))
    result = ReparseResult()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("re-parsing", total=len(reports))
        for rep in reports:
            bar.advance(task)
            if not force and rep["parser_version"] == parsers.PARSER_VERSION:
                result.skipped += 1
                continue
            try:
                cap, data = _bytes(db, rep, data_dir)
            except BlobError as exc:
                result.unreadable[rep["id"]] = str(exc)
                continue
            report = parse_safely(data, cap["media_type"], Path(cap["path"] or cap["url"] or "").name)
            # what the loader knew besides the bytes: keep it as the fallback metadata
            meta = {k: rep[k] for k in ("agency", "province", "level", "year")}
            with db.atomic():
                search.forget(db, [rep["id"]])  # while its rows are as indexed
                replace_derived(db, rep["id"], report, sha256=rep["sha256"], capture_id=rep["capture_id"],
                                source=get_source(db, rep["source_id"]), meta=meta, url=rep["url"],
                                published_date=rep["published_date"])
                search.index(db, [rep["id"]])
            result.reparsed.append(rep["id"])
    return result
