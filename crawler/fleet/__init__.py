"""Crawling from several machines: one frontier in Redis (scrapy-redis), politeness held for the
whole fleet, one process writing the archive. docs/crawling.md, "Several machines".

- `frontier.py`: scrapy-redis's scheduler, priority queue and dupefilter, with leases: a request
  taken from the queue is leased, renewed while its worker lives, acknowledged once Scrapy has
  finished with it and re-queued when its lease expires (a worker killed mid-crawl).
- `politeness.py`: a per-host slot in Redis consulted before each download (delay and
  concurrency for the fleet), robots.txt fetched once and shared.
- `stream.py`: what a worker hands on — captures (parsed where needed), url_checks writes — as
  entries of a Redis stream; what the writer published about the archive, read back.
- `writer.py`: `xxgk archive-writer`, the one process writing the archive: the stream, in order,
  each entry applied once (its id is committed with its rows), acknowledged after the commit.
- `worker.py`: a worker's presence, counters and lists as the writer will need them, and when it
  stops (the frontier empty for `XXGK_REDIS_IDLE_SECONDS`).
- `run.py`: starting a crawl (seeding), a worker, the writer; `local.py`: a local redis-server and
  a local fleet (tests, bench, demo).

Redis holds the frontier and the stream, the archive holds everything else; every key is under
one prefix (`XXGK_REDIS_PREFIX`, default "xxgk"), so one Redis database serves one archive.
"""
from __future__ import annotations

import os
import socket
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

PREFIX = "xxgk"


class Keys:
    """Every Redis key the fleet uses, under one prefix."""

    def __init__(self, prefix: str | None = PREFIX) -> None:
        p = self.prefix = prefix or PREFIX
        self.requests = f"{p}:requests"    # scrapy-redis's priority queue (sorted set)
        self.leases = f"{p}:leases"        # the processing set: lease token → expiry (Redis clock, µs)
        self.leased = f"{p}:leased"        # lease token → score and encoded request
        self.stream = f"{p}:stream"        # captures and archive writes, for the writer
        self.crawl = f"{p}:crawl"          # the crawl in progress (JSON): id, started_at, sources
        self.sources = f"{p}:sources"      # source id → registry row (JSON)
        self.workers = f"{p}:workers"      # the workers' names (set); each present while workers:<name> lives
        self.reports = f"{p}:reports"      # worker → its counters and the platforms it read (JSON)
        self.lists = f"{p}:lists"          # worker, source, list URL → what it saw of the list (JSON)
        self.knowledge = f"{p}:knowledge"  # what the archive knew when the crawl began
        self.digests = f"{p}:digests"      # WARC payload sha256 → where its full record is
        self.writer = f"{p}:writer"        # the writer's lock

    def seen(self, crawl: str) -> str:
        """The crawl's seen-set (scrapy-redis's dupefilter): a new crawl starts with an empty one."""
        return f"{self.prefix}:seen:{crawl}"

    def robots(self, crawl: str) -> str:
        """The crawl's robots.txt answers, per host (hash)."""
        return f"{self.prefix}:robots:{crawl}"

    def slot(self, host: str) -> tuple[str, str]:
        """A host's next allowed start and its requests in flight (sorted set token → expiry)."""
        return f"{self.prefix}:slot:{host}", f"{self.prefix}:slot-busy:{host}"


def client_params() -> dict[str, Any]:
    """How every client of the fleet talks to Redis (scrapy-redis's through REDIS_PARAMS): a
    Redis restarting, or a moment's network trouble, makes a call wait and try again (backoff
    doubling from 50 ms to 4 s, about a minute in all) rather than fail."""
    return {"socket_timeout": 30, "socket_connect_timeout": 10,
            "retry": Retry(ExponentialBackoff(cap=4, base=0.05), 20),
            "retry_on_error": [redis.ConnectionError, redis.TimeoutError]}


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis://HOST:PORT/DB), checked with a PING."""
    r = redis.Redis.from_url(url, **client_params())
    r.ping()
    return r


def worker_name() -> str:
    """This process, unique across machines: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{os.urandom(2).hex()}"


# What `--redis` changes in a crawl's settings (crawler/settings.py holds the rest): scrapy-redis
# schedules, the fleet's handler and robots.txt middleware hold politeness for every worker,
# the stream pipeline hands captures on instead of writing the archive, nothing is resumed from
# a JOBDIR (the frontier is in Redis and outlives any worker).
FLEET_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "crawler.fleet.frontier.FleetScheduler",
    "SCHEDULER_QUEUE_CLASS": "crawler.fleet.frontier.LeasedQueue",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_PERSIST": True,  # a worker that stops must not flush the fleet's queue
    "DOWNLOAD_HANDLERS": {"http": "crawler.fleet.politeness.FleetDownloadHandler",
                          "https": "crawler.fleet.politeness.FleetDownloadHandler"},
    "AUTOTHROTTLE_ENABLED": False,  # it adapts one process's delay; the fleet's is XXGK_FLEET_DELAY
    "XXGK_RESUME": False,
    "XXGK_ARCHIVE": "crawler.fleet.stream.StreamArchive",
    "XXGK_WARC_INDEX": "crawler.fleet.stream.RedisDigests",
}
FLEET_DOWNLOADER_MIDDLEWARES = {"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                                "crawler.fleet.politeness.SharedRobotsTxtMiddleware": 100}
FLEET_SPIDER_MIDDLEWARES = {"crawler.fleet.stream.CaptureFirstMiddleware": 5}
FLEET_PIPELINES = {"crawler.pipelines.ArchivePipeline": None, "crawler.fleet.stream.StreamPipeline": 300}
FLEET_EXTENSIONS = {"crawler.jobdir.JobDirExtension": None, "crawler.fleet.worker.FleetExtension": 10}


def apply_fleet_settings(settings, url: str, role: str, crawl: str) -> None:
    """Turn `settings` (a crawl's, overrides applied) into a fleet worker's (`role` "worker") or
    a seeder's ("seed") for crawl `crawl`. The per-host delay becomes the fleet's: Scrapy's own
    downloader then waits for nothing, the host slot in Redis does the waiting."""
    fleet_delay = settings.getfloat("DOWNLOAD_DELAY")
    for name, value in FLEET_SETTINGS.items():
        settings.set(name, value, priority="cmdline")
    for name, extra in (("DOWNLOADER_MIDDLEWARES", FLEET_DOWNLOADER_MIDDLEWARES),
                        ("SPIDER_MIDDLEWARES", FLEET_SPIDER_MIDDLEWARES), ("ITEM_PIPELINES", FLEET_PIPELINES),
                        ("EXTENSIONS", FLEET_EXTENSIONS)):
        settings.set(name, {**settings.getdict(name), **extra}, priority="cmdline")
    keys = Keys(settings.get("XXGK_REDIS_PREFIX"))
    settings.set("REDIS_URL", url, priority="cmdline")
    settings.set("REDIS_PARAMS", client_params(), priority="cmdline")
    settings.set("SCHEDULER_QUEUE_KEY", keys.requests, priority="cmdline")
    settings.set("SCHEDULER_DUPEFILTER_KEY", keys.seen(crawl), priority="cmdline")
    settings.set("XXGK_FLEET_DELAY", fleet_delay, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("XXGK_FLEET_ROLE", role, priority="cmdline")
    settings.set("XXGK_FLEET_CRAWL", crawl, priority="cmdline")
