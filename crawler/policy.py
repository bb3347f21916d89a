"""The incremental policy, as pure functions over plain data (no Scrapy, no SQL): when a known
document is due for a re-check, which list pages to follow, and what the archive knows about a URL.

- Listing pages are always revisited, conditionally when the archive holds an earlier answer.
  Pagination stops once a page lists only known items: from such a page at most
  XXGK_LISTING_SAFETY_DEPTH further pages are followed (default 1; reports are sometimes
  back-dated below the first page). A page with any new item follows every next page.
- Known report pages, documents and attachments are skipped while fresh, and re-checked with a
  conditional GET once due: the re-check interval is a share of the item's age in the archive
  (XXGK_RECHECK_AGE_FACTOR, default 0.25), clamped to [XXGK_RECHECK_MIN_DAYS,
  XXGK_RECHECK_MAX_DAYS] (default 1 and 90 days): new reports, which are the ones corrected, are
  looked at often, old ones rarely.
- A report page counts as known only once the archive holds it and every attachment it linked:
  a run killed between a page and its attachments fetches the page again (a cheap 304) and the
  missing attachments.
- A URL's validators are only used when the answer they belong to is archived, so a run killed
  before its load never claims a document.

The Scrapy side is crawler/incremental.py; the rows come from archive/urlchecks.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Container, Iterable, Iterator, Protocol
from urllib.parse import parse_qsl, urlsplit

_DOCUMENT_PATH = re.compile(r"\.(pdf|docx?|wps|ofd|xlsx?|et|zip|rar)$")


def now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def is_page(url: str) -> bool:
    """A web page rather than a document file (which links no attachments)."""
    return not _DOCUMENT_PATH.search(urlsplit(url).path.lower())


# -- the re-check policy --------------------------------------------------------------------

@dataclass(frozen=True)
class RecheckPolicy:
    """How long a known document stays fresh: age_factor × its age in the archive, clamped."""
    min_days: float = 1.0
    max_days: float = 90.0
    age_factor: float = 0.25

    @classmethod
    def from_settings(cls, settings: Any) -> "RecheckPolicy":
        return cls(settings.getfloat("XXGK_RECHECK_MIN_DAYS", 1.0), settings.getfloat("XXGK_RECHECK_MAX_DAYS", 90.0),
                   settings.getfloat("XXGK_RECHECK_AGE_FACTOR", 0.25))

    def interval(self, first_seen: datetime, at: datetime) -> timedelta:
        age = max(at - first_seen, timedelta(0))
        lo, hi = timedelta(days=self.min_days), timedelta(days=max(self.min_days, self.max_days))
        return min(max(age * self.age_factor, lo), hi)

    def due(self, first_seen: datetime, last_checked: datetime, at: datetime) -> bool:
        return at - last_checked >= self.interval(first_seen, at)


# -- pagination -----------------------------------------------------------------------------

class PageRequest(Protocol):  # what pagination looks at: a Scrapy Request has both
    url: str
    meta: dict[str, Any]


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


def page_number(request: PageRequest) -> int | None:
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


def follow_pages(pages: list[PageRequest], listing_items: list[str], known_urls: Container[str], depth: int,
                 safety_depth: int) -> tuple[list[PageRequest], int]:
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
    def from_rows(cls, archived: Iterable[Any], checks: Iterable[Any],
                  policy: RecheckPolicy | None = None) -> "KnownItems":
        """From archive.urlchecks' rows: `archived` (url, kind, fetched_at, warc_file,
        warc_offset, source_id, parent_url), oldest first, and `checks` (url, checked_at, etag,
        last_modified, warc_file, warc_offset, children)."""
        known: dict[str, Known] = {}
        for url, kind, fetched, wf, wo, source_id, parent in archived:
            t = parse_time(fetched) or now()
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
        by_url = {url: Check(parse_time(at), etag, lm, (wf, int(wo)) if wf and wo is not None else None, children)
                  for url, at, etag, lm, wf, wo, children in checks}
        return cls(known, by_url, policy or RecheckPolicy())

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
            return self.known[url].kind != "report" or not is_page(url)
        return all(ch in self.known for ch in c.children)

    def skip(self, url: str, at: datetime | None = None) -> bool:
        """Fresh and complete: not worth even a conditional request this run."""
        if not self.complete(url):
            return False
        at = at or now()
        return not self.policy.due(self.known[url].first_seen, self.last_checked(url) or at, at)

    def due(self, source_ids: Iterable[str], at: datetime | None = None) -> Iterator[tuple[str, Known]]:
        """Archived reports and attachments of these sources that are due for a re-check (or
        incomplete), wherever they are listed: pagination stops before old pages, so the list
        alone would never bring them up again."""
        ids, at = set(source_ids), at or now()
        for url, k in self.known.items():
            if k.source_id in ids and k.kind in ("report", "attachment") and not self.skip(url, at):
                yield url, k

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
