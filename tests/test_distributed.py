"""Crawling from several machines (crawler/fleet/), for real: a redis-server of the test's own on a
free loopback port, the fleet's processes as an operator starts them (`xxgk archive-writer`,
`xxgk crawl --redis … --seed`, `xxgk crawl --redis …`), real Scrapy crawls over HTTP against the
mock portals.

- three workers and the writer archive exactly the manifest, and the same archive as one process;
- a worker SIGKILLed mid-crawl (and the writer too) loses nothing and duplicates nothing;
- with three workers and a delay d, no portal sees two requests closer than d (its own log),
  and robots.txt is fetched once per portal;
- a second distributed crawl is incremental;
- the parts: leases expire and go back with their priority, a replayed stream entry changes
  nothing, the host slot spaces starts on Redis's clock.
"""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest
import redis

from crawl_support import FAST, REPO, connect, crawl, expected, mock_sources, portal_sources, snapshot, urls

from archive.db import content_digest, open_db  # noqa: E402
from crawler.fleet import Keys  # noqa: E402
from crawler.fleet.local import LocalRedis, wait_for_knowledge, xxgk  # noqa: E402
from crawler.registry import write  # noqa: E402
from mockportals import MockPortals  # noqa: E402

pytestmark = [pytest.mark.distributed, pytest.mark.slow, pytest.mark.needs("redis-server")]

# a fleet that notices a dead worker and an empty frontier in seconds, not the default 30
QUICK = ("XXGK_REDIS_IDLE_SECONDS=2", "XXGK_REDIS_LEASE_SECONDS=4")


@pytest.fixture
def redis_url():
    with LocalRedis() as r:
        yield r.url


class Fleet:
    """The fleet's processes for one data dir, started as an operator would."""

    def __init__(self, url: str, data_dir: Path, sources, settings=()) -> None:
        self.url, self.data_dir = url, data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        write(sources, data_dir / "sources.csv")
        self.common = ["--data-dir", str(data_dir), *[a for s in (*FAST, *QUICK, *settings) for a in ("-s", s)]]
        self.writer: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(xxgk(*args), cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def start_writer(self) -> subprocess.Popen:
        self.writer = self.popen("archive-writer", "--redis", self.url, *self.common)
        return self.writer

    def seed(self, *selection: str) -> str:
        res = subprocess.run(xxgk("crawl", "--redis", self.url, "--seed", "--registry", str(self.data_dir / "sources.csv"),
                                  *(selection or ("--all",)), *self.common, "--quiet"),
                             cwd=REPO, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr[-3000:]
        return res.stderr

    def start_workers(self, n: int) -> list[subprocess.Popen]:
        new = [self.popen("crawl", "--redis", self.url, *self.common, "--quiet") for _ in range(n)]
        self.workers += new
        return new

    def crawl(self, workers: int = 3) -> list[str]:
        """One whole crawl: writer, seed, workers; each worker's stderr."""
        self.start_writer()
        wait_for_knowledge(self.url, writer=self.writer)
        self.seed()
        self.start_workers(workers)
        return self.wait()

    def wait(self, timeout: float = 300) -> list[str]:
        out = []
        for p in [*self.workers, self.writer]:
            _, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, err[-3000:]
            out.append(err)
        self.workers, self.writer = [], None
        return out[:-1]

    def kill_all(self) -> None:
        for p in [*self.workers, self.writer]:
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def responses(worker_stderr: str) -> int:
    return int(re.search(r"worker done: (\d+) responses", worker_stderr).group(1))


def no_duplicates(db: sqlite3.Connection) -> None:
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == \
        db.execute("SELECT count(*) FROM (SELECT DISTINCT locator, sha256 FROM captures)").fetchone()[0]
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == \
        db.execute("SELECT count(DISTINCT sha256) FROM reports").fetchone()[0]


def same_archive(a: sqlite3.Connection, b: sqlite3.Connection) -> None:
    """Equal by content: every capture (URL, kind, sha256, status), every report and its derived
    rows (by sha256); the WARC files are each crawl's own, and report ids follow load order
    (cross-report findings name them)."""
    sa, sb = snapshot(a), snapshot(b)
    for snap in (sa, sb):
        snap["captures"] = [c[:4] for c in snap["captures"]]
        snap["findings"] = sorted(((*f[:3], re.sub(r"report \d+", "report #", f[3]), *f[4:]) for f in snap["findings"]),
                                  key=repr)
    for table in sa:
        assert sb[table] == sa[table], table


def runs(db: sqlite3.Connection) -> dict[str, tuple]:
    return {r["source_id"]: (r["status"], r["reports_new"], r["reports_changed"], r["lists_incomplete"])
            for r in db.execute("SELECT * FROM crawl_runs ORDER BY id")}


@pytest.fixture(scope="module")
def mp():
    with MockPortals(seed=3, page_size=10, failures=2) as portals:
        yield portals


@pytest.fixture(scope="module")
def single(mp, tmp_path_factory):
    """Every mock portal crawled by one process: what the fleet must equal."""
    d = tmp_path_factory.mktemp("single")
    crawl(mock_sources(mp), d)
    return d


@pytest.mark.timeout(600)
def test_three_workers_and_the_writer_archive_the_manifest_like_one_process(mp, single, redis_url, tmp_path):
    fleet = Fleet(redis_url, tmp_path / "fleet", mock_sources(mp))
    start = len(mp.requests_log)
    try:
        out = fleet.crawl(workers=3)
    finally:
        fleet.kill_all()
    db, one = connect(fleet.data_dir), connect(single)
    assert urls(db, "report") == {e.url for e in mp.manifest if e.expect == "archived"}
    assert not urls(db, "report") & {e.url for e in mp.manifest if e.expect in ("disallowed", "skipped", "unlisted")}
    same_archive(one, db)
    no_duplicates(db)
    assert runs(db) == runs(one)  # each source finished, with the same yield and the same incomplete lists
    assert all(responses(o) > 0 for o in out), "every worker took part"
    # nothing fetched twice without a death (redirect targets and retries are new requests)
    served = [(r.portal, r.method, r.path) for r in mp.requests_log[start:] if r.status not in (301, 302, 429, 503)]
    robots = [s for s in served if s[2] == "/robots.txt"]
    assert len(robots) == len({s[0] for s in served})  # robots.txt once per portal for the fleet
    # the fleet's Redis is left clean for the next crawl
    r = redis.Redis.from_url(redis_url)
    keys = Keys()
    assert not r.exists(keys.crawl) and r.zcard(keys.requests) == 0 and r.zcard(keys.leases) == 0
    assert r.xlen(keys.stream) == 0 and r.exists(keys.knowledge)
