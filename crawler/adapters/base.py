"""What every platform adapter shares: decoding, link extraction, report/attachment discovery.

An adapter is a plain class: `start(source, url)` gives the first requests, `parse_listing`
turns a list page (or API answer) into requests, `parse_detail` reads a detail page into a
`Detail` (is it a report, its title and date, its attachments). All requests go back through
the spider's single callback; `meta["role"]` says what the answer is. Each list answer also
yields one `ListPage` (its entries and declared size) for the completeness check
(crawler.completeness); further pages of a list are made with `page()`, which carries the list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.response import get_base_url
from w3lib.encoding import html_to_unicode

from ..completeness import ListPage
from ..discovery import (ATTACHMENT_EXTS, attachment_name, clean_title, is_attachment_url, is_companion,
                         is_document_url, is_report_title)

# roles: listing (a list page or list API answer), detail (an article page), document (a file a
# list links straight to: the report itself), attachment (a file a detail page links)
LISTING, DETAIL, DOCUMENT, ATTACHMENT = "listing", "detail", "document", "attachment"
_SECTION_MARKERS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                    "政府信息公开行政复议", "存在的主要问题", "其他需要报告的事项")
_SUBCOLUMN_TEXT = re.compile(r"^\s*(?:(?:19|20)\d{2}\s*年?度?(?:年报|报告)?|.{0,8}(?:部门|乡镇|街道|镇街|"
                             r"区县|县区|市直|单位|区级|县级|市级|政府)(?:年报|年度报告)?)\s*$")
_COLUMN_TEXT = re.compile(r"年报|年度报告|信息公开报告")
_DIRECTORY = re.compile(r"/(?:index(?:_\d+)?\.s?html?)?$")  # a column URL, not an article's
_SCRIPT_REDIRECT = re.compile(
    r"""(?:window\.|self\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*["']([^"']+)["']""")
# a list's entries: article pages (TRS t2024…_id, gov.cn content_N, Hanweb art_…, gkmlpt post_N,
# numbered pages in general) and files; the page's chrome links columns and home pages
_ENTRY = re.compile(r"/t\d{8}_\d+[^/]*$|/(?:content|art|post|info)_[\w-]+\.\w+$|/[^/]*\d{4,}[^/]*\.(?:s?html?|jhtml|jsp)$",
                    re.I)
_ENTRY_QUERY = re.compile(r"(?:^|&)(?:id|docid|articleid|infoid|contentid|aid|newsid)=\w+", re.I)
_DECLARED_RECORDS = re.compile(r"共\s*(\d+)\s*条")
_DECLARED_PAGES = re.compile(r"共\s*(\d+)\s*页")
# where pages keep attachments outside the body: Fujian's block, generic attachment lists
ATTACHMENT_BLOCKS = (".article_attachment", "#file_ul_fj", ".attachment", ".attachments", "#attachment",
                     ".fujian", ".fjxz")
# a quoted file name inside a script's array literal (a 全真版 PDF may be named only there)
_SCRIPT_ARRAY = re.compile(r"\[([^\[\]]*)\]", re.S)
_SCRIPT_FILE = re.compile(r"""["']([^"'<>\s]+?(?:%s))["']""" % "|".join(re.escape(e) for e in ATTACHMENT_EXTS),
                          re.I)


@dataclass
class Link:
    url: str
    text: str


@dataclass
class Detail:
    title: str = ""
    published: str | None = None
    is_report: bool = False
    attachments: list[Link] = field(default_factory=list)


def text_of(response: Response) -> str:
    """The page as text, decoded as a browser would: header charset, else BOM/<meta>, else sniffed."""
    if isinstance(response, TextResponse):
        return response.text
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return html_to_unicode(ctype, response.body)[1]


# home-made memo, not lru_cache: keyed weakly, so a response's tree goes when the response does
_SELECTORS: WeakKeyDictionary[Response, Selector] = WeakKeyDictionary()


def selector(response: Response) -> Selector:
    """The page's parsed tree, built once per response: the spider and its adapter both read it."""
    sel = _SELECTORS.get(response)
    if sel is None:
        sel = _SELECTORS[response] = Selector(text=text_of(response) or "<html></html>", type="html",
                                              base_url=response.url)
    return sel


def base_url(response: Response) -> str:
    if isinstance(response, TextResponse):
        return get_base_url(response)
    return response.url


def links(sel: Selector, base: str, scope: str = "a") -> Iterator[Link]:
    for a in sel.css(scope):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = clean_title(a.attrib.get("title") or " ".join(a.css("::text").getall()))
        yield Link(urljoin(base, href), text)


def looks_like_report_page(sel: Selector, title: str) -> bool:
    """A page that is itself a report (e.g. a single-article column): title and section headings."""
    if not is_report_title(title):
        return False
    body = " ".join(sel.css("body ::text").getall())
    return sum(m in body for m in _SECTION_MARKERS) >= 3


def list_entries(found: Iterable[Link], base: str) -> list[str]:
    """The entry URLs among a list page's links (same site; articles, files, report titles), in order."""
    host = urlsplit(base).netloc
    out = []
    for link in found:
        u = urlsplit(link.url)
        if u.netloc == host and link.url not in out and (
                _ENTRY.search(u.path) or _ENTRY_QUERY.search(u.query) or is_document_url(link.url)
                or is_report_title(link.text)):
            out.append(link.url)
    return out


def declared_size(text: str) -> tuple[int | None, int | None]:
    """(records, pages) a list page states in words: 共N条 / 共N页."""
    r, p = _DECLARED_RECORDS.search(text), _DECLARED_PAGES.search(text)
    return (int(r.group(1)) if r else None), (int(p.group(1)) if p else None)


def page_title(sel: Selector) -> str:
    for q in ('meta[name="ArticleTitle"]::attr(content)', 'meta[property="og:title"]::attr(content)',
              'meta[name="title"]::attr(content)'):
        if t := sel.css(q).get():
            return clean_title(t)
    for q in ("h1", ".title", "#title", "h2", "title"):
        t = clean_title(" ".join(sel.css(f"{q} ::text").getall()))
        if t:
            return t
    return ""


def page_date(sel: Selector) -> str | None:
    for q in ('meta[name="PubDate"]::attr(content)', 'meta[name="firstpublishedtime"]::attr(content)',
              'meta[name="publishdate"]::attr(content)', 'meta[name="pubdate"]::attr(content)'):
        if d := sel.css(q).get():
            return d.strip()
    return None


class Adapter:
    name = "generic"
    body_css: tuple[str, ...] = ()  # where the report body sits on detail pages (attachments around it)

    # -- requests ---------------------------------------------------------------------------
    def request(self, response: Response | None, url: str, role: str, **meta) -> Request:
        base = dict(response.meta) if response is not None else {}
        keep = {k: base[k] for k in ("source", "platform", "playwright") if k in base}
        return Request(url, meta={**keep, "role": role, **meta},
                       priority={LISTING: 10, DETAIL: 5, DOCUMENT: 5, ATTACHMENT: 0}.get(role, 10))

    def page(self, response: Response, url: str, number: int | None = None, **meta) -> Request:
        """A further page of the list `response` belongs to (`number`: which page; default the
        next one): it carries the list's key for the completeness check."""
        here = response.meta.get("list_page", 1)
        return self.request(response, url, LISTING, list=response.meta.get("list") or response.url,
                            list_page=number or here + 1, **meta)

    def start(self, url: str, meta: dict) -> Iterable[Request]:
        yield Request(url, meta={**meta, "role": LISTING}, priority=20)

    # -- listings ---------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterable[Request | ListPage]:
        sel = selector(response)
        found = list(links(sel, base_url(response)))
        yield from self.entries(response, found)
        yield from self.subcolumns(response, found)
        yield from self.next_pages(response, sel)
        yield self.list_page(response, sel, found)

    def list_page(self, response: Response, sel: Selector, found: list[Link], **declared) -> ListPage:
        """What this list answer shows; the size it declares in words (共N条 / 共N页) unless given."""
        if not declared:
            records, pages = declared_size(" ".join(sel.css("body ::text").getall()))
            declared = {"records": records, "pages": None if records else pages}
        return ListPage(list_entries(found, base_url(response)), page=response.meta.get("list_page", 1),
                        **declared)

    def entries(self, response: Response, found: Iterable[Link]) -> Iterator[Request]:
        """Requests for the report entries among a list's links (companions never followed)."""
        for link in found:
            if not is_report_title(link.text) or urlsplit(link.url).scheme not in ("http", "https"):
                continue
            role = DOCUMENT if is_document_url(link.url) else DETAIL
            yield self.request(response, link.url, role, title=link.text)

    def failed_page(self, response: Response) -> Iterable[Request]:
        """Another way to the same list page when it answered with an error (none by default)."""
        return ()

    def subcolumns(self, response: Response, found: Iterable[Link]) -> Iterator[Request]:
        """Year and unit sub-columns (2022n/, bmxxgknb/, xzjd/) below the current column, and
        sibling annual-report columns (a moved column's new address) elsewhere on the site."""
        here = urlsplit(response.url)
        column = here.path.rsplit("/", 1)[0] + "/"
        for link in found:
            u = urlsplit(link.url)
            if u.netloc != here.netloc or u.path in (here.path, column) or not _DIRECTORY.search(u.path):
                continue
            if is_report_title(link.text) or is_attachment_url(link.url):
                continue  # entries() follows reports
            below = u.path.startswith(column)
            if (below and _SUBCOLUMN_TEXT.match(link.text)) or _COLUMN_TEXT.search(link.text):
                yield self.request(response, link.url, LISTING)

    def next_pages(self, response: Response, sel: Selector) -> Iterator[Request]:
        for link in links(sel, base_url(response)):
            if link.text in ("下一页", "下页", "后一页", ">", "›", "»", "next", "Next") \
                    and urlsplit(link.url).scheme in ("http", "https") and link.url != response.url:
                yield self.page(response, link.url)

    def redirect_target(self, response: Response, sel: Selector) -> str | None:
        """A column page that only forwards to its one article by script (meta refresh is Scrapy's
        MetaRefreshMiddleware's)."""
        if len(sel.css("a")) > 3:
            return None
        for script in sel.css("script::text").getall():
            if m := _SCRIPT_REDIRECT.search(script):
                return response.urljoin(m.group(1))
        return None

    # -- details ----------------------------------------------------------------------------
    def parse_detail(self, response: Response) -> Detail:
        sel = selector(response)
        title = page_title(sel)
        hint = response.meta.get("title", "")
        is_report = is_report_title(title) or (is_report_title(hint) and not is_companion(title))
        attachments, seen = [], set()
        for link in self.attachment_links(response, sel):
            if (is_attachment_url(link.url) and link.url not in seen and not is_companion(link.text)
                    and not is_companion(attachment_name(link.url, link.text))):
                seen.add(link.url)
                attachments.append(link)
        return Detail(title=title or hint, published=page_date(sel), is_report=is_report,
                      attachments=attachments if is_report else [])

    def attachment_links(self, response: Response, sel: Selector) -> Iterator[Link]:
        """Where a report page keeps its files: the whole article around the body (附件 lines
        often follow it), known attachment blocks outside it (Fujian's div.article_attachment /
        ul#file_ul_fj), 附件 lists, and file names in inline script arrays — but not the site
        chrome, whose sidebars link guides and forms as PDFs too."""
        base = base_url(response)
        body = next((found[0] for c in self.body_css if (found := sel.css(c))), None)
        parent = body.xpath("..") if body is not None else []
        article = parent[0] if parent else sel
        yield from links(article, base)
        for block in sel.css(", ".join(ATTACHMENT_BLOCKS)):
            yield from links(block, base)
        for label in sel.xpath("//body//*[not(self::script)][contains(text(), '附件')]/.."):
            if label.root.tag not in ("body", "html"):
                yield from links(label, base)
        for script in sel.xpath("//script[not(@src)]/text()").getall():
            for array in _SCRIPT_ARRAY.findall(script):
                for name in _SCRIPT_FILE.findall(array):
                    if "/" in name or name.isascii():  # a path, not a display name (全真版.pdf)
                        yield Link(urljoin(base, name), "")
