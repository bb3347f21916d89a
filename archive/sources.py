"""The `sources` table: portals and agencies. Upserts write only what differs, so re-registering
the same sources changes nothing."""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from archive.schema import TABLE

_COLUMNS = tuple(TABLE["sources"].columns)


def _clean(src: dict[str, Any]) -> dict[str, Any]:
    if not src.get("id"):
        raise ValueError(f"source without an id: {src!r}")
    row = {k: v for k, v in src.items() if k in _COLUMNS}
    if isinstance(row.get("flags"), (dict, list, tuple)):
        row["flags"] = json.dumps(row["flags"], ensure_ascii=False, sort_keys=True)
    return row


def upsert_sources(db: sqlite_utils.Database, sources: Iterable[dict[str, Any]]) -> int:
    """Insert new sources and update changed fields of known ones (keys other than the
    `sources` columns are ignored). Returns how many rows were written."""
    written = 0
    with db.atomic():
        for src in sources:
            row = _clean(src)
            have = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources WHERE id = ?", [row["id"]]).fetchone()
            if have is None:
                db["sources"].insert(row)
                written += 1
                continue
            changed = {k: v for k, v in row.items() if dict(zip(_COLUMNS, have))[k] != v}
            if changed:
                db["sources"].update(row["id"], changed)
                written += 1
    return written


def get_source(db: sqlite_utils.Database, source_id: str | None) -> dict[str, Any] | None:
    if not source_id:
        return None
    rows = list(db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
    return rows[0] if rows else None
