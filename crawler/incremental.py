"""Incremental crawling in Scrapy: what the archive already holds decides what a run asks for
again. The decisions are crawler/policy.py's; the rows are archive/urlchecks.py's; these are the
two middlewares that apply them.

- `ConditionalRequestsMiddleware` (downloader, slot 940, just inside the WARC capture at 950):
  validators on requests for archived URLs; a 304 is answered from the WARC archive as the 200 it
  stands for (so the spider and the archive see "unchanged", with no new capture); every 200/304
  is noted in `url_checks`.
- `IncrementalSpiderMiddleware`: re-checks documents that are due wherever they are listed,
  drops requests for fresh known items, stops pagination over known pages, and notes each report
  page's attachments.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, AsyncIterator, Iterable, Iterator

from scrapy import Request, signals
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive import urlchecks
from archive.blobs import BlobError, read_warc_response

from .adapters.base import ATTACHMENT, DETAIL, DOCUMENT, LISTING
from .connection import ArchiveConnection, paths
from .policy import KnownItems, RecheckPolicy, follow_pages, is_page, now, page_number

log = logging.getLogger(__name__)

DEPTH_KEY = "xxgk_known_depth"  # consecutive all-known listing pages along a pagination chain
CONDITIONAL_KEY = "xxgk_conditional"  # the archived answer a conditional request may be answered with


class _State:
    """One per crawler: the known items, shared by both middlewares."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.enabled = settings.getbool("XXGK_INCREMENTAL", True)
        self.data_dir = paths(settings).data_dir
        self.archive = ArchiveConnection.of(crawler)
        self.safety_depth = settings.getint("XXGK_LISTING_SAFETY_DEPTH", 1)
        self.policy = RecheckPolicy.from_settings(settings)
        self.known = KnownItems({}, {}, self.policy)
        crawler.signals.connect(self.open, signal=signals.spider_opened)

    @classmethod
    def of(cls, crawler) -> "_State":
        if not hasattr(crawler, "_xxgk_incremental"):
            crawler._xxgk_incremental = cls(crawler)
        return crawler._xxgk_incremental

    def open(self, spider=None) -> None:
        if not self.enabled:
            return
        mine = [int(i) for i in self.crawler.stats.get_value("xxgk/run_ids") or []]
        ids = [s.id for s in getattr(self.crawler.spider, "sources", [])]
        archived, checks, killed = self.archive.knowledge(ids, mine)
        if killed:
            # the killed run archived some of what it fetched and lost the rest (in flight, or in
            # the group not yet committed), in no list order: a stop at an all-known list page
            # could leave a hole behind it, so every list page is walked this once
            self.safety_depth = 10**9
            log.warning("incremental: the last run of these sources was killed; walking every list page")
        self.known = KnownItems.from_rows(archived, checks, self.policy)
        log.info("incremental: %d known URLs in the archive", len(self.known.known))

    def record(self, write, *args: Any) -> None:
        if self.enabled:
            self.archive.write_later(write, *args)


def _header(headers: Headers, name: bytes) -> str | None:
    v = headers.get(name)
    return v.decode("latin-1") if v else None


def _role(known: KnownItems, url: str) -> str:
    """The spider's role for a known URL re-checked outside its list."""
    return ATTACHMENT if known.known[url].kind == "attachment" else DETAIL if is_page(url) else DOCUMENT


class ConditionalRequestsMiddleware:
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

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        source = request.meta.get("source")
        if not self.state.enabled or request.method != "GET" or source is None:  # robots.txt has no source
            return response
        cap = request.meta.get("capture") or {}
        at = now().isoformat(timespec="seconds")
        if response.status == 304 and request.meta.get(CONDITIONAL_KEY):
            wf, wo = request.meta[CONDITIONAL_KEY]
            try:
                headers, body = read_warc_response(self.state.data_dir / wf, int(wo))
            except (BlobError, ValueError) as exc:
                log.warning("304 for %s but its archived answer is unreadable (%s): fetching again", request.url, exc)
                retry = request.replace(dont_filter=True)
                for h in (b"If-None-Match", b"If-Modified-Since"):
                    retry.headers.pop(h, None)
                retry.meta[CONDITIONAL_KEY] = None  # never conditional again this run
                return retry
            self.state.record(urlchecks.record_not_modified, request.url, at)
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
            self.state.record(urlchecks.record_answer, request.url, source, at, _header(response.headers, b"ETag"),
                              _header(response.headers, b"Last-Modified"), cap["warc_file"], cap["warc_offset"])
        return response


class IncrementalSpiderMiddleware:
    def __init__(self, crawler) -> None:
        self.state = _State.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler) -> "IncrementalSpiderMiddleware":
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for o in start:
            yield o
        spider = self.state.crawler.spider
        # the due re-checks start a crawl like its entry points: a fleet's seeder pushes them
        if not self.state.enabled or not getattr(spider, "seeds", True):
            return
        sources = {s.id: s for s in getattr(spider, "sources", [])}
        known, n = self.state.known, 0
        for url, k in known.due(sources):
            meta = {"source": k.source_id, "platform": sources[k.source_id].platform, "role": _role(known, url),
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
        known, at = self.state.known, now()
        requests = [o for o in outputs if isinstance(o, Request)]
        entries = [r.url for r in requests if r.meta.get("role") in (DETAIL, DOCUMENT)]
        pages = [r for r in requests if r.meta.get("role", LISTING) == LISTING and page_number(r)]
        kept, depth = follow_pages(pages, entries, known, response.meta.get(DEPTH_KEY, 0), self.state.safety_depth)
        page_ids, kept_ids = {id(r) for r in pages}, {id(r) for r in kept}
        source = response.meta.get("source")
        children = [r.url for r in requests if r.meta.get("role") == ATTACHMENT]
        for o in outputs:
            if isinstance(o, Request):
                role = o.meta.get("role", LISTING)
                if id(o) in page_ids:
                    if id(o) not in kept_ids:
                        self.stats.inc_value(f"xxgk/{source}/pages_skipped")
                        continue
                    o.meta[DEPTH_KEY] = depth
                elif role in (DETAIL, DOCUMENT, ATTACHMENT) and known.skip(o.url, at):
                    self.stats.inc_value(f"xxgk/{source}/skipped_known")
                    if role != ATTACHMENT:  # a known report seen on the list: counts as unchanged
                        self.stats.inc_value(f"xxgk/{source}/reports_skipped")
                    continue
            yield o
        if any(getattr(o, "kind", None) == "report" and getattr(o, "url", None) == response.url for o in outputs):
            self.state.record(urlchecks.record_children, response.url, children)
