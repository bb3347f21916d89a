"""The crawler's pure parts: registry, title discovery, platform parsing, challenge detection, WARC store."""
from __future__ import annotations

import csv
import hashlib

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawl_support import REPO  # noqa: F401  (puts the repo on sys.path)

from crawler import registry
from crawler.adapters.gkmlpt import config
from crawler.adapters.hanweb import HanwebAdapter, datastore_html, unwrap_jsonp
from crawler.adapters.trs import TrsAdapter, column_url, page_count
from crawler.challenge import blocked_reason
from crawler.completeness import ListPage
from crawler.discovery import is_attachment_url, is_document_url, is_report_title, unescape_u
from crawler.warc import WarcStore


# -- registry ------------------------------------------------------------------------------------

def test_registry_is_built_from_the_shared_portals_csv(shared_dir, tmp_path):
    portals = shared_dir / "data" / "portals.csv"
    rows = list(csv.DictReader(portals.open(encoding="utf-8")))
    sources = registry.build(portals)
    by_url = {s.entry_url: s for s in sources}
    # every listing row is a source with its URL as entry point
    listings = [r for r in rows if r["page_kind"] == "listing"]
    assert all(r["url"] in by_url or r["url"].replace("https:", "http:") in by_url
               or r["url"].replace("http:", "https:") in by_url for r in listings)
    # attachment rows are samples of platforms, not sources
    assert not any(r["url"] in by_url for r in rows if r["page_kind"] == "attachment")
    # ids are unique, platforms known, uncertain rows stay flagged
    assert len({s.id for s in sources}) == len(sources)
    assert {s.platform for s in sources} <= set(registry.PLATFORMS)
    inferred = [r for r in rows if "inferred" in r["agency"] + r["platform"] and r["page_kind"] == "listing"]
    assert inferred and all("inferred" in by_url[r["url"]].flags for r in inferred)
    assert any("reconstructed" in s.flags for s in sources)
    # a TRS detail row gives its column (trailing slash kept) and stays a fallback entry point
    mof = next(s for s in sources if s.entry_url == "http://www.mof.gov.cn/gkml/zfxxgkbg2016/")
    assert mof.platform == "trs" and mof.name == "财政部" and len(mof.samples) == 2
    assert set(mof.samples) <= set(mof.entry_urls)
    # a Hanweb article row points at its /col/colN/ column
    assert any(s.entry_url == "http://www.zixi.gov.cn/col/col16143/index.html" for s in sources)
    # the committed file is what the builder makes
    registry.write(sources, tmp_path / "sources.csv")
    assert (tmp_path / "sources.csv").read_text(encoding="utf-8") == registry.SOURCES_CSV.read_text(encoding="utf-8")


def test_registry_selection():
    sources = registry.load_sources()
    zj = registry.select(sources, province="浙江", platform="hanweb")
    assert zj and all(s.province == "浙江" and s.platform == "hanweb" for s in zj)
    assert registry.select(sources, level="ministry")
    with pytest.raises(KeyError):
        registry.select(sources, ids=["no-such-source"])


# -- discovery -----------------------------------------------------------------------------------

@pytest.mark.parametrize("title,want", [
    ("临川市教育局2022年政府信息公开工作年度报告", True),
    ("临川市教育局2022年度政府信息公开工作年度报告", True),
    ("临川市教育局2022年政府信息公开年度报告", True),
    ("临川市教育局2022年政府信息公开工作报告", True),
    ("临川市教育局2022年政府信息公开工作年度报告（图片版）", True),
    ("临川市教育局2022年政府信息公开工作年度报告（超链版）", True),
    ("《临川市教育局2022年政府信息公开工作年度报告》解读", False),
    ("图解：临川市教育局2022年政府信息公开工作年度报告", False),
    ("一图读懂临川市教育局2022年政府信息公开工作年度报告", False),
    ("临川市教育局2022年政府信息公开工作年度报告（音频版）", False),
    ("关于做好2022年政府信息公开工作年度报告编制工作的通知", False),
    ("部门政府信息公开年报", False),  # a column, not a report: no year
    ("2022年年报", False),
])
def test_report_titles(title, want):
    assert is_report_title(title) is want


def test_attachment_links():
    assert is_attachment_url("http://a.gov.cn/zfxxgknb/202301/P020230118.pdf")
    assert is_attachment_url("http://a/module/download/downfile.jsp?classid=0&filename=5eed.pdf&showname=报告.pdf")
    assert is_document_url("http://a/module/download/downfile.jsp?classid=0&filename=5eed.docx")
    assert not is_attachment_url("http://a.gov.cn/zfxxgknb/202301/t20230118_1.html")
    assert unescape_u("%u4E2D%u6587abc") == "中文abc"


# -- platforms -----------------------------------------------------------------------------------

def test_trs_page_counts():
    assert page_count('createPageHTML(5, 0, "index", "html");') == (5, "index", "html")
    assert page_count("createPageHTML('page_div',7, 1,'index','shtml',66);") == (7, "index", "shtml")
    assert page_count('var countPage = 4//共\ncreatePageHTML(countPage, currentPage, "index", "shtml");') \
        == (4, "index", "shtml")
    assert page_count("var countPage = 3;") == (3, "index", "")
    assert page_count("nothing here") is None
    assert column_url("http://a.gov.cn/xxgk/zfxxgknb") == "http://a.gov.cn/xxgk/zfxxgknb/"


def test_trs_links_resolve_against_the_column_folder():
    body = ('<html><body><ul><li><a href="./202301/t20230118_1.html" title="某局2022年政府信息公开工作年度报告">某局…</a></li>'
            '<li><a href="./202301/t20230118_2.html">《某局2022年政府信息公开工作年度报告》解读</a></li></ul>'
            '<script>createPageHTML(3, 0, "index", "shtml");</script></body></html>').encode()
    url = "http://a.gov.cn/zfxxgk/zfxxgknb/"
    resp = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"role": "listing"}))
    out = list(TrsAdapter().parse_listing(resp))
    urls = [r.url for r in out if isinstance(r, Request)]
    assert "http://a.gov.cn/zfxxgk/zfxxgknb/202301/t20230118_1.html" in urls
    assert not any(u.endswith("_2.html") for u in urls)  # the companion
    assert {u for u in urls if "index_" in u} == {f"{url}index_{n}.shtml" for n in (1, 2, 3)}
    (shown,) = [o for o in out if isinstance(o, ListPage)]  # every entry, companions too; 3 pages declared
    assert (shown.items, shown.pages, shown.records) == ([f"{url}202301/t20230118_1.html", f"{url}202301/t20230118_2.html"],
                                                         3, None)


def test_hanweb_datastore_variants():
    rec = ("<datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=4\"></a>]]></nextgroup>"
           "<recordset><record><![CDATA[<li><a href=\"/art/2023/1/1/art_1_1.html\">某局2022年政府信息公开工作年度报告</a></li>]]></record>"
           "</recordset><totalrecord>45</totalrecord></datastore>")
    assert "art_1_1.html" in datastore_html(rec) and "dataproxy" not in datastore_html(rec)
    norec = rec.replace("<record>", "").replace("</record>", "")
    assert datastore_html(norec) == datastore_html(rec)
    import json
    jsonp = f"jsonp1231({json.dumps({'datastore': rec}, ensure_ascii=False)});"
    assert unwrap_jsonp(jsonp) == rec and datastore_html(jsonp) == datastore_html(rec)


def test_hanweb_posts_groups_with_the_pages_own_ids():
    records = "".join(f"<record><![CDATA[<li><a href=\"/art/2023/1/1/art_7_{i}.html\">x</a></li>]]></record>"
                      for i in range(30))
    page = (f'<html><body><div><script type="text/xml"><datastore><recordset>{records}</recordset>'
            '<totalrecord>95</totalrecord></datastore></script></div>'
            '<script>jpage({totalRecord:95, perPage:10, groupSize:3, columnid:7, unitid:"5007", webid:"1",'
            ' path:"/", webname:"某市", permissiontype:0, appid:1, proxyUrl:"/module/web/jpage/dataproxy.jsp"});'
            "</script></body></html>").encode()
    url = "http://a.gov.cn/col/col7/index.html"
    resp = HtmlResponse(url, body=page, encoding="utf-8", request=Request(url, meta={"role": "listing"}))
    out = list(HanwebAdapter().parse_listing(resp))
    posts = [r for r in out if isinstance(r, Request) and r.method == "POST"]
    (shown,) = [o for o in out if isinstance(o, ListPage)]
    assert (len(shown.items), shown.records) == (30, 95)
    assert [r.url.split("?")[1] for r in posts] == [
        "startrecord=31&endrecord=60&perpage=10", "startrecord=61&endrecord=90&perpage=10",
        "startrecord=91&endrecord=95&perpage=10"]
    form = dict(p.split("=") for p in posts[0].body.decode().split("&"))
    assert form["columnid"] == "7" and form["unitid"] == "5007"


def test_gkmlpt_config():
    sid, nodes = config('window._CONFIG = {"SID": "755035", "TREE": [{"id": 2870, "name": "政府信息公开年报"}]};')
    assert sid == "755035" and nodes == [("2870", "政府信息公开年报")]


def test_json_answers_are_not_parsed_as_html():
    url = "http://a/gkmlpt/api/all/1?page=1&sid=1"
    resp = TextResponse(url, body=b'{"articles": []}', encoding="utf-8", request=Request(url))
    from crawler.spiders.reports import ReportsSpider
    assert ReportsSpider.is_report_page(resp) is False


# -- challenges ----------------------------------------------------------------------------------

def test_blocked_answers():
    script = b'<html><script>var t="a";document.cookie="c="+t;location.reload()</script></html>'
    assert blocked_reason(412, script) == "js_challenge"
    assert blocked_reason(202, script) == "js_challenge"
    assert blocked_reason(521, b"<html><script>document.cookie='x=1'</script></html>") == "cookie_dance"
    assert blocked_reason(200, b"") == "blank"
    assert blocked_reason(200, b"<html><body>\n</body></html>") == "blank"
    assert blocked_reason(200, script) == "script_shell"
    assert blocked_reason(403, b"forbidden") == "refused"
    # a real page that happens to carry the challenge marker is not blocked
    real = b'<html><head><meta name="ArticleTitle" content="x"></head><body><script>document.cookie="a=1"</script>' \
           b"<h1>x</h1><table><tr><td>1</td></tr></table></body></html>"
    assert blocked_reason(200, real) is None
    # a script redirect (single-article column) is not a challenge
    assert blocked_reason(200, b'<html><script>location.href="./202301/t1.html";</script></html>') is None
    assert blocked_reason(200, b"%PDF-1.7 ...") is None


# -- WARC ----------------------------------------------------------------------------------------

def test_warc_store_dedups_payloads_and_reads_back(tmp_path):
    from archive.blobs import read_capture

    store = WarcStore(tmp_path)
    kw = dict(method="GET", request_headers=[("User-Agent", "t")], request_body=b"", status=200, reason="OK",
              response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
    a = store.write(url="http://a/1", body="年报".encode() * 100, **kw)
    b = store.write(url="http://a/2", body="年报".encode() * 100, **kw)
    c = store.write(url="http://a/3", body=b"other", **kw)
    store.close()
    assert not a.revisit and b.revisit and (b.warc_file, b.warc_offset) == (a.warc_file, a.warc_offset)
    assert c.warc_offset > a.warc_offset
    row = {"warc_file": a.warc_file, "warc_offset": a.warc_offset}
    assert read_capture(row, tmp_path) == "年报".encode() * 100
    assert hashlib.sha256(read_capture({"warc_file": c.warc_file, "warc_offset": c.warc_offset}, tmp_path)).hexdigest() \
        == c.sha256
    # a later run knows the payloads (digest index), and rebuilds the index if it is lost
    (tmp_path / "warc" / "digests.tsv").unlink()
    again = WarcStore(tmp_path)
    d = again.write(url="http://a/4", body=b"other", **kw)
    again.close()
    assert d.revisit and (d.warc_file, d.warc_offset) == (c.warc_file, c.warc_offset)


# -- commands ------------------------------------------------------------------------------------

def test_sources_command_filters_and_loads(tmp_path):
    import json

    from click.testing import CliRunner

    from xxgk.cli import cli

    res = CliRunner().invoke(cli, ["sources", "--province", "浙江", "--platform", "hanweb", "--json",
                                   "--load", str(tmp_path / "a.db")])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows and all(r["province"] == "浙江" and r["platform"] == "hanweb" for r in rows)
    import sqlite3
    db = sqlite3.connect(tmp_path / "a.db")
    assert {r[0] for r in db.execute("SELECT id FROM sources")} == {r["id"] for r in rows}


def test_crawl_command_refuses_unknown_sources_and_empty_selections():
    from click.testing import CliRunner

    from xxgk.cli import cli

    res = CliRunner().invoke(cli, ["crawl", "--source", "no-such-source"])
    assert res.exit_code != 0 and "unknown source" in res.output
    res = CliRunner().invoke(cli, ["crawl"])
    assert res.exit_code != 0 and "choose what to crawl" in res.output


def test_retry_backoff_doubles_and_honours_retry_after():
    from scrapy.http import Response
    from scrapy.settings import Settings

    from crawler.middlewares import BackoffRetryMiddleware

    mw = BackoffRetryMiddleware(Settings({"RETRY_BACKOFF_BASE": 2, "RETRY_BACKOFF_MAX": 30, "RETRY_ENABLED": True}))
    req = Request("http://a/")
    assert [mw._delay(req.replace(meta={"retry_times": n}), None) for n in range(5)] == [2, 4, 8, 16, 30]
    slow = Response("http://a/", status=429, headers={"Retry-After": "20"})
    assert mw._delay(req, slow) == 20
    assert mw._delay(req, Response("http://a/", status=503, headers={"Retry-After": "600"})) == 30


def test_detail_attachments_come_from_the_article_not_the_chrome():
    body = ('<html><head><meta name="ArticleTitle" content="某局2022年政府信息公开工作年度报告"></head><body>'
            '<div class="side"><a href="/files/guide.pdf">政府信息公开指南.pdf</a></div>'
            '<div class="article"><div class="TRS_Editor"><p>详见附件。</p></div>'
            '<p>附件：<a href="./P020230118123.pdf">某局2022年政府信息公开工作年度报告.pdf</a></p>'
            '<p><a href="./P020230118124.pdf">《某局2022年报》解读.pdf</a></p></div></body></html>').encode()
    url = "http://a.gov.cn/zfxxgknb/202301/t20230118_1.html"
    d = TrsAdapter().parse_detail(HtmlResponse(url, body=body, encoding="utf-8", request=Request(url)))
    assert d.is_report and d.title == "某局2022年政府信息公开工作年度报告"
    assert [a.url for a in d.attachments] == ["http://a.gov.cn/zfxxgknb/202301/P020230118123.pdf"]


def test_generic_list_declares_its_size_in_words_and_pages_carry_the_list():
    from crawler.adapters.generic import GenericAdapter

    items = "".join(f'<li><a href="/info/detail.jsp?id={i}">通知{i}</a></li>' for i in range(15))
    body = (f'<html><body><a href="/">首页</a><ul>{items}</ul><div>共 42 条 每页 15 条 第1页/共3页 '
            '<a href="list.jsp?page=2">下一页</a></div></body></html>').encode()
    url = "http://a.gov.cn/info/list.jsp"
    resp = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta={"role": "listing", "source": "s"}))
    out = list(GenericAdapter().parse_listing(resp))
    (shown,) = [o for o in out if isinstance(o, ListPage)]
    assert (shown.records, shown.pages, len(shown.items), shown.page) == (42, None, 15, 1)
    (nxt,) = [o for o in out if isinstance(o, Request)]
    assert (nxt.url, nxt.meta["list"], nxt.meta["list_page"]) == ("http://a.gov.cn/info/list.jsp?page=2", url, 2)


def test_list_tally_judges_declared_against_reached():
    from crawler.completeness import ListTally

    def tally(records=None, pages=None, shown=(), requested=0, failed=0, probes=()):
        t = ListTally("s", "http://a/nb/", requested=requested)
        for n, items in enumerate(shown, 1):
            t.add(ListPage([f"http://a/nb/t{n}_{i}.htm" for i in range(items)], records=records, pages=pages, page=n),
                  further=n > 1)
        t.failed, t.probes_failed = failed, set(probes)
        return t

    assert tally(records=20, shown=(10, 10), requested=1).shortfall() is None
    assert tally(records=20, shown=(10,), requested=1, failed=1).shortfall() == {
        "declared": 20, "reached": 10, "unit": "records", "list_url": "http://a/nb/"}
    # pages the incremental policy never asked for (and none failed): not judged
    assert tally(records=50, shown=(10, 10), requested=4).shortfall() is None
    assert tally(records=50, shown=(10, 10), requested=4, failed=1).shortfall()["reached"] == 20
    # pages counted: one too many, asked for as a probe, after a short page: the list had ended
    assert tally(pages=3, shown=(10, 4), requested=3, failed=1, probes=(3,)).shortfall() is None
    assert tally(pages=3, shown=(10, 10), requested=3, failed=1, probes=(3,)).shortfall()["unit"] == "pages"
    assert tally(pages=3, shown=(10, 4), requested=2, failed=1).shortfall() == {
        "declared": 3, "reached": 2, "unit": "pages", "list_url": "http://a/nb/"}
    assert tally(shown=(10,)).shortfall() is None  # nothing declared, nothing to judge


def test_registry_classifies_fujian_sites():
    c = registry.classify_platform
    assert c("TRS WCM (.htm; Fujian cluster)", "http://www.fuqing.gov.cn/xjwz/zfxxgk/zfxxgknb/", "福建") == "fujian"
    assert c("", "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/", "福建") == "fujian"
    assert c("TRS", "https://sthjt.fujian.gov.cn/zwgk/zfxxgk/", "") == "fujian"  # a department subdomain
    assert c("custom CMS (/cms/html/<site>/<date>/<id>.html)", "https://www.np.gov.cn/cms/html/x.html", "福建") == "generic"
    assert c("Hanweb JCMS", "https://www.fujian.gov.cn/col/col1/index.html", "福建") == "hanweb"
    assert c("TRS WCM", "http://www.jiangxi.gov.cn/col/", "江西") == "trs"
    built = {s.id: s.platform for s in registry.load_sources()}
    assert built["fuqing-zfxxgknb"] == built["fzftz-fuzhou-ndbg"] == "fujian"
