"""The fleet's frontier: scrapy-redis's scheduler, priority queue and dupefilter, with leases.

scrapy-redis pops a request off the shared queue and forgets it: a worker that dies loses every
request it had taken. Here a pop is a lease (one Lua script: off the queue, into the processing
set `leases` with an expiry on Redis's clock, the request kept in `leased`). The worker renews
its leases while it lives and acknowledges each one when Scrapy has finished with the request:
its answer captured (WARC) and handed to the stream, the requests it led to pushed to the queue —
or the request replaced by its redirect or retry, itself pushed. A lease that expires (its
worker was killed, or cut off from Redis longer than `XXGK_REDIS_LEASE_SECONDS`) goes back to the
queue, and another worker fetches it again: a redelivered request costs a second fetch, never a
second archive row (loads are idempotent, see writer.py).

A retry or a redirect continues its request's exchange with the server (a 521 cookie dance: the
cookies are this worker's): it stays in this worker, ahead of the shared queue, and takes over
the lease of the request it replaces — if the worker dies, the original request goes back.
"""
from __future__ import annotations

import logging
import random
from collections import deque
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from . import Keys, worker_name

log = logging.getLogger(__name__)
LEASE_KEY = "xxgk_lease"  # request.meta: the lease a request was handed out under (copied to its retries)

_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
# a leased request goes back with its priority: leased holds "score\nrequest"
_REQUEUE = """
local function requeue(token)
  local v = redis.call('HGET', KEYS[3], token)
  if v then
    local i = string.find(v, '\\n', 1, true)
    redis.call('ZADD', KEYS[1], string.sub(v, 1, i - 1), string.sub(v, i + 1))
  end
  redis.call('HDEL', KEYS[3], token)
  redis.call('ZREM', KEYS[2], token)
end
"""
# KEYS: requests, leases, leased. ARGV: token, lease (µs)
LEASE = _NOW + """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], top[2] .. '\\n' .. top[1])
return top[1]
"""
# KEYS: requests, leases, leased. ARGV: how many at most
REQUEUE_EXPIRED = _NOW + _REQUEUE + """
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, token in ipairs(gone) do requeue(token) end
return #gone
"""
# KEYS: requests, leases, leased. ARGV: tokens
RELEASE = _REQUEUE + """
for _, token in ipairs(ARGV) do requeue(token) end
return #ARGV
"""
# KEYS: leases. ARGV: lease (µs), tokens. Only leases still held are renewed (XX).
RENEW = _NOW + """
local n = 0
for i = 2, #ARGV do n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i]) end
return n
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue (push, length, order as it has them), popped by lease."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        keys = Keys(spider.settings.get("XXGK_REDIS_PREFIX"))
        self.lease_keys = [self.key, keys.leases, keys.leased]
        self.leases = keys.leases
        self.lease_us = int(spider.settings.getfloat("XXGK_REDIS_LEASE_SECONDS") * 1e6)
        self._lease = server.register_script(LEASE)
        self._requeue = server.register_script(REQUEUE_EXPIRED)
        self._release = server.register_script(RELEASE)
        self._renew = server.register_script(RENEW)

    def push(self, request: Request) -> None:
        # scrapy-redis orders equal priorities by the encoded request, in effect by URL: a worker
        # would lease a run of one host's requests and wait on that host's slot. A random fraction
        # (priorities are whole numbers) mixes the hosts within a priority.
        self.server.execute_command("ZADD", self.key, -request.priority + random.random() / 2,
                                    self._encode_request(request))

    def lease(self, token: str) -> Request | None:
        data = self._lease(keys=self.lease_keys, args=[token, self.lease_us])
        return self._decode_request(data) if data else None

    def pop(self, timeout: int = 0) -> Request | None:  # scrapy-redis's API; the scheduler leases
        raise NotImplementedError("LeasedQueue hands requests out by lease(token)")

    def ack(self, tokens: list[str]) -> None:
        if tokens:
            pipe = self.server.pipeline()
            pipe.zrem(self.leases, *tokens).hdel(self.lease_keys[2], *tokens)
            pipe.execute()

    def renew(self, tokens: list[str]) -> int:
        """Push the expiry of these leases on; how many were still held."""
        return int(self._renew(keys=[self.leases], args=[self.lease_us, *tokens])) if tokens else 0

    def release(self, tokens: list[str]) -> None:
        """Back to the queue now (a worker stopping with requests it will not finish)."""
        if tokens:
            self._release(keys=self.lease_keys, args=tokens)

    def requeue_expired(self, limit: int = 100) -> int:
        return int(self._requeue(keys=self.lease_keys, args=[limit]))

    def leased(self) -> int:
        return int(self.server.zcard(self.leases))


def in_progress(engine) -> set[Request]:
    """The requests Scrapy's engine has not finished with: downloading, or their answer's outputs
    still being handled (items through the pipelines, requests scheduled). Scrapy has no signal
    for "a request is done"; its engine keeps this set until then (scrapy.utils.engine's status
    report reads it too), so a request that left it is done."""
    return engine._slot.inprogress


def wake(engine) -> None:
    """Have the engine ask the scheduler for requests now, not at its next 5 s heartbeat: an idle
    worker learns of requests other workers pushed."""
    engine._slot.nextcall.schedule()


class FleetScheduler(Scheduler):
    """scrapy-redis's scheduler, handing requests out by lease (LeasedQueue) and acknowledging
    each when the engine has finished with it. Every `XXGK_REDIS_TICK` seconds: finished leases
    acknowledged, the others renewed, expired leases anywhere in the fleet re-queued, the engine
    woken when the queue holds requests. A seeder (XXGK_FLEET_ROLE "seed") only pushes."""

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler) -> "FleetScheduler":
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.held: dict[Request, str] = {}  # request → its lease, until the engine is done with it
        scheduler.continuing: deque[Request] = deque()  # this worker's retries and redirects
        scheduler.seeding = crawler.settings.get("XXGK_FLEET_ROLE") == "seed"
        scheduler.tick_seconds = crawler.settings.getfloat("XXGK_REDIS_TICK")
        scheduler.renew_every = max(1, int(crawler.settings.getfloat("XXGK_REDIS_LEASE_SECONDS")
                                           / 3 / scheduler.tick_seconds))
        scheduler.undelivered: set[str] = set()  # leases whose capture never reached the stream
        crawler.signals.connect(scheduler.item_failed, signal=signals.item_error)
        scheduler.name = worker_name()
        scheduler.issued = 0
        scheduler.ticks = 0
        scheduler.loop = LoopingCall(scheduler.tick)
        return scheduler

    # open and enqueue_request as scrapy-redis 0.9.1 has them, without the Scrapy APIs it still
    # calls and Scrapy 2.13+ deprecates (Spider.log, stats with a spider argument)
    def open(self, spider) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.queue_key % {"spider": spider.name},
                                                 serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if len(self.queue) and not self.seeding:
            log.info("joining the fleet's crawl: %d requests queued", len(self.queue))
        if not self.seeding:
            self.loop.start(self.tick_seconds, now=False)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        token = request.meta.get(LEASE_KEY)
        replaced = next((r for r, t in self.held.items() if t == token), None) if token else None
        if replaced is not None:  # a retry or redirect: here, under the lease of what it replaces
            del self.held[replaced]
            self.held[request] = token
            self.continuing.append(request)
            return True
        request.meta.pop(LEASE_KEY, None)  # (a request built from another's meta is a new one)
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        if self.seeding:
            return None
        if self.continuing:
            return self.continuing.popleft()
        self.issued += 1
        token = f"{self.name}:{self.issued}"
        request = self.queue.lease(token)
        if request is None:
            return None
        request.meta[LEASE_KEY] = token
        # Scrapy's own downloader slot per host as the fleet's is (host:port, not the host name)
        request.meta.setdefault("download_slot", urlparse_cached(request).netloc)
        self.held[request] = token
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return not self.seeding and (bool(self.continuing) or len(self) > 0)

    def item_failed(self, item, response, spider=None, failure=None) -> None:
        """A capture that could not be handed to the stream because Redis stayed away: its request
        goes back to the queue instead of being acknowledged (any other failure is a bug, logged
        by Scrapy: fetching again would fail again)."""
        request = getattr(response, "request", None)  # an answer's, or a failed download's (Failure)
        if failure is not None and failure.check(redis.RedisError) and request is not None:
            if token := request.meta.get(LEASE_KEY):
                self.undelivered.add(token)

    def finished(self) -> list[str]:
        """Acknowledge the leases of requests the engine is done with; their tokens."""
        busy = in_progress(self.crawler.engine)
        waiting = set(map(id, self.continuing))
        done = [r for r in self.held if r not in busy and id(r) not in waiting]
        tokens = [self.held.pop(r) for r in done]
        again = [t for t in tokens if t in self.undelivered]
        self.undelivered -= set(again)
        self.queue.release(again)
        self.queue.ack([t for t in tokens if t not in again])
        return tokens

    def tick(self) -> None:
        try:
            self.finished()
            self.ticks += 1
            if self.held and self.ticks % self.renew_every == 0:
                kept = self.queue.renew(list(self.held.values()))
                if kept < len(self.held):  # cut off longer than a lease: someone else has them too
                    log.warning("%d of %d leases had expired; their requests may be fetched twice",
                                len(self.held) - kept, len(self.held))
            if requeued := self.queue.requeue_expired():
                log.warning("re-queued %d requests whose lease expired (a worker died)", requeued)
            if len(self.queue):
                wake(self.crawler.engine)
        except Exception:  # Redis away for a moment: the next tick tries again, leases last longer
            log.exception("frontier tick failed")

    def close(self, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        if self.held and not self.seeding:
            self.continuing.clear()
            self.finished()
            # stopped before finishing them (Ctrl-C, SIGTERM): another worker can have them now
            self.queue.release(list(self.held.values()))
            log.info("gave back %d unfinished requests to the fleet", len(self.held))
            self.held.clear()
        super().close(reason)
