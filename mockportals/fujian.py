"""Fujian's province-wide platform (TRS publishing; every Fujian government site), as this
project renders its mechanics.

A column page (`/zwgk/zfxxgk/zfxxgknb/`) is static and shows only its first `page_size`
records; an inline script calls `listModel({…, maxStaticIndex: 1, listArgs: {channelid:
SiteInfo.searchId, classsql: "chnlid=<column>", sortfield}, pagebar: {prepage, recordCount}})`,
with `SiteInfo` defined in another script. The rest comes from the site's search API, pages
counted from 1 over the whole column:
- `POST /fjdzapp/search`, form-encoded, only as an XMLHttpRequest (`X-Requested-With`; 403
  without); JSON `{data: [{doctitle, docpuburl, chnldocurl, docreltime, pubdate, fileno, chnlid}],
  pageCount, page}`;
- the older `GET /was5/web/search?channelid=…&classsql=chnlid=…&prepage=…&page=…`, whose answer
  only looks like JSON: single-quoted values and a raw newline inside a string. The department
  column's page names this endpoint in its listModel call.
A wrong `channelid` gets an empty list from both. The main column also holds a letter
(…整改落实情况的函) and a 解读: not reports. Details `./YYYYMM/tYYYYMMDD_<id>.htm` with a
`.TRS_Editor` body inside `div.article_content`; attachments sit outside it, in
`div.article_attachment` > `ul#file_ul_fj`, and a report's 全真版 PDF may be named only in an
inline script array. `gone` paths answer 404 (tests make the API under-deliver with it).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import parse_qsl

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response, not_found
from mockportals.site import (Column, Site, attachment, chrome_bottom, chrome_top, companion_fragment, html_page,
                              html_response, national_meta, report_fragment)

FJDZAPP = "/fjdzapp/search"
WAS5 = "/was5/web/search"
JSON = "application/json;charset=UTF-8"


@dataclass
class FujianColumn:
    chnlid: int
    endpoint: str
    column: Column


class FujianSite(Site):
    portal = "fujian"
    platform = "fujian"
    site_name = "岚屿综合实验区管委会"
    site_code = "3590000009"
    province = "福建省"
    search_id = 300310  # SiteInfo.searchId: the site's document library (channelid)

    def build(self) -> None:
        self.cols: dict[int, FujianColumn] = {}
        self.by_path: dict[str, ManifestEntry] = {}
        self.files: dict[str, ManifestEntry] = {}
        self.script_only: set[str] = set()  # attachments named only in an inline script
        names = self.agencies(5)
        split = max(1, len(names) * 3 // 5)
        specs = [(2301, FJDZAPP, "/zwgk/zfxxgk/zfxxgknb/", "政府信息公开年报", names[:split]),
                 (2302, WAS5, "/zwgk/zfxxgk/bmnb/", "部门政府信息公开年报", names[split:] or names[:1])]
        for chnlid, endpoint, path, name, agencies in specs:
            col = self.cols[chnlid] = FujianColumn(chnlid, endpoint, Column(path, name))
            for agency in agencies:
                for year in range(2018, 2024):
                    self.add_to(col, agency, year, self.plan.published(year))
            self.sources.append(Source(self.portal, self.platform, self.url(path), f"{self.site_name}{name}",
                                       note=f"search API {endpoint}"))
        main = self.cols[2301]
        agency, year = names[0], 2022
        self._add(main, agency, year, self.plan.published(year), kind="companion", companion="解读")
        self._add(main, agency, year, self.plan.published(year, late=True), kind="companion",
                  title=f"{agency}关于{year}年度政府信息公开工作年度报告问题整改落实情况的函", flags=("letter",))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        return self.add_to(self.cols[2301], agency, year, published)

    def add_to(self, col: FujianColumn, agency: str, year: int, published: datetime) -> ManifestEntry:
        roll = self.plan.rng.random()
        # a PDF-only report (its file in the attachment block), a report with its 全真版 PDF named
        # only in a script, or an HTML report alone
        return self._add(col, agency, year, published, fmt="pdf" if roll < 0.2 else "html",
                         pdf="block" if roll < 0.2 else "script" if roll < 0.5 else "")

    def _add(self, col: FujianColumn, agency: str, year: int, published: datetime, *, kind: str = "report",
             fmt: str = "html", pdf: str = "", companion: str = "", title: str | None = None,
             flags: tuple[str, ...] = ()) -> ManifestEntry:
        month = f"{col.column.path}{published:%Y%m}/"
        path = f"{month}t{published:%Y%m%d}_{self.plan.new_id()}.htm"
        file = f"{month}P0{published:%Y%m%d}{self.plan.new_id(10**11, 10**12 - 1)}.pdf" if pdf else ""
        e = self.entry(col.column, path, agency, year, published, kind=kind, fmt=fmt, companion=companion,
                       title=title, attachments=[file] if file else [], flags=flags)
        self.by_path[path] = e
        if file:
            self.files[file] = e
            if pdf == "script":
                self.script_only.add(self.url(file))
        return e

    # -- pages ----------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            return self.cache.get(path, lambda: self.detail(self.by_path[path]))
        if path in self.files:
            return self.cache.get(path, lambda: attachment(self.files[path], "pdf"))
        if path == FJDZAPP:
            return self.fjdzapp(req)
        if path == WAS5:
            return self.was5(req)
        for col in self.cols.values():
            if path in (col.column.path, col.column.path + "index.htm"):
                return self.column_page(col)
            if path == col.column.path.rstrip("/"):
                return Response(301, b"", headers=[("Location", self.url(col.column.path))])
        return not_found()

    def column_page(self, col: FujianColumn) -> Response:
        entries, per = col.column.entries, self.page_size
        items = "\n".join(
            f'<dl><dd class="title"><a href="./{e.url.split(col.column.path, 1)[1]}" target="_blank" '
            f'title="{escape(e.title)}">{escape(e.title)}</a></dd><dd class="date">{e.published:%Y-%m-%d}</dd></dl>'
            for e in entries[:per])
        older = f'\n                    listUrl: "{WAS5}",' if col.endpoint == WAS5 else ""
        script = f"""<script>
    var SiteInfo = {{
        //was4doc: 100001,  //an older channel, no longer used
        itpSiteId: 7,
        searchId: {self.search_id}, //the site's document library
        defaultPgTemp: "pgBar.html"
    }};
</script>
<script>
    require(["list2.trsapi", "tools"], function(listModel, tools) {{
        listModel({{
            quickMode: "动静结合",
            maxStaticIndex: 1,{older}
            listArgs: {{
                channelid: SiteInfo.searchId,
                classsql: "" || "chnlid={col.chnlid}",
                sortfield: "-docorderpri,-docreltime"
            }},
            pagebar: {{
                prepage: {per},
                recordCount: '{len(entries)}',
                pgCountMode: "recordCount"
            }},
            callToPage: function(p) {{ window.scrollTo(0, 0); }}
        }});
    }});
</script>"""
        body = (chrome_top(self.site_name, [("/", "首页"), ("../", "政府信息公开"), ("./", col.column.name)])
                + f'<div class="list" ms-controller="list"><div class="static" ms-visible="showStatic">\n{items}\n'
                '</div><div class="dynamic" ms-visible="!showStatic" style="display: none">'
                '<dl ms-repeat="list"><dd><a ms-attr-href="el.chnldocurl" ms-text="el.doctitle"></a></dd></dl></div>'
                '<div class="page_base" ms-controller="list_pagebar"></div></div>'
                + chrome_bottom(self.site_name, self.site_code) + script)
        page = html_page(f"{col.column.name}_{self.site_name}", f'<meta name="ChnlId" content="{col.chnlid}">', body)
        return html_response(page, col.column.modified)

    def _query(self, fields: dict[str, str]) -> tuple[FujianColumn | None, list[ManifestEntry], int, int]:
        """The column a search names, the records of the page asked for, that page, the page count."""
        col = next((c for c in self.cols.values() if fields.get("classsql") == f"chnlid={c.chnlid}"), None)
        if col is None or fields.get("channelid") != str(self.search_id):
            return None, [], 1, 0  # a wrong channelid: the library holds no such list
        per = int(fields["prepage"]) if fields.get("prepage", "").isdigit() and int(fields["prepage"]) else 15
        page = max(int(fields["page"]), 1) if fields.get("page", "").isdigit() else 1
        entries = col.column.entries
        return col, entries[(page - 1) * per: page * per], page, math.ceil(len(entries) / per)

    def fjdzapp(self, req: Request) -> Response:
        if req.method != "POST" or req.headers.get("x-requested-with") != "XMLHttpRequest":
            return html_response("<html><body>403 Forbidden</body></html>", None, status=403)
        fields = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        col, chunk, page, pages = self._query(fields)
        data = [{"doctitle": e.title, "docpuburl": e.url, "chnldocurl": "./" + e.url.split(col.column.path, 1)[1],
                 "docreltime": f"{e.published:%Y-%m-%d %H:%M:%S}", "pubdate": f"{e.published:%Y-%m-%d}",
                 "fileno": "", "chnlid": col.chnlid} for e in chunk] if col else []
        answer = {"data": data, "pageCount": pages, "page": page}
        return html_response(json.dumps(answer, ensure_ascii=False), col.column.modified if col else None,
                             content_type=JSON)

    def was5(self, req: Request) -> Response:
        col, chunk, page, pages = self._query(req.query)
        docs = ",".join(
            f'{{"title":\'{e.title}\',"url":"{e.url}","chnldocurl":"./{e.url.split(col.column.path, 1)[1]}",'
            f'"time":"{e.published:%Y-%m-%d %H:%M:%S}","docid":"{e.url.rsplit("_", 1)[1][:-4]}",'
            f'"abstract":"{escape(e.agency)}\n{e.year}年度"}}' for e in chunk)  # the raw newline is real
        text = (f'{{"count":"{len(col.column.entries) if col else 0}","pagenum":"{pages}","page":"{page}",'
                f"\"py\":'###pypy###',\"docs\":[{docs}]}}")
        return html_response(text, col.column.modified if col else None, content_type="text/html;charset=UTF-8")

    def detail(self, e: ManifestEntry) -> Response:
        col = next(c for c in self.cols.values() if e.column == self.url(c.column.path))
        if "letter" in e.flags:
            inner = f"<p>区直各单位：</p><p>根据{e.year}年度政府信息公开工作年度报告检查情况，现将问题整改落实情况函告如下。</p>"
        elif e.kind == "companion":
            inner = companion_fragment(e)
        elif e.fmt == "pdf":
            inner = "<p>详见附件。</p>"
        else:
            inner = report_fragment(e, "trs")
        block = script = ""
        for a in e.attachments:
            name = a.rsplit("/", 1)[1]
            if a in self.script_only:  # the 全真版: no <a href>, only the viewer's script arrays
                script = (f'<script>var fjFiles = ["./{name}"]; var fjNames = ["{escape(e.title)}（全真版）.pdf"];'
                          ' showFullVersion(fjFiles, fjNames);</script>')
            else:
                block += f'<li><a href="./{name}" target="_blank">{escape(e.title)}.pdf</a></li>'
        if block:
            block = f'<div class="article_attachment"><h4>附件下载</h4><ul id="file_ul_fj">{block}</ul></div>'
        body = (chrome_top(self.site_name, [("/", "首页"), ("../../", "政府信息公开"), ("../", col.column.name)])
                + '<div class="main"><div class="article_box">'
                + f'<h1 class="article_title">{escape(e.title)}</h1>'
                + f'<div class="article_info">发布时间：{e.published:%Y-%m-%d %H:%M} 来源：{escape(e.agency)}</div>'
                + f'<div class="article_content"><div class="TRS_Editor">{inner}</div></div></div>'
                + block + script + "</div>" + chrome_bottom(self.site_name, self.site_code))
        head = national_meta(self.site_name, self.site_code, col.column.name, e)
        return html_response(html_page(f"{e.title}_{self.site_name}", head, body), e.published)
