"""Hanweb 大汉 JCMS (Zhejiang, Jiangsu, Shandong, many ministries).

`/col/col<colid>/index.html` hides its first group of list pages inside
`<script type="text/xml"><datastore>…<record><![CDATA[<li>…</li>]]></record>…` next to a
`jpage({totalRecord, perPage})` call; an HTML parser that skips script content sees no links.
`/module/web/jpage/dataproxy.jsp` serves further groups — three pages per call — on GET
`?page=N&columnid=…&unitid=…` or POST (form: columnid, unitid, webid, path, webname,
permissiontype, appid; query: startrecord, endrecord, perpage) as bare XML. columnid and unitid
must match: a unitid of another column gets that column's records, an unknown one nothing.
Column 2 writes its datastore without <record> wrappers and uses the older proxy path
`/module/jpage/dataproxy.jsp`; column 3 has no datastore in the page and loads the list as JSONP. Bodies in `#zoom`; attachments via `downfile.jsp`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import urlencode

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response, not_found
from mockportals.site import (Column, Site, article_tools, attachment, chrome_bottom, chrome_top,
                              companion_fragment, html_page, html_response, national_meta,
                              report_fragment)

PROXY = "/module/web/jpage/dataproxy.jsp"
OLD_PROXY = "/module/jpage/dataproxy.jsp"  # older installations; the server answers on both
DOWNFILE = "/module/download/downfile.jsp"
GROUP = 3  # pages per dataproxy answer


@dataclass
class HanwebColumn:
    colid: int
    unitid: int
    variant: str      # record | norecord | jsonp
    column: Column
    proxy: str = PROXY


class HanwebSite(Site):
    portal = "hanweb"
    platform = "hanweb"
    site_name = "东阳市人民政府"
    site_code = "3307000003"
    province = "浙江省"
    webid = 1

    def build(self) -> None:
        self.cols: dict[int, HanwebColumn] = {}
        self.by_path: dict[str, ManifestEntry] = {}
        self.files: dict[str, tuple[ManifestEntry, str]] = {}
        specs = [(1229, 5001, "record", "政府信息公开年报", 6),
                 (1230, 5002, "norecord", "部门政府信息公开年报", 4),
                 (1231, 5003, "jsonp", "乡镇（街道）政府信息公开年报", 4)]
        counts = [max(1, round(n * self.scale)) for *_, n in specs]
        names = iter(self.agencies(sum(counts), fixed=True))
        for (colid, unitid, variant, name, _), n in zip(specs, counts):
            col = HanwebColumn(colid, unitid, variant, Column(f"/col/col{colid}/", name),
                               OLD_PROXY if variant == "norecord" else PROXY)
            self.cols[colid] = col
            for agency in [next(names) for _ in range(n)]:
                for year in range(2018, 2024):
                    self._add(col, agency, year, self.plan.published(year))
                year = self.plan.rng.choice(range(2019, 2024))
                self._add(col, agency, year, self.plan.published(year), companion="解读")
            self.sources.append(Source(self.portal, self.platform, self.url(col.column.path + "index.html"),
                                       f"{self.site_name}{name}", note=f"datastore variant: {variant}"))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        col = next(c for c in self.cols.values() if any(e.agency == agency for e in c.column.entries))
        return self._add(col, agency, year, published)

    def _add(self, col: HanwebColumn, agency: str, year: int, published: datetime,
             companion: str = "") -> ManifestEntry:
        art = f"/art/{published.year}/{published.month}/{published.day}/art_{col.colid}_{self.plan.new_id()}.html"
        roll = self.plan.rng.random()
        fmt = "html" if companion or roll >= 0.2 else "pdf" if roll < 0.12 else "docx"
        ext = fmt if fmt != "html" else "pdf" if roll < 0.35 and not companion else ""
        files = []
        if ext:
            name = f"{self.plan.rng.getrandbits(128):032x}.{ext}"
            title = self.plan.title(agency, year, plain=True)
            files.append(f"{DOWNFILE}?{urlencode({'classid': 0, 'filename': name, 'showname': f'{title}.{ext}'})}")
        e = self.entry(col.column, art, agency, year, published, fmt=fmt, companion=companion,
                       kind="companion" if companion else "report", attachments=files)
        self.by_path[art] = e
        if ext:
            self.files[name] = (e, ext)
        return e

    # -- pages ----------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            return self.cache.get(path, lambda: self.detail(self.by_path[path]))
        if path == DOWNFILE and req.query.get("filename") in self.files:
            e, ext = self.files[req.query["filename"]]
            return self.cache.get(req.query["filename"], lambda: attachment(e, ext))
        if path in (PROXY, OLD_PROXY):
            return self.dataproxy(req)
        for col in self.cols.values():
            if path in (col.column.path, col.column.path + "index.html"):
                return self.column_page(col)
        return not_found()

    def _li(self, e: ManifestEntry) -> str:
        return (f'<li><a href="{e.url[len(self.base):]}" title="{escape(e.title)}" target="_blank">'
                f"{escape(e.title)}</a><span>{e.published:%Y-%m-%d}</span></li>")

    def _group_link(self, col: HanwebColumn, page: int) -> str:
        q = {"page": page, "appid": 1, "webid": self.webid, "path": "/", "columnid": col.colid,
             "unitid": col.unitid, "webname": self.site_name, "permissiontype": 0}
        return f"{col.proxy}?{urlencode(q)}"

    def datastore(self, col: HanwebColumn, start: int, stop: int) -> str:
        """Records [start, stop) (0-based) of `col` as the XML the jpage script consumes."""
        entries = col.column.entries
        records = [self._li(e) for e in entries[start:stop]]
        wrap = "<![CDATA[{}]]>" if col.variant == "norecord" else "<record><![CDATA[{}]]></record>"
        per = self.page_size
        nxt = (f'<a href="{escape(self._group_link(col, stop // per + 1))}"></a>'
               if stop < len(entries) else "")
        return ("<datastore>\n<nextgroup><![CDATA[" + nxt + "]]></nextgroup>\n<recordset>\n"
                + "\n".join(wrap.format(r) for r in records) + "\n</recordset>\n"
                f"<totalrecord>{len(entries)}</totalrecord>\n"
                f"<totalpage>{max(1, -(-len(entries) // per))}</totalpage>\n</datastore>")

    def column_page(self, col: HanwebColumn) -> Response:
        total, per = len(col.column.entries), self.page_size
        if col.variant == "jsonp":
            url = self._group_link(col, 1) + f"&callback=jsonp{col.colid}"
            listing = (f'<div id="div{col.colid}"></div>\n<script type="text/javascript">\n'
                       f'var jsonpUrl = "{url}";\n'
                       f'jpage({{totalRecord:{total}, perPage:{per}, groupSize:{GROUP}, dataType:"jsonp", '
                       f'url:jsonpUrl, target:"div{col.colid}"}});\n</script>')
        else:
            listing = (f'<div id="{col.colid}"><script type="text/xml">\n'
                       + self.datastore(col, 0, GROUP * per) + "\n</script></div>\n"
                       '<script type="text/javascript">\n'
                       f'jpage({{totalRecord:{total}, perPage:{per}, groupSize:{GROUP}, columnid:{col.colid}, '
                       f'unitid:"{col.unitid}", webid:"{self.webid}", path:"/", webname:"{self.site_name}", '
                       f'permissiontype:0, appid:1, proxyUrl:"{col.proxy}"}});\n</script>')
        body = (chrome_top(self.site_name, [("/", "首页"), ("/col/col1228/index.html", "政府信息公开"),
                                            (col.column.path + "index.html", col.column.name)])
                + f'<div class="bt">{col.column.name}</div>\n{listing}\n'
                + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"{col.column.name} {self.site_name}", "", body), col.column.modified)

    def dataproxy(self, req: Request) -> Response:
        fields = {**req.query, **(req.form if req.method == "POST" else {})}
        col = self.cols.get(int(fields["columnid"])) if fields.get("columnid", "").isdigit() else None
        unit = next((c for c in self.cols.values() if str(c.unitid) == fields.get("unitid")), None)
        per = int(fields["perpage"]) if fields.get("perpage", "").isdigit() else self.page_size
        per = per or self.page_size
        if req.method == "POST" and fields.get("startrecord", "").isdigit():
            start = max(int(fields["startrecord"]) - 1, 0)
            end = int(fields["endrecord"]) if fields.get("endrecord", "").isdigit() else start + GROUP * per
            stop = min(end, start + GROUP * per)
        else:
            page = int(fields["page"]) if fields.get("page", "").isdigit() else 1
            start = (max(page, 1) - 1) * per
            stop = start + GROUP * per
        if col is None or unit is None:
            xml = "<datastore>\n<nextgroup><![CDATA[]]></nextgroup>\n<recordset>\n</recordset>\n" \
                  "<totalrecord>0</totalrecord>\n<totalpage>0</totalpage>\n</datastore>"
        else:  # the server trusts unitid: a mismatch answers with that unit's column
            xml = self.datastore(unit, start, stop)
        if "callback" in req.query:
            text = f"{req.query['callback']}({json.dumps({'datastore': xml}, ensure_ascii=False)});"
            return html_response(text, None, content_type="application/javascript; charset=utf-8")
        return html_response('<?xml version="1.0" encoding="UTF-8"?>\n' + xml, None,
                             content_type="text/xml;charset=UTF-8")

    def detail(self, e: ManifestEntry) -> Response:
        if e.kind == "companion":
            inner = companion_fragment(e)
        elif e.fmt != "html":
            inner = "<p>详见附件。</p>"
        else:
            inner = report_fragment(e, "hanweb")
        links = "".join(f'<p><a href="{escape(a[len(self.base):])}">{escape(e.title)}.{a.rsplit(".", 1)[1]}</a></p>'
                        for a in e.attachments)
        col = next(c for c in self.cols.values() if e.column.endswith(c.column.path))
        body = (chrome_top(self.site_name, [("/", "首页"), (col.column.path + "index.html", col.column.name)])
                + f'<div class="main"><div class="title">{escape(e.title)}</div>'
                + f'<div class="info">发布日期：{e.published:%Y-%m-%d} 信息来源：{escape(e.agency)}</div>'
                + article_tools() + f'<div id="zoom">{inner}{links}</div></div>'
                + chrome_bottom(self.site_name, self.site_code))
        head = national_meta(self.site_name, self.site_code, col.column.name, e)
        return html_response(html_page(f"{e.title} {self.site_name}", head, body), e.published)

