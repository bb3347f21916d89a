"""The crawl process's one connection to the archive, shared by the item pipeline (documents,
crawl runs) and the incremental middlewares (url_checks: what the archive knows, and writes).

A fleet worker has no archive of its own: `XXGK_ARCHIVE` names the class the crawl uses instead
(crawler.fleet.stream.StreamArchive: knowledge from Redis, writes to the writer's stream).

Opened by the first component that needs it when the spider opens; closed when the spider has
closed (`spider_closed` comes after the pipeline's `close_spider`), once the queued writes are in.
The middlewares' writes are queued and committed in groups: a commit per answer cost a
millisecond each, and losing the last group in a crash only means asking for those URLs again.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

import sqlite_utils
from scrapy import signals
from scrapy.utils.misc import load_object

from archive import runs, urlchecks
from archive.db import open_db
from archive.paths import Paths, resolve

log = logging.getLogger(__name__)
GROUP = 200  # queued writes committed at once at most


def paths(settings: Any) -> Paths:
    """The crawl's data directory and archive (settings XXGK_DATA_DIR, XXGK_DB; archive.paths)."""
    return resolve(settings.get("XXGK_DATA_DIR"), settings.get("XXGK_DB"))


class ArchiveConnection:
    def __init__(self, crawler) -> None:
        self.path = paths(crawler.settings).db
        self.db: sqlite_utils.Database | None = None
        self.queued: list[tuple[Callable[..., None], tuple]] = []
        self.queued_since = 0.0
        self.commit_seconds = crawler.settings.getfloat("XXGK_COMMIT_SECONDS", 1.0)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler) -> "ArchiveConnection":
        """The crawl's one connection (of the class `XXGK_ARCHIVE` names)."""
        if not hasattr(crawler, "_xxgk_archive"):
            crawler._xxgk_archive = load_object(crawler.settings.get("XXGK_ARCHIVE") or cls)(crawler)
        return crawler._xxgk_archive

    def knowledge(self, source_ids: list[str], mine: list[int]) -> tuple[Any, Any, bool]:
        """What the incremental policy reads: the archived answers and the url_checks rows
        (archive.urlchecks), and whether the last earlier run of these sources was killed."""
        db = self.open()
        return urlchecks.archived(db), urlchecks.checks(db), runs.last_was_killed(db, source_ids, mine)

    def open(self) -> sqlite_utils.Database:
        if self.db is None:
            self.db = open_db(self.path)
        return self.db

    def write_later(self, write: Callable[..., None], *args: Any) -> None:
        """Queue `write(db, *args)`; the group commits when full or `XXGK_COMMIT_SECONDS` old."""
        if not self.queued:
            self.queued_since = time.monotonic()
        self.queued.append((write, args))
        if len(self.queued) >= GROUP or time.monotonic() - self.queued_since >= self.commit_seconds:
            self.flush()

    def flush(self) -> None:
        queued, self.queued = self.queued, []
        if not queued or self.db is None:
            return
        try:
            with self.db.atomic():
                for write, args in queued:
                    write(self.db, *args)
        except Exception:  # e.g. the database locked: those URLs are only asked for again next run
            log.exception("writing %d queued rows to the archive failed", len(queued))

    def close(self, spider=None) -> None:
        if self.db is not None:
            self.flush()
            self.db.close()
            self.db = None
