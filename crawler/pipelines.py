"""Into the archive as the crawl runs: every capture through archive.load.load_document, its
report or attachment parsed first in a worker process (archive.parsepool), one crawl_runs row
per source, a warning finding when a source that used to yield reports yields none, and one
`list_incomplete` finding per list that held fewer entries than it declared."""
from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from typing import Callable

from archive import crosscheck
from archive.load import LoadResult, document_name, load_document, needs_parse
from archive.parsepool import ParsePool, default_workers
from archive.runs import finish_run, mark_killed, now, record_incomplete, start_run, yield_dropped
from archive.sources import upsert_sources

from .connection import ArchiveConnection
from .discovery import report_year
from .items import Capture

log = logging.getLogger(__name__)
STAT_COUNTERS = ("requests", "bytes", "attachments", "blocked", "errors")


class ArchivePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.connection = ArchiveConnection.of(crawler)  # shared with the incremental middlewares
        self.db = None
        self.spider = None
        self.runs: dict[str, int] = {}
        self.reports: dict[str, Counter] = defaultdict(Counter)
        workers = crawler.settings.get("XXGK_PARSE_WORKERS")
        self.pool = ParsePool(default_workers() if workers in (None, "") else int(workers))
        self.loading: dict[str, asyncio.Event] = {}  # URLs whose capture is not archived yet
        self.last_capture: dict[str, str] = {}  # per source: when its last capture was archived
        self.batch: list[tuple[Capture, object]] = []  # parsed, not yet written
        self.timer: asyncio.TimerHandle | None = None
        self.commit_docs = crawler.settings.getint("XXGK_COMMIT_DOCUMENTS")
        self.commit_seconds = crawler.settings.getfloat("XXGK_COMMIT_SECONDS")

    @classmethod
    def from_crawler(cls, crawler) -> "ArchivePipeline":
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        spider = self.spider = spider or self.crawler.spider
        self.db = self.connection.open()
        upsert_sources(self.db, [s.archive_row() for s in spider.sources])
        self.runs = {s.id: start_run(self.db, s.id) for s in spider.sources}
        self.crawler.stats.set_value("xxgk/run_ids", list(self.runs.values()))
        if killed := mark_killed(self.db, keep=list(self.runs.values())):
            log.warning("marked %d crawl run(s) of a killed crawl as 'killed'", killed)

    async def process_item(self, item: Capture, spider=None) -> Capture:
        if item.reason:  # why an answer is blocked or failed: the capture row keeps status and bytes
            log.info("%s %s: %s", item.kind, item.url, item.reason)
        done = self.loading.setdefault(item.url, asyncio.Event())
        try:
            report = None
            if needs_parse(self.db, item.body, item.kind):
                report = await self.pool.parse(item.body, item.content_type, document_name(item.url, None))
            if item.parent_url in self.loading:  # an attachment takes agency and year from its page
                await self.loading[item.parent_url].wait()
            self.queue(item, report)
        finally:
            done.set()  # queued: written before anything queued after it
            if self.loading.get(item.url) is done:
                del self.loading[item.url]
        return item

    def queue(self, item: Capture, report) -> None:
        """Group commit: a transaction per document would cost more than the writes themselves
        (the cells index gets ~200 scattered entries per report), so documents are written in
        groups, each inside its own savepoint, at most `XXGK_COMMIT_SECONDS` after arriving."""
        self.batch.append((item, report))
        if len(self.batch) >= self.commit_docs:
            self.flush()
        elif len(self.batch) == 1:
            self.timer = asyncio.get_running_loop().call_later(self.commit_seconds, self.flush)

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if not batch:
            return
        try:
            with self.db.atomic():
                written = [(item, self.archive(item, report)) for item, report in batch]
        except Exception:  # e.g. the database locked by another writer: the next run fetches them again
            log.exception("writing %d documents to the archive failed", len(batch))
            written = [(item, None) for item, _ in batch]
        at = now()
        for item, res in written:
            item.body = b""  # the pipeline is the last holder: free the bytes early
            if res is None:
                self.crawler.stats.inc_value(f"xxgk/{item.source_id}/errors")
                continue
            self.last_capture[item.source_id] = at
            if item.kind == "report":
                self.reports[item.source_id][res.change] += 1

    def archive(self, item: Capture, report) -> LoadResult | None:
        """One document in its own savepoint; None when it could not be written."""
        year = report_year(item.title or "")
        try:
            return load_document(
                self.db, item.body, url=item.url, media_type=item.content_type, source_id=item.source_id,
                fetched_at=item.fetched_at, http_status=item.http_status, encoding=item.charset,
                warc_file=item.warc_file, warc_offset=item.warc_offset, published_date=item.published_date,
                kind=item.kind, parent_url=item.parent_url, run_id=self.runs.get(item.source_id),
                meta={"year": year} if year else None,  # the list's title, if the document names none
                report=report)
        except Exception:  # the WARC record already holds the bytes: `xxgk reparse` can redo this
            log.exception("archiving %s failed", item.url)
            return None

    def close_spider(self, spider=None) -> None:
        self.flush()
        spider = spider or self.spider
        # platforms detected from entry pages (ad-hoc sources) are stored with the source
        upsert_sources(self.db, [s.archive_row() for s in spider.sources])
        stats = self.crawler.stats
        finish_runs(self.db, self.runs, lambda key: stats.get_value(key, 0), self.reports,
                    getattr(spider, "incomplete_lists", list)(), self.last_capture)
        crosscheck.run(self.db)  # cross-report findings over what this crawl added
        self.pool.close()  # the connection closes after the middlewares' last writes (spider_closed)


def finish_runs(db, runs: dict[str, int], stat: Callable[[str], int], reports: dict[str, Counter],
                incomplete: list[dict], last_capture: dict[str, str]) -> None:
    """Close each source's crawl run: its counters (`stat`: the crawl's Scrapy stats, as
    `xxgk/<source>/<counter>`), its reports new / changed / unchanged, its status; a finding
    for a source whose yield dropped and for each list that held less than it declared. Used by
    the pipeline and, for a fleet, by the archive writer (crawler/fleet/writer.py)."""
    shortfalls = defaultdict(list)
    for short in incomplete:
        shortfalls[short["source_id"]].append(short)
    for sid, run_id in runs.items():
        counts = {c: int(stat(f"xxgk/{sid}/{c}") or 0) for c in STAT_COUNTERS}
        got = reports.get(sid, Counter())
        # known reports the incremental policy did not fetch again are unchanged ones too
        skipped = int(stat(f"xxgk/{sid}/reports_skipped") or 0)
        counts.update(reports_new=got["new"], reports_changed=got["changed"],
                      reports_unchanged=got["unchanged"] + skipped)
        ignored = int(stat(f"xxgk/{sid}/ignored") or 0)
        status = "finished" if counts["requests"] else "disallowed" if ignored else "failed"
        finish_run(db, run_id, status=status, finished_at=last_capture.get(sid),
                   lists_incomplete=len(shortfalls[sid]), **counts)
        for msg in yield_dropped(db, sid, run_id, sum(got.values()) + skipped):
            log.warning(msg)
        for msg in record_incomplete(db, sid, run_id, shortfalls[sid]):
            log.warning("source %s: %s", sid, msg)
