"""crawler.pipelines.ArchivePipeline on its own: documents are written in groups (invisible to
other readers until their group commits), and a group that cannot be written is counted as
errors without taking the crawl down."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from scrapy.utils.test import get_crawler
from sqlite_utils.utils import sqlite3  # the pipeline's SQLite library: one copy per process

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


def test_the_crawl_process_uses_one_sqlite_library_for_the_archive(tmp_path):
    """The incremental state's connection and the archive's live in one process: with two SQLite
    copies (stdlib sqlite3 beside pysqlite3) closing one connection deleted the other's
    write-ahead log, and writes after that were lost."""
    from archive.db import open_db
    from crawler import incremental

    archive = open_db(tmp_path / "xxgk.db")
    archive["sources"].insert({"id": "a"}, alter=True)
    other = incremental.sqlite3.connect(tmp_path / "xxgk.db")
    other.execute("SELECT count(*) FROM sources").fetchone()
    other.close()
    archive["sources"].insert({"id": "b"}, alter=True)
    reader = sqlite3.connect(tmp_path / "xxgk.db")  # the archive's library, as Datasette's would be
    try:
        assert reader.execute("SELECT count(*) FROM sources").fetchone()[0] == 2
    finally:
        reader.close()
        archive.close()
