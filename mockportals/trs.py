"""TRS WCM, the most common government CMS.

Column `…/zfxxgknb/` (trailing slash) → `index.html`, `index_1.html`, …; the page count is
only in an inline `createPageHTML(...)` call (4- or 6-argument form, or via `var countPage`).
Items link `./YYYYMM/tYYYYMMDD_<id>.html`; detail pages carry the national meta tags and a
`div.TRS_Editor` body; attachments `./P0….pdf` sit in the same month folder. The GBK variant
declares its charset only in <meta> (and says gb2312 while encoding GBK, as real sites do);
its HTTP header is plain `text/html`.
"""
from __future__ import annotations

import zlib
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response, not_found
from mockportals.site import (Column, Site, article_tools, attachment, chrome_bottom, chrome_top,
                              companion_fragment, html_page, html_response, national_meta,
                              report_fragment)


class TrsSite(Site):
    portal = "trs"
    platform = "trs"
    site_name = "临川市人民政府"
    site_code = "3610000001"
    province = "江西省"
    column_path = "/zfxxgk/zfxxgknb/"
    column_name = "政府信息公开年报"
    ext = "html"
    encoding = "utf-8"
    years = range(2018, 2024)
    n_agencies = 5
    note = ""

    def build(self) -> None:
        self.column = Column(self.column_path, self.column_name)
        self.by_path: dict[str, ManifestEntry] = {}
        self.pdfs: dict[str, ManifestEntry] = {}
        for agency in self.agencies(self.n_agencies):
            for year in self.years:
                self.add_report(agency, year, self.plan.published(year, late=self.plan.rng.random() < 0.1))
            year = self.plan.rng.choice(self.years)
            self._add(agency, year, self.plan.published(year), companion="解读")
        self.sources.append(Source(self.portal, self.platform, self.url(self.column_path),
                                   f"{self.site_name}{self.column_name}", self.note))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        roll = self.plan.rng.random()
        return self._add(agency, year, published, fmt="pdf" if roll < 0.15 else "html",
                         with_pdf=roll < 0.35)

    def _add(self, agency: str, year: int, published: datetime, fmt: str = "html",
             with_pdf: bool = False, companion: str = "") -> ManifestEntry:
        month = f"{self.column_path}{published:%Y%m}/"
        path = f"{month}t{published:%Y%m%d}_{self.plan.new_id()}.{self.ext}"
        pdf = f"{month}P0{published:%Y%m%d}{self.plan.new_id(10**11, 10**12 - 1)}.pdf" if with_pdf else ""
        e = self.entry(self.column, path, agency, year, published, fmt=fmt, companion=companion,
                       kind="companion" if companion else "report", attachments=[pdf] if pdf else [],
                       flags=("late",) if published.month > 3 else ())
        self.by_path[path] = e
        if pdf:
            self.pdfs[pdf] = e
        return e

    # -- pages ----------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            return self.cache.get(path, lambda: self.detail(self.by_path[path]))
        if path in self.pdfs:
            return self.cache.get(path, lambda: attachment(self.pdfs[path], "pdf"))
        if path == self.column_path.rstrip("/"):  # like real servers: add the slash `./` needs
            return Response(301, b"", headers=[("Location", self.url(self.column_path))])
        if path.startswith(self.column_path):
            rest = path[len(self.column_path):]
            if rest in ("", f"index.{self.ext}"):
                return self.list_page(0)
            if rest.startswith("index_") and rest.endswith(f".{self.ext}"):
                n = rest[6:-len(self.ext) - 1]
                if n.isdigit() and 0 < int(n) < len(self.column.pages(self.page_size)):
                    return self.list_page(int(n))
        return not_found()

    def content_type(self) -> str:
        return "text/html; charset=utf-8"

    def pager(self, count: int, current: int) -> str:
        total = len(self.column.entries)
        call = (f'createPageHTML({count}, {current}, "index", "{self.ext}");' if current % 2 == 0
                else f"createPageHTML('page_div',{count}, {current},'index','{self.ext}',{total});")
        return f'<div class="page" id="page_div"></div>\n<script type="text/javascript">\n{call}\n</script>'

    def list_page(self, n: int) -> Response:
        pages = self.column.pages(self.page_size)
        items = "\n".join(
            f'<li><a href="./{e.url.split(self.column_path, 1)[1]}" target="_blank" title="{escape(e.title)}">'
            f"{escape(self.list_title(e.title))}</a><span>{e.published:%Y-%m-%d}</span></li>"
            for e in pages[n])
        body = (chrome_top(self.site_name, [("/", "首页"), ("../", "政府信息公开"), ("./", self.column_name)])
                + f'<div class="column-title">{self.column_name}</div>\n<ul class="list">\n{items}\n</ul>\n'
                + self.pager(len(pages), n) + chrome_bottom(self.site_name, self.site_code))
        page = html_page(f"{self.column_name}_{self.site_name}", "", body, self.declared_charset())
        return html_response(page, self.column.modified, self.encoding, self.content_type())

    def list_title(self, title: str) -> str:
        return title

    def declared_charset(self) -> str:
        return "utf-8"

    def detail(self, e: ManifestEntry) -> Response:
        if e.kind == "companion":
            inner = companion_fragment(e)
        elif e.fmt == "pdf":
            inner = "<p>详见附件。</p>"
        else:
            inner = report_fragment(e, "trs")
        links = "".join(f'<p>附件：<a href="./{a.rsplit("/", 1)[1]}" target="_blank">{escape(e.title)}.pdf</a></p>'
                        for a in e.attachments)
        meta_table = (f'<table class="xxgk-meta"><tr><td>索引号：</td><td>{self.site_code}/{e.published:%Y}-'
                      f'{zlib.crc32(urlsplit(e.url).path.encode()) % 100000:05d}</td><td>发布机构：</td><td>{escape(e.agency)}</td></tr>'
                      f'<tr><td>发文日期：</td><td>{e.published:%Y-%m-%d}</td><td>主题分类：</td>'
                      '<td>政务公开</td></tr></table>')
        body = (chrome_top(self.site_name, [("/", "首页"), ("../../", "政府信息公开"), ("../", self.column_name)])
                + meta_table + f'<div class="article"><h1>{escape(e.title)}</h1>'
                + f'<div class="info">发布时间：{e.published:%Y-%m-%d %H:%M} 来源：{escape(e.agency)}</div>'
                + article_tools() + f'<div class="TRS_Editor">{inner}</div>{links}</div>'
                + chrome_bottom(self.site_name, self.site_code))
        head = national_meta(self.site_name, self.site_code, self.column_name, e)
        page = html_page(f"{e.title}_{self.site_name}", head, body, self.declared_charset())
        return html_response(page, e.published, self.encoding, self.content_type())


class TrsGbkSite(TrsSite):
    """Older TRS: GBK bytes, charset only in <meta>, `.shtml`, `var countPage` (off by one: the
    last page it promises answers 404), list titles cut short."""
    portal = "trs_gbk"
    site_name = "青峰县人民政府"
    site_code = "3607000002"
    column_path = "/xxgk/zfxxgknb/"
    ext = "shtml"
    encoding = "gbk"
    years = range(2019, 2024)
    n_agencies = 3
    note = "GBK declared only in <meta>; countPage one too many"

    def content_type(self) -> str:
        return "text/html"

    def declared_charset(self) -> str:
        return "gb2312"

    def list_title(self, title: str) -> str:
        return title if len(title) <= 20 else title[:18] + "..."   # the full title is in @title

    def pager(self, count: int, current: int) -> str:
        return ('<div class="page" id="page_div"></div>\n<script language="JavaScript">\n'
                f"var currentPage = {current};//所在页从0开始\nvar prevPage = currentPage-1//上一页\n"
                f"var nextPage = currentPage+1//下一页\nvar countPage = {count + 1}//共多少页\n"
                f'createPageHTML(countPage, currentPage, "index", "{self.ext}");\n</script>')
