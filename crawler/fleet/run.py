"""The fleet's processes: seeding a crawl, a worker, the archive writer (`xxgk crawl --redis
--seed …`, `xxgk crawl --redis`, `xxgk archive-writer --redis`)."""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console

from archive.runs import now

from ..connection import paths
from ..registry import Source
from ..run import run_spider, settings
from . import Keys, apply_fleet_settings, connect, worker_name
from .stream import encode
from .worker import register

log = logging.getLogger(__name__)


class FleetBusy(RuntimeError):
    """A crawl is in progress on this Redis; the message says which."""


def begin_crawl(server, keys: Keys, sources: list[Source], seeder: str, lease: float) -> dict[str, Any]:
    """Start a crawl of `sources` (atomically, or FleetBusy): the crawl's record, the sources
    for the workers, the seeder's presence (the crawl is not over while it pushes), and the
    `seed` entry the writer opens the runs on."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    crawl = {"id": f"{stamp}-{os.urandom(3).hex()}", "started_at": now(), "sources": [s.id for s in sources]}

    def begin(pipe) -> None:
        if pipe.exists(keys.crawl):
            held = json.loads(pipe.get(keys.crawl))
            raise FleetBusy(f"a crawl is in progress on this Redis: {held['id']}, started {held['started_at']}, "
                            f"{len(held['sources'])} source(s); it is over when its frontier is empty and the "
                            f"archive writer has closed it")
        pipe.multi()
        pipe.set(keys.crawl, json.dumps(crawl))
        pipe.delete(keys.sources).hset(keys.sources, mapping={s.id: json.dumps(s.to_row(), ensure_ascii=False)
                                                               for s in sources})
        pipe.xadd(keys.stream, encode("seed", {"crawl": crawl["id"], "started_at": crawl["started_at"],
                                               "sources": [s.archive_row() for s in sources]}))

    server.transaction(begin, keys.crawl)
    register(server, keys, seeder, lease)
    return crawl


def wait_for_crawl(server, keys: Keys, seconds: float) -> dict[str, Any] | None:
    """The crawl in progress, waiting up to `seconds` for one to be seeded."""
    deadline = time.monotonic() + seconds
    while True:
        raw = server.get(keys.crawl)
        if raw:
            return json.loads(raw)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def _settings(url: str, role: str, crawl: str, data_dir: str | Path | None, overrides: dict[str, Any] | None,
              name: str):
    s = settings(data_dir, None, overrides)
    apply_fleet_settings(s, url, role, crawl)
    s.set("XXGK_FLEET_NAME", name, priority="cmdline")
    return s


def seed(url: str, sources: list[Source], *, data_dir: str | Path | None = None,
         overrides: dict[str, Any] | None = None, console: Console | None = None) -> tuple[dict, int]:
    """Begin a crawl of `sources`: their entry points (and the archived documents due for a
    re-check) pushed to the fleet's queue. Returns the crawl and how many requests."""
    s = settings(data_dir, None, overrides)
    server, keys = connect(url), Keys(s.get("XXGK_REDIS_PREFIX"))
    if server.get(keys.knowledge) is None:
        log.warning("no archive writer has published what the archive knows: this crawl fetches everything "
                    "(start `xxgk archive-writer` first)")
    name = worker_name()
    crawl = begin_crawl(server, keys, sources, name, s.getfloat("XXGK_REDIS_LEASE_SECONDS"))
    crawler = run_spider(_settings(url, "seed", crawl["id"], data_dir, overrides, name), sources,
                         progress=False, console=console)
    return crawl, int(crawler.stats.get_value("scheduler/enqueued/redis", 0))


def work(url: str, *, data_dir: str | Path | None = None, overrides: dict[str, Any] | None = None,
         progress: bool = True, console: Console | None = None) -> dict[str, Any] | None:
    """Work on the crawl in progress (waiting up to XXGK_REDIS_IDLE_SECONDS for one) until the
    fleet's frontier stays empty; this worker's Scrapy stats, or None when there was no crawl."""
    s = settings(data_dir, None, overrides)
    server, keys = connect(url), Keys(s.get("XXGK_REDIS_PREFIX"))
    crawl = wait_for_crawl(server, keys, s.getfloat("XXGK_REDIS_IDLE_SECONDS"))
    if crawl is None:
        return None
    sources = [Source.from_row(json.loads(v)) for v in server.hvals(keys.sources)]
    crawler = run_spider(_settings(url, "worker", crawl["id"], data_dir, overrides, worker_name()), sources,
                         progress=progress, console=console)
    return crawler.stats.get_stats()


def write(url: str, *, data_dir: str | Path | None = None, db: str | Path | None = None,
          overrides: dict[str, Any] | None = None, follow: bool = False) -> tuple[int, list[int], Path]:
    """Run the archive writer (crawler.fleet.writer) over this data dir's archive: the entries
    applied, the crawl runs it closed, the archive."""
    from archive.db import open_db

    from ..lock import CrawlLock
    from .writer import ArchiveWriter

    s = settings(data_dir, db, overrides)
    where = paths(s)
    with CrawlLock(where.data_dir):  # no single-process crawl writes this archive meanwhile
        archive = open_db(where.db)
        try:
            writer = ArchiveWriter(connect(url), Keys(s.get("XXGK_REDIS_PREFIX")), archive, where.data_dir,
                                   s.getfloat("XXGK_REDIS_LEASE_SECONDS"), s.getfloat("XXGK_WARC_WAIT_SECONDS"))
            return writer.run(follow), writer.closed, where.db
        finally:
            archive.close()
