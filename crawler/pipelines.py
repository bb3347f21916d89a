"""Into the archive as the crawl runs: every capture through archive.load.load_document, its
report or attachment parsed first in a worker process (archive.parsepool), one crawl_runs row
per source, and a warning finding when a source that used to yield reports yields none."""
from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, defaultdict
from pathlib import Path

from archive import crosscheck
from archive.db import open_db
from archive.load import LoadResult, document_name, load_document, needs_parse
from archive.parsepool import ParsePool, default_workers
from archive.runs import finish_run, now, start_run
from archive.sources import upsert_sources

from .discovery import report_year
from .items import Capture

log = logging.getLogger(__name__)
STAT_COUNTERS = ("requests", "bytes", "attachments", "blocked", "errors")


def db_path(settings) -> Path:
    return Path(settings.get("XXGK_DB") or Path(settings.get("XXGK_DATA_DIR") or "data") / "xxgk.db")


class ArchivePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.path = db_path(crawler.settings)
        self.db = None
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
        spider = spider or self.crawler.spider
        self.db = open_db(self.path)
        upsert_sources(self.db, [s.archive_row() for s in spider.sources])
        self.runs = {s.id: start_run(self.db, s.id) for s in spider.sources}
        self.crawler.stats.set_value("xxgk/run_ids", list(self.runs.values()))

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
        stats = self.crawler.stats
        for sid, run_id in self.runs.items():
            counts = {c: int(stats.get_value(f"xxgk/{sid}/{c}", 0)) for c in STAT_COUNTERS}
            got = self.reports[sid]
            # known reports the incremental policy did not fetch again are unchanged ones too
            skipped = int(stats.get_value(f"xxgk/{sid}/reports_skipped", 0))
            counts.update(reports_new=got["new"], reports_changed=got["changed"],
                          reports_unchanged=got["unchanged"] + skipped)
            ignored = int(stats.get_value(f"xxgk/{sid}/ignored", 0))
            status = "finished" if counts["requests"] else "disallowed" if ignored else "failed"
            finish_run(self.db, run_id, status=status, finished_at=self.last_capture.get(sid), **counts)
            self.check_yield(sid, run_id, sum(got.values()) + skipped)
        crosscheck.run(self.db)  # cross-report findings over what this crawl added
        self.db.close()
        self.pool.close()

    def check_yield(self, source_id: str, run_id: int, found: int) -> None:
        """Zero reports where the previous run found some: the column moved or the site blocks us."""
        if found:
            return
        prev = self.db.execute(
            "SELECT id, reports_new + reports_changed + reports_unchanged FROM crawl_runs"
            " WHERE source_id = ? AND id < ? AND status = 'finished' ORDER BY id DESC LIMIT 1",
            [source_id, run_id]).fetchone()
        if prev and prev[1]:
            msg = (f"source {source_id} yielded no reports in run {run_id}; "
                   f"run {prev[0]} found {prev[1]}")
            log.warning(msg)
            with self.db.atomic():
                self.db["findings"].insert({
                    "report_id": None, "code": "source_yield_dropped", "severity": "warning",
                    "message": msg, "scope": "cross_report",
                    "details": json.dumps({"source_id": source_id, "run_id": run_id,
                                           "previous_run_id": prev[0], "previous_reports": prev[1]})})
