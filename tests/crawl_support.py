"""Shared by the crawl tests: run `xxgk crawl` for real (a subprocess: one Twisted reactor per
crawl) against mock portals on 127.0.0.1, and read back what it archived."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # mockportals/ may postdate the venv's editable install

from crawler.registry import Source, write  # noqa: E402
from xxgk.commands.demo import mock_sources  # noqa: E402

# fast but still polite where it matters: robots.txt stays on
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_BACKOFF_BASE=0", "RETRY_BACKOFF_MAX=0.05",
        "CONCURRENT_REQUESTS_PER_DOMAIN=4", "LOG_LEVEL=WARNING")


def xxgk(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("xxgk")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


def crawl(sources: list[Source], data_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    registry = data_dir / "sources.csv"
    write(sources, registry)
    args = ["crawl", "--registry", str(registry), "--all", "--data-dir", str(data_dir), "--quiet"]
    for s in FAST:
        args += ["-s", s]
    res = xxgk(*args, *extra)
    assert res.returncode == 0, res.stderr[-4000:]
    return res


def portal_sources(mp, portal: str, browser: bool = False) -> list[Source]:
    return [s for s in mock_sources(mp, browser) if s.id.startswith(f"mock-{portal}-")]


def connect(data_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(data_dir / "xxgk.db")
    db.row_factory = sqlite3.Row
    return db


def urls(db: sqlite3.Connection, kind: str) -> set[str]:
    return {r[0] for r in db.execute("SELECT url FROM captures WHERE kind = ?", [kind])}


def expected(mp, portal: str, expect: str = "archived") -> set[str]:
    return {e.url for e in mp.manifest if e.portal == portal and e.expect == expect}


def report_of(db: sqlite3.Connection, url: str) -> sqlite3.Row | None:
    """The report archived for a manifest URL: the page itself, else its attachment."""
    return db.execute(
        "SELECT r.* FROM captures c JOIN reports r ON r.sha256 = c.sha256 WHERE c.url = ? AND c.kind = 'report'",
        [url]).fetchone()


def cells(db: sqlite3.Connection, report_id: int) -> dict[tuple[str, str, str], float | None]:
    return {(t, r, c): v for t, r, c, v in db.execute(
        "SELECT table_key, row_key, column_key, value FROM cells WHERE report_id = ?", [report_id])}


def snapshot(db: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every derived table, ordered, without surrogate ids: what a re-run or reparse must reproduce."""
    q = {
        "reports": "SELECT sha256, source_id, agency, province, level, year, template, title, url, status,"
                   " n_cells, n_findings, new_requests, total_processed FROM reports ORDER BY sha256",
        "cells": "SELECT r.sha256, table_key, row_key, column_key, value, raw, imputed FROM cells"
                 " JOIN reports r ON r.id = cells.report_id ORDER BY 1, 2, 3, 4",
        "sections": "SELECT r.sha256, number, heading, text FROM sections JOIN reports r ON r.id = report_id"
                    " ORDER BY 1, 2",
        "facts": "SELECT r.sha256, key, value FROM facts JOIN reports r ON r.id = report_id ORDER BY 1, 2, 3",
        "findings": "SELECT r.sha256, code, severity, message, table_key, row_key, column_key, scope"
                    " FROM findings LEFT JOIN reports r ON r.id = findings.report_id ORDER BY 1, 2, 3, 4, 5, 6, 7",
        "captures": "SELECT url, kind, sha256, http_status, warc_file, warc_offset FROM captures ORDER BY 1, 2, 3",
    }
    return {name: [tuple(r) for r in db.execute(sql)] for name, sql in q.items()}
