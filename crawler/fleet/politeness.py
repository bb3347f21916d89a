"""Politeness for the whole fleet: a host sees the delay and concurrency of one polite crawler,
however many workers fetch from it.

Each host (scheme-less host:port) has a slot in Redis: the earliest time its next request may
start, and the requests in flight (each with an expiry, so a worker that dies holding one frees
it). A request waits for the slot right before it goes on the wire — in the download handler,
behind Scrapy's own downloader queue — then starts, and its answer moves the next start on:
a host sees requests at least `XXGK_FLEET_DELAY` apart (start to start, and from each answer to
the next request) and at most `CONCURRENT_REQUESTS_PER_DOMAIN` at once. With one request per
host at a time the delay holds as the host sees it: the next request leaves only `delay` after
the previous answer arrived, whatever the network or the workers' clocks do (the slot runs on
Redis's clock).

robots.txt is fetched once per host and crawl by whichever worker needs it first (the others
wait for it) and kept in Redis for every worker; its fetch is captured to WARC like any answer.
"""
from __future__ import annotations

import asyncio
import itertools
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from . import Keys, connect, worker_name

log = logging.getLogger(__name__)

_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
# KEYS: next, busy. ARGV: token, delay (µs), concurrency, hold (µs).
# Returns 0 (go), else how many µs to wait (-1: the host is busy, ask again shortly).
ACQUIRE = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], math.floor(tonumber(ARGV[4]) / 1000) + 60000)
redis.call('SET', KEYS[1], now + tonumber(ARGV[2]), 'PX', math.floor(tonumber(ARGV[2]) / 1000) + 60000)
return 0
"""
# KEYS: next, busy. ARGV: token, delay (µs). The answer is in: the next start is `delay` from now.
RELEASE = _NOW + """
redis.call('ZREM', KEYS[2], ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + tonumber(ARGV[2]) > nxt then
  redis.call('SET', KEYS[1], now + tonumber(ARGV[2]), 'PX', math.floor(tonumber(ARGV[2]) / 1000) + 60000)
end
return 0
"""
BUSY_POLL = 0.05  # seconds between two asks when the host has all its requests in flight


class HostSlots:
    """The per-host slots of one worker's requests."""

    def __init__(self, server, keys: Keys, delay: float, concurrency: int, hold: float) -> None:
        self.server, self.keys = server, keys
        self.delay_us, self.concurrency, self.hold_us = int(delay * 1e6), max(1, concurrency), int(hold * 1e6)
        self._acquire = server.register_script(ACQUIRE)
        self._release = server.register_script(RELEASE)
        self.name = worker_name()
        self.count = itertools.count()

    async def acquire(self, host: str) -> str:
        """Wait for `host`'s slot; the token to release it with."""
        token = f"{self.name}:{next(self.count)}"
        while True:
            wait = int(self._acquire(keys=self.keys.slot(host),
                                     args=[token, self.delay_us, self.concurrency, self.hold_us]))
            if wait == 0:
                return token
            await asyncio.sleep(BUSY_POLL if wait < 0 else wait / 1e6)

    def release(self, host: str, token: str) -> None:
        self._release(keys=self.keys.slot(host), args=[token, self.delay_us])


class FleetDownloadHandler:
    """The http(s) download handler of a fleet worker: the host's slot first, then the real
    handler (`XXGK_FLEET_HANDLER`: Scrapy's HTTP/1.1 handler, or scrapy-playwright's when a
    source is rendered in a browser)."""

    lazy = False

    def __init__(self, crawler) -> None:
        s = crawler.settings
        self.inner = build_from_crawler(load_object(s.get("XXGK_FLEET_HANDLER")), crawler)
        # a request in flight holds the slot at most this long (then a dead worker's slot frees)
        hold = 2 * s.getfloat("DOWNLOAD_TIMEOUT") + 30
        self.slots = HostSlots(connect(s.get("REDIS_URL")), Keys(s.get("XXGK_REDIS_PREFIX")),
                               s.getfloat("XXGK_FLEET_DELAY"), s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), hold)

    @classmethod
    def from_crawler(cls, crawler) -> "FleetDownloadHandler":
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        host = urlparse_cached(request).netloc
        token = await self.slots.acquire(host)
        try:
            return await self.inner.download_request(request)
        finally:
            self.slots.release(host, token)

    async def close(self) -> None:
        await self.inner.close()


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with each host's robots.txt fetched once for the fleet:
    the first worker to need it takes a short lock, fetches it (through the engine, so it is
    captured and polite like any request) and stores the answer in Redis; the others wait for
    that answer. A worker that dies holding the lock lets it expire and another fetches."""

    LOCK_SECONDS = 120

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        s = crawler.settings
        self.server = connect(s.get("REDIS_URL"))
        self.key = Keys(s.get("XXGK_REDIS_PREFIX")).robots(s.get("XXGK_FLEET_CRAWL"))

    async def robot_parser(self, request: Request):
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robotsurl = f"{url.scheme}://{netloc}/robots.txt"
            answer = await self._shared(netloc, robotsurl)
            if answer is None:  # no answer at all: Scrapy then obeys nothing (as when alone)
                self._robots_error(IgnoreRequest(), netloc)
            else:
                status, body = answer
                await self._parse_robots(Response(robotsurl, status=status, body=body), netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _shared(self, netloc: str, robotsurl: str) -> tuple[int, bytes] | None:
        lock = f"{self.key}:lock:{netloc}"
        while True:
            stored = self.server.hget(self.key, netloc)
            if stored is not None:
                return _decode(stored)
            if self.server.set(lock, worker_name(), nx=True, ex=self.LOCK_SECONDS):
                answer = await self._fetch(robotsurl)
                self.server.hset(self.key, netloc, _encode(answer))
                self.server.delete(lock)
                return answer
            await asyncio.sleep(0.1)

    async def _fetch(self, robotsurl: str) -> tuple[int, bytes] | None:
        req = Request(robotsurl, priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True},
                      callback=NO_CALLBACK)
        self._stats.inc_value("robotstxt/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:
            if not isinstance(exc, IgnoreRequest):
                log.error("Error downloading %s: %s", robotsurl, exc)
            return None
        return resp.status, resp.body


def _encode(answer: tuple[int, bytes] | None) -> bytes:
    return b"-" if answer is None else str(answer[0]).encode() + b"\n" + answer[1]


def _decode(stored: bytes) -> tuple[int, bytes] | None:
    if stored == b"-":
        return None
    status, _, body = stored.partition(b"\n")
    return int(status), body
