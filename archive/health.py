"""Crawl health per source and report revision history, as SQL views (so Datasette and
`xxgk status` show the same thing).

`source_health` — one row per source, from `crawl_runs` and `captures`:
  last_run_at / last_status     the latest finished (or failed) run
  last_success                  end of the latest run that finished with more real answers than
                                blocked + failed ones
  last_new_report               when the newest report of the source was first captured
  consecutive_failures          runs since the last success (all of them if none succeeded)
  blocked_last_run              challenge / WAF answers in the latest run
  moved                         1 when the latest run got 404/410 at the source's entry URL
                                (the column moved: fix the registry)
  yield_last / yield_before     reports seen in the latest run (new + changed + unchanged,
                                known ones skipped by the incremental policy included) and the
                                mean over the up-to-5 successful runs before it
  yield_ratio                   yield_last / yield_before
  lists_incomplete              lists of the latest run holding fewer entries than they declare
  list_declared / list_reached  the first such list: what it declares and what the crawl
  list_unit / list_url          reached (records or pages), and its URL (findings
                                `list_incomplete` hold every one)
  state                         never crawled | failing | moved | blocked | incomplete | quiet | ok
                                (incomplete: a list declared more than the crawl reached;
                                quiet: no report where earlier runs found some)

`report_revisions` — one row per archived answer at a report or attachment URL, oldest first:
a document that changed at the same URL is a new capture and a new report; `revision` counts
them per URL, `previous_report_id` links each to the one it replaced.

Both are registered in archive.views.VIEWS, so every archive opened with archive.db.open_db has them.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

SOURCE_HEALTH = """
WITH runs AS (
    SELECT r.*,
           (r.status = 'finished' AND r.requests > r.blocked + r.errors) AS ok,
           r.reports_new + r.reports_changed + r.reports_unchanged AS yield,
           row_number() OVER (PARTITION BY r.source_id ORDER BY r.id DESC) AS recency
    FROM crawl_runs r
    WHERE r.source_id IS NOT NULL AND r.status != 'running'
),
latest AS (SELECT * FROM runs WHERE recency = 1),
streak AS (
    SELECT source_id, min(CASE WHEN ok THEN recency END) AS first_ok, count(*) AS n,
           max(CASE WHEN ok THEN finished_at END) AS last_success
    FROM runs GROUP BY source_id
),
earlier AS (
    SELECT source_id, avg(yield) AS yield_before FROM runs
    WHERE recency BETWEEN 2 AND 6 AND ok GROUP BY source_id
),
newest AS (
    SELECT rp.source_id, max(c.fetched_at) AS last_new_report, count(*) AS reports
    FROM reports rp JOIN captures c ON c.id = rp.capture_id GROUP BY rp.source_id
),
short AS (
    SELECT json_extract(details, '$.run_id') AS run_id, json_extract(details, '$.declared') AS declared,
           json_extract(details, '$.reached') AS reached, json_extract(details, '$.unit') AS unit,
           json_extract(details, '$.list_url') AS list_url,
           row_number() OVER (PARTITION BY json_extract(details, '$.run_id') ORDER BY id) = 1 AS first
    FROM findings WHERE code = 'list_incomplete'
),
health AS (
    SELECT s.id AS source_id, s.name, s.platform, s.entry_url,
           streak.n AS runs, latest.started_at AS last_run_at, latest.status AS last_status,
           streak.last_success, newest.last_new_report, coalesce(newest.reports, 0) AS reports,
           coalesce(streak.first_ok - 1, streak.n, 0) AS consecutive_failures,
           latest.blocked AS blocked_last_run,
           EXISTS (SELECT 1 FROM captures c WHERE c.run_id = latest.id AND c.url = s.entry_url
                   AND c.http_status IN (404, 410)) AS moved,
           latest.yield AS yield_last, round(earlier.yield_before, 1) AS yield_before,
           CASE WHEN earlier.yield_before > 0
                THEN round(1.0 * latest.yield / earlier.yield_before, 2) END AS yield_ratio,
           coalesce(latest.lists_incomplete, 0) AS lists_incomplete,
           short.declared AS list_declared, short.reached AS list_reached, short.unit AS list_unit,
           short.list_url,
           latest.id AS last_run_id
    FROM sources s
    LEFT JOIN latest ON latest.source_id = s.id
    LEFT JOIN streak ON streak.source_id = s.id
    LEFT JOIN earlier ON earlier.source_id = s.id
    LEFT JOIN newest ON newest.source_id = s.id
    LEFT JOIN short ON short.run_id = latest.id AND short.first
)
SELECT health.*,
       CASE WHEN last_run_id IS NULL THEN 'never crawled'
            WHEN moved THEN 'moved'
            WHEN consecutive_failures > 0 AND blocked_last_run > 0 THEN 'blocked'
            WHEN consecutive_failures > 0 THEN 'failing'
            WHEN blocked_last_run > 0 AND yield_last = 0 THEN 'blocked'
            WHEN lists_incomplete > 0 THEN 'incomplete'
            WHEN yield_last = 0 AND yield_before > 0 THEN 'quiet'
            ELSE 'ok' END AS state
FROM health
"""

REPORT_REVISIONS = """
SELECT c.url, c.source_id,
       row_number() OVER w AS revision,
       count(*) OVER (PARTITION BY c.url) AS revisions,
       c.id AS capture_id, c.sha256, c.fetched_at, c.kind,
       r.id AS report_id, lag(r.id) OVER w AS previous_report_id,
       r.title, r.year, r.status
FROM captures c LEFT JOIN reports r ON r.sha256 = c.sha256
WHERE c.kind IN ('report', 'attachment') AND c.url IS NOT NULL AND c.http_status = 200
WINDOW w AS (PARTITION BY c.url ORDER BY c.fetched_at, c.id)
"""

VIEWS: dict[str, tuple[str, str]] = {
    "source_health": (SOURCE_HEALTH, "Crawl health per source: last success, last new report, consecutive "
                                     "failures, blocked, moved (404 at the entry URL), yield against earlier runs"),
    "report_revisions": (REPORT_REVISIONS, "Every archived version of each report URL, oldest first "
                                           "(a changed document is a new capture and a new report)"),
}
PROBLEM_STATES = ("failing", "moved", "blocked", "incomplete", "quiet")
# English docs of the views' columns (export and Datasette use them; report columns have their own)
COLUMN_DOCS: dict[str, str] = {
    "name": "Name of the source", "platform": "Publishing platform (CMS) of the portal",
    "entry_url": "Where the crawler starts for this source", "runs": "Crawl runs recorded for the source",
    "last_run_at": "Start of the latest run (UTC)", "last_status": "Status of the latest run",
    "last_success": "End of the latest successful run (UTC)",
    "last_new_report": "When the newest report of the source was first captured (UTC)",
    "reports": "Reports archived from the source",
    "consecutive_failures": "Runs since the last successful one",
    "blocked_last_run": "Answers refused by the portal (challenge, WAF) in the latest run",
    "moved": "1 when the latest run got 404/410 at the entry URL (the column moved)",
    "yield_last": "Reports seen in the latest run (new + changed + unchanged)",
    "yield_before": "Mean reports seen over the up to 5 successful runs before",
    "yield_ratio": "yield_last / yield_before", "last_run_id": "The latest run (crawl_runs.id)",
    "lists_incomplete": "Lists of the latest run that held fewer entries than they declared",
    "list_declared": "The first incomplete list: records (or pages) it declares",
    "list_reached": "The first incomplete list: records (or pages) the crawl reached",
    "list_unit": "records / pages", "list_url": "The first incomplete list's URL",
    "state": "never crawled / failing / moved / blocked / incomplete / quiet / ok",
    "url": "URL of the document", "revision": "1 for the first archived version at the URL, then 2, 3 …",
    "revisions": "Versions archived at the URL", "capture_id": "The capture of this version (captures.id)",
    "sha256": "SHA-256 of the document", "fetched_at": "When this version was first fetched (UTC)",
    "kind": "report / attachment", "report_id": "The report parsed from this version (reports.id)",
    "previous_report_id": "The report of the version before (reports.id)",
}


def source_health(db: sqlite_utils.Database, source_ids: list[str] | None = None,
                  crawled_only: bool = False) -> list[dict[str, Any]]:
    where, args = [], []
    if source_ids:
        where.append(f"source_id IN ({', '.join('?' * len(source_ids))})")
        args += source_ids
    if crawled_only:
        where.append("last_run_id IS NOT NULL")
    sql = "SELECT * FROM source_health" + (" WHERE " + " AND ".join(where) if where else "")
    return list(db.query(sql + " ORDER BY state = 'ok', state = 'never crawled', source_id", args))


def revisions(db: sqlite_utils.Database, url: str) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM report_revisions WHERE url = ? ORDER BY revision", [url]))
