"""Guangdong's gkmlpt (every Guangdong government site).

`/gkmlpt/index` holds `window._CONFIG = {SID, TREE}`; lists come from
`/gkmlpt/api/all/<cat>?page=N&sid=<SID>` as JSON {classify:{post_count}, articles:[…]}.
Page 0 and page 1 are the same page; the second category answers 404 from page 2 on (its
later articles are listed nowhere: "unlisted"). Some titles arrive `%uXXXX`-escaped.
Details `/gkmlpt/content/<a>/<b>/post_<id>.html`; attachments under `/attachment/`. The tree's
parent node lists nothing itself; a wrong SID gets a 400.
"""
from __future__ import annotations

import json
from datetime import datetime
from html import escape

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response, not_found
from mockportals.site import (Column, Site, article_tools, attachment, chrome_bottom, chrome_top,
                              companion_fragment, html_page, html_response, national_meta,
                              report_fragment)

JSON = "application/json;charset=UTF-8"
ROOT = 2869  # the tree's parent node: a category holding no articles itself


def percent_u(text: str) -> str:
    """JavaScript escape(): non-ASCII as %uXXXX."""
    return "".join(ch if ord(ch) < 128 else f"%u{ord(ch):04X}" for ch in text)


class GkmlptSite(Site):
    portal = "gkmlpt"
    platform = "gkmlpt"
    site_name = "南岭市人民政府"
    site_code = "4406000004"
    province = "广东省"
    sid = "755035"

    def build(self) -> None:
        self.cats: dict[int, Column] = {2870: Column("/gkmlpt/api/all/2870", "政府信息公开年报"),
                                        2871: Column("/gkmlpt/api/all/2871", "部门信息公开年报")}
        self.capped = {2871}  # answers 404 from page 2 on
        self.by_path: dict[str, ManifestEntry] = {}
        self.files: dict[str, ManifestEntry] = {}
        names = self.agencies(8)
        split = max(1, len(names) * 5 // 8)
        for cat, agencies in ((2870, names[:split]), (2871, names[split:])):
            for agency in agencies:
                for year in range(2018, 2024):
                    self._add(cat, agency, year, self.plan.published(year))
                year = self.plan.rng.choice(range(2020, 2024))
                self._add(cat, agency, year, self.plan.published(year), companion="解读")
        for cat in self.capped:  # articles past page 1 are reachable from no list
            for e in self.cats[cat].entries[self.page_size:]:
                e.expect = "unlisted"
        self.sources.append(Source(self.portal, self.platform, self.url("/gkmlpt/index"),
                                   f"{self.site_name}政府信息公开目录", note=f"SID {self.sid}"))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        return self._add(2870, agency, year, published)

    def _add(self, cat: int, agency: str, year: int, published: datetime, companion: str = "") -> ManifestEntry:
        pid = self.plan.new_id(1_000_000, 9_999_999)
        path = f"/gkmlpt/content/{pid // 1_000_000}/{pid // 1000}/post_{pid}.html"
        with_pdf = not companion and self.plan.rng.random() < 0.3
        pdf = f"/attachment/0/{pid // 1000}/{pid}.pdf" if with_pdf else ""
        e = self.entry(self.cats[cat], path, agency, year, published, companion=companion,
                       kind="companion" if companion else "report", attachments=[pdf] if pdf else [])
        self.by_path[path] = e
        if pdf:
            self.files[pdf] = e
        return e

    # -- pages ----------------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            return self.cache.get(path, lambda: self.detail(self.by_path[path]))
        if path in self.files:
            return self.cache.get(path, lambda: attachment(self.files[path], "pdf"))
        if path in ("/gkmlpt/index", "/gkmlpt/", "/gkmlpt"):
            return self.index()
        if path.startswith("/gkmlpt/api/all/") and path.rsplit("/", 1)[1].isdigit():
            return self.api(int(path.rsplit("/", 1)[1]), req)
        return not_found()

    def index(self) -> Response:
        tree = [{"id": ROOT, "name": "政府信息公开", "parent": 0, "children": [
            {"id": cat, "name": col.name, "parent": ROOT, "children": []} for cat, col in self.cats.items()]}]
        config = {"SID": self.sid, "SITE_NAME": self.site_name, "TREE": tree, "API": "/gkmlpt/api"}
        body = (chrome_top(self.site_name, [("/", "首页"), ("/gkmlpt/index", "政府信息公开目录")])
                + '<div id="app"></div>\n<script type="text/javascript">\n'
                + f"window._CONFIG = {json.dumps(config, ensure_ascii=False)};\n</script>\n"
                + '<script src="/gkmlpt/static/js/app.js"></script>'
                + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"政府信息公开目录 {self.site_name}", "", body),
                             max(c.modified for c in self.cats.values()))

    def _article(self, e: ManifestEntry, n: int) -> dict:
        title = percent_u(e.title) if n % 3 == 1 else e.title
        return {"id": int(e.url.rsplit("_", 1)[1].split(".")[0]), "title": title, "publisher": e.agency,
                "date": int(e.published.timestamp()), "url": e.url, "identifier":
                f"{self.site_code}/{e.published:%Y}-{n:05d}",
                "attachment": [{"name": f"{e.title}.pdf", "url": a, "ext": "pdf"} for a in e.attachments]}

    def api(self, cat: int, req: Request) -> Response:
        col = self.cats.get(cat) or (Column(req.path, "政府信息公开") if cat == ROOT else None)
        if req.query.get("sid") != self.sid or col is None:
            return html_response(json.dumps({"code": 400, "msg": "参数错误"}, ensure_ascii=False), None,
                                 content_type=JSON, status=400)
        page = int(req.query["page"]) if req.query.get("page", "").isdigit() else 0
        if cat in self.capped and page >= 2:
            return not_found()
        page = max(page, 1)  # page 0 is page 1
        chunk = col.entries[(page - 1) * self.page_size: page * self.page_size]
        offset = (page - 1) * self.page_size
        data = {"classify": {"id": cat, "name": col.name, "post_count": len(col.entries)},
                "articles": [self._article(e, offset + i) for i, e in enumerate(chunk)]}
        return html_response(json.dumps(data, ensure_ascii=False), col.modified, content_type=JSON)

    def detail(self, e: ManifestEntry) -> Response:
        inner = companion_fragment(e) if e.kind == "companion" else report_fragment(e, "gkmlpt")
        links = "".join(f'<p>附件：<a href="{a[len(self.base):]}">{escape(e.title)}.pdf</a></p>'
                        for a in e.attachments)
        body = (chrome_top(self.site_name, [("/", "首页"), ("/gkmlpt/index", "政府信息公开目录")])
                + '<div class="content-box"><div class="classify"><table>'
                + f"<tr><td>索引号：</td><td>{self.site_code}/{e.published:%Y}</td><td>分类：</td><td>年度报告</td></tr>"
                + f"<tr><td>发布机构：</td><td>{escape(e.agency)}</td><td>成文日期：</td><td>{e.published:%Y-%m-%d}</td></tr>"
                + f'</table></div><h1 class="title">{escape(e.title)}</h1>' + article_tools()
                + f'<div class="article-content">{inner}</div>{links}</div>'
                + chrome_bottom(self.site_name, self.site_code))
        head = national_meta(self.site_name, self.site_code, "政府信息公开年报", e)
        return html_response(html_page(f"{e.title} {self.site_name}", head, body), e.published)
