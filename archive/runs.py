"""`crawl_runs` rows: the crawler opens one per run and fills the counters when it ends."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from archive.schema import TABLE

COUNTERS = ("requests", "bytes", "reports_new", "reports_changed", "reports_unchanged",
            "attachments", "blocked", "errors", "lists_incomplete")


def now() -> str:
    """The current UTC time, ISO 8601 to the second (how the archive stores every time)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def start_run(db: sqlite_utils.Database, source_id: str | None = None) -> int:
    """Open a run (status 'running'); returns its id."""
    with db.atomic():
        cur = db.execute(
            "INSERT INTO crawl_runs (source_id, started_at, status, "
            + ", ".join(COUNTERS) + ") VALUES (?, ?, 'running'" + ", 0" * len(COUNTERS) + ")",
            [source_id, now()])
    return cur.lastrowid


def finish_run(db: sqlite_utils.Database, run_id: int, status: str = "finished", finished_at: str | None = None,
               **counters: Any) -> None:
    """Close a run: finished_at (default now; a crawl of many sources passes the time of each
    source's last capture), duration_s, status and any counters given (unknown names raise)."""
    unknown = set(counters) - set(TABLE["crawl_runs"].columns)
    if unknown:
        raise ValueError(f"unknown crawl_runs columns: {sorted(unknown)}")
    row = db["crawl_runs"].get(run_id)
    finished = finished_at or now()
    started = datetime.fromisoformat(row["started_at"])
    duration = (datetime.fromisoformat(finished) - started).total_seconds()
    with db.atomic():
        db["crawl_runs"].update(run_id, {"finished_at": finished, "status": status,
                                         "duration_s": duration, **counters})
