"""Publications: the renditions of one report counted once.

An agency publishes its report for a year once, but the archive often holds it several times:
an HTML page and its PDF/DOCX attachment, the same document at two URLs, a corrected version at
the same URL. Each is a document (a row of `reports`, by content hash); together they are one
publication: the reports of one agency (same name) and one year. A report without an agency or
a year is a publication of its own.

`assign(db)` groups them (recomputed from scratch, only differences written; `crosscheck.run`
calls it first) into `reports.publication_id` (the id of the publication's first archived
rendition: it stays when renditions are added) and `reports.is_primary` (1 for the one
rendition every count uses). The primary rendition is the first by:

1. parse status: ok, then partial, then failed (a rendition whose numbers could be read);
2. current before superseded (superseded: every URL it was archived from was archived again
   later with other content — a corrected version replaced it);
3. more cells parsed (the more complete reading);
4. fewer parser findings;
5. first archived (lowest id).

Renditions whose numbers disagree stay in one publication and are a finding
(`duplicate_report`, archive/crosscheck.py); the `publications` view shows them.
"""
from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from archive import summary

_STATUS_RANK = {"ok": 0, "partial": 1}  # anything else (failed, NULL) after them

_IN_SCOPE = "temp.cc_scope s JOIN reports r ON r.id = s.id"  # whole agency-years (crosscheck._scope)


def superseded_sql(scoped: bool = False) -> str:
    """Reports archived from some URL, none of whose URLs still serves them: a later capture of
    each of those URLs holds other content (as in the report_revisions view: report documents,
    200 only). `scoped`: the reports in crosscheck's scope, reading only the URLs they were
    captured at."""
    reports = _IN_SCOPE if scoped else "reports r"
    urls = f"AND url IN (SELECT c.url FROM {_IN_SCOPE} JOIN captures c ON c.sha256 = r.sha256)" if scoped else ""
    return f"""
WITH caps AS (
    SELECT url, sha256, row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC, id DESC) AS recency
    FROM captures WHERE kind IN ('report', 'attachment') AND url IS NOT NULL AND http_status = 200 {urls}
)
SELECT r.id FROM {reports}
WHERE EXISTS (SELECT 1 FROM caps c WHERE c.sha256 = r.sha256)
  AND NOT EXISTS (SELECT 1 FROM caps c WHERE c.sha256 = r.sha256 AND c.recency = 1)
"""

VIEW = """
SELECT coalesce(p.publication_id, p.id) AS publication_id, p.id AS report_id, p.agency, p.province,
  p.level, p.year, p.template, p.title, p.status,
  CASE WHEN p.publication_id IS NULL THEN 1
       ELSE (SELECT count(*) FROM reports r WHERE r.publication_id = p.publication_id) END AS renditions,
  CASE WHEN p.publication_id IS NULL THEN CAST(p.id AS TEXT)
       ELSE (SELECT group_concat(r.id) FROM reports r WHERE r.publication_id = p.publication_id) END
    AS rendition_ids,
  EXISTS (SELECT 1 FROM findings f JOIN reports r ON r.id = f.subject_report_id
          WHERE f.code = 'duplicate_report' AND r.publication_id = p.publication_id) AS renditions_disagree,
  p.new_requests, p.total_processed, p.granted, p.reviews, p.lawsuits
FROM reports p
WHERE p.is_primary = 1
"""
VIEW_DOC = ("One row per publication (a report as its agency published it, whatever the number of its "
            "renditions): the primary rendition's figures, how many renditions, whether they disagree")
COLUMN_DOCS = {
    "publication_id": "The publication (reports.publication_id: its first archived rendition)",
    "renditions": "Documents archived for this publication (HTML page, PDF/DOCX attachment, copies, versions)",
    "rendition_ids": "Their report ids",
    "renditions_disagree": "1 when renditions give different figures (a duplicate_report finding says which)",
}


def _rank(r: dict, superseded: set[int]) -> tuple:
    return (_STATUS_RANK.get(r["status"], 2), r["id"] in superseded, -(r["n_cells"] or 0),
            r["n_findings"] or 0, r["id"])


def groups(db: sqlite_utils.Database, scoped: bool = False) -> list[list[dict]]:
    """Every publication as its renditions, the primary first (`scoped`: those of the reports
    in crosscheck's scope, which holds every report of an agency-year it holds one of)."""
    superseded = {r[0] for r in db.execute(superseded_sql(scoped))}
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    reports = _IN_SCOPE if scoped else "reports r"
    for r in db.query(f"SELECT r.id, r.agency, r.year, r.status, r.n_cells, r.n_findings FROM {reports}"):
        key = (r["agency"], r["year"]) if r["agency"] and r["year"] is not None else ("", r["id"])
        by_key[key].append(r)
    return [sorted(g, key=lambda r: _rank(r, superseded)) for g in by_key.values()]


def assign(db: sqlite_utils.Database, scoped: bool = False) -> int:
    """Write publication_id and is_primary where they differ from `groups`; returns the number
    of reports changed (0 on an archive already grouped: nothing written)."""
    want = {}
    for g in groups(db, scoped):
        first = min(r["id"] for r in g)
        for i, r in enumerate(g):
            want[r["id"]] = (first, int(i == 0))
    have = {rid: (pub, prim) for rid, pub, prim in db.execute(
        f"SELECT r.id, r.publication_id, r.is_primary FROM {_IN_SCOPE if scoped else 'reports r'}")}
    changed = [(pub, prim, rid) for rid, (pub, prim) in want.items() if have.get(rid) != (pub, prim)]
    if changed:
        with db.atomic():
            ids = [rid for _, _, rid in changed]
            summary.add_cells(db, ids, -1)  # their cells count for the publication they stood for …
            db.conn.executemany("UPDATE reports SET publication_id = ?, is_primary = ? WHERE id = ?", changed)
            summary.add_cells(db, ids)  # … and now for the one they stand for, if primary

    return len(changed)
