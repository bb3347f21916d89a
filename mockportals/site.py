"""What every mock portal shares: the manifest bookkeeping, robots.txt, a render cache, the
page chrome real portals wrap around a report, and the report renderings themselves."""
from __future__ import annotations

import bisect
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape
from typing import Callable

from mockportals import documents
from mockportals.manifest import (CST, COMPANIONS, ManifestEntry, Plan, Source, registry_province, scaled,
                                  template_for)
from mockportals.server import HTML, Request, Response, not_found
from reportgen import render_html, render_text
from reportgen.agencies import agency as invent_agency
from reportgen.docx import render_docx

SITE_EPOCH = datetime(2017, 1, 1, tzinfo=CST)
MEDIA = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ofd": "application/ofd",
    "png": "image/png",
}


class LRU:
    """A bounded render cache: crawls touch each page about once, so keep memory flat. (Not
    functools.lru_cache: one per portal, keyed by path over several render functions, and
    emptied when the portal publishes.)"""

    def __init__(self, size: int = 512):
        self.size, self._d, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str, make: Callable[[], Response]) -> Response:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        value = make()  # outside the lock: rendering may take a while
        with self._lock:
            self._d[key] = value
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


@dataclass
class Column:
    """A list of documents at one URL path (a column, sub-column or category)."""
    path: str
    name: str
    entries: list[ManifestEntry] = field(default_factory=list)

    def add(self, entry: ManifestEntry) -> None:
        """Keep newest first (ties in insertion order), as lists show them."""
        bisect.insort_right(self.entries, entry, key=lambda e: -e.published.timestamp())

    def pages(self, size: int) -> list[list[ManifestEntry]]:
        return [self.entries[i:i + size] for i in range(0, len(self.entries), size)] or [[]]

    @property
    def modified(self) -> datetime:
        return max((e.published for e in self.entries), default=SITE_EPOCH)


class Site:
    portal = ""
    platform = ""
    site_name = ""
    site_code = ""
    province = ""  # the province whose site this is (reportgen's name); "" for a national portal
    robots = "User-agent: *\nDisallow:\n"

    def __init__(self, base: str, seed: int, scale: float = 1.0, page_size: int = 10):
        self.base, self.seed, self.scale, self.page_size = base, seed, scale, page_size
        self.plan = Plan(seed, self.portal)
        self.entries: list[ManifestEntry] = []
        self.sources: list[Source] = []
        self.by_agency_year: dict[tuple[str, int], ManifestEntry] = {}  # first report of each
        self.cache = LRU()
        self.lock = threading.Lock()
        self.gone: set[str] = set()  # paths answering 404 (tests make a portal under-deliver)
        self.build()
        self.sources = [replace(s, province=registry_province(self.province)) for s in self.sources]

    # -- subclasses -------------------------------------------------------------------------
    def build(self) -> None:
        raise NotImplementedError

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        """Publish one more report in the main column (for `publish`)."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------
    def route(self, req: Request) -> Response:
        if req.path in self.gone:
            return not_found()
        if req.path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain; charset=utf-8", modified=SITE_EPOCH)
        if req.path in ("/", "/index.html"):
            return self.home()
        return self.handle(req)

    def home(self) -> Response:
        """The portal's front page: links to its first entry point, as 政府信息公开 menus do."""
        links = f'<a href="{escape(self.sources[0].url[len(self.base):])}">{escape(self.sources[0].name)}</a>'
        body = chrome_top(self.site_name, [("/", "首页")]) + f'<div class="menu">{links}</div>' + chrome_bottom(
            self.site_name, self.site_code)
        return html_response(html_page(self.site_name, "", body), SITE_EPOCH)

    def url(self, path: str) -> str:
        return self.base + path

    def agencies(self, n: int, level: str | tuple[str, ...] = ("city", "county", "township"),
                 province: str | None = None, fixed: bool = False) -> list[str]:
        """`n` distinct invented agency names at `level` (one or a choice), times `scale`
        unless `fixed`; the same arguments give the same names."""
        rng, names = random.Random(f"{self.seed}:{self.portal}:agencies"), []
        levels = (level,) if isinstance(level, str) else level
        province = province or self.province or None
        want = n if fixed else scaled(n, self.scale)
        for _ in range(200 * want + 1000):  # the name space is finite: give up rather than loop
            name = invent_agency(rng, level=rng.choice(levels), province=province).name
            if name not in names:
                names.append(name)
            if len(names) == want:
                break
        return names

    def entry(self, column: Column, path: str, agency: str, year: int, published: datetime, *,
              kind: str = "report", fmt: str = "html", template: str | None = None,
              companion: str = "", attachments: list[str] | None = None, expect: str | None = None,
              flags: tuple[str, ...] = (), title: str | None = None) -> ManifestEntry:
        if title is None:
            title = (COMPANIONS[companion].format(a=agency, y=year) if companion
                     else self.plan.title(agency, year))
        e = ManifestEntry(
            portal=self.portal, url=self.url(path), kind=kind, agency=agency, year=year,
            template=template or template_for(year), fmt=fmt, title=title, published=published,
            column=self.url(column.path), attachments=[self.url(a) for a in attachments or ()],
            expect=expect or ("archived" if kind == "report" else "skipped"),
            flags=flags + ((companion,) if companion else ()), seed=self.plan.report_seed(),
        )
        if kind == "report":
            self.chain(e)
        column.add(e)
        self.entries.append(e)
        return e

    def chain(self, e: ManifestEntry) -> None:
        """Link `e` into its agency's series of years. A second report of an agency-year in the
        same layout is the same report posted again (another column): same seed, same figures."""
        first = self.by_agency_year.setdefault((e.agency, e.year), e)
        if first is not e and first.template == e.template:
            e.seed = first.seed
        e.previous = self.by_agency_year.get((e.agency, e.year - 1))
        later = self.by_agency_year.get((e.agency, e.year + 1))
        if first is e and later is not None and later.previous is None:  # years added out of order
            for x in self.entries:
                if x.kind == "report" and (x.agency, x.year) == (e.agency, e.year + 1):
                    x.previous = e

    def publish(self, n: int) -> list[ManifestEntry]:
        """Add `n` reports for the year after the newest one, published after everything else."""
        with self.lock:
            reports = [e for e in self.entries if e.kind == "report"]
            year = max(e.year for e in reports) + 1
            latest = max(e.published for e in self.entries)
            names = list(dict.fromkeys(e.agency for e in reports))
            done = {(e.agency, e.year) for e in reports}
            new = []
            for agency in names * (n // len(names) + 2):
                if len(new) == n:
                    break
                while (agency, year) in done:
                    year += 1
                done.add((agency, year))
                new.append(self.add_report(agency, year, latest + timedelta(days=len(new) + 1)))
            self.cache.clear()
            return new

    def revise(self, url: str | None = None) -> ManifestEntry:
        """Correct one published report in place, as portals do: same URL, title and date, other
        figures (and so other bytes and ETag). `url` picks it; default the first HTML report."""
        with self.lock:
            found = [e for e in self.entries if e.kind == "report" and e.expect == "archived"
                     and (e.url == url if url else e.fmt == "html")]
            if not found:
                raise ValueError(f"no archived report {'at ' + url if url else 'in HTML'} on {self.portal}")
            e = found[0]
            for x in self.entries:  # reports already out keep the 上年结转 they printed
                if x.previous is e and x.carried_over is None:
                    x.carried_over = e.carried_forward
            e.seed += 1_000_003
            e.__dict__.pop("report", None)  # the cached truth follows the new seed
            e.__dict__.pop("carried_forward", None)
            self.cache.clear()
            return e


# -- renderings ------------------------------------------------------------------------------

def report_fragment(e: ManifestEntry, style: str) -> str:
    return render_html(e.generate(), style=style, fragment=True).decode("utf-8")


def report_lines(e: ManifestEntry) -> list[str]:
    return render_text(e.generate(), style="tabs").splitlines()


def companion_fragment(e: ManifestEntry, image_src: str = "") -> str:
    """An invented 解读/图解 post: it talks about the report, it is not one."""
    if image_src:
        return (f'<p style="text-align:center"><img src="{escape(image_src)}" alt="{escape(e.title)}"'
                ' width="640"></p><p>（图解内容详见上图）</p>')
    return (f"<p>近日，{escape(e.agency)}发布了{e.year}年政府信息公开工作年度报告。为便于公众理解，"
            "现就报告主要内容解读如下。</p><p>一是主动公开更加全面，围绕重点领域持续加大公开力度。</p>"
            "<p>二是依申请公开办理更加规范，答复质量进一步提升。</p>"
            "<p>三是平台建设不断加强，政府网站和政务新媒体协同发展。</p>")


def attachment(e: ManifestEntry, ext: str) -> Response:
    """The report as a file: PDF built from its text rendering; DOCX by reportgen; DOC/WPS
    converted from that DOCX by LibreOffice; OFD built from the text rendering."""
    if ext == "pdf":
        body = documents.pdf_bytes(report_lines(e), e.title)
    elif ext == "ofd":
        body = documents.ofd_bytes(report_lines(e), e.title)
    else:
        docx = render_docx(e.generate())
        body = docx if ext == "docx" else documents.doc_bytes(docx)
    return Response(200, body, MEDIA[ext], modified=e.published)


def png(modified: datetime = SITE_EPOCH) -> Response:
    return Response(200, documents.png_bytes(320, 120), MEDIA["png"], modified=modified)


def national_meta(site_name: str, site_code: str, column: str, e: ManifestEntry) -> str:
    """The meta tags the national government-website standard puts on every article page."""
    pairs = [("SiteName", site_name), ("SiteDomain", "127.0.0.1"), ("SiteIDCode", site_code),
             ("ColumnName", column), ("ColumnType", "政府信息公开年报"), ("ArticleTitle", e.title),
             ("PubDate", e.published.strftime("%Y-%m-%d %H:%M")), ("ContentSource", e.agency),
             ("Keywords", "政府信息公开,年度报告"), ("Description", e.title)]
    return "\n".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in pairs)


def chrome_top(site_name: str, crumbs: list[tuple[str, str]]) -> str:
    trail = " &gt; ".join(f'<a href="{escape(h)}">{escape(t)}</a>' for h, t in crumbs)
    return (f'<div class="topbar"><span>{escape(site_name)}</span> <a href="#">繁體版</a> | '
            '<a href="#">无障碍</a> | <a href="#">English</a> | <a href="#">长者模式</a></div>'
            '<div class="nav"><a href="/">首页</a> <a href="#">政务公开</a> <a href="#">政务服务</a>'
            ' <a href="#">互动交流</a></div>'
            f'<div class="position">当前位置：{trail}</div>')


def chrome_bottom(site_name: str, site_code: str) -> str:
    return (f'<div class="footer"><p>主办：{escape(site_name)}办公室 网站标识码：{site_code}</p>'
            '<p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></p></div>')


def article_tools() -> str:
    return '<div class="tools">字体：<a>大</a> <a>中</a> <a>小</a> 【<a>打印</a>】【<a>关闭</a>】</div>'


def html_page(title: str, head: str, body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; '
            f'charset={charset}">\n<title>{escape(title)}</title>\n{head}\n</head>\n<body>\n{body}\n'
            '</body>\n</html>\n')


def html_response(text: str, modified: datetime | None, encoding: str = "utf-8",
                  content_type: str = HTML, status: int = 200) -> Response:
    return Response(status, text.encode(encoding, "xmlcharrefreplace"), content_type, modified=modified)

