"""`crawl_runs` rows: the crawler opens one per run, fills the counters when it ends, and marks the
runs a killed crawl left open."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from archive.schema import TABLE

COUNTERS = ("requests", "bytes", "reports_new", "reports_changed", "reports_unchanged",
            "attachments", "blocked", "errors", "lists_incomplete")


def now() -> str:
    """The current UTC time, ISO 8601 to the second (how the archive stores every time)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def start_run(db: sqlite_utils.Database, source_id: str | None = None, started_at: str | None = None) -> int:
    """Open a run (status 'running', started now unless `started_at`); returns its id."""
    with db.atomic():
        cur = db.execute(
            "INSERT INTO crawl_runs (source_id, started_at, status, "
            + ", ".join(COUNTERS) + ") VALUES (?, ?, 'running'" + ", 0" * len(COUNTERS) + ")",
            [source_id, started_at or now()])
    return cur.lastrowid


def runs_started(db: sqlite_utils.Database, source_ids: list[str], started_at: str) -> dict[str, int]:
    """The runs of these sources started at `started_at` (a fleet's crawl: one start for all)."""
    marks = ",".join("?" * len(source_ids))
    return {sid: rid for sid, rid in db.execute(
        f"SELECT source_id, max(id) FROM crawl_runs WHERE started_at = ? AND source_id IN ({marks})"
        f" GROUP BY source_id", [started_at, *source_ids])}


def count_reports(db: sqlite_utils.Database, run_id: int, change: str) -> None:
    """One more report new, changed or unchanged in a running run (the fleet's writer counts as
    it goes, in the transaction that archives the report)."""
    column = {"new": "reports_new", "changed": "reports_changed", "unchanged": "reports_unchanged"}[change]
    db.execute(f"UPDATE crawl_runs SET {column} = {column} + 1 WHERE id = ?", [run_id])


def killed_sources(db: sqlite_utils.Database, but_started_at: str | None = None) -> list[str]:
    """Sources whose latest run was killed, or is still marked running though no crawl runs it
    (any run not started at `but_started_at`)."""
    return [sid for sid, status, started in db.execute(
        "SELECT source_id, status, started_at FROM crawl_runs WHERE id IN"
        " (SELECT max(id) FROM crawl_runs WHERE source_id IS NOT NULL GROUP BY source_id)")
        if status == "killed" or (status == "running" and started != but_started_at)]


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


def mark_killed(db: sqlite_utils.Database, keep: list[int]) -> int:
    """Runs left 'running' belong to crawls that died (the crawl lock lets one crawl run at a
    time): mark them 'killed' so crawl health counts them as failures. `keep`: this crawl's own
    runs. Returns how many were marked."""
    with db.atomic():
        return db.execute(
            f"UPDATE crawl_runs SET status = 'killed', finished_at = coalesce(finished_at, started_at)"
            f" WHERE status = 'running' AND id NOT IN ({','.join('?' * len(keep))})", keep).rowcount


def last_was_killed(db: sqlite_utils.Database, source_ids: list[str], keep: list[int]) -> bool:
    """Was the latest earlier run of any of these sources killed?"""
    if not source_ids:
        return False
    last = db.execute(
        f"SELECT status FROM crawl_runs WHERE source_id IN ({','.join('?' * len(source_ids))})"
        f" AND id NOT IN ({','.join('?' * len(keep))}) ORDER BY id DESC LIMIT 1", [*source_ids, *keep]).fetchone()
    return bool(last and last[0] == "killed")


def _crawl_finding(db: sqlite_utils.Database, code: str, message: str, details: dict[str, Any]) -> None:
    with db.atomic():
        db["findings"].insert({"report_id": None, "code": code, "severity": "warning", "message": message,
                               "scope": "cross_report", "details": json.dumps(details, ensure_ascii=False)})


def record_incomplete(db: sqlite_utils.Database, source_id: str, run_id: int, lists: list[dict]) -> list[str]:
    """A list that declared N records (or pages) and showed fewer: a `list_incomplete` finding
    per list (its `details`: list_url, declared, reached, unit, run_id). Returns the messages."""
    out = []
    for short in lists:
        msg = (f"list {short['list_url']} declares {short['declared']} {short['unit']}; "
               f"the crawl reached {short['reached']}")
        _crawl_finding(db, "list_incomplete", msg, {**short, "run_id": run_id})
        out.append(msg)
    return out


def yield_dropped(db: sqlite_utils.Database, source_id: str, run_id: int, found: int) -> list[str]:
    """Zero reports where the source's previous finished run found some (the column moved or the
    site blocks us): a `source_yield_dropped` finding. Returns its message, if any."""
    if found:
        return []
    prev = db.execute(
        "SELECT id, reports_new + reports_changed + reports_unchanged FROM crawl_runs"
        " WHERE source_id = ? AND id < ? AND status = 'finished' ORDER BY id DESC LIMIT 1",
        [source_id, run_id]).fetchone()
    if not (prev and prev[1]):
        return []
    msg = f"source {source_id} yielded no reports in run {run_id}; run {prev[0]} found {prev[1]}"
    _crawl_finding(db, "source_yield_dropped", msg, {"source_id": source_id, "run_id": run_id,
                                                     "previous_run_id": prev[0], "previous_reports": prev[1]})
    return [msg]
