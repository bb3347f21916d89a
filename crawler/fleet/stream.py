"""What a fleet worker hands the archive writer, and what the writer tells the workers.

Entries of the Redis stream (`xxgk:stream`), each `kind` + `data` (zlib'd JSON), in the order
they happened:
- `seed`: a crawl begins — its id, start time and the sources' archive rows (the writer
  registers the sources and opens one run each);
- `capture`: one answer the spider archived (a `Capture` without its bytes, which the writer
  reads back from the shared WARC folder, unless Scrapy decoded them: then they come along), with
  its parsed report when the worker parsed it;
- `write`: one of archive.urlchecks' writes (validators, 304s, a page's attachments).

Knowledge (`xxgk:knowledge`), published by the writer when no crawl runs: the archived answers,
url_checks rows, report digests and killed sources — what the incremental policy reads from the
archive in a single-process crawl. Workers read it when they start; they never open the archive,
which lives on the writer's machine (SQLite is not shared across machines).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import zlib
from pathlib import Path
from typing import Any, Callable

from scrapy import signals

from archive import runs, urlchecks
from archive.load import PARSED_KINDS, document_name
from archive.parsepool import ParsePool, default_workers
from parsers.model import Report

from ..connection import ArchiveConnection
from ..items import Capture
from . import Keys, connect

log = logging.getLogger(__name__)

# the archive writes a worker may ask for, by name (the writer applies nothing else)
WRITES: dict[str, Callable[..., None]] = {f.__name__: f for f in (
    urlchecks.record_answer, urlchecks.record_not_modified, urlchecks.record_children)}
CAPTURE_FIELDS = ("url", "source_id", "kind", "content_type", "http_status", "fetched_at", "warc_file",
                  "warc_offset", "parent_url", "title", "published_date", "reason")


def encode(kind: str, payload: dict[str, Any]) -> dict[str, bytes]:
    return {"kind": kind.encode(), "data": zlib.compress(json.dumps(payload, ensure_ascii=False).encode(), 1)}


def decode(fields: dict[bytes, bytes]) -> tuple[str, dict[str, Any]]:
    return fields[b"kind"].decode(), json.loads(zlib.decompress(fields[b"data"]))


def capture_entry(item: Capture, report: Report | None) -> dict[str, Any]:
    sha = hashlib.sha256(item.body).hexdigest()
    # the writer reads the bytes from the WARC record unless they are not its payload as stored
    # (decompressed by Scrapy) or there is no record (no answer at all)
    inline = not item.warc_file or sha != item.warc_sha256
    return {"capture": {f: getattr(item, f) for f in CAPTURE_FIELDS}, "sha256": sha,
            "body": base64.b64encode(item.body).decode() if inline else None,
            "report": report.to_dict() if report is not None else None}


# -- knowledge ------------------------------------------------------------------------------

def publish_knowledge(server, keys: Keys, db, crawl_started_at: str | None = None) -> int:
    """What the archive knows, for the workers of the next crawl; how many URLs."""
    snapshot = {
        "archived": [list(r) for r in urlchecks.archived(db)],
        "checks": [list(r) for r in urlchecks.checks(db)],
        "reports": [r[0] for r in db.execute("SELECT sha256 FROM reports")],
        "killed": runs.killed_sources(db, crawl_started_at),
        "published_at": runs.now(),
    }
    server.set(keys.knowledge, zlib.compress(json.dumps(snapshot, ensure_ascii=False).encode(), 1))
    return len({r[0] for r in snapshot["archived"]})


def load_knowledge(server, keys: Keys) -> dict[str, Any] | None:
    raw = server.get(keys.knowledge)
    return json.loads(zlib.decompress(raw)) if raw else None


# -- a worker's side ------------------------------------------------------------------------

class StreamArchive:
    """A fleet worker's view of the archive, in place of crawler.connection.ArchiveConnection:
    knowledge from what the writer published, writes as stream entries. A worker holds no
    transaction: each entry is in Redis when `add` returns."""

    def __init__(self, crawler) -> None:
        s = crawler.settings
        self.server = connect(s.get("REDIS_URL"))
        self.keys = Keys(s.get("XXGK_REDIS_PREFIX"))
        self.limit = s.getint("XXGK_REDIS_STREAM_MAX")
        self.reports: set[str] = set()  # digests of the archived reports: parsed already

    def knowledge(self, source_ids: list[str], mine: list[int]) -> tuple[Any, Any, bool]:
        snapshot = load_knowledge(self.server, self.keys)
        if snapshot is None:
            log.warning("the archive writer has published nothing about the archive: everything is fetched")
            return [], [], False
        self.reports = set(snapshot["reports"])
        killed = bool(set(source_ids) & set(snapshot["killed"]))
        return map(tuple, snapshot["archived"]), map(tuple, snapshot["checks"]), killed

    def has_report(self, sha: str) -> bool:
        return sha in self.reports

    def add(self, kind: str, payload: dict[str, Any]) -> None:
        self.server.xadd(self.keys.stream, encode(kind, payload))

    def write_later(self, write: Callable[..., None], *args: Any) -> None:
        if WRITES.get(write.__name__) is not write:
            raise ValueError(f"not a write the archive writer applies: {write.__name__}")
        self.add("write", {"op": write.__name__, "args": list(args)})

    async def hand(self, item: Capture, report: Report | None) -> None:
        """The capture into the stream, once the writer has room for it (a writer that is behind
        or down holds the workers back rather than filling Redis's memory)."""
        while self.server.xlen(self.keys.stream) >= self.limit:
            await asyncio.sleep(0.5)
        self.add("capture", capture_entry(item, report))


class StreamPipeline:
    """A fleet worker's item pipeline: each capture parsed (in worker processes, as in a
    single-process crawl) unless the archive holds its report, then handed to the stream."""

    def __init__(self, crawler) -> None:
        self.archive: StreamArchive = ArchiveConnection.of(crawler)
        workers = crawler.settings.get("XXGK_PARSE_WORKERS")
        self.pool = ParsePool(default_workers() if workers in (None, "") else int(workers))

    @classmethod
    def from_crawler(cls, crawler) -> "StreamPipeline":
        return cls(crawler)

    async def process_item(self, item: Capture, spider=None) -> Capture:
        if item.reason:
            log.info("%s %s: %s", item.kind, item.url, item.reason)
        report = None
        if item.kind in PARSED_KINDS and not self.archive.has_report(hashlib.sha256(item.body).hexdigest()):
            report = await self.pool.parse(item.body, item.content_type, document_name(item.url, None))
        await self.archive.hand(item, report)
        item.body = b""  # the pipeline is the last holder: free the bytes early
        return item

    def close_spider(self, spider=None) -> None:
        self.pool.close()


class CaptureFirstMiddleware:
    """A fleet worker's answer goes into the stream before the requests it leads to go into the
    queue, so the writer has a page before its attachments (another worker may fetch those at
    once), as the single-process pipeline has them."""

    def __init__(self, crawler) -> None:
        self.waiting: dict[int, asyncio.Future] = {}
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.handed, signal=signal)

    @classmethod
    def from_crawler(cls, crawler) -> "CaptureFirstMiddleware":
        return cls(crawler)

    def handed(self, item: Any, **_: Any) -> None:
        done = self.waiting.pop(id(item), None)
        if done is not None and not done.done():
            done.set_result(None)

    async def process_spider_output(self, response, result, spider=None):
        pending: list[asyncio.Future] = []
        async for out in result:
            if isinstance(out, Capture):
                pending.append(self.waiting.setdefault(id(out), asyncio.get_running_loop().create_future()))
            elif pending:
                await asyncio.gather(*pending)
                pending = []
            yield out


class RedisDigests:
    """The WARC digest index of a fleet (crawler.warc.FileDigests' interface): payload sha256 →
    the file and offset of its full record, in one Redis hash, so a payload any worker stored is
    stored once. An entry whose file is gone (deleted since) is ignored."""

    def __init__(self, data_dir: str | Path, settings) -> None:
        self.data_dir = Path(data_dir)
        self.server = connect(settings.get("REDIS_URL"))
        self.key = Keys(settings.get("XXGK_REDIS_PREFIX")).digests

    def get(self, sha: str) -> tuple[str, int] | None:
        found = self.server.hget(self.key, sha)
        if found is None:
            return None
        rel, _, offset = found.decode().rpartition("\t")
        return (rel, int(offset)) if (self.data_dir / rel).exists() else None

    def add(self, sha: str, rel: str, offset: int) -> None:
        self.server.hset(self.key, sha, f"{rel}\t{offset}")  # (over an entry whose file is gone)

    def close(self) -> None:
        pass
