"""Run the `reports` spider in this process (Scrapy's CrawlerProcess on the asyncio reactor), with a
live progress line and a per-source summary. One crawl per process: the reactor cannot restart."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.malloc import limit_arenas

from .registry import Source
from .spiders.reports import ReportsSpider


def settings(data_dir: str | Path | None = None, db: str | Path | None = None,
             overrides: dict[str, Any] | None = None) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    if data_dir:
        s.set("XXGK_DATA_DIR", str(data_dir), priority="cmdline")
    if db:
        s.set("XXGK_DB", str(db), priority="cmdline")
    for k, v in (overrides or {}).items():
        s.set(k, v, priority="cmdline")
    return s


class _Progress:
    """Counts from Scrapy's signals, drawn as one line."""

    def __init__(self) -> None:
        self.n = {"requests": 0, "responses": 0, "reports": 0, "attachments": 0, "blocked": 0, "errors": 0}

    def connect(self, crawler) -> None:  # receivers are held weakly: bound methods, not lambdas
        crawler.signals.connect(self.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.received, signal=signals.response_received)
        crawler.signals.connect(self.item, signal=signals.item_scraped)

    def bump(self, key: str) -> None:
        self.n[key] += 1

    def scheduled(self, **_: Any) -> None:
        self.bump("requests")

    def received(self, **_: Any) -> None:
        self.bump("responses")

    def item(self, item, **_: Any) -> None:
        key = {"report": "reports", "attachment": "attachments", "blocked": "blocked", "error": "errors"}.get(item.kind)
        if key:
            self.bump(key)

    def __rich__(self) -> str:
        n = self.n
        return (f"[bold]crawling[/] requests {n['requests']} · responses {n['responses']} · "
                f"reports {n['reports']} · attachments {n['attachments']} · "
                f"[yellow]blocked {n['blocked']}[/] · [red]errors {n['errors']}[/]")


def crawl(sources: list[Source], *, data_dir: str | Path | None = None, db: str | Path | None = None,
          overrides: dict[str, Any] | None = None, progress: bool = True,
          console: Console | None = None) -> list[dict[str, Any]]:
    """Crawl `sources`; returns the crawl_runs rows written (one per source)."""
    crawler = run_spider(settings(data_dir, db, overrides), sources, progress, console)
    return runs_of(crawler)


def run_spider(s: Settings, sources: list[Source], progress: bool = True, console: Console | None = None):
    """Run the `reports` spider over `sources` with settings `s` in this process; its crawler."""
    console = console or Console(stderr=True)
    limit_arenas()
    if progress:
        s.set("LOG_LEVEL", "WARNING", priority="cmdline")
    process = CrawlerProcess(s)
    crawler = process.create_crawler(ReportsSpider)
    bar = _Progress()
    bar.connect(crawler)
    process.crawl(crawler, sources=sources)
    if progress:
        with Live(bar, console=console, refresh_per_second=4, transient=False):
            process.start()
    else:
        process.start()
    return crawler


def runs_of(crawler) -> list[dict[str, Any]]:
    """The crawl_runs rows this crawl wrote."""
    from archive.db import open_db

    from .connection import paths

    ids = crawler.stats.get_value("xxgk/run_ids") or []
    if not ids:
        return []
    db = open_db(paths(crawler.settings).db)
    try:
        marks = ",".join("?" * len(ids))
        return list(db.query(f"SELECT * FROM crawl_runs WHERE id IN ({marks}) ORDER BY id", ids))
    finally:
        db.close()


def summary(runs: list[dict[str, Any]]) -> Table:
    t = Table(title="crawl_runs", show_lines=False)
    for head in ("source", "status", "req", "bytes", "new", "chg", "same", "att", "blk", "err", "inc", "secs"):
        t.add_column(head, justify="left" if head in ("source", "status") else "right", overflow="fold")
    for r in runs:
        t.add_row(*(str(r.get(c) if r.get(c) is not None else "") for c in (
            "source_id", "status", "requests", "bytes", "reports_new", "reports_changed", "reports_unchanged",
            "attachments", "blocked", "errors", "lists_incomplete", "duration_s")))
    return t


def run_notes(runs: list[dict[str, Any]], db_file: str | Path) -> list[str]:
    """What the summary table cannot say: each incomplete list (declared, reached, its URL) and
    the platform read from an ad-hoc source's entry page."""
    from archive.db import open_db

    ids = [r["id"] for r in runs]
    if not ids:
        return []
    db = open_db(db_file)
    try:
        marks = ",".join("?" * len(ids))
        notes = [f"{s}: platform {p} (detected from the entry page)" for s, p in db.execute(
            f"SELECT s.id, s.platform FROM sources s JOIN crawl_runs r ON r.source_id = s.id"
            f" WHERE r.id IN ({marks}) AND s.flags LIKE '%adhoc%'", ids)]
        notes += [f"{s}: list incomplete — {m}" for s, m in db.execute(
            f"SELECT json_extract(details, '$.source_id'), message FROM findings WHERE code = 'list_incomplete'"
            f" AND json_extract(details, '$.run_id') IN ({marks}) ORDER BY id", ids)]
        return notes
    finally:
        db.close()
