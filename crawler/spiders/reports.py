"""`reports`: crawl annual-report columns of registered (or ad-hoc) sources.

    scrapy crawl reports -a source=ID[,ID…] | -a province=浙江 | -a platform=trs | -a all=1
    scrapy crawl reports -a url=http://127.0.0.1:8000/col/col1/index.html -a platform=hanweb

Every answer becomes one `Capture` item (report, attachment, listing, blocked or error); the
platform adapter turns listings into further requests and detail pages into report captures.
"""
from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from ..adapters import ATTACHMENT, DETAIL, DOCUMENT, LISTING, adapter_for
from ..adapters.base import looks_like_report_page, page_title, selector, text_of
from ..adapters.trs import column_url
from ..challenge import blocked_reason
from ..chromium import missing_message
from ..completeness import ListPage, ListTally
from ..detect import AUTO, detect_platform
from ..discovery import attachment_name
from ..items import Capture
from ..registry import Source, load_sources, select

log = logging.getLogger(__name__)

PLAYWRIGHT_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}


def adhoc_source(url: str, platform: str = AUTO, id: str | None = None, name: str = "",
                 render: str = "http") -> Source:
    """A source for an entry point not in the registry (e.g. a mock portal); its platform is
    read from the entry page unless given."""
    u = urlsplit(url)
    sid = id or f"adhoc-{u.hostname}-{u.port or ''}-{u.path.strip('/').replace('/', '-')}".rstrip("-")
    return Source(id=sid, name=name or u.netloc, entry_url=url, entry_urls=[url], platform=platform,
                  render=render, flags=["adhoc"])


def resolve_sources(*, source: str | None = None, province: str | None = None, platform: str | None = None,
                    level: str | None = None, all: Any = None, url: str | None = None,
                    sources: Iterable[Source] | None = None, id: str | None = None, name: str = "",
                    render: str = "http") -> list[Source]:
    if sources is not None:
        return list(sources)
    if url:
        return [adhoc_source(url, platform or AUTO, id, name, render)]
    if not (source or province or platform or level or all):
        raise ValueError("choose sources: source=ID, province=…, platform=…, level=…, all=1 or url=…")
    return select(load_sources(), ids=source.split(",") if source else None, province=province,
                  platform=platform, level=level)


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        keys = ("source", "province", "platform", "level", "all", "url", "sources", "id", "name", "render")
        chosen = {k: kwargs.pop(k) for k in keys if k in kwargs}
        super().__init__(*args, **kwargs)
        self.sources: list[Source] = resolve_sources(**chosen)
        self.by_id = {s.id: s for s in self.sources}
        self.lists: dict[tuple[str, str], ListTally] = {}  # (source, list URL) → what its pages showed
        self.seeds = True  # yields the sources' entry points (not a fleet worker: from_crawler)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> "ReportsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        # a fleet worker starts nothing itself: the seeder pushed the entry points to the fleet
        spider.seeds = crawler.settings.get("XXGK_FLEET_ROLE") != "worker"
        if any(s.render == "browser" for s in spider.sources):  # settings are not frozen yet
            if crawler.settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS").get("executable_path"):
                if crawler.settings.get("XXGK_FLEET_ROLE"):  # behind the fleet's host slots
                    crawler.settings.set("XXGK_FLEET_HANDLER", PLAYWRIGHT_HANDLERS["http"], priority="spider")
                else:
                    crawler.settings.set("DOWNLOAD_HANDLERS", PLAYWRIGHT_HANDLERS, priority="spider")
            else:  # the crawl goes on: their challenge pages are archived as blocked
                spider.logger.error("%s; sources with render=browser are fetched over plain HTTP",
                                    missing_message())
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for src in self.sources if self.seeds else ():
            meta = {"source": src.id, "platform": src.platform}
            if src.render == "browser":
                meta["playwright"] = True
            urls = [src.entry_url, *[u for u in src.entry_urls if u != src.entry_url]]
            if src.platform == AUTO and detect_platform("", urls[0]) == "generic":
                urls[0] = column_url(urls[0])  # most columns are folders whose ./ links need the slash
            for req in adapter_for(src.platform).start(urls[0], {**meta, "fallbacks": urls[1:]}):
                yield self.watched(req)

    # -- answers ----------------------------------------------------------------------------
    def parse(self, response: Response, **_: Any):
        meta = response.meta
        role = meta.get("role", LISTING)
        adapter = adapter_for(meta.get("platform"))
        status = self.status_of(response)
        reason = blocked_reason(status, response.body)
        if reason:
            self.count(meta, "blocked")
            self.page_failed(meta)
            yield self.capture(response, "blocked", reason=reason)
            yield from self.fallback(response)
            return
        if "dataloss" in response.flags:  # the server closed before the announced length
            self.count(meta, "errors")
            self.page_failed(meta)
            yield self.capture(response, "error", reason="truncated body")
            return
        if status >= 300:
            self.page_failed(meta)
            if meta.get("optional") and status == 404:
                return  # a pagination probe past the end
            self.count(meta, "errors")
            yield self.capture(response, "error", reason=f"HTTP {status}")
            if role == LISTING:
                yield from self.listing_output(response, adapter.failed_page(response))
            yield from self.fallback(response)
            return
        if meta.get("platform") == AUTO and role == LISTING and hasattr(response, "text"):
            adapter = adapter_for(self.detect(response))
        if role == DOCUMENT:
            yield self.capture(response, "report", title=meta.get("title"))
        elif role == ATTACHMENT:
            self.count(meta, "attachments")
            yield self.capture(response, "attachment", parent_url=meta.get("parent"), title=meta.get("title"))
        elif role == DETAIL or (role == LISTING and self.is_report_page(response)):
            yield from self.detail(response, adapter)
        else:
            yield self.capture(response, "listing")
            yield from self.listing_output(response, adapter.parse_listing(response))

    # -- lists --------------------------------------------------------------------------------
    def listing_output(self, response: Response, outputs: Iterable) -> Iterable[scrapy.Request]:
        """An adapter's requests go out; its ListPage notes are added up per list."""
        for out in outputs:
            if isinstance(out, ListPage):
                key = response.meta.get("list") or response.url
                self.tally(response.meta.get("source"), key).add(out, further="list" in response.meta)
                continue
            if out.meta.get("list"):
                self.tally(out.meta.get("source"), out.meta["list"]).requested += 1
            yield self.watched(out)

    def tally(self, source: str | None, key: str) -> ListTally:
        if (source, key) not in self.lists:
            self.lists[(source, key)] = ListTally(source or "", key)
        return self.lists[(source, key)]

    def page_failed(self, meta: dict) -> None:
        """A further page of a list answered with an error, or not at all."""
        if meta.get("role", LISTING) == LISTING and meta.get("list"):
            tally = self.tally(meta.get("source"), meta["list"])
            tally.failed += 1
            if meta.get("optional"):
                tally.probes_failed.add(meta.get("list_page", 0))

    def incomplete_lists(self) -> list[dict]:
        """Lists that hold fewer entries than they declare: {source_id, declared, reached, unit,
        list_url} each (crawler.completeness)."""
        out = []
        for tally in self.lists.values():
            if (short := tally.shortfall()) is not None:
                out.append({"source_id": tally.source_id, **short})
        return out

    def detect(self, response: Response) -> str:
        """The platform of an ad-hoc source, from the markers of its entry page: logged, used
        for the rest of the crawl and stored with the source."""
        platform = detect_platform(text_of(response), response.url)
        response.meta["platform"] = platform
        src = self.by_id.get(response.meta.get("source"))
        if src is not None:
            src.platform = platform
        log.info("%s: platform %s (detected from %s)", response.meta.get("source"), platform, response.url)
        return platform

    def detail(self, response: Response, adapter) -> Iterable:
        target = adapter.redirect_target(response, selector(response)) if hasattr(response, "text") else None
        if target:  # a single-article column forwarding by script: the target is the report
            yield self.capture(response, "listing")
            yield self.watched(adapter.request(response, target, DETAIL, title=response.meta.get("title")))
            return
        d = adapter.parse_detail(response)
        if not d.is_report:
            yield self.capture(response, "listing", title=d.title)
            return
        yield self.capture(response, "report", title=d.title, published_date=d.published)
        for link in d.attachments:
            yield self.watched(adapter.request(response, link.url, ATTACHMENT, parent=response.url,
                                              title=link.text or attachment_name(link.url)))

    @staticmethod
    def status_of(response: Response) -> int:
        """A browser that passed a JS challenge reports the challenge's status (412/202/521) for
        the page it ended on; what counts is whether that page is real."""
        if (response.meta.get("playwright") and response.status in (202, 412, 521)
                and blocked_reason(200, response.body) is None and b"<a " in response.body):
            return 200
        return response.status

    @staticmethod
    def is_report_page(response: Response) -> bool:
        if not hasattr(response, "text"):
            return False
        sel = selector(response)
        return looks_like_report_page(sel, page_title(sel))

    def fallback(self, response: Response) -> Iterable[scrapy.Request]:
        """A column that drifted (404, blocked): try the source's next entry point."""
        rest = response.meta.get("fallbacks") or []
        if response.meta.get("role") != LISTING or not rest:
            return
        src = self.by_id.get(response.meta.get("source"))
        nxt, rest = rest[0], rest[1:]
        role = DETAIL if src and nxt in src.samples else LISTING
        meta = {k: response.meta[k] for k in ("source", "platform", "playwright") if k in response.meta}
        if role == DETAIL:
            yield scrapy.Request(nxt, meta={**meta, "role": DETAIL, "fallbacks": rest}, errback=self.failed)
        else:
            yield from map(self.watched, adapter_for(meta.get("platform")).start(nxt, {**meta, "fallbacks": rest}))

    def failed(self, failure: Failure):
        """No answer at all (timeout, refused connection, too large) — or robots.txt said no."""
        request = failure.request
        if failure.check(IgnoreRequest):  # robots.txt Disallow, offsite: not a failure
            self.crawler.stats.inc_value(f"xxgk/{request.meta.get('source')}/ignored")
            self.page_failed(request.meta)
            return
        self.count(request.meta, "errors")
        self.page_failed(request.meta)
        yield Capture(url=request.url, source_id=request.meta.get("source"), kind="error",
                      reason=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500],
                      parent_url=request.meta.get("parent"))

    # -- helpers ----------------------------------------------------------------------------
    def watched(self, request: scrapy.Request) -> scrapy.Request:
        """The request with `failed` as its errback, so a missing answer is still captured."""
        request.errback = self.failed
        return request

    def count(self, meta: dict, what: str) -> None:
        self.crawler.stats.inc_value(f"xxgk/{meta.get('source')}/{what}")

    @staticmethod
    def capture(response: Response, kind: str, **kw: Any) -> Capture:
        cap = response.meta.get("capture") or {}
        ctype = response.headers.get(b"Content-Type")
        return Capture(url=response.url, source_id=response.meta.get("source"), kind=kind,
                       body=response.body, content_type=ctype.decode("latin-1") if ctype else None,
                       http_status=ReportsSpider.status_of(response), fetched_at=cap.get("fetched_at"),
                       warc_file=cap.get("warc_file"), warc_offset=cap.get("warc_offset"),
                       warc_sha256=cap.get("sha256"), **kw)
