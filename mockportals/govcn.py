"""gov.cn-style (UCAP) sites: a list page with 下一页 links to `content_NNN.htm` articles whose
body sits in `#UCAP-CONTENT`, dated by `<meta name="firstpublishedtime">`; plus a JSON feed."""
from __future__ import annotations

import json
from datetime import datetime
from html import escape

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response, not_found
from mockportals.site import (Column, Site, article_tools, chrome_bottom, chrome_top, companion_fragment,
                              html_page, html_response, report_fragment)


class GovcnSite(Site):
    portal = "govcn"
    platform = "govcn"
    site_name = "中央政府门户网站（模拟）"
    site_code = "bm01000001"
    province = ""  # the national portal: ministries and provinces
    list_path = "/zhengce/zfxxgknb/"
    feed_path = "/zhengce/zfxxgknb/feed.json"

    def build(self) -> None:
        self.column = Column(self.list_path, "政府信息公开年度报告")
        self.by_path: dict[str, ManifestEntry] = {}
        for agency in self.agencies(4, level="ministry") + self.agencies(2, level="province"):
            for year in range(2019, 2024):
                self.add_report(agency, year, self.plan.published(year))
        for e in self.plan.rng.sample([e for e in self.entries], 3):
            self._add(e.agency, e.year, e.published, companion="解读")
        self.sources.append(Source(self.portal, self.platform, self.url(self.list_path + "index.htm"),
                                   self.column.name, note=f"JSON feed {self.feed_path}"))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        return self._add(agency, year, published)

    def _add(self, agency: str, year: int, published: datetime, companion: str = "") -> ManifestEntry:
        path = f"/zhengce/content/{published:%Y-%m}/{published:%d}/content_{self.plan.new_id(5_000_000, 5_999_999)}.htm"
        e = self.entry(self.column, path, agency, year, published, companion=companion,
                       kind="companion" if companion else "report")
        self.by_path[path] = e
        return e

    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            return self.cache.get(path, lambda: self.detail(self.by_path[path]))
        if path == self.feed_path:
            items = [{"title": e.title, "url": e.url, "pubtime": f"{e.published:%Y-%m-%d %H:%M:%S}",
                      "puborg": e.agency} for e in self.column.entries]
            return html_response(json.dumps({"total": len(items), "items": items}, ensure_ascii=False),
                                 self.column.modified, content_type="application/json; charset=utf-8")
        pages = self.column.pages(self.page_size)
        names = {self.list_path: 0, self.list_path + "index.htm": 0,
                 **{f"{self.list_path}index_{i}.htm": i for i in range(1, len(pages))}}
        if path in names:
            return self.list_page(names[path], pages)
        return not_found()

    def list_page(self, n: int, pages: list[list[ManifestEntry]]) -> Response:
        items = "\n".join(f'<li><h4><a href="{e.url[len(self.base):]}" target="_blank">{escape(e.title)}</a>'
                          f'<span class="date">{e.published:%Y-%m-%d}</span></h4></li>' for e in pages[n])
        nav = []
        if n > 0:
            nav.append(f'<a href="{"index.htm" if n == 1 else f"index_{n - 1}.htm"}">上一页</a>')
        if n + 1 < len(pages):
            nav.append(f'<a href="index_{n + 1}.htm">下一页</a>')
        body = (chrome_top(self.site_name, [("/", "首页"), ("/zhengce/", "政策"), ("index.htm", self.column.name)])
                + f'<div class="list"><ul>\n{items}\n</ul></div>\n<div class="pages">{" ".join(nav)}'
                + f" 共{len(pages)}页</div>" + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"{self.column.name}_{self.site_name}", "", body), self.column.modified)

    def detail(self, e: ManifestEntry) -> Response:
        inner = companion_fragment(e) if e.kind == "companion" else report_fragment(e, "govcn")
        head = (f'<meta name="firstpublishedtime" content="{e.published:%Y-%m-%d-%H:%M:%S}">\n'
                f'<meta name="lastmodifiedtime" content="{e.published:%Y-%m-%d-%H:%M:%S}">\n'
                f'<meta name="source" content="{escape(e.agency)}">\n'
                f'<meta name="contentid" content="{e.url.rsplit("_", 1)[1][:-4]}">')
        body = (chrome_top(self.site_name, [("/", "首页"), ("/zhengce/zfxxgknb/index.htm", self.column.name)])
                + f'<div class="article"><h1 id="ti">{escape(e.title)}</h1>'
                + f'<div class="pages-date">{e.published:%Y-%m-%d %H:%M} 来源：{escape(e.agency)}</div>'
                + article_tools()
                + f'<div class="pages_content" id="UCAP-CONTENT">{inner}</div></div>'
                + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"{e.title}_{self.site_name}", head, body), e.published)
