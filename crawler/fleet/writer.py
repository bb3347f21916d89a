"""`xxgk archive-writer`: the one process that writes a fleet's archive.

It reads the stream in order through a consumer group (one consumer, "writer"), applies a batch
of entries in one SQLite transaction — each document in its own savepoint, through
archive.load.load_document as the single-process pipeline does — and records the last entry's
id in `stream_offsets` in that same transaction; only then are the entries acknowledged (and
deleted from the stream). A writer that dies between the commit and the acknowledgement gets
those entries again: they are at or before the recorded id and are acknowledged without being
applied. So every entry changes the archive exactly once, whatever dies when.

When the crawl is over — its frontier (queue and leases) empty, no worker nor seeder present,
the stream drained — the writer closes the crawl's runs from the workers' reports
(crawler.pipelines.finish_runs, as a single-process crawl closes them), publishes what the
archive now knows for the next crawl's workers, and exits (`--follow`: waits for the next).
One writer per archive and Redis: it holds the data dir's crawl lock and a lock in Redis, which
expires like a worker's lease (`XXGK_REDIS_LEASE_SECONDS`) when its holder dies.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import sqlite3
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import redis

from archive import crosscheck, offsets
from archive.blobs import BlobError, read_capture
from archive.load import load_document
from archive.runs import count_reports, mark_killed, now, runs_started, start_run
from archive.sources import upsert_sources
from parsers.model import Report

from ..completeness import ListTally
from ..discovery import report_year
from ..items import Capture
from ..pipelines import finish_runs
from ..registry import Source
from . import Keys, worker_name
from .stream import WRITES, decode, publish_knowledge
from .worker import live_workers

log = logging.getLogger(__name__)

GROUP = CONSUMER = "writer"
BATCH = 64           # entries applied in one transaction at most
BLOCK_MS = 1000      # how long a read waits for new entries
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RETRY_SECONDS = 2    # between two tries of a batch that could not be applied yet (WARC, locked archive)


class LockLost(RuntimeError):
    """This writer stalled (or was cut off from Redis) longer than its lease: another may write."""


class NotReadable(Exception):
    """A capture's WARC record cannot be read (yet): a shared folder away, or not showing a
    record another machine has just written."""


class ArchiveWriter:
    def __init__(self, server: redis.Redis, keys: Keys, db, data_dir: str | Path, lease: float = 30,
                 warc_wait: float = 300) -> None:
        self.server, self.keys, self.db = server, keys, db
        self.data_dir = Path(data_dir)
        self.lease_ms = int(lease * 1000)
        self.warc_wait = warc_wait                # how long a record may stay unreadable
        self.unreadable: dict[str, float] = {}   # entry id → since when its record is
        self.entry_id = ""
        self.name = worker_name()
        self.stream = keys.stream
        self.runs: dict[str, int] = {}            # the crawl's run per source
        self.closed: list[int] = []               # the runs this writer closed
        self.last_capture: dict[str, str] = {}   # per source: when its last capture was archived
        self.applied = 0
        self._renew = server.register_script(_RENEW)

    # -- the loop -------------------------------------------------------------------------
    def run(self, follow: bool = False) -> int:
        """Write until the crawl in progress is over (`follow`: for ever); entries applied."""
        with self.lock():
            self.ensure_group()
            crawl = self.crawl()
            if crawl is None:
                n = publish_knowledge(self.server, self.keys, self.db)
                log.info("published what the archive knows (%d URLs); waiting for a crawl", n)
            else:
                self.runs = runs_started(self.db, crawl["sources"], crawl["started_at"])
            cursor = "0"  # first the entries delivered to a writer before and never acknowledged
            while True:
                self.renew_lock()
                entries = self.read(cursor)
                if entries:
                    try:
                        self.apply(entries)
                    except (NotReadable, sqlite3.OperationalError) as exc:  # rolled back: tried again
                        if isinstance(exc, sqlite3.OperationalError) and "locked" not in str(exc):
                            raise
                        log.warning("waiting: %s", exc)
                        time.sleep(RETRY_SECONDS)
                        cursor = "0"
                    continue
                if cursor == "0":
                    cursor = ">"
                    continue
                if self.crawl_over():
                    self.finish()
                    if not follow:
                        return self.applied

    def ensure_group(self) -> None:
        try:
            self.server.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, cursor: str) -> list[tuple[str, dict]]:
        got = self.server.xreadgroup(GROUP, CONSUMER, {self.stream: cursor}, count=BATCH,
                                     block=None if cursor == "0" else BLOCK_MS)
        # (an entry delivered and then deleted comes back without fields: acknowledged, no more)
        return [(i.decode(), f or {}) for _, entries in got or [] for i, f in entries]

    @contextmanager
    def lock(self) -> Iterator[None]:
        waited = False
        while not self.server.set(self.keys.writer, self.name, nx=True, px=self.lease_ms):
            if not waited:
                holder = self.server.get(self.keys.writer)
                log.warning("another archive writer holds %s (%s); waiting for it to stop or expire",
                            self.keys.writer, holder.decode() if holder else "?")
                waited = True
            time.sleep(1)
        try:
            yield
        finally:
            if self.server.get(self.keys.writer) == self.name.encode():
                self.server.delete(self.keys.writer)

    def renew_lock(self) -> None:
        if not self._renew(keys=[self.keys.writer], args=[self.name, self.lease_ms]):
            raise LockLost("this archive writer lost its lock in Redis (stalled or cut off longer than its "
                           "lease): what it applied is committed; start it again")

    # -- applying entries -----------------------------------------------------------------
    def apply(self, entries: list[tuple[str, dict]]) -> None:
        """Apply the entries not applied yet in one transaction, then acknowledge them all."""
        last = offsets.applied(self.db, self.stream)
        todo = [(i, f) for i, f in entries if f and not offsets.is_applied(last, i)]
        if todo:
            with self.db.atomic():
                for self.entry_id, fields in todo:
                    kind, payload = decode(fields)
                    getattr(self, f"apply_{kind}")(payload)
                offsets.record_applied(self.db, self.stream, todo[-1][0])
            self.applied += len(todo)
        ids = [i for i, _ in entries]
        pipe = self.server.pipeline()
        pipe.xack(self.stream, GROUP, *ids).xdel(self.stream, *ids)
        pipe.execute()

    def apply_seed(self, seed: dict[str, Any]) -> None:
        """A crawl begins: its sources registered, one run each, runs left open by a dead crawl
        marked killed."""
        upsert_sources(self.db, seed["sources"])
        self.runs = {row["id"]: start_run(self.db, row["id"], seed["started_at"]) for row in seed["sources"]}
        if killed := mark_killed(self.db, keep=list(self.runs.values())):
            log.warning("marked %d crawl run(s) of a killed crawl as 'killed'", killed)

    def apply_write(self, write: dict[str, Any]) -> None:
        WRITES[write["op"]](self.db, *write["args"])

    def apply_capture(self, entry: dict[str, Any]) -> None:
        item = Capture(**entry["capture"])
        run_id = self.runs.get(item.source_id)
        try:
            item.body = self.body(entry)
        except NotReadable:
            since = self.unreadable.setdefault(self.entry_id, time.monotonic())
            if time.monotonic() - since < self.warc_wait:
                raise
            log.error("giving up on %s after %g s: its WARC record stays unreadable", item.url, self.warc_wait)
            if run_id is not None:
                self.db.execute("UPDATE crawl_runs SET errors = errors + 1 WHERE id = ?", [run_id])
            return
        self.unreadable.pop(self.entry_id, None)
        try:
            year = report_year(item.title or "")
            res = load_document(
                self.db, item.body, url=item.url, media_type=item.content_type, source_id=item.source_id,
                fetched_at=item.fetched_at, http_status=item.http_status, encoding=item.charset,
                warc_file=item.warc_file, warc_offset=item.warc_offset, published_date=item.published_date,
                kind=item.kind, parent_url=item.parent_url, run_id=run_id,
                meta={"year": year} if year else None,  # the list's title, if the document names none
                report=Report.from_dict(entry["report"]) if entry["report"] else None)
        except Exception:  # the WARC record keeps the bytes: `xxgk reparse` can redo this one
            log.exception("archiving %s failed", item.url)
            if run_id is not None:
                self.db.execute("UPDATE crawl_runs SET errors = errors + 1 WHERE id = ?", [run_id])
            return
        if item.source_id:
            self.last_capture[item.source_id] = now()
        if item.kind == "report" and run_id is not None:
            count_reports(self.db, run_id, res.change)

    def body(self, entry: dict[str, Any]) -> bytes:
        """The capture's bytes: sent along, or read back from the shared WARC folder (NotReadable
        until they read back as the worker captured them)."""
        c = entry["capture"]
        if entry["body"] is not None:
            return base64.b64decode(entry["body"])
        try:
            data = read_capture({"warc_file": c["warc_file"], "warc_offset": c["warc_offset"]}, self.data_dir)
        except BlobError as exc:
            raise NotReadable(str(exc)) from exc
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise NotReadable(f"{c['warc_file']}:{c['warc_offset']} does not (yet) hold the bytes the worker captured")
        return data

    # -- the end of a crawl ---------------------------------------------------------------
    def crawl(self) -> dict[str, Any] | None:
        raw = self.server.get(self.keys.crawl)
        return json.loads(raw) if raw else None

    def crawl_over(self) -> bool:
        if self.server.exists(self.keys.crawl) == 0:
            return False
        pipe = self.server.pipeline()
        pipe.zcard(self.keys.requests).zcard(self.keys.leases).xlen(self.stream)
        if any(pipe.execute()):
            return False
        return not live_workers(self.server, self.keys)

    def finish(self) -> None:
        """Close the crawl's runs, publish what the archive knows, clear the crawl."""
        crawl = self.crawl()
        assert crawl is not None
        runs = runs_started(self.db, crawl["sources"], crawl["started_at"])
        open_runs = {sid: rid for sid, rid in runs.items()
                     if self.db.execute("SELECT status FROM crawl_runs WHERE id = ?", [rid]).fetchone()[0] == "running"}
        if open_runs:  # (a writer that died while finishing left some closed: those stay)
            stats, tallies, platforms = self.reports()
            rows = {r["id"]: r for r in self.db.query(
                f"SELECT * FROM crawl_runs WHERE id IN ({','.join('?' * len(open_runs))})", list(open_runs.values()))}
            reports = {sid: Counter(new=rows[rid]["reports_new"], changed=rows[rid]["reports_changed"],
                                    unchanged=rows[rid]["reports_unchanged"]) for sid, rid in open_runs.items()}
            # errors while writing (counted on the run as they happened) and the workers' own
            written_errors = {f"xxgk/{sid}/errors": rows[rid]["errors"] for sid, rid in open_runs.items()}
            incomplete = [{"source_id": t.source_id, **short} for t in tallies if (short := t.shortfall())]
            sources = [Source.from_row(json.loads(v)) for v in self.server.hvals(self.keys.sources)]
            for s in sources:
                if platforms.get(s.id):
                    s.platform = platforms[s.id]
            with self.db.atomic():
                upsert_sources(self.db, [s.archive_row() for s in sources])
                finish_runs(self.db, open_runs, lambda key: stats.get(key, 0) + written_errors.get(key, 0),
                            reports, incomplete, self.last_capture)
                crosscheck.run(self.db)
            self.closed += list(open_runs.values())
        n = publish_knowledge(self.server, self.keys, self.db)
        pipe = self.server.pipeline()
        pipe.delete(self.keys.crawl, self.keys.sources, self.keys.reports, self.keys.lists,
                    self.keys.seen(crawl["id"]), self.keys.robots(crawl["id"]))
        pipe.execute()
        self.runs, self.last_capture, self.unreadable = {}, {}, {}
        log.info("crawl %s finished (%d source(s)); published what the archive knows (%d URLs)",
                 crawl["id"], len(runs), n)

    def reports(self) -> tuple[dict[str, int], list[ListTally], dict[str, str]]:
        """The workers' reports added up: counters, lists (merged per list), detected platforms."""
        stats: Counter = Counter()
        tallies: dict[tuple[str, str], ListTally] = {}
        platforms: dict[str, str] = {}
        for raw in self.server.hvals(self.keys.reports):
            r = json.loads(raw)
            stats.update(r["stats"])
            for sid, p in r["platforms"].items():
                if p != "auto":
                    platforms[sid] = p
        for raw in self.server.hvals(self.keys.lists):
            t = ListTally.from_dict(json.loads(raw))
            if (t.source_id, t.url) in tallies:
                tallies[(t.source_id, t.url)].merge(t)
            else:
                tallies[(t.source_id, t.url)] = t
        return dict(stats), list(tallies.values()), platforms

