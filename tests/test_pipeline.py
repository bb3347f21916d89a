"""crawler.pipelines.ArchivePipeline on its own: documents are written in groups (invisible to
other readers until their group commits), a group that cannot be written is counted as errors
without taking the crawl down, and the crawl process has one connection to the archive."""
from __future__ import annotations

import asyncio
import sqlite3
from types import SimpleNamespace

from scrapy.utils.test import get_crawler

from archive import urlchecks
from crawler.items import Capture
from crawler.pipelines import ArchivePipeline
from reportgen import generate, render_html


def _pipeline(tmp_path, **settings):
    crawler = get_crawler(settings_dict={"XXGK_DB": str(tmp_path / "xxgk.db"), "XXGK_PARSE_WORKERS": "0",
                                         **settings})
    crawler.stats.open_spider()
    pipe = ArchivePipeline(crawler)
    pipe.open_spider(SimpleNamespace(sources=[]))
    return pipe, crawler


def _capture(i: int) -> Capture:
    html = render_html(generate(seed=i, template="2021", year=2023), style="trs")
    return Capture(url=f"http://127.0.0.1/r{i}.html", source_id=None, kind="report", body=html,
                   content_type="text/html; charset=utf-8", http_status=200)


def _archived(tmp_path) -> int:
    db = sqlite3.connect(tmp_path / "xxgk.db")
    try:
        return db.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        db.close()


def test_documents_are_committed_in_groups(tmp_path):
    pipe, _ = _pipeline(tmp_path, XXGK_COMMIT_DOCUMENTS=3, XXGK_COMMIT_SECONDS=60)

    async def feed(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            await pipe.process_item(_capture(i))

    asyncio.run(feed(2))
    assert _archived(tmp_path) == 0  # queued, not yet committed
    asyncio.run(feed(1, start=2))
    assert _archived(tmp_path) == 3  # the third filled the group
    asyncio.run(feed(1, start=3))
    pipe.close_spider()
    assert _archived(tmp_path) == 4  # closing writes the rest


def test_a_group_due_by_time_is_written_without_more_documents(tmp_path):
    pipe, _ = _pipeline(tmp_path, XXGK_COMMIT_DOCUMENTS=100, XXGK_COMMIT_SECONDS=0.05)

    async def one_then_wait() -> None:
        await pipe.process_item(_capture(1))
        await asyncio.sleep(0.3)

    asyncio.run(one_then_wait())
    assert _archived(tmp_path) == 1
    pipe.close_spider()


def test_a_group_that_cannot_be_written_counts_errors_and_the_crawl_goes_on(tmp_path):
    pipe, crawler = _pipeline(tmp_path, XXGK_COMMIT_DOCUMENTS=2, XXGK_COMMIT_SECONDS=60)
    pipe.db.execute("PRAGMA query_only = ON")  # every write now fails

    async def feed(start: int) -> None:
        for i in range(start, start + 2):
            await pipe.process_item(_capture(i))

    asyncio.run(feed(0))
    assert crawler.stats.get_value("xxgk/None/errors") == 2
    pipe.db.execute("PRAGMA query_only = OFF")
    asyncio.run(feed(2))
    pipe.close_spider()
    assert _archived(tmp_path) == 2
    assert crawler.stats.get_value("xxgk/None/errors") == 2


def test_the_pipeline_and_the_incremental_middlewares_share_one_connection(tmp_path):
    """One connection to the archive per crawl process: the middlewares' url_checks writes go
    through the pipeline's connection and are in the archive once the spider has closed."""
    from scrapy import signals

    from crawler.incremental import ConditionalRequestsMiddleware, IncrementalSpiderMiddleware

    pipe, crawler = _pipeline(tmp_path, XXGK_COMMIT_SECONDS=60)
    conditional, spider_mw = ConditionalRequestsMiddleware(crawler), IncrementalSpiderMiddleware(crawler)
    assert conditional.state is spider_mw.state and conditional.state.archive.db is pipe.db
    conditional.state.record(urlchecks.record_answer, "http://127.0.0.1/r.html", None, "2026-03-01T00:00:00+00:00",
                             '"v1"', None, "warc/x.warc.gz", 0)
    pipe.close_spider()
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert pipe.connection.db is None  # closed after the last queued write
    db = sqlite3.connect(tmp_path / "xxgk.db")
    try:
        assert db.execute("SELECT url, etag FROM url_checks").fetchall() == [("http://127.0.0.1/r.html", '"v1"')]
    finally:
        db.close()
