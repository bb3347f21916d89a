"""Adapters on pages, city-scrapers style: the REAL Fujian list page (../shared, read at run time;
skipped when absent), every mock archetype's entry page for platform detection, and detail
pages whose attachments sit outside the body or only in a script."""
from __future__ import annotations

import urllib.request

import pytest
from scrapy.http import HtmlResponse, Request

from crawl_support import REPO

from crawler.adapters import adapter_for  # noqa: E402
from crawler.adapters.base import DETAIL
from crawler.adapters.fujian import FJDZAPP, WAS5, list_model, read_answer
from crawler.completeness import ListPage
from crawler.detect import detect_platform
from mockportals import MockPortals

REAL = REPO.parent / "shared" / "corpus" / "portals" / "fujian-trs-pingtan-list.html"
URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"  # where the page was published


@pytest.fixture(scope="module")
def real_page() -> bytes:
    if not REAL.exists():
        pytest.skip(f"the real Fujian list page is not there ({REAL}): ../shared is absent")
    return REAL.read_bytes()


def response(url: str, body: bytes, platform: str, **meta) -> HtmlResponse:
    return HtmlResponse(url, body=body, encoding="utf-8",
                        request=Request(url, meta={"source": "s", "platform": platform, "role": "listing", **meta}))


def test_real_fujian_page_is_detected(real_page):
    assert detect_platform(real_page.decode("utf-8"), URL) == "fujian"


def test_real_fujian_listing(real_page):
    out = list(adapter_for("fujian").parse_listing(response(URL, real_page, "fujian")))
    details = [o for o in out if isinstance(o, Request) and o.meta["role"] == DETAIL]
    # exactly the 10 report links of the page, against the column folder
    assert len(details) == 10 and len({d.url for d in details}) == 10
    assert all(d.url.startswith(URL) and d.url.endswith(".htm") and "政府信息公开工作年度报告" in d.meta["title"]
               for d in details)
    assert details[0].url == URL + "202603/t20260313_105587.htm"
    (shown,) = [o for o in out if isinstance(o, ListPage)]
    assert (shown.records, sorted(shown.items)) == (20, sorted(d.url for d in details))
    # the one other page of the column, from the search API, as the page's script asks for it
    (api,) = [o for o in out if isinstance(o, Request) and o.meta.get("api")]
    assert (api.method, api.url) == ("POST", "https://www.pingtan.gov.cn" + FJDZAPP)
    form = dict(p.split("=", 1) for p in api.body.decode().split("&"))
    assert (form["channelid"], form["classsql"], form["page"], form["prepage"]) == ("200210", "chnlid%3D1813", "2", "10")
    assert api.headers[b"X-Requested-With"] == b"XMLHttpRequest" and api.headers[b"Referer"] == URL.encode()


def test_real_fujian_list_model(real_page):
    from parsel import Selector

    scripts = " ".join(Selector(text=real_page.decode("utf-8")).css("script::text").getall())
    model = list_model(scripts)
    # channelid is `SiteInfo.searchId`, defined in another script of the page (a comment above it
    # names another channel: `//was4doc: 290792`); classsql is `"" || "chnlid=1813"`
    assert (model.records, model.prepage, model.max_static) == (20, 10, 1)
    assert model.args == {"channelid": "200210", "classsql": "chnlid=1813", "sortfield": "-docorderpri,-docreltime"}
    assert model.endpoint == FJDZAPP


def test_list_model_variants():
    page = """<script>var cfg = {lib: '229105'}; window.colId = "4910";</script><script>
        listModel({pagebar: {recordCount: "95", prepage: '15'}, listUrl: "/was5/web/search",
                   listArgs: {channelid: cfg.lib, classsql: 'chnlid=' + 0 || "chnlid=4910", templet: "docs.jsp"}});
        </script>"""
    model = list_model(page)
    assert (model.records, model.prepage, model.endpoint) == (95, 15, WAS5)
    assert model.args["channelid"] == "229105" and model.args["templet"] == "docs.jsp"
    assert list_model("<script>createPageHTML(3, 0, 'index', 'htm');</script>") is None


def test_api_entry_urls():
    from crawler.adapters.fujian import FujianAdapter

    column = "http://127.0.0.1:8000/zwgk/zfxxgk/zfxxgknb/"
    url = FujianAdapter.doc_url
    assert url({"docpuburl": column + "201601/t1.htm", "chnldocurl": "./x.htm"}, column) == column + "201601/t1.htm"
    assert url({"chnldocurl": "./201601/t1.htm"}, column) == column + "201601/t1.htm"  # against the column page
    # the published URL on another host, the channel's on this one: this site's
    assert url({"docpuburl": "https://www.pingtan.gov.cn/a/t1.htm", "chnldocurl": "./t1.htm"}, column) == column + "t1.htm"
    assert url({"url": "http://other.gov.cn/t2.htm"}, column) == "http://other.gov.cn/t2.htm"
    assert url({"doctitle": "无链接"}, column) is None


def test_older_endpoint_answer_read_tolerantly():
    text = """{"count":"2","pagenum":"1","py":'###pypy###',"docs":[{"title":'某局2023年政府信息公开工作年度报告',"url":"http://a/t1.htm","abstract":"一行
两行"},{"title":"关于'整改'的函","chnldocurl":"./t2.htm"}]}"""
    data = read_answer(text)
    assert data["count"] == "2" and [d["title"] for d in data["docs"]] == ["某局2023年政府信息公开工作年度报告", "关于'整改'的函"]
    assert read_answer('{"data": [], "pageCount": 0}') == {"data": [], "pageCount": 0}
    assert read_answer("<html>500</html>") == {}


def test_every_archetype_entry_page_is_detected():
    with MockPortals(seed=2, scale=0.3) as mp:
        for src in mp.sources:
            if src.portal == "closed" or "challenge" in src.note or "521" in src.note or "moved" in src.note:
                continue  # nothing to read without robots' leave, a browser or cookies; a 404
            with urllib.request.urlopen(src.url, timeout=10) as r:
                text = r.read().decode(r.headers.get_content_charset() or "gbk", "replace")
                final = r.url
            want = "trs" if src.platform == "trs" else src.platform
            assert detect_platform(text, final) == want, (src.portal, src.url)


def test_attachments_outside_the_body_and_in_scripts_on_every_platform():
    body = "<p>一、总体情况</p><p>详见附件。</p>"
    page = f"""<html><head><meta name="ArticleTitle" content="某局2023年政府信息公开工作年度报告"></head><body>
      <div class="sidebar"><a href="/guide/指南.pdf">政府信息公开指南.pdf</a></div>
      <div class="wrap"><div class="box"><div class="content-outer">
        <div class="TRS_Editor" id="zoom"><div id="UCAP-CONTENT" class="article-content">{body}</div></div>
        <p>附件：<a href="./P0202403081.pdf">报告正文.pdf</a></p></div></div>
        <div class="article_attachment"><ul id="file_ul_fj"><li><a href="./P0202403082.docx">报告.docx</a></li></ul></div>
        <div class="relevant"><span>相关附件</span><a href="/files/表格.xls">统计表.xls</a></div>
        <script>var fjFiles = ["./P0202403083.pdf", "./P0202403083.pdf"]; var names = ["全真版.pdf"];
                var other = "/images/logo.png"; showFiles(fjFiles);</script>
      </div></body></html>""".encode()
    url = "http://a.gov.cn/zfxxgk/zfxxgknb/202403/t20240308_1.htm"
    want = {url.rsplit("/", 1)[0] + "/" + n for n in ("P0202403081.pdf", "P0202403082.docx", "P0202403083.pdf")}
    want.add("http://a.gov.cn/files/表格.xls")
    for platform in ("trs", "hanweb", "gkmlpt", "govcn", "fujian", "generic"):
        d = adapter_for(platform).parse_detail(response(url, page, platform, role="detail"))
        assert d.is_report and {a.url for a in d.attachments} == want, platform  # not the sidebar's guide
