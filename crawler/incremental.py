"""Incremental crawling: what the archive already holds decides what a run asks for again.

Policy (settings in brackets):
- Listing pages are always revisited, conditionally when the archive holds an earlier answer.
  Pagination stops once a page lists only known items: from such a page at most
  XXGK_LISTING_SAFETY_DEPTH further pages are followed (default 1; reports are sometimes
  back-dated below the first page). A page with any new item follows every next page.
- Known report pages, documents and attachments are skipped while fresh, and re-checked with a
  conditional GET (If-None-Match / If-Modified-Since) once due: the re-check interval is a
  share of the item's age in the archive (XXGK_RECHECK_AGE_FACTOR, default 0.25), clamped to
  [XXGK_RECHECK_MIN_DAYS, XXGK_RECHECK_MAX_DAYS] (default 1 and 90 days): new reports, which
  are the ones corrected, are looked at often, old ones rarely. XXGK_RECHECK_MIN_DAYS=0 and
  XXGK_RECHECK_AGE_FACTOR=0 re-check everything every run.
- A 304 answer is replayed from the WARC archive as the 200 it stands for, so the spider and
  the archive treat it as "unchanged" with no new capture; a changed document comes back 200,
  becomes a new capture and a new report revision (view `report_revisions`).
- A report page counts as known only once the archive holds it and every attachment it linked
  (`url_checks.children`): a run killed between a page and its attachments fetches the page
  again (a cheap 304) and the missing attachments.

Known items are read from the archive (`captures`: what was archived with status 200) plus the
`url_checks` table this module keeps (per URL: last check, validators, the WARC record the
validators belong to, attachments linked). A URL's validators are only used when the capture
they belong to is in `captures`, so a run killed before its load never claims a document.

Resumable runs: `JobDirExtension` gives each set of sources its own Scrapy JOBDIR under
`<data dir>/jobs/` (Scrapy's persisted scheduler queue and dupefilter). Scrapy writes that state
when the spider closes, so it is trusted only after a clean stop (Ctrl-C / SIGTERM); after a
SIGKILL (the run marker is still there) it is discarded and the archive itself makes the next
run resume: everything archived is known and skipped, everything else is fetched.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, AsyncIterator, Container, Iterable, Iterator
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request, signals
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
# the archive's SQLite library (pysqlite3 when installed), never a second copy: two SQLite
# libraries in one process do not see each other's file locks, and closing one connection can
# delete the write-ahead log the other is still writing to
from sqlite_utils.utils import sqlite3
from warcio.archiveiterator import ArchiveIterator

from .adapters.base import ATTACHMENT, DETAIL, DOCUMENT, LISTING

log = logging.getLogger(__name__)

DEPTH_KEY = "xxgk_known_depth"  # consecutive all-known listing pages along a pagination chain
CONDITIONAL_KEY = "xxgk_conditional"  # the archived answer a conditional request may be answered with
KNOWN_KINDS = ("report", "attachment", "listing")

URL_CHECKS_SQL = """
CREATE TABLE IF NOT EXISTS url_checks (
    url TEXT PRIMARY KEY,      -- the URL checked
    source_id TEXT,            -- source it was crawled for
    checked_at TEXT,           -- last answer (200 or 304), UTC ISO 8601
    http_status INTEGER,       -- 200 or 304
    etag TEXT,                 -- validators of the archived answer below
    last_modified TEXT,
    warc_file TEXT,            -- WARC record the validators belong to (a capture's warc_file/offset)
    warc_offset INTEGER,
    children TEXT              -- JSON list of attachment URLs the page linked (NULL: not yet known)
)"""


def ensure_url_checks(db: sqlite3.Connection) -> None:
    db.execute(URL_CHECKS_SQL)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


# -- the re-check policy --------------------------------------------------------------------

@dataclass(frozen=True)
class RecheckPolicy:
    """How long a known document stays fresh: age_factor × its age in the archive, clamped."""
    min_days: float = 1.0
    max_days: float = 90.0
    age_factor: float = 0.25

    @classmethod
    def from_settings(cls, settings) -> "RecheckPolicy":
        return cls(settings.getfloat("XXGK_RECHECK_MIN_DAYS", 1.0), settings.getfloat("XXGK_RECHECK_MAX_DAYS", 90.0),
                   settings.getfloat("XXGK_RECHECK_AGE_FACTOR", 0.25))

    def interval(self, first_seen: datetime, now: datetime) -> timedelta:
        age = max(now - first_seen, timedelta(0))
        lo, hi = timedelta(days=self.min_days), timedelta(days=max(self.min_days, self.max_days))
        return min(max(age * self.age_factor, lo), hi)

    def due(self, first_seen: datetime, last_checked: datetime, now: datetime) -> bool:
        return now - last_checked >= self.interval(first_seen, now)


# -- pagination -----------------------------------------------------------------------------

def should_follow_next_page(listing_items: Iterable[str], known_urls: Container[str], depth: int,
                            safety_depth: int = 1) -> bool:
    """Follow the next list page? Yes if this page lists any unknown item, or lists nothing
    (a frame page: nothing to judge by); otherwise only while `depth` (all-known pages already
    followed in a row) is below `safety_depth`."""
    items = list(listing_items)
    if not items or any(u not in known_urls for u in items):
        return True
    return depth < safety_depth


_PAGE_IN_PATH = re.compile(r"[_-](\d{1,3})\.s?html?$")  # index_2.html, list-3.htm
_PAGE_PARAMS = ("page", "pageno", "pageindex", "pagenum", "currpage", "p", "startrecord", "start")


def page_number(request: Request) -> int | None:
    """The page a list request asks for when it is a pagination step (None for a column's first
    page or a sub-column), from the adapters' meta (TRS `page` N is index_N.html, the (N+1)th
    page; gkmlpt `page` with `api` counts from 1; Hanweb `jpage` calls are all further groups),
    else from index_N-style paths or page query parameters."""
    meta = request.meta
    if meta.get("page") is not None:
        n = int(meta["page"])
        if meta.get("api"):
            return n if n > 1 else None
        return n + 1 if n >= 1 else None
    u = urlsplit(request.url)
    for k, v in parse_qsl(u.query):
        if k.lower() in _PAGE_PARAMS and v.isdigit() and int(v) > 1:
            return int(v)
    if meta.get("jpage"):
        return 2
    m = _PAGE_IN_PATH.search(u.path)
    return int(m.group(1)) + 1 if m and not meta.get("redirected_from") else None


def follow_pages(pages: list[Request], listing_items: list[str], known_urls: Container[str], depth: int,
                 safety_depth: int) -> tuple[list[Request], int]:
    """Which of a list page's pagination requests to keep, and the depth they carry. A chain
    (one next page) is `should_follow_next_page`; a fan-out (page 1 requesting every page) keeps
    the first `safety_depth - depth` pages when this page held only known items."""
    if not listing_items:
        return pages, depth
    if any(u not in known_urls for u in listing_items):
        return pages, 0
    if not should_follow_next_page(listing_items, known_urls, depth, safety_depth):
        return [], depth + 1
    ordered = sorted(pages, key=lambda r: page_number(r) or 0)
    return ordered[:max(0, safety_depth - depth)], depth + 1


# -- what the archive knows -----------------------------------------------------------------

@dataclass
class Known:
    first_seen: datetime
    last_fetched: datetime
    locations: set[tuple[str, int]] = field(default_factory=set)  # archived WARC records of this URL
    latest: tuple[str, int] | None = None
    kind: str = ""
    source_id: str | None = None
    parent_url: str | None = None  # an attachment's page


@dataclass
class Check:
    checked_at: datetime | None
    etag: str | None
    last_modified: str | None
    location: tuple[str, int] | None
    children: list[str] | None


class KnownItems:
    """URLs the archive holds (status 200 captures) and their checks; answers the policy questions."""

    def __init__(self, known: dict[str, Known], checks: dict[str, Check], policy: RecheckPolicy) -> None:
        self.known, self.checks, self.policy = known, checks, policy

    @classmethod
    def load(cls, db: sqlite3.Connection, policy: RecheckPolicy | None = None) -> "KnownItems":
        ensure_url_checks(db)
        known: dict[str, Known] = {}
        marks = ",".join("?" * len(KNOWN_KINDS))
        for url, kind, fetched, wf, wo, source_id, parent in db.execute(
                f"SELECT c.url, c.kind, c.fetched_at, c.warc_file, c.warc_offset, c.source_id, p.url"
                f" FROM captures c LEFT JOIN captures p ON p.id = c.parent_capture_id WHERE c.url IS NOT NULL"
                f" AND c.http_status = 200 AND c.kind IN ({marks}) ORDER BY c.id", KNOWN_KINDS):
            t = _parse_time(fetched) or _now()
            k = known.get(url)
            if k is None:
                k = known[url] = Known(first_seen=t, last_fetched=t, kind=kind, source_id=source_id,
                                       parent_url=parent)
            k.first_seen, k.last_fetched = min(k.first_seen, t), max(k.last_fetched, t)
            if wf is not None and wo is not None:
                k.locations.add((wf, int(wo)))
                k.latest = (wf, int(wo))
            if kind != "listing":
                k.kind = kind
        checks = {}
        for url, at, etag, lm, wf, wo, children in db.execute(
                "SELECT url, checked_at, etag, last_modified, warc_file, warc_offset, children FROM url_checks"):
            checks[url] = Check(_parse_time(at), etag, lm, (wf, int(wo)) if wf and wo is not None else None,
                                json.loads(children) if children else None)
        return cls(known, checks, policy or RecheckPolicy())

    def __contains__(self, url: str) -> bool:
        return url in self.known

    def valid_check(self, url: str) -> Check | None:
        """The URL's check, if the answer it describes is archived (else the run that made it
        died before loading it, and it proves nothing)."""
        c, k = self.checks.get(url), self.known.get(url)
        if c and k and c.location in k.locations:
            return c
        return None

    def last_checked(self, url: str) -> datetime | None:
        k = self.known.get(url)
        if k is None:
            return None
        c = self.valid_check(url)
        return max(k.last_fetched, c.checked_at) if c and c.checked_at else k.last_fetched

    def complete(self, url: str) -> bool:
        """Archived, and (for a page) so is every attachment it linked."""
        if url not in self.known:
            return False
        if self.known[url].kind == "attachment":
            return True
        c = self.valid_check(url)
        if c is None or c.children is None:
            return self.known[url].kind != "report" or not self._is_page(url)
        return all(ch in self.known for ch in c.children)

    @staticmethod
    def _is_page(url: str) -> bool:
        path = urlsplit(url).path.lower()
        return not re.search(r"\.(pdf|docx?|wps|ofd|xlsx?|et|zip|rar)$", path)

    def skip(self, url: str, now: datetime | None = None) -> bool:
        """Fresh and complete: not worth even a conditional request this run."""
        if not self.complete(url):
            return False
        now = now or _now()
        return not self.policy.due(self.known[url].first_seen, self.last_checked(url) or now, now)

    def due(self, source_ids: Iterable[str], now: datetime | None = None) -> Iterator[tuple[str, Known]]:
        """Archived reports and attachments of these sources that are due for a re-check (or
        incomplete), wherever they are listed: pagination stops before old pages, so the list
        alone would never bring them up again."""
        ids, now = set(source_ids), now or _now()
        for url, k in self.known.items():
            if k.source_id in ids and k.kind in ("report", "attachment") and not self.skip(url, now):
                yield url, k

    def role(self, url: str) -> str:
        k = self.known[url]
        return ATTACHMENT if k.kind == "attachment" else DETAIL if self._is_page(url) else DOCUMENT

    def conditional(self, url: str) -> tuple[dict[str, str], tuple[str, int]] | None:
        """Validator headers for `url` and the archived record a 304 stands for."""
        k = self.known.get(url)
        if k is None or k.latest is None:
            return None
        c = self.valid_check(url)
        if c and (c.etag or c.last_modified):
            headers = {}
            if c.etag:
                headers["If-None-Match"] = c.etag
            if c.last_modified:
                headers["If-Modified-Since"] = c.last_modified
            return headers, c.location  # type: ignore[return-value]
        # archived before validators were kept: our own fetch time is a fair If-Modified-Since
        return {"If-Modified-Since": format_datetime(k.last_fetched.astimezone(timezone.utc), usegmt=True)}, k.latest


# -- reading an archived answer back ----------------------------------------------------------

def read_record(data_dir: str | os.PathLike, warc_file: str, offset: int) -> tuple[list[tuple[str, str]], bytes]:
    """HTTP headers and (content-decoded) payload of the response record at `offset`."""
    with (Path(data_dir) / warc_file).open("rb") as f:
        f.seek(offset)
        rec = next(iter(ArchiveIterator(f)))
        headers = list(rec.http_headers.headers) if rec.http_headers else []
        return headers, rec.content_stream().read()


# -- the Scrapy components ------------------------------------------------------------------

class _State:
    """One per crawler: the archive connection and the known items, shared by both middlewares."""

    def __init__(self, crawler) -> None:
        from .pipelines import db_path

        self.crawler = crawler
        self.settings = crawler.settings
        self.enabled = self.settings.getbool("XXGK_INCREMENTAL", True)
        self.data_dir = Path(self.settings.get("XXGK_DATA_DIR") or "data")
        self.db_path = db_path(self.settings)
        self.safety_depth = self.settings.getint("XXGK_LISTING_SAFETY_DEPTH", 1)
        self.db: sqlite3.Connection | None = None
        self.known = KnownItems({}, {}, RecheckPolicy.from_settings(self.settings))
        # url_checks writes, committed in groups (one commit per answer cost a millisecond each);
        # losing the last group in a crash only means fetching those URLs again next time
        self.pending: list[tuple[str, list]] = []
        self.pending_since = 0.0
        self.commit_seconds = self.settings.getfloat("XXGK_COMMIT_SECONDS", 1.0)
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler) -> "_State":
        if not hasattr(crawler, "_xxgk_incremental"):
            crawler._xxgk_incremental = cls(crawler)
        return crawler._xxgk_incremental

    def open(self, spider=None) -> None:
        if not self.enabled:
            return
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        ensure_url_checks(self.db)
        self.close_killed_runs()
        if self.after_killed_run():
            # the killed run archived some of what it fetched and lost the rest (in flight, or in
            # the group not yet committed), in no list order: a stop at an all-known list page
            # could leave a hole behind it, so every list page is walked this once
            self.safety_depth = 10**9
            log.warning("incremental: the last run of these sources was killed; walking every list page")
        self.known = KnownItems.load(self.db, RecheckPolicy.from_settings(self.settings))
        log.info("incremental: %d known URLs in the archive", len(self.known.known))

    def after_killed_run(self) -> bool:
        mine = [int(i) for i in self.crawler.stats.get_value("xxgk/run_ids") or []]
        ids = [s.id for s in getattr(self.crawler.spider, "sources", [])]
        if not ids or not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'crawl_runs'").fetchone():
            return False
        last = self.db.execute(
            f"SELECT status FROM crawl_runs WHERE source_id IN ({','.join('?' * len(ids))})"
            f" AND id NOT IN ({','.join('?' * len(mine))}) ORDER BY id DESC LIMIT 1", [*ids, *mine]).fetchone()
        return bool(last and last[0] == "killed")

    def close_killed_runs(self) -> None:
        """Runs left 'running' belong to crawls that died (the crawl lock lets only this one
        run): mark them 'killed' so crawl health counts them as failures."""
        mine = [int(i) for i in self.crawler.stats.get_value("xxgk/run_ids") or []]
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'crawl_runs'").fetchone():
            return
        n = self.db.execute(
            f"UPDATE crawl_runs SET status = 'killed', finished_at = coalesce(finished_at, started_at)"
            f" WHERE status = 'running' AND id NOT IN ({','.join('?' * len(mine))})", mine).rowcount
        if n:
            log.warning("marked %d crawl run(s) of a killed crawl as 'killed'", n)

    def close(self, spider=None) -> None:
        if self.db is not None:
            self.flush()
            self.db.close()
            self.db = None

    def _write(self, sql: str, params: list) -> None:
        if not self.pending:
            self.pending_since = time.monotonic()
        self.pending.append((sql, params))
        if len(self.pending) >= 200 or time.monotonic() - self.pending_since >= self.commit_seconds:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if pending and self.db is not None:
            self.db.execute("BEGIN")
            for sql, params in pending:
                self.db.execute(sql, params)
            self.db.execute("COMMIT")

    def record(self, url: str, source: str | None, status: int, headers=None,
               location: tuple[str, int] | None = None) -> None:
        if self.db is None:
            return
        now = _now().isoformat(timespec="seconds")
        if status == 304:
            self._write("UPDATE url_checks SET checked_at = ?, http_status = 304 WHERE url = ?", [now, url])
            return
        etag = _header(headers, b"ETag")
        lm = _header(headers, b"Last-Modified")
        # children stay only while the page is the same answer
        self._write(
            "INSERT INTO url_checks (url, source_id, checked_at, http_status, etag, last_modified, warc_file,"
            " warc_offset, children) VALUES (?, ?, ?, 200, ?, ?, ?, ?, NULL) ON CONFLICT(url) DO UPDATE SET"
            " source_id = excluded.source_id, checked_at = excluded.checked_at, http_status = 200,"
            " etag = excluded.etag, last_modified = excluded.last_modified,"
            " children = CASE WHEN url_checks.warc_file IS excluded.warc_file AND url_checks.warc_offset IS"
            " excluded.warc_offset THEN url_checks.children END,"
            " warc_file = excluded.warc_file, warc_offset = excluded.warc_offset",
            [url, source, now, etag, lm, *(location or (None, None))])

    def record_children(self, url: str, children: list[str]) -> None:
        if self.db is not None:
            self._write("UPDATE url_checks SET children = ? WHERE url = ?",
                            [json.dumps(sorted(set(children)), ensure_ascii=False), url])


def _header(headers, name: bytes) -> str | None:
    if headers is None:
        return None
    v = headers.get(name)
    return v.decode("latin-1") if v else None


class ConditionalRequestsMiddleware:
    """Downloader middleware (slot 940, just inside the WARC capture at 950): validators on
    requests for archived URLs; a 304 is answered from the archive; every 200/304 is noted in
    url_checks."""

    def __init__(self, crawler) -> None:
        self.state = _State.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler) -> "ConditionalRequestsMiddleware":
        return cls(crawler)

    def process_request(self, request: Request, spider=None) -> None:
        if not self.state.enabled or request.method != "GET" or CONDITIONAL_KEY in request.meta:
            return None
        found = self.state.known.conditional(request.url)
        if found is None:
            return None
        headers, location = found
        for k, v in headers.items():
            request.headers[k] = v
        request.meta[CONDITIONAL_KEY] = list(location)
        return None

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        source = request.meta.get("source")
        if not self.state.enabled or request.method != "GET" or source is None:  # robots.txt has no source
            return response
        cap = request.meta.get("capture") or {}
        if response.status == 304 and request.meta.get(CONDITIONAL_KEY):
            wf, wo = request.meta[CONDITIONAL_KEY]
            try:
                headers, body = read_record(self.state.data_dir, wf, int(wo))
            except (OSError, StopIteration, ValueError) as exc:
                log.warning("304 for %s but its archived answer is unreadable (%s): fetching again", request.url, exc)
                retry = request.replace(dont_filter=True)
                retry.meta.pop(CONDITIONAL_KEY, None)
                for h in (b"If-None-Match", b"If-Modified-Since"):
                    retry.headers.pop(h, None)
                retry.meta[CONDITIONAL_KEY] = None  # never conditional again this run
                return retry
            self.state.record(request.url, source, 304)
            self.stats.inc_value(f"xxgk/{source}/not_modified")
            # the answer stands for the archived one: same payload, same WARC record
            request.meta["capture"] = {**cap, "warc_file": wf, "warc_offset": int(wo),
                                       "sha256": hashlib.sha256(body).hexdigest()}
            keep = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length",
                                                                     "transfer-encoding")]
            hdrs = Headers(keep)
            cls = responsetypes.from_args(headers=hdrs, url=request.url, body=body)
            return cls(url=request.url, status=200, headers=hdrs, body=body, request=request,
                       flags=[*response.flags, "not_modified"], protocol=response.protocol)
        if response.status == 200 and cap.get("warc_file"):
            self.state.record(request.url, source, 200, response.headers, (cap["warc_file"], cap["warc_offset"]))
        return response


class IncrementalSpiderMiddleware:
    """Spider middleware: drops requests for fresh known items, stops pagination over known
    pages, and notes each report page's attachments (url_checks.children)."""

    def __init__(self, crawler) -> None:
        self.state = _State.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler) -> "IncrementalSpiderMiddleware":
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for o in start:
            yield o
        if not self.state.enabled:
            return
        spider = self.state.crawler.spider
        sources = {s.id: s for s in getattr(spider, "sources", [])}
        known, n = self.state.known, 0
        for url, k in known.due(sources):
            meta = {"source": k.source_id, "platform": sources[k.source_id].platform, "role": known.role(url),
                    "recheck": True}
            if k.parent_url:
                meta["parent"] = k.parent_url
            if sources[k.source_id].render == "browser":
                meta["playwright"] = True
            yield Request(url, meta=meta, priority=0, errback=getattr(spider, "failed", None))
            n += 1
        if n:
            log.info("incremental: re-checking %d archived documents", n)

    def process_spider_output(self, response: Response, result: Iterable[Any], spider=None) -> Iterator[Any]:
        yield from self._filter(response, list(result))

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider=None) -> AsyncIterator[Any]:
        for o in self._filter(response, [o async for o in result]):
            yield o

    def _filter(self, response: Response, outputs: list[Any]) -> Iterator[Any]:
        if not self.state.enabled:
            yield from outputs
            return
        known = self.state.known
        now = _now()
        requests = [o for o in outputs if isinstance(o, Request)]
        entries = [r.url for r in requests if r.meta.get("role") in (DETAIL, DOCUMENT)]
        pages = [r for r in requests if r.meta.get("role", LISTING) == LISTING and page_number(r)]
        kept, depth = follow_pages(pages, entries, known, response.meta.get(DEPTH_KEY, 0), self.state.safety_depth)
        kept_ids = {id(r) for r in kept}
        source = response.meta.get("source")
        children = [r.url for r in requests if r.meta.get("role") == ATTACHMENT]
        for o in outputs:
            if isinstance(o, Request):
                role = o.meta.get("role", LISTING)
                if id(o) in {id(p) for p in pages}:
                    if id(o) not in kept_ids:
                        self.stats.inc_value(f"xxgk/{source}/pages_skipped")
                        continue
                    o.meta[DEPTH_KEY] = depth
                elif role in (DETAIL, DOCUMENT, ATTACHMENT) and known.skip(o.url, now):
                    self.stats.inc_value(f"xxgk/{source}/skipped_known")
                    if role != ATTACHMENT:  # a known report seen on the list: counts as unchanged
                        self.stats.inc_value(f"xxgk/{source}/reports_skipped")
                    continue
            yield o
        if any(getattr(o, "kind", None) == "report" and getattr(o, "url", None) == response.url for o in outputs):
            self.state.record_children(response.url, children)


# -- resumable runs: a JOBDIR per set of sources ----------------------------------------------

RUNNING = "xxgk-running"


def jobdir_for(data_dir: str | os.PathLike, source_ids: Iterable[str]) -> Path:
    ids = sorted(set(source_ids))
    key = ids[0] if len(ids) == 1 else f"{len(ids)}-sources-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:12]
    return Path(data_dir) / "jobs" / re.sub(r"[^\w.-]+", "_", key)


def prepare_jobdir(path: Path) -> Path:
    """Make `path` ready for a run: a JOBDIR whose last run died (marker still there) holds
    state Scrapy never finished writing, so it is discarded; then the marker is set."""
    if (path / RUNNING).exists():
        log.warning("previous run in %s was killed; its queue is discarded (the archive resumes it)", path)
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / RUNNING).write_text(f"pid {os.getpid()}\n", encoding="utf-8")
    return path


class JobDirExtension:
    """Extension: sets JOBDIR to `<data dir>/jobs/<sources>` (unless given, or XXGK_RESUME is off),
    discards a killed run's state, removes the JOBDIR after a finished run (the next scheduled
    run starts afresh) and keeps it after an interrupted one (the next run resumes it)."""

    def __init__(self, crawler) -> None:
        self.path: Path | None = None
        settings = crawler.settings
        if not settings.getbool("XXGK_RESUME", True):
            return
        if settings.get("JOBDIR"):
            self.path = prepare_jobdir(Path(settings["JOBDIR"]))
        else:
            spider = getattr(crawler, "spider", None)
            ids = [s.id for s in getattr(spider, "sources", [])] or [getattr(spider, "name", "crawl")]
            self.path = prepare_jobdir(jobdir_for(settings.get("XXGK_DATA_DIR") or "data", ids))
            settings.set("JOBDIR", str(self.path), priority="cmdline")  # settings freeze after extensions
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler) -> "JobDirExtension":
        return cls(crawler)

    def closed(self, spider=None, reason: str = "") -> None:
        if self.path is None:
            return
        if reason == "finished":
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            (self.path / RUNNING).unlink(missing_ok=True)
            log.warning("run stopped (%s): `xxgk crawl` with the same sources resumes from %s", reason, self.path)
