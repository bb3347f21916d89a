"""A fleet worker's presence and report, and when it stops.

- Presence: a key that expires unless renewed (`XXGK_REDIS_LEASE_SECONDS`), under a name listed
  in `workers`: the writer finishes a crawl only once no worker (nor the seeder) is left.
- Report: this worker's counters (Scrapy's `xxgk/<source>/<counter>` stats) and the platforms
  it read from ad-hoc entry pages (one JSON value in `reports`), and each list it saw pages of
  (crawler.completeness; one value per list in `lists`, sent when it changed), every second and
  when it stops. Each is cumulative, so a value written twice counts once; a worker killed loses
  at most its last second of them (its requests themselves are fetched again by others).
- Stopping: a worker stops once it has nothing in progress and the fleet's frontier (queue and
  leases) has been empty for `XXGK_REDIS_IDLE_SECONDS`; until then Scrapy's idle close is held
  off. A seeder stops when its entry points are pushed.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from twisted.internet.task import LoopingCall

from . import Keys, connect

log = logging.getLogger(__name__)
REPORT_EVERY = 1.0  # seconds between two reports


def presence_key(keys: Keys, name: str) -> str:
    return f"{keys.workers}:{name}"


def register(server, keys: Keys, name: str, seconds: float) -> None:
    """`name` is at work for the next `seconds`."""
    pipe = server.pipeline()
    pipe.sadd(keys.workers, name).set(presence_key(keys, name), 1, px=int(seconds * 1000))
    pipe.execute()


def live_workers(server, keys: Keys) -> list[str]:
    """The workers present (those whose presence expired are struck off)."""
    names = [n.decode() for n in server.smembers(keys.workers)]
    gone = [n for n in names if not server.exists(presence_key(keys, n))]
    if gone:
        server.srem(keys.workers, *gone)
    return [n for n in names if n not in gone]


class FleetExtension:
    def __init__(self, crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.server = connect(s.get("REDIS_URL"))
        self.keys = Keys(s.get("XXGK_REDIS_PREFIX"))
        self.name = s.get("XXGK_FLEET_NAME")
        self.seeding = s.get("XXGK_FLEET_ROLE") == "seed"
        self.lease = s.getfloat("XXGK_REDIS_LEASE_SECONDS")
        self.idle_seconds = s.getfloat("XXGK_REDIS_IDLE_SECONDS")
        self.tick_seconds = s.getfloat("XXGK_REDIS_TICK")
        self.idle_since: float | None = None
        self.reported = 0.0
        self.sent: dict[tuple[str, str], tuple] = {}  # list → what it looked like when last sent
        self.closing = False
        self.loop = LoopingCall(self.tick)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> "FleetExtension":
        return cls(crawler)

    def opened(self, spider=None) -> None:
        register(self.server, self.keys, self.name, self.lease)
        self.loop.start(self.tick_seconds, now=False)

    def idle(self, spider=None) -> None:
        if not (self.seeding or self.closing):
            raise DontCloseSpider

    def frontier_empty(self) -> bool:
        pipe = self.server.pipeline()
        pipe.zcard(self.keys.requests).zcard(self.keys.leases)
        return not any(pipe.execute())

    def tick(self) -> None:
        try:
            register(self.server, self.keys, self.name, self.lease)
            now = time.monotonic()
            if now - self.reported >= REPORT_EVERY:
                self.report()
                self.reported = now
            if self.seeding or self.closing:
                return
            if self.crawler.engine.spider_is_idle() and self.frontier_empty():
                self.idle_since = self.idle_since or now
                if now - self.idle_since >= self.idle_seconds:
                    log.info("the fleet's frontier has been empty for %g s: stopping", self.idle_seconds)
                    self.closing = True
                    asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="finished"))
            else:
                self.idle_since = None
        except Exception:  # Redis away for a moment: the next tick tries again
            log.exception("fleet tick failed")

    def report(self) -> None:
        spider = self.crawler.spider
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()
                 if k.startswith("xxgk/") and isinstance(v, (int, float)) and k.count("/") == 2}
        platforms = {s.id: s.platform for s in getattr(spider, "sources", [])}
        changed = {}
        for key, tally in getattr(spider, "lists", {}).items():
            look = (tally.requested, tally.answered, tally.failed, len(tally.items), len(tally.shown),
                    tally.records, tally.pages, len(tally.probes_failed))
            if self.sent.get(key) != look:
                self.sent[key] = look
                changed[f"{self.name}\t{key[0]}\t{key[1]}"] = json.dumps(tally.to_dict(), ensure_ascii=False)
        pipe = self.server.pipeline()
        pipe.hset(self.keys.reports, self.name, json.dumps({"stats": stats, "platforms": platforms}, ensure_ascii=False))
        if changed:
            pipe.hset(self.keys.lists, mapping=changed)
        pipe.execute()

    def closed(self, spider=None, reason: str = "") -> None:
        if self.loop.running:
            self.loop.stop()
        self.report()
        pipe = self.server.pipeline()
        pipe.delete(presence_key(self.keys, self.name)).srem(self.keys.workers, self.name)
        pipe.execute()
