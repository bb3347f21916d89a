"""Downloader middlewares: raw WARC capture before anything parses, and retries with backoff."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from scrapy import Request, signals
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

from tldextract import TLDExtract

from .connection import paths
from .warc import WarcStore

# Scrapy's cookie middleware would download the public-suffix list on first use; the snapshot
# bundled with tldextract is enough, and a crawl must contact nothing but the portals it crawls.
scrapy_cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


def _pairs(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in headers.items() for v in vs]


class WarcCaptureMiddleware:
    """Sits next to the downloader (slot 950): every answer — redirects, 5xx, challenges, robots.txt —
    is written to WARC before retry, redirect, decompression or the spider see it. The request's
    meta then carries where the payload lives (`capture`), which the items point at."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        data_dir = paths(settings).data_dir
        index = load_object(settings.get("XXGK_WARC_INDEX") or "crawler.warc.FileDigests")(data_dir, settings)
        self.store = WarcStore(data_dir, max_bytes=settings.getint("XXGK_WARC_MAX_BYTES", 1 << 30), index=index)
        crawler.signals.connect(self.store.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcCaptureMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        now = time.time()
        stored = self.store.write(
            url=response.url, method=request.method, request_headers=_pairs(request.headers),
            request_body=request.body or b"", status=response.status,
            reason=response_status_message(response.status).split(" ", 1)[-1],
            response_headers=_pairs(response.headers), body=response.body, fetched_at=now)
        request.meta["capture"] = {
            "warc_file": stored.warc_file, "warc_offset": stored.warc_offset, "sha256": stored.sha256,
            "fetched_at": datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds"),
        }
        source = request.meta.get("source")
        if source:  # per-source counters for crawl_runs, kept in Scrapy's own stats collector
            self.stats.inc_value(f"xxgk/{source}/requests")
            self.stats.inc_value(f"xxgk/{source}/bytes", len(response.body))
        self.stats.inc_value("xxgk/warc/revisits" if stored.revisit else "xxgk/warc/responses")
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting before each retry: RETRY_BACKOFF_BASE · 2^(attempt-1) seconds, or the
    server's Retry-After, capped at RETRY_BACKOFF_MAX. Only the retried request waits."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def _delay(self, request: Request, response: Response | None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = self.base * (2 ** attempt)
        retry_after = response.headers.get(b"Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        return min(delay, self.cap)

    async def process_response(self, request: Request, response: Response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        new = self._retry(request, response_status_message(response.status))
        if new is None:
            return response
        delay = self._delay(request, response)
        if delay > 0:
            await asyncio.sleep(delay)
        return new

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        new = self._retry(request, exception)
        if new is not None and (delay := self._delay(request, None)) > 0:
            await asyncio.sleep(delay)
        return new
