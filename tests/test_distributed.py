"""Crawling from several machines (crawler/fleet/), for real: a redis-server of the test's own on a
free loopback port, the fleet's processes as an operator starts them (`xxgk archive-writer`,
`xxgk crawl --redis … --seed`, `xxgk crawl --redis …`), real Scrapy crawls over HTTP against the
mock portals.

- three workers and the writer archive exactly the manifest, and the same archive as one process;
- a worker SIGKILLed mid-crawl (and the writer too) loses nothing and duplicates nothing, nor
  does redis-server killed and restarted;
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


RUN_RESULTS = ("status", "reports_new", "reports_changed", "lists_incomplete")
RUN_COUNTS = ("requests", "bytes", "reports_unchanged", "attachments", "blocked", "errors")


def runs(db: sqlite3.Connection, columns=RUN_RESULTS) -> dict[str, tuple]:
    """Each source's run: what it archived (a fleet that lost a worker fetched some twice, so
    its request counters differ; with no death they are the same too: RUN_COUNTS)."""
    return {r["source_id"]: tuple(r[c] for c in columns) for r in db.execute("SELECT * FROM crawl_runs ORDER BY id")}


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
    mp.sites["edge"].hits.clear()  # its 429/503 pages fail their first tries again, as for `single`
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
    assert runs(db) == runs(one)  # each source's run: same outcome
    # and the same counters, but where cookies count: each worker passes a cookie dance itself
    # (a page behind it fetched by a worker that has not danced yet costs two more 521s)
    dance = {s.id for s, m in zip(mock_sources(mp), mp.sources) if "cookie dance" in m.note}
    assert dance
    counted = {k: v for k, v in runs(db, RUN_COUNTS).items() if k not in dance}
    assert counted == {k: v for k, v in runs(one, RUN_COUNTS).items() if k not in dance}
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


# -- a worker dies ------------------------------------------------------------------------------

KILL_PORTALS = ("trs", "govcn", "hanweb")


@pytest.fixture(scope="module")
def kmp():
    with MockPortals(seed=8, page_size=10, portals=KILL_PORTALS) as portals:
        yield portals


@pytest.fixture(scope="module")
def ksingle(kmp, tmp_path_factory):
    d = tmp_path_factory.mktemp("ksingle")
    crawl(kill_sources(kmp), d)
    return d


def kill_sources(kmp):
    return [s for p in KILL_PORTALS for s in portal_sources(kmp, p)]


def start_slow_crawl(fleet: Fleet, url: str) -> list[subprocess.Popen]:
    fleet.start_writer()
    wait_for_knowledge(url, writer=fleet.writer)
    fleet.seed()
    return fleet.start_workers(3)


def archived_reports(data_dir: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{data_dir / 'xxgk.db'}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM captures WHERE kind = 'report'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # not created yet
        return 0


def leased_urls(r: redis.Redis, pid: int) -> set[str]:
    """The URLs of the requests leased by the worker with this pid (its lease tokens name it)."""
    import pickle

    out = set()
    for token, value in r.hgetall(Keys().leased).items():
        if f"-{pid}-" in token.decode():
            out.add(pickle.loads(value.split(b"\n", 1)[1])["url"])
    return out


@pytest.mark.timeout(600)
def test_a_worker_killed_mid_crawl_loses_nothing_and_duplicates_nothing(kmp, ksingle, redis_url, tmp_path):
    """SIGKILL a worker holding leased requests (its parse worker with it), and the writer too;
    a new writer takes over: the archive ends equal to a single-process crawl's."""
    # slow enough to kill in the middle: the fleet waits 0.1 s between two requests to a portal
    fleet = Fleet(redis_url, tmp_path, kill_sources(kmp), settings=("DOWNLOAD_DELAY=0.1",))
    r = redis.Redis.from_url(redis_url)
    try:
        victim, *others = start_slow_crawl(fleet, redis_url)
        deadline = time.monotonic() + 120
        while not (archived_reports(fleet.data_dir) >= 5 and len(held := leased_urls(r, victim.pid)) >= 2):
            assert victim.poll() is None, "the crawl ended before the worker could be killed"
            assert time.monotonic() < deadline, "no leases to kill the worker with"
            time.sleep(0.05)
        killed_at = len(kmp.requests_log)
        os.killpg(victim.pid, signal.SIGKILL)
        os.killpg(fleet.writer.pid, signal.SIGKILL)
        victim.wait(), fleet.writer.wait()
        fleet.workers = others
        assert archived_reports(fleet.data_dir) < sum(len(expected(kmp, p)) for p in KILL_PORTALS)  # mid-crawl
        fleet.start_writer()
        fleet.wait()
    finally:
        fleet.kill_all()
    db = connect(fleet.data_dir)
    same_archive(connect(ksingle), db)
    no_duplicates(db)
    assert runs(db) == runs(connect(ksingle))
    # what the dead worker held was fetched again by the others (a duplicate fetch, no duplicate row)
    again = {r.path for r in kmp.requests_log[killed_at:]}
    assert {u.split("/", 3)[3] for u in held} <= {p.lstrip("/") for p in again}


@pytest.mark.timeout(600)
def test_redis_killed_and_restarted_mid_crawl_loses_nothing(kmp, ksingle, tmp_path):
    """redis-server crashes (SIGKILL) and comes back 2 s later on its append-only file: the
    workers and the writer wait for it and carry on; the archive ends equal to one process's."""
    with LocalRedis() as local:
        fleet = Fleet(local.url, tmp_path, kill_sources(kmp), settings=("DOWNLOAD_DELAY=0.1",))
        try:
            start_slow_crawl(fleet, local.url)
            deadline = time.monotonic() + 120
            while archived_reports(fleet.data_dir) < 10:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            local.restart(down=2)
            assert archived_reports(fleet.data_dir) < sum(len(expected(kmp, p)) for p in KILL_PORTALS)  # mid-crawl
            fleet.wait()
        finally:
            fleet.kill_all()
    db = connect(fleet.data_dir)
    same_archive(connect(ksingle), db)
    no_duplicates(db)
    assert runs(db) == runs(connect(ksingle))


# -- politeness -----------------------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_no_portal_sees_two_requests_closer_than_the_delay(redis_url, tmp_path):
    delay = 0.3
    with MockPortals(seed=4, page_size=10, portals=("trs", "govcn"), scale=0.5) as mp:
        # two requests at a time per worker: no worker takes (leases) the whole small crawl at once
        fleet = Fleet(redis_url, tmp_path, mock_sources(mp),
                      settings=(f"DOWNLOAD_DELAY={delay}", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "CONCURRENT_REQUESTS=2"))
        try:
            out = fleet.crawl(workers=3)
        finally:
            fleet.kill_all()
        assert all(responses(o) > 0 for o in out), "every worker fetched"
        by_portal = defaultdict(list)
        for req in mp.requests_log:
            by_portal[req.portal].append(req)
        for portal, reqs in by_portal.items():
            times = sorted(r.at for r in reqs)
            gaps = [b - a for a, b in zip(times, times[1:])]
            assert len(times) > 10 and min(gaps) >= delay, (portal, min(gaps))
            assert [r.path for r in reqs].count("/robots.txt") == 1, portal  # once for the fleet
        assert urls(connect(tmp_path), "report") == expected(mp, "trs") | expected(mp, "govcn")


# -- incremental ----------------------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_a_second_distributed_crawl_is_incremental(redis_url, tmp_path):
    portals = ("trs", "hanweb", "gkmlpt", "fujian")
    with MockPortals(seed=5, page_size=10, portals=portals) as mp:
        fleet_sources = [s for p in portals for s in portal_sources(mp, p)]
        fleet = Fleet(redis_url, tmp_path, fleet_sources)
        try:
            start = len(mp.requests_log)
            fleet.crawl(workers=3)
            first = mp.requests_log[start:]
            db = connect(tmp_path)
            before = sorted(tuple(r) for r in db.execute("SELECT url, kind, sha256 FROM captures"))
            n_reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
            start = len(mp.requests_log)
            fleet.crawl(workers=3)
            second = mp.requests_log[start:]
        finally:
            fleet.kill_all()
        crawl(fleet_sources, tmp_path / "single")  # the same two crawls by one process
        start = len(mp.requests_log)
        crawl(fleet_sources, tmp_path / "single")
        single_second = mp.requests_log[start:]
        assert sorted(tuple(r) for r in db.execute("SELECT url, kind, sha256 FROM captures")) == before
        assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == n_reports
        ids = {s.id for s in fleet_sources}
        last = db.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [len(ids)]).fetchall()
        assert {r["source_id"] for r in last} == ids
        assert sum(r["reports_new"] + r["reports_changed"] for r in last) == 0
        assert sum(r["reports_unchanged"] for r in last) > 0 and {r["status"] for r in last} == {"finished"}
        assert len(second) <= 0.25 * len(first), [r.path for r in second]
        assert {(r.method, r.path) for r in second} <= {(r.method, r.path) for r in first}
        assert sum(r.status == 304 for r in second) > 0  # list pages asked for conditionally
        # exactly what a second single-process crawl asks for
        assert sorted((r.method, r.path, r.status) for r in second) == \
            sorted((r.method, r.path, r.status) for r in single_second)


# -- the parts ------------------------------------------------------------------------------------

def spider_for(redis_url: str, **settings):
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider, {"REDIS_URL": redis_url, "XXGK_REDIS_PREFIX": "xxgk",
                                   "XXGK_REDIS_LEASE_SECONDS": 0.3, **settings})
    return Spider.from_crawler(crawler, name="t")


def test_a_lease_not_renewed_goes_back_to_the_queue_with_its_priority(redis_url):
    from scrapy import Request

    from crawler.fleet.frontier import LeasedQueue

    r = redis.Redis.from_url(redis_url)
    q = LeasedQueue(r, spider_for(redis_url), Keys().requests)
    for url, priority in (("http://a/list", 20), ("http://a/page", 5), ("http://a/file", 0)):
        q.push(Request(url, priority=priority))
    first, second = q.lease("w:1"), q.lease("w:2")
    assert (first.url, second.url) == ("http://a/list", "http://a/page")  # highest priority first
    assert len(q) == 1 and q.leased() == 2
    q.ack(["w:2"])
    time.sleep(0.2)
    assert q.renew(["w:1", "w:2"]) == 1  # only the unacknowledged lease is still held
    assert q.requeue_expired() == 0      # renewed: not expired yet
    time.sleep(0.4)
    assert q.requeue_expired() == 1 and q.leased() == 0 and len(q) == 2
    again = q.lease("w:3")
    assert again.url == "http://a/list" and again.priority == 20  # back in its place
    q.release(["w:3"])  # a worker stopping gives its requests back at once
    assert len(q) == 2 and q.leased() == 0 and r.hlen(Keys().leased) == 0


def test_a_replayed_stream_entry_changes_nothing(redis_url, tmp_path):
    """The writer applies entries and acknowledges them after the commit; the same entries
    delivered again (a writer that died before acknowledging) change nothing."""
    from crawler.fleet.run import begin_crawl
    from crawler.fleet.stream import StreamArchive, capture_entry
    from crawler.fleet.writer import ArchiveWriter
    from crawler.items import Capture
    from crawler.registry import Source
    from archive import urlchecks

    r, keys = redis.Redis.from_url(redis_url), Keys()
    page = (REPO / "tests" / "fixtures" / "corpus" / "h01_trs_2021.html").read_bytes()
    source = Source(id="s1", name="某市人民政府", entry_url="http://a/col/")
    begin_crawl(r, keys, [source], "seeder", 5)
    archive = StreamArchive(spider_for(redis_url).crawler)  # a worker's side of the stream
    archive.add("capture", capture_entry(Capture(url="http://a/col/", source_id="s1", kind="listing",
                                                 body=b"<html>list</html>", content_type="text/html"), None))
    archive.add("capture", capture_entry(Capture(url="http://a/col/t1.html", source_id="s1", kind="report",
                                                 body=page, content_type="text/html; charset=utf-8"), None))
    archive.write_later(urlchecks.record_answer, "http://a/col/t1.html", "s1", "2026-01-01T00:00:00+00:00",
                        '"e1"', None, None, None)
    db = open_db(tmp_path / "xxgk.db")
    writer = ArchiveWriter(r, keys, db, tmp_path, lease=5)
    writer.ensure_group()
    entries = writer.read(">")
    assert [writer_kind(f) for _, f in entries] == ["seed", "capture", "capture", "write"]
    writer.apply(entries)
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert db.execute("SELECT reports_new FROM crawl_runs").fetchone()[0] == 1
    digest = content_digest(db)
    writer.apply(entries)  # delivered again
    assert content_digest(db) == digest
    assert db.execute("SELECT last_id FROM stream_offsets").fetchone()[0] == entries[-1][0]
    assert r.xlen(keys.stream) == 0 and r.xpending(keys.stream, "writer")["pending"] == 0


def writer_kind(fields: dict) -> str:
    return fields[b"kind"].decode()


def test_the_host_slot_spaces_requests_from_answer_to_next_start(redis_url):
    """Two workers' slots for one host: each start comes `delay` after the previous answer."""
    from crawler.fleet.politeness import HostSlots

    delay = 0.1
    slots = [HostSlots(redis.Redis.from_url(redis_url), Keys(), delay, 1, 30) for _ in range(2)]
    spans: list[tuple[float, float]] = []

    async def fetch(s: HostSlots) -> None:
        for _ in range(4):
            token = await s.acquire("portal:80")
            started = time.monotonic()
            await asyncio.sleep(0.02)  # the download
            ended = time.monotonic()
            s.release("portal:80", token)
            spans.append((started, ended))

    async def both() -> None:
        await asyncio.gather(*(fetch(s) for s in slots))

    asyncio.run(both())
    spans.sort()
    assert len(spans) == 8
    assert all(b[0] - a[1] >= delay for a, b in zip(spans, spans[1:])), spans


def test_the_writer_waits_for_a_warc_record_it_cannot_read_yet(redis_url, tmp_path):
    """A shared folder not showing a worker's record yet: nothing is applied until it reads back
    as captured, then the capture is archived once."""
    import shutil

    from crawler.fleet.run import begin_crawl
    from crawler.fleet.stream import StreamArchive, capture_entry
    from crawler.fleet.writer import ArchiveWriter, NotReadable
    from crawler.items import Capture
    from crawler.registry import Source
    from crawler.warc import WarcStore

    r, keys = redis.Redis.from_url(redis_url), Keys()
    page = (REPO / "tests" / "fixtures" / "corpus" / "h01_trs_2021.html").read_bytes()
    worker_dir, writer_dir = tmp_path / "worker", tmp_path / "writer"
    store = WarcStore(worker_dir)
    stored = store.write(url="http://a/col/t1.html", method="GET", request_headers=[], request_body=b"", status=200,
                         reason="OK", response_headers=[("Content-Type", "text/html")], body=page)
    store.close()
    begin_crawl(r, keys, [Source(id="s1", name="某市人民政府", entry_url="http://a/col/")], "seeder", 5)
    StreamArchive(spider_for(redis_url).crawler).add("capture", capture_entry(Capture(
        url="http://a/col/t1.html", source_id="s1", kind="report", body=page, content_type="text/html",
        warc_file=stored.warc_file, warc_offset=stored.warc_offset, warc_sha256=stored.sha256), None))
    db = open_db(writer_dir / "xxgk.db")
    writer = ArchiveWriter(r, keys, db, writer_dir, lease=5, warc_wait=60)
    writer.ensure_group()
    entries = writer.read(">")
    with pytest.raises(NotReadable):
        writer.apply(entries)
    assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0  # the whole batch rolled back
    assert r.xpending(keys.stream, "writer")["pending"] == 2                # and waits in the stream
    shutil.copytree(worker_dir / "warc", writer_dir / "warc")              # the record shows up
    writer.apply(writer.read("0"))
    assert db.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert db.execute("SELECT warc_file FROM captures").fetchone()[0] == stored.warc_file
    assert r.xpending(keys.stream, "writer")["pending"] == 0
