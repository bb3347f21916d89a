"""The archive writer's place in a Redis stream (`stream_offsets`): the last entry applied,
written in the same transaction as that entry's rows. An entry at or before it was applied
already: the writer acknowledges it without applying it again (crawler/fleet/writer.py)."""
from __future__ import annotations

import sqlite_utils

from archive.runs import now


def _key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def applied(db: sqlite_utils.Database, stream: str) -> str | None:
    row = db.execute("SELECT last_id FROM stream_offsets WHERE stream = ?", [stream]).fetchone()
    return row[0] if row else None


def is_applied(last: str | None, entry_id: str) -> bool:
    """Was `entry_id` applied, the last applied being `last`? (Stream ids grow.)"""
    return last is not None and _key(entry_id) <= _key(last)


def record_applied(db: sqlite_utils.Database, stream: str, entry_id: str) -> None:
    """Inside the transaction that applied the entry."""
    db.execute("INSERT INTO stream_offsets (stream, last_id, applied_at) VALUES (?, ?, ?)"
               " ON CONFLICT(stream) DO UPDATE SET last_id = excluded.last_id, applied_at = excluded.applied_at",
               [stream, entry_id, now()])
