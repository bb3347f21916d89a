"""What an incremental crawl knows, read from and written to the archive: the `url_checks` table
(per URL: last check, validators, the WARC record they belong to, the attachments a page linked)
and the archived answers (`captures` with status 200) they refer to.

The crawler queues these writes and commits them in groups (`crawler.connection`); each
function here is one statement, run inside the caller's transaction.
"""
from __future__ import annotations

import json
from typing import Iterator, NamedTuple

import sqlite_utils

KNOWN_KINDS = ("report", "attachment", "listing")


class Archived(NamedTuple):
    url: str
    kind: str
    fetched_at: str | None
    warc_file: str | None
    warc_offset: int | None
    source_id: str | None
    parent_url: str | None  # an attachment's page


class Checked(NamedTuple):
    url: str
    checked_at: str | None
    etag: str | None
    last_modified: str | None
    warc_file: str | None
    warc_offset: int | None
    children: list[str] | None


def archived(db: sqlite_utils.Database) -> Iterator[Archived]:
    """Every archived answer (status 200) of a report, attachment or listing, oldest first."""
    marks = ",".join("?" * len(KNOWN_KINDS))
    for row in db.execute(
            f"SELECT c.url, c.kind, c.fetched_at, c.warc_file, c.warc_offset, c.source_id, p.url"
            f" FROM captures c LEFT JOIN captures p ON p.id = c.parent_capture_id WHERE c.url IS NOT NULL"
            f" AND c.http_status = 200 AND c.kind IN ({marks}) ORDER BY c.id", KNOWN_KINDS):
        yield Archived(*row)


def checks(db: sqlite_utils.Database) -> Iterator[Checked]:
    for url, at, etag, lm, wf, wo, children in db.execute(
            "SELECT url, checked_at, etag, last_modified, warc_file, warc_offset, children FROM url_checks"):
        yield Checked(url, at, etag, lm, wf, wo, json.loads(children) if children else None)


def record_answer(db: sqlite_utils.Database, url: str, source_id: str | None, checked_at: str,
                  etag: str | None, last_modified: str | None, warc_file: str | None,
                  warc_offset: int | None) -> None:
    """A 200 answer, archived at warc_file/warc_offset. The attachments recorded for the URL stay
    only while it is the same answer."""
    db.execute(
        "INSERT INTO url_checks (url, source_id, checked_at, http_status, etag, last_modified, warc_file,"
        " warc_offset, children) VALUES (?, ?, ?, 200, ?, ?, ?, ?, NULL) ON CONFLICT(url) DO UPDATE SET"
        " source_id = excluded.source_id, checked_at = excluded.checked_at, http_status = 200,"
        " etag = excluded.etag, last_modified = excluded.last_modified,"
        " children = CASE WHEN url_checks.warc_file IS excluded.warc_file AND url_checks.warc_offset IS"
        " excluded.warc_offset THEN url_checks.children END,"
        " warc_file = excluded.warc_file, warc_offset = excluded.warc_offset",
        [url, source_id, checked_at, etag, last_modified, warc_file, warc_offset])


def record_not_modified(db: sqlite_utils.Database, url: str, checked_at: str) -> None:
    """A 304: the archived answer is still current."""
    db.execute("UPDATE url_checks SET checked_at = ?, http_status = 304 WHERE url = ?", [checked_at, url])


def record_children(db: sqlite_utils.Database, url: str, children: list[str]) -> None:
    """The attachments a report page links."""
    db.execute("UPDATE url_checks SET children = ? WHERE url = ?",
               [json.dumps(sorted(set(children)), ensure_ascii=False), url])
