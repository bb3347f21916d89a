"""The edge-case site: a generic county CMS carrying everything that trips crawlers.

- the main column `/xxgk/zfxxgknb/` (下一页 paging) links reports as HTML pages, straight to
  PDF/DOC/DOCX/WPS/OFD files, as image-only tables, plus companions (解读, 图解, 一图读懂), a
  2019-layout report published in 2023, a cut copy, a truncated response and flaky pages
  (429, 503: they succeed after `failures` attempts);
- year sub-columns `2022n/`, `2023nb/`; unit sub-columns `bmxxgknb/`, `xzjd/`;
- single-article columns that redirect by meta refresh (`/xxgk/ndbg2020/`) and by script
  (`/xxgk/ndbg2021/`);
- a column that moved (`/xxgk/gknb/` → 404 with an ISO-8859-1 error page; the main column links
  `/xxgk/gknb2/`); a robots.txt-disallowed column `/xxgk/nbbak/` linked from the main column;
- `/zwgk/…`: a JS challenge (412 + a script computing a cookie; 200 with the right cookie);
- `/wz/…`: a cookie dance (521 + Set-Cookie, 521 + Set-Cookie, then 200).
`ClosedSite` is a whole portal whose robots.txt says `Disallow: /`.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from datetime import datetime
from html import escape

from mockportals.manifest import ManifestEntry, Source
from mockportals.server import Request, Response
from mockportals.site import (MEDIA, Column, Site, article_tools, attachment, chrome_bottom, chrome_top,
                              companion_fragment, html_page, html_response, png, report_fragment)
from reportgen import render_html

CHALLENGE_COOKIE = "jsc_clearance"
DANCE_COOKIES = ("__jsluid_h", "__jsl_clearance_s")


def challenge_answer(token: str) -> str:
    """What the challenge script computes (djb2 over the token, unsigned 32-bit, hex)."""
    h = 5381
    for ch in token:
        h = ((h << 5) + h + ord(ch)) & 0xFFFFFFFF
    return format(h, "x")


def challenge_page(token: str) -> str:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title></title><script type="text/javascript">\n'
            f'(function(){{var t="{token}",h=5381;for(var i=0;i<t.length;i++){{h=((h<<5)+h+t.charCodeAt(i))>>>0;}}'
            f'document.cookie="{CHALLENGE_COOKIE}="+h.toString(16)+"; path=/";location.reload();}})();\n'
            "</script></head><body></body></html>")


_WAF_SNIPPET = (f'<script type="text/javascript">if(document.cookie.indexOf("{CHALLENGE_COOKIE}")<0)'
                '{location.reload();}</script>\n').encode()


def error_page_latin1() -> Response:
    """A 404 from an old appliance: ISO-8859-1, declared so only in the header."""
    text = ("<html><head><title>404 - Página não encontrada</title></head><body><h1>Erro 404</h1>"
            "<p>A página solicitada não foi encontrada no servidor. © Servidor Web Avançado</p></body></html>")
    return Response(404, text.encode("iso-8859-1"), "text/html; charset=iso-8859-1")


class GenericSite(Site):
    """A plain CMS: lists with 下一页 links, `content/post_<id>.html` articles in `.article-content`."""
    platform = "generic"
    site_code = "0000000000"

    def build(self) -> None:
        self.columns: dict[str, Column] = {}
        self.by_path: dict[str, tuple[ManifestEntry, str]] = {}   # path → (entry, style or file ext)

    def column(self, path: str, name: str) -> Column:
        return self.columns.setdefault(path, Column(path, name))

    def add(self, col: Column, agency: str, year: int, published: datetime, *, style: str = "cms_nested",
            fmt: str = "html", **kw) -> ManifestEntry:
        ext = fmt if fmt in MEDIA and fmt != "png" else ""
        if ext:  # the list links the file itself
            path = f"/uploadfiles/{published:%Y%m}/{self.plan.new_id()}.{ext}"
        else:
            path = f"{col.path}content/post_{self.plan.new_id()}.html"
        e = self.entry(col, path, agency, year, published, fmt=fmt, **kw)
        self.by_path[path] = (e, ext or style)
        return e

    def handle(self, req: Request) -> Response:
        path = req.path
        if path in self.by_path:
            e, how = self.by_path[path]
            return self.cache.get(path, lambda: attachment(e, how) if how in MEDIA else self.detail(e, how))
        if path.endswith(".png") and "/W0" in path:
            return png()
        for col in self.columns.values():
            if path in (col.path, col.path + "index.html"):
                return self.list_page(col, 0)
            m = re.fullmatch(re.escape(col.path) + r"index_(\d+)\.html", path)
            if m and 0 < int(m[1]) < len(col.pages(self.page_size)):
                return self.list_page(col, int(m[1]))
        return self.missing()

    def missing(self) -> Response:
        return html_response("<html><body><h1>404 页面不存在</h1></body></html>", None, status=404)

    def subcolumn_links(self, col: Column) -> str:
        return ""

    def list_page(self, col: Column, n: int) -> Response:
        pages = col.pages(self.page_size)
        items = "\n".join(f'<li><a href="{e.url[len(self.base):]}" target="_blank">{escape(e.title)}</a>'
                          f"<span>{e.published:%Y-%m-%d}</span></li>" for e in pages[n])
        nav = [f'<a href="{"index.html" if n == 1 else f"index_{n - 1}.html"}">上一页</a>'] if n else []
        if n + 1 < len(pages):
            nav.append(f'<a href="index_{n + 1}.html">下一页</a>')
        body = (chrome_top(self.site_name, [("/", "首页"), (col.path, col.name)])
                + (self.subcolumn_links(col) if n == 0 else "")
                + f'<div class="list"><h2>{escape(col.name)}</h2><ul>\n{items}\n</ul></div>'
                + f'<div class="pagination">{" ".join(nav)} 第{n + 1}页/共{len(pages)}页</div>'
                + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"{col.name}-{self.site_name}", "", body), col.modified)

    def fragment(self, e: ManifestEntry, style: str) -> str:
        if e.kind == "companion":
            return companion_fragment(e, "./W0companion.png" if e.fmt == "image" else "")
        return report_fragment(e, style)

    def detail(self, e: ManifestEntry, style: str) -> Response:
        body = (chrome_top(self.site_name, [("/", "首页"), (e.column[len(self.base):], "政府信息公开年报")])
                + f'<div class="article"><h1>{escape(e.title)}</h1><div class="info">发布时间：'
                + f"{e.published:%Y-%m-%d} 来源：{escape(e.agency)}</div>" + article_tools()
                + f'<div class="article-content" id="zoomcon">{self.fragment(e, style)}</div></div>'
                + chrome_bottom(self.site_name, self.site_code))
        return html_response(html_page(f"{e.title}-{self.site_name}", "", body), e.published)

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        return self.add(self.main, agency, year, published)


class EdgeSite(GenericSite):
    portal = "edge"
    site_name = "云溪县人民政府"
    site_code = "4305000005"
    province = "湖南省"
    robots = "User-agent: *\nDisallow: /xxgk/nbbak/\nDisallow: /search/\n"
    failures = 2

    def build(self) -> None:
        super().build()
        p, rng = self.plan, self.plan.rng
        self.token = hashlib.sha1(f"{self.seed}:challenge".encode()).hexdigest()[:16]
        self.dance = tuple(hashlib.sha1(f"{self.seed}:{c}".encode()).hexdigest()[:24] for c in DANCE_COOKIES)
        self.hits: Counter[str] = Counter()
        self.hits_lock = threading.Lock()
        self.flaky: dict[str, int] = {}        # path → status answered for the first `failures` tries
        self.truncated: set[str] = set()
        self.cut: set[str] = set()
        self.redirects: dict[str, tuple[str, str]] = {}   # column → (how, target path)
        county, *others = self.agencies(26, level="county", fixed=True)
        depts = self.agencies(6, level="city")
        towns = self.agencies(4, level="township")
        m = self.main = self.column("/xxgk/zfxxgknb/", "政府信息公开年报")

        for year in range(2018, 2024):
            style = {2019: "split_tables", 2020: "word"}.get(year, "cms_nested")
            self.add(m, county, year, p.published(year), style=style)
        a = iter(others)
        for fmt in ("pdf", "doc", "docx", "wps", "ofd"):
            self.add(m, next(a), 2022, p.published(2022), fmt=fmt)
        img = next(a)
        self.add(m, img, 2022, p.published(2022), style="table_images", fmt="image",
                 title=f"{img}2022年政府信息公开工作年度报告（图片版）")
        self.add(m, county, 2023, p.published(2023), kind="companion", companion="解读")
        self.add(m, county, 2023, p.published(2023), kind="companion", companion="图解", fmt="image")
        self.add(m, county, 2022, p.published(2022), kind="companion", companion="一图读懂", fmt="image")
        old = next(a)
        self.add(m, old, 2022, p.published(2022), template="2019", style="trs", flags=("2019_layout_in_2023",))
        self.cut.add(self.add(m, next(a), 2021, p.published(2021), style="trs", flags=("cut",)).url)
        self.truncated.add(self.add(m, next(a), 2021, p.published(2021), expect="error",
                                    flags=("truncated",)).url)
        for status in (429, 503):
            e = self.add(m, next(a), 2021, p.published(2021), flags=(f"flaky{status}",))
            self.flaky[e.url[len(self.base):]] = status

        for path, name, year in (("2022n/", "2022年年报", 2022), ("2023nb/", "2023年年报", 2023)):
            col = self.column(m.path + path, name)
            for agency in depts[:3]:
                self.add(col, agency, year, p.published(year))
        for path, name, units in (("bmxxgknb/", "部门政府信息公开年报", depts), ("xzjd/", "乡镇（街道）政府信息公开年报", towns)):
            col = self.column(m.path + path, name)
            for agency in units:
                for year in range(2020, 2022):
                    self.add(col, agency, year, p.published(year))
        self.flaky[m.path + "xzjd/index.html"] = 503

        for path, how, year in (("/xxgk/ndbg2020/", "meta", 2020), ("/xxgk/ndbg2021/", "script", 2021)):
            col = self.column(path, f"{year}年政府信息公开年报")
            e = self.add(col, county if year != 2021 else next(a), year, p.published(year))
            self.redirects[path] = (how, e.url[len(self.base):])
        moved = self.column("/xxgk/gknb2/", "政府信息公开年报（新）")
        banned = self.column("/xxgk/nbbak/", "年报备份")
        challenged = self.column("/zwgk/ndbg/", "政务公开年报")
        danced = self.column("/wz/ndbg/", "年度报告")
        for col, expect in ((moved, None), (banned, "disallowed"), (challenged, "blocked"), (danced, None)):
            for _ in range(3):
                year = rng.choice(range(2019, 2024))
                self.add(col, next(a), year, p.published(year), expect=expect)

        self.sources += [
            Source(self.portal, self.platform, self.url(path), self.site_name + name, note)
            for path, name, note in (
                (m.path, m.name, "links every sub-column except the two below"),
                ("/xxgk/gknb/", "政府信息公开年报（旧址）", "moved: answers 404"),
                (challenged.path, challenged.name, "JS challenge: needs a browser"),
                (danced.path, danced.name, "cookie dance 521-521-200"),
            )
        ]

    def subcolumn_links(self, col: Column) -> str:
        if col is not self.main:
            return ""
        links = [(c.path, c.name) for c in self.columns.values()
                 if c.path.startswith(self.main.path) and c is not self.main]
        links += [(path, self.columns[path].name) for path in self.redirects]
        links += [("/xxgk/gknb2/", "政府信息公开年报（新）"), ("/xxgk/nbbak/", "年报备份")]
        return ('<div class="subnav"><b>子栏目：</b>'
                + " | ".join(f'<a href="{path}">{escape(name)}</a>' for path, name in links) + "</div>")

    def missing(self) -> Response:
        return error_page_latin1()

    def fragment(self, e: ManifestEntry, style: str) -> str:
        if e.url in self.cut:
            return render_html(e.generate(), style=style, fragment=True, deviations=("truncated",)).decode()
        return super().fragment(e, style)

    def _count(self, key: str) -> int:
        with self.hits_lock:
            self.hits[key] += 1
            return self.hits[key]

    def handle(self, req: Request) -> Response:
        path = req.path
        if path.startswith("/zwgk/") and req.cookies.get(CHALLENGE_COOKIE) != challenge_answer(self.token):
            return html_response(challenge_page(self.token), None, status=412)
        if path.startswith("/wz/"):
            cookies = req.cookies
            for name, value in zip(DANCE_COOKIES, self.dance):
                if cookies.get(name) != value:
                    return Response(521, b'<html><body><script>document.cookie="_=1";location.reload()</script>'
                                    b"</body></html>", headers=[("Set-Cookie", f"{name}={value}; Path=/; HttpOnly")])
        if path in self.flaky and self._count(path) <= self.failures:
            status = self.flaky[path]
            return Response(status, f"<html><body><h1>{status}</h1></body></html>".encode(),
                            headers=[("Retry-After", "1")])
        column = path.removesuffix("index.html")
        if column in self.redirects:
            how, target = self.redirects[column]
            page = (f'<html><head><meta http-equiv="refresh" content="0;url={target}"></head><body></body></html>'
                    if how == "meta" else
                    f'<html><head><script type="text/javascript">location.href="{target}";</script></head>'
                    "<body></body></html>")
            return html_response(page, self.columns[column].modified)
        resp = super().handle(req)
        if path.startswith("/zwgk/") and resp.status == 200 and resp.content_type.startswith("text/html"):
            # real pages behind the WAF carry its script too: judge challenges by more than a marker
            resp = Response(200, resp.body.replace(b"</head>", _WAF_SNIPPET + b"</head>", 1), resp.content_type,
                            modified=resp.modified)
        if self.url(path) in self.truncated and resp.status == 200:
            resp = Response(200, resp.body[: len(resp.body) // 2], resp.content_type, short_by=len(resp.body) // 2)
        return resp


class ClosedSite(GenericSite):
    """A portal whose robots.txt disallows everything: nothing here may be requested."""
    portal = "closed"
    site_name = "白石镇人民政府"
    site_code = "4305000006"
    province = "湖南省"
    robots = "User-agent: *\nDisallow: /\n"

    def build(self) -> None:
        super().build()
        self.main = self.column("/xxgk/zfxxgknb/", "政府信息公开年报")
        for agency in self.agencies(1, level="township"):
            for year in range(2020, 2024):
                self.add(self.main, agency, year, self.plan.published(year), expect="disallowed")
        self.sources.append(Source(self.portal, self.platform, self.url(self.main.path),
                                   f"{self.site_name}{self.main.name}", "robots.txt: Disallow: /"))

    def add_report(self, agency: str, year: int, published: datetime) -> ManifestEntry:
        return self.add(self.main, agency, year, published, expect="disallowed")
