"""The mock portals over real HTTP: every platform mechanism, and the manifest against what is served."""
from __future__ import annotations

import http.client
import io
import json
import math
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from datetime import timezone
from email.utils import format_datetime
from http.cookiejar import CookieJar
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from mockportals import MockPortals, challenge_answer
from mockportals.edge import CHALLENGE_COOKIE
from needs import tool

PAGE = 10


@pytest.fixture(scope="module")
def mp():
    with MockPortals(seed=5, page_size=PAGE, failures=2) as portals:
        yield portals


def fetch(url: str, data: bytes | None = None, headers: dict | None = None, opener=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener.open if opener else urllib.request.urlopen)(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def entries(mp, portal, **kw):
    """Manifest entries of `portal` matching `kw`, newest first (the order lists show them)."""
    found = [e for e in mp.manifest if e.portal == portal and all(getattr(e, k) == v for k, v in kw.items())]
    return sorted(found, key=lambda e: e.published, reverse=True)


def hrefs(html: str, base: str) -> list[str]:
    return [urljoin(base, h) for h in re.findall(r'href="([^"]+)"', html)]


# -- TRS -------------------------------------------------------------------------------------------

def test_trs_page_count_only_in_createPageHTML(mp):
    root = mp.urls["trs"]
    column = entries(mp, "trs")
    status, _, body = fetch(root)
    html = body.decode()
    count = int(re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', html)[1])
    assert count == math.ceil(len(column) / PAGE) >= 3
    assert "index_1.html" not in html  # no static next link: the script is the only way
    second = fetch(root + "index_1.html")[2].decode()
    six = re.search(r"createPageHTML\('page_div',(\d+), 1,'index','html',(\d+)\)", second)
    assert (int(six[1]), int(six[2])) == (count, len(column))
    assert fetch(root + f"index_{count}.html")[0] == 404
    linked = set()
    for n in range(count):
        page_url = root + ("index.html" if n == 0 else f"index_{n}.html")
        page = fetch(page_url)[2].decode()
        found = [h for h in hrefs(page, page_url) if re.search(r"/\d{6}/t\d{8}_\d+\.html$", h)]
        assert all("/zfxxgknb/./" not in h and h.startswith(root) for h in found)
        linked |= set(found)
    assert linked == {e.url for e in column}
    # without the trailing slash the server redirects, as `./` links need it
    assert fetch(root.rstrip("/"))[0] == 200 and urllib.request.urlopen(root.rstrip("/")).url == root


def test_trs_detail_meta_body_and_pdf(mp):
    import pypdfium2

    e = next(e for e in entries(mp, "trs", kind="report", fmt="html") if e.attachments and e.template != "pre2019")
    status, headers, body = fetch(e.url)
    html = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    for name, value in (("SiteName", "临川市人民政府"), ("ArticleTitle", e.title), ("ContentSource", e.agency),
                        ("PubDate", e.published.strftime("%Y-%m-%d %H:%M"))):
        assert f'<meta name="{name}" content="{value}">' in html
    assert re.search(r'<meta name="(SiteIDCode|ColumnName)" content="[^"]+">', html)
    editor = html.split('<div class="TRS_Editor">', 1)[1]
    assert "rowspan=" in editor and "colspan=" in editor
    assert e.report.title in editor
    rel = re.search(r'href="(\./P0\d+\.pdf)"', html)[1]
    assert urljoin(e.url, rel) == e.attachments[0]
    status, headers, pdf = fetch(e.attachments[0])
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    doc = pypdfium2.PdfDocument(pdf)
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    doc.close()
    assert e.report.title in text
    total = e.report.cell("applications", "new_received", "total")
    assert total is not None and str(total.raw) in text
    # the tables are ruled like a Word export: the project's PDF front end reads the cells back
    from parsers import parse

    got = {(c.table, c.row, c.column): c.value for c in parse(pdf, "application/pdf").cells}
    assert got and all(got.get((c.table, c.row, c.column)) == c.value for c in e.report.cells)


def test_trs_gbk_charset_only_in_meta(mp):
    root = mp.urls["trs_gbk"]
    status, headers, body = fetch(root)
    assert headers["Content-Type"] == "text/html"  # no charset in the header
    assert b'content="text/html; charset=gb2312"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html = body.decode("gbk")
    promised = int(re.search(r"var countPage = (\d+)//", html)[1])
    count = math.ceil(len(entries(mp, "trs_gbk")) / PAGE)
    assert promised == count + 1  # off by one, like some real sites: the last promised page is a 404
    assert fetch(root + f"index_{count - 1}.shtml")[0] == 200 and fetch(root + f"index_{count}.shtml")[0] == 404
    assert 'createPageHTML(countPage, currentPage, "index", "shtml")' in html
    e = next(e for e in entries(mp, "trs_gbk", kind="report", fmt="html") if len(e.title) > 20)
    # long titles are cut in the link text; the full one is in @title
    page = "".join(fetch(root + ("index.shtml" if n == 0 else f"index_{n}.shtml"))[2].decode("gbk")
                   for n in range(count))
    assert f'title="{e.title}">{e.title[:18]}...</a>' in page
    detail = fetch(e.url)[2]
    assert e.url.endswith(".shtml") and e.title in detail.decode("gbk")
    assert e.title not in detail.decode("latin-1")  # what a header-only client would see


# -- Hanweb ----------------------------------------------------------------------------------------

def _records(xml: str) -> list[str]:
    return re.findall(r'<a href="(/art/\d{4}/\d+/\d+/art_\d+_\d+\.html)"', xml)


def test_hanweb_list_hidden_in_datastore_script(mp):
    from bs4 import BeautifulSoup

    url = mp.urls["hanweb"]
    html = fetch(url)[2].decode()
    col = entries(mp, "hanweb", column=url.removesuffix("index.html"))
    script = re.search(r'<script type="text/xml">(.*?)</script>', html, re.S)[1]
    assert "<datastore>" in script and "<nextgroup><![CDATA[" in script
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", script, re.S)
    assert len(records) == 3 * PAGE < len(col)
    assert re.search(rf"jpage\(\{{totalRecord:{len(col)}, perPage:{PAGE},", html)
    soup = BeautifulSoup(html, "html.parser")
    assert not [a for a in soup.find_all("a") if "/art/" in a.get("href", "")]  # invisible to HTML parsers
    assert [urljoin(url, h) for h in _records(script)] == [e.url for e in col[: 3 * PAGE]]


def test_hanweb_dataproxy_groups_get_post_and_ids(mp):
    base = mp.urls["hanweb"].split("/col/")[0]
    proxy = base + "/module/web/jpage/dataproxy.jsp"
    col = [e.url for e in entries(mp, "hanweb", column=base + "/col/col1229/")]
    other = [e.url for e in entries(mp, "hanweb", column=base + "/col/col1230/")]
    form = {"columnid": "1229", "unitid": "5001", "webid": "1", "path": "/", "webname": "东阳市人民政府",
            "permissiontype": "0", "appid": "1"}

    def post(start, end, **override):
        data = urlencode({**form, **override}).encode()
        status, headers, body = fetch(f"{proxy}?startrecord={start}&endrecord={end}&perpage={PAGE}", data)
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        text = body.decode()
        assert text.startswith("<?xml") and "<html" not in text  # bare XML
        return text

    got, start = [], 1
    while start <= len(col):
        xml = post(start, start + 3 * PAGE - 1)
        assert f"<totalrecord>{len(col)}</totalrecord>" in xml
        got += _records(xml)
        start += 3 * PAGE
    assert [base + p for p in got] == col
    assert len(_records(post(1, 1000))) == 3 * PAGE  # one call never returns more than three pages
    # GET page=N starts a group at page N
    xml = fetch(f"{proxy}?page=2&webid=1&path=/&columnid=1229&unitid=5001&permissiontype=0")[2].decode()
    assert [base + p for p in _records(xml)] == col[PAGE: 4 * PAGE]
    # columnid and unitid must match: another unit's id answers with its column, an unknown one with nothing
    assert [base + p for p in _records(post(1, 3 * PAGE, unitid="5002"))] == other[: 3 * PAGE]
    empty = post(1, 3 * PAGE, unitid="9999")
    assert _records(empty) == [] and "<totalrecord>0</totalrecord>" in empty


def test_hanweb_variants_norecord_and_jsonp(mp):
    base = mp.urls["hanweb"].split("/col/")[0]
    html = fetch(base + "/col/col1230/index.html")[2].decode()
    assert "<record>" not in html and "<datastore>" in html
    col = [e.url for e in entries(mp, "hanweb", column=base + "/col/col1230/")]
    assert [base + p for p in _records(html)] == col[: 3 * PAGE]
    assert 'proxyUrl:"/module/jpage/dataproxy.jsp"' in html  # an older installation's path
    xml = fetch(base + "/module/jpage/dataproxy.jsp?page=1&columnid=1230&unitid=5002")[2].decode()
    assert "<record>" not in xml and [base + p for p in _records(xml)] == col[: 3 * PAGE]

    html = fetch(base + "/col/col1231/index.html")[2].decode()
    assert "<datastore>" not in html and "/art/" not in html
    url = re.search(r'var jsonpUrl = "([^"]+)"', html)[1]
    status, headers, body = fetch(base + url)
    text = body.decode()
    m = re.fullmatch(r"jsonp1231\((.*)\);", text, re.S)
    assert m and "javascript" in headers["Content-Type"]
    xml = json.loads(m[1])["datastore"]
    col = [e.url for e in entries(mp, "hanweb", column=base + "/col/col1231/")]
    assert [base + p for p in _records(xml)] == col[: 3 * PAGE]


def test_hanweb_zoom_body_and_downfile(mp):
    e = next(e for e in entries(mp, "hanweb", kind="report", fmt="html") if e.attachments)
    html = fetch(e.url)[2].decode()
    assert '<div id="zoom">' in html and e.report.title in html.split('<div id="zoom">', 1)[1]
    assert re.search(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$", e.url)
    q = dict(parse_qsl(urlsplit(e.attachments[0]).query))
    assert urlsplit(e.attachments[0]).path == "/module/download/downfile.jsp" and q["classid"] == "0"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", q["filename"]) and q["showname"].endswith(".pdf")
    assert fetch(e.attachments[0])[2].startswith(b"%PDF-")
    d = next(e for e in entries(mp, "hanweb", fmt="docx"))
    body = fetch(d.attachments[0])[2]
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert d.report.agency in z.read("word/document.xml").decode()


# -- gkmlpt ----------------------------------------------------------------------------------------

def test_gkmlpt_config_api_and_quirks(mp):
    index = mp.urls["gkmlpt"]
    base = index.removesuffix("/gkmlpt/index")
    html = fetch(index)[2].decode()
    config = json.loads(re.search(r"window\._CONFIG = (\{.*?\});\n", html)[1])
    sid = config["SID"]
    cats = [c["id"] for c in config["TREE"][0]["children"]]
    assert cats == [2870, 2871]

    def api(cat, page, s=sid):
        status, headers, body = fetch(f"{base}/gkmlpt/api/all/{cat}?page={page}&sid={s}")
        return status, (json.loads(body) if status == 200 else None)

    assert api(2870, 0) == api(2870, 1)
    seen, escaped = [], 0
    for cat in cats:
        page, total = 1, None
        while True:
            status, data = api(cat, page)
            if status == 404:
                assert cat == 2871 and page == 2
                break
            total = data["classify"]["post_count"]
            if not data["articles"]:
                break
            for a in data["articles"]:
                escaped += "%u" in a["title"]
                title = re.sub(r"%u([0-9A-F]{4})", lambda m: chr(int(m[1], 16)), a["title"])
                seen.append((a["url"], title, a["publisher"]))
                assert re.search(r"/gkmlpt/content/\d/\d{4}/post_(\d{7})\.html$", a["url"])[1] == str(a["id"])
            page += 1
        assert total == len([e for e in mp.manifest if e.portal == "gkmlpt" and e.column.endswith(f"/{cat}")])
    assert escaped > 0
    listed = [e for e in entries(mp, "gkmlpt") if e.expect != "unlisted"]
    assert sorted(seen) == sorted((e.url, e.title, e.agency) for e in listed)
    assert entries(mp, "gkmlpt", expect="unlisted")  # the 404 variant hides the rest
    assert api(2870, 1, s="000")[0] == 400
    status, parent = api(config["TREE"][0]["id"], 1)  # the parent node lists nothing itself
    assert status == 200 and parent["articles"] == []
    e = listed[0]
    assert '<div class="article-content">' in fetch(e.url)[2].decode()


# -- Fujian ----------------------------------------------------------------------------------------

def test_fujian_static_page_list_model_and_both_search_endpoints(mp):
    site = mp.sites["fujian"]
    for col in site.cols.values():
        url = site.url(col.column.path)
        html = fetch(url)[2].decode()
        listed = entries(mp, "fujian", column=url)
        # the static page shows the first page only; its script declares the whole column
        assert [h for h in hrefs(html, url) if "/t20" in h] == [e.url for e in listed[:PAGE]]
        assert f"recordCount: '{len(listed)}'" in html and "channelid: SiteInfo.searchId" in html
        assert f"searchId: {site.search_id}," in html and f'chnlid={col.chnlid}"' in html
        pages = math.ceil(len(listed) / PAGE)
        seen = []
        for page in range(1, pages + 1):
            form = {"channelid": site.search_id, "classsql": f"chnlid={col.chnlid}", "page": page, "prepage": PAGE}
            status, _, body = fetch(site.url("/fjdzapp/search"), urlencode(form).encode(),
                                    {"X-Requested-With": "XMLHttpRequest"})
            data = json.loads(body)
            assert status == 200 and data["pageCount"] == pages
            seen += [(d["docpuburl"], d["doctitle"]) for d in data["data"]]
            assert all(urljoin(url, d["chnldocurl"]) == d["docpuburl"] for d in data["data"])
            # the older endpoint: the same page, an answer that only looks like JSON
            status, _, old = fetch(site.url("/was5/web/search?") + urlencode(form))
            text = old.decode()
            assert status == 200 and "'###pypy###'" in text and ("\n" in text or not data["data"])  # a raw newline
            with pytest.raises(ValueError):
                json.loads(text)
            from crawler.adapters.fujian import read_answer
            assert [(d["url"], d["title"]) for d in read_answer(text)["docs"]] == seen[-len(data["data"]):]
        assert seen == [(e.url, e.title) for e in listed]
    form = urlencode({"channelid": site.search_id, "classsql": "chnlid=2301", "page": 1, "prepage": PAGE}).encode()
    assert fetch(site.url("/fjdzapp/search"), form)[0] == 403  # not an XMLHttpRequest
    wrong = form.replace(str(site.search_id).encode(), b"200210")
    status, _, body = fetch(site.url("/fjdzapp/search"), wrong, {"X-Requested-With": "XMLHttpRequest"})
    assert status == 200 and json.loads(body)["data"] == []  # a wrong channelid: an empty list
    assert fetch(site.url("/fjdzapp/search?") + form.decode())[0] == 403  # GET is not how it is asked


def test_fujian_detail_attachments_outside_the_body(mp):
    site = mp.sites["fujian"]
    with_files = [e for e in entries(mp, "fujian", kind="report") if e.attachments]
    assert {e.fmt for e in with_files} == {"html", "pdf"}
    for e in with_files:
        html = fetch(e.url)[2].decode()
        body = html.split('<div class="TRS_Editor">', 1)[1].split("</div>", 1)[0]
        assert ".pdf" not in body  # never in the body itself
        (pdf,) = e.attachments
        name = pdf.rsplit("/", 1)[1]
        if pdf in site.script_only:  # the 全真版: only in an inline script array
            assert f'href="./{name}"' not in html and f'["./{name}"]' in html
        else:
            assert re.search(rf'<ul id="file_ul_fj"><li><a href="\./{name}"', html)
        status, headers, data = fetch(pdf)
        assert status == 200 and data.startswith(b"%PDF")
    letter = [e for e in entries(mp, "fujian") if "letter" in e.flags]
    assert len(letter) == 1 and letter[0].title.endswith("的函") and letter[0].expect == "skipped"


# -- gov.cn ----------------------------------------------------------------------------------------

def test_govcn_next_links_ucap_and_feed(mp):
    url, found = mp.urls["govcn"], []
    while url:
        html = fetch(url)[2].decode()
        found += [h for h in hrefs(html, url) if re.search(r"/content_\d+\.htm$", h)]
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', html)
        url = urljoin(url, nxt[1]) if nxt else None
    assert found == [e.url for e in entries(mp, "govcn")]
    e = entries(mp, "govcn", kind="report")[0]
    html = fetch(e.url)[2].decode()
    assert f'<meta name="firstpublishedtime" content="{e.published:%Y-%m-%d-%H:%M:%S}">' in html
    assert e.report.title in html.split('id="UCAP-CONTENT"', 1)[1]
    feed = json.loads(fetch(mp.urls["govcn"].replace("index.htm", "feed.json"))[2])
    assert [i["url"] for i in feed["items"]] == found and feed["total"] == len(found)


# -- edge-case site --------------------------------------------------------------------------------

def _edge_base(mp) -> str:
    return mp.urls["edge"].split("/xxgk/")[0]


def test_challenge_needs_the_computed_cookie(mp):
    e = entries(mp, "edge", expect="blocked")[0]
    status, headers, body = fetch(e.url)
    page = body.decode()
    assert status == 412 and "document.cookie" in page and e.title not in page
    token = re.search(r'var t="([0-9a-f]+)"', page)[1]
    assert fetch(e.url, headers={"Cookie": f"{CHALLENGE_COOKIE}=deadbeef"})[0] == 412
    good = challenge_answer(token)
    status, _, body = fetch(e.url, headers={"Cookie": f"{CHALLENGE_COOKIE}={good}"})
    assert status == 200 and e.title in body.decode()
    assert "document.cookie" in body.decode()  # real pages behind the WAF carry its script too
    if shutil.which("node"):  # the script itself computes what the server expects
        script = re.search(r"<script[^>]*>\n(.*?)\n</script>", page, re.S)[1]
        out = subprocess.run(["node", "-e", "var document={}, location={reload(){}};" + script
                              + ";console.log(document.cookie)"], capture_output=True, text=True, timeout=30)
        assert out.stdout.strip() == f"{CHALLENGE_COOKIE}={good}; path=/"


def test_cookie_dance_521_521_200(mp):
    e = next(e for e in entries(mp, "edge") if "/wz/" in e.url)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    statuses = [fetch(e.url, opener=opener)[0] for _ in range(3)]
    assert statuses == [521, 521, 200]
    assert fetch(e.url)[0] == 521  # a client that drops cookies never gets through
    assert e.title in fetch(e.url, opener=opener)[2].decode()


def test_robots_per_portal(mp):
    for name, url in mp.urls.items():
        home = fetch(urljoin(url, "/"))[2].decode()
        assert urlsplit(url).path in home  # the front page links the entry point
        robots = RobotFileParser()
        robots.parse(fetch(urljoin(url, "/robots.txt"))[2].decode().splitlines())
        for e in entries(mp, name):
            assert robots.can_fetch("xxgk-bot", e.url) == (e.expect != "disallowed"), e.url
    assert entries(mp, "closed") and {e.expect for e in entries(mp, "closed")} == {"disallowed"}
    main = fetch(mp.urls["edge"])[2].decode()
    assert 'href="/xxgk/nbbak/"' in main  # linked, so a crawler must check robots.txt itself
    n = len(mp.requests_log)
    fetch(mp.urls["edge"], headers={"User-Agent": "probe/1"})
    log = mp.requests_log[n:]
    assert [(r.portal, r.method, r.path, r.status) for r in log] == [("edge", "GET", "/xxgk/zfxxgknb/", 200)]
    assert log[0].headers["user-agent"] == "probe/1"


def test_429_and_503_then_success(mp):
    base = _edge_base(mp)
    for flag, status in (("flaky429", 429), ("flaky503", 503)):
        e = next(e for e in entries(mp, "edge") if flag in e.flags)
        first = [fetch(e.url) for _ in range(3)]
        assert [r[0] for r in first] == [status, status, 200]
        assert first[0][1]["Retry-After"] == "1" and e.title in first[2][2].decode()
    assert [fetch(base + "/xxgk/zfxxgknb/xzjd/index.html")[0] for _ in range(3)] == [503, 503, 200]


def test_conditional_get_and_publish(mp):
    e = entries(mp, "trs", kind="report")[0]
    status, headers, body = fetch(e.url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert modified == format_datetime(e.published.astimezone(timezone.utc), usegmt=True)
    assert fetch(e.url, headers={"If-None-Match": etag})[0] == 304
    assert fetch(e.url, headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(e.url, headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(e.url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})[0] == 200
    pdf = next(x for x in entries(mp, "trs") if x.attachments).attachments[0]
    assert fetch(pdf, headers={"If-None-Match": fetch(pdf)[1]["ETag"]})[0] == 304

    root = mp.urls["trs"]
    old = fetch(root)[1]["ETag"]
    assert fetch(root, headers={"If-None-Match": old})[0] == 304
    new = mp.publish("trs", n=3)
    assert len(new) == 3 and all(x in mp.manifest and x.expect == "archived" for x in new)
    status, headers, body = fetch(root, headers={"If-None-Match": old})
    assert status == 200 and headers["ETag"] != old
    assert all(f'./{x.url.split("/zfxxgknb/")[1]}' in body.decode() for x in new)
    assert fetch(new[0].url)[0] == 200 and new[0].report.year == new[0].year


def test_publish_on_every_portal(mp):
    for name, site in mp.sites.items():
        (e,) = mp.publish(name, n=1)
        assert e.kind == "report" and e.year > max(x.year for x in mp.manifest if x.portal == name and x is not e) - 1
        assert fetch(e.url)[0] == 200
        if name == "gkmlpt":
            sid = re.search(r'"SID": "(\w+)"', fetch(mp.urls["gkmlpt"])[2].decode())[1]
            first = fetch(f"{e.column}?page=1&sid={sid}")[2].decode()
            assert json.dumps(e.url) in first
        else:
            first = fetch(e.column)[2].decode("gbk" if name == "trs_gbk" else "utf-8")
            assert urlsplit(e.url).path.rsplit("/", 1)[1] in first, name


def test_redirect_columns_and_moved_column(mp):
    base = _edge_base(mp)
    meta = fetch(base + "/xxgk/ndbg2020/")[2].decode()
    script = fetch(base + "/xxgk/ndbg2021/index.html")[2].decode()
    target = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', meta)[1]
    target2 = re.search(r'location\.href="([^"]+)"', script)[1]
    for t, col in ((target, "/xxgk/ndbg2020/"), (target2, "/xxgk/ndbg2021/")):
        e = entries(mp, "edge", column=base + col)
        assert [x.url for x in e] == [base + t] and fetch(base + t)[0] == 200
    status, headers, body = fetch(base + "/xxgk/gknb/")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert "Página" in body.decode("iso-8859-1")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert 'href="/xxgk/gknb2/"' in fetch(mp.urls["edge"])[2].decode()
    moved = fetch(base + "/xxgk/gknb2/")[2].decode()
    assert {urljoin(base, h) for h in re.findall(r'href="([^"]*post_\d+\.html)"', moved)} == {
        e.url for e in entries(mp, "edge", column=base + "/xxgk/gknb2/")}


def test_truncated_body_and_cut_report(mp):
    e = next(e for e in entries(mp, "edge") if "truncated" in e.flags)
    u = urlsplit(e.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", u.path)
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()
    cut = next(e for e in entries(mp, "edge") if "cut" in e.flags)
    html = fetch(cut.url)[2].decode()
    assert "三、收到和处理政府信息公开申请情况" in html and "四、政府信息公开行政复议" not in html


def test_edge_lists_direct_files_subcolumns_and_companions(mp):
    base, main = _edge_base(mp), mp.urls["edge"]
    html = fetch(main)[2].decode()
    for sub in ("2022n/", "2023nb/", "bmxxgknb/", "xzjd/"):
        assert f'href="{urlsplit(main).path}{sub}"' in html
    linked = set()
    url = main
    while url:
        page = fetch(url)[2].decode()
        linked |= {h for h in hrefs(page, url) if re.search(r"(post_\d+\.html|/uploadfiles/.+)$", h)}
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', page)
        url = urljoin(url, nxt[1]) if nxt else None
    assert linked == {e.url for e in entries(mp, "edge", column=main)}
    files = {e.fmt: e for e in entries(mp, "edge") if e.url.startswith(base + "/uploadfiles/")}
    assert set(files) == {"pdf", "doc", "docx", "wps", "ofd"}
    assert {e.kind for e in entries(mp, "edge", expect="skipped")} == {"companion"}
    assert {f for e in entries(mp, "edge", kind="companion") for f in e.flags} >= {"解读", "图解", "一图读懂"}
    old = next(e for e in entries(mp, "edge") if "2019_layout_in_2023" in e.flags)
    assert (old.template, old.year, old.published.year) == ("2019", 2022, 2023)
    assert "本年新制作数量" in fetch(old.url)[2].decode()
    img = next(e for e in entries(mp, "edge", kind="report", fmt="image"))
    page = fetch(img.url)[2].decode()
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert srcs and "<table" not in page.split('id="zoomcon"', 1)[1].split("</div>")[0]
    assert fetch(urljoin(img.url, srcs[0]))[2].startswith(b"\x89PNG")


MAGIC = {"pdf": b"%PDF-", "doc": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0", "docx": b"PK", "ofd": b"PK"}


@pytest.mark.slow
@pytest.mark.needs("soffice")  # the DOC and WPS attachments are converted from DOCX when asked for
def test_manifest_agrees_with_what_is_served(mp):
    """Every entry a crawler could fetch answers 200 with its document (robots aside: this is a test)."""
    base = _edge_base(mp)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    token = re.search(r'var t="([0-9a-f]+)"', fetch(base + "/zwgk/ndbg/")[2].decode())[1]
    cookie = {"Cookie": f"{CHALLENGE_COOKIE}={challenge_answer(token)}"}
    assert {e.expect for e in mp.manifest} <= {"archived", "skipped", "blocked", "error", "disallowed", "unlisted"}
    assert len({e.url for e in mp.manifest}) == len(mp.manifest)
    for e in mp.manifest:
        if "truncated" in e.flags:
            continue
        for _ in range(3):  # flaky pages and the cookie dance succeed on the third try
            status, headers, body = fetch(e.url, headers=cookie if "/zwgk/" in e.url else None, opener=opener)
            if status == 200:
                break
        assert status == 200, e.url
        if e.fmt in MAGIC and not e.attachments:
            assert body.startswith(MAGIC[e.fmt]), e.url
        elif e.kind == "report" and e.fmt in ("html", "image"):
            charset = "gbk" if e.portal == "trs_gbk" else "utf-8"
            text = body.decode(charset)
            assert e.report.title in text and e.title in text
            if e.fmt == "html" and e.template != "pre2019" and "cut" not in e.flags:
                c = e.report.cell("active", "regulations", e.report.cells[0].column) or e.report.cells[0]
                assert f">{c.raw}<" in re.sub(r"<(/?)(span|font|p|br)[^>]*>", "", text) or c.raw == ""
        for a in e.attachments:
            status, headers, body = fetch(a)
            ext = unquote(a).rsplit(".", 1)[1]
            assert status == 200 and body.startswith(MAGIC[ext]), a


@pytest.mark.slow  # four sets of portals
def test_deterministic_and_scaled():
    with MockPortals(seed=9, portals=("trs", "gkmlpt")) as a, MockPortals(seed=9, portals=("trs", "gkmlpt")) as b:
        strip = lambda mp: [(e.url.split("/", 3)[3], e.title, e.agency, e.year, e.fmt, e.seed) for e in mp.manifest]  # noqa: E731
        assert strip(a) == strip(b)
        ea, eb = a.manifest[0], b.manifest[0]
        assert fetch(ea.url)[1]["ETag"] == fetch(eb.url)[1]["ETag"]
    with MockPortals(seed=10, portals=("trs",)) as one, MockPortals(seed=10, portals=("trs",), scale=2.0) as two:
        assert len(two.manifest) >= 1.8 * len(one.manifest)
        assert strip(one) != [x for x in strip(a) if x[0].startswith("zfxxgk/")]  # another seed, other content
    with pytest.raises(ValueError):
        MockPortals(portals=("nope",))


@pytest.mark.browser
@pytest.mark.needs("chromium")
def test_browser_passes_the_challenge(mp):
    """A real browser runs the script, gets the cookie and then the page; plain HTTP cannot."""
    from playwright.sync_api import sync_playwright

    e = entries(mp, "edge", expect="blocked")[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=tool("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(e.url)
        page.wait_for_selector("h1", timeout=15000)
        assert e.title in page.content()
        browser.close()


def test_cli_serves_and_prints_urls(tmp_path):
    manifest = tmp_path / "m.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", "from xxgk.cli import main; main()", "mock-portals",
                             "--portal", "trs", "--portal", "govcn", "--manifest", str(manifest)],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("serving"):
                break
        urls = [ln.split()[2] for ln in lines if ln.startswith(("trs ", "govcn "))]
        assert len(urls) == 2 and all(fetch(u)[0] == 200 for u in urls)
        rows = [json.loads(r) for r in manifest.read_text(encoding="utf-8").splitlines()]
        assert {r["portal"] for r in rows} == {"trs", "govcn"} and all(r["url"].startswith("http://127.0.0.1:")
                                                                     for r in rows)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _app_row(report, row):
    return {c.column: c.value for c in report.cells if c.table == "applications" and c.row == row}


def test_each_agency_s_years_chain_and_reposts_agree():
    """上年结转 = last year's 结转下年度 for every agency with both years on a portal; the same
    agency-year posted twice (edge: the 2020 column) is one report; a revision made after the
    next year came out leaves that next year's figures as printed (a deliberate break)."""
    mp = MockPortals(seed=3)
    try:
        reports = [e for e in mp.manifest if e.kind == "report" and e.template != "pre2019"]
        by_key: dict = {}
        for e in reports:
            by_key.setdefault((e.portal, e.agency, e.year), []).append(e)
        pairs = 0
        for e in reports:
            for last in by_key.get((e.portal, e.agency, e.year - 1), []):
                assert _app_row(e.report, "carried_over") == _app_row(last.report, "carried_forward"), e.url
                pairs += 1
        assert pairs >= 100
        twice = [v for v in by_key.values() if len(v) > 1]
        assert twice and all(a.report.cells == b.report.cells for a, b in twice)
        site = mp.sites["trs"]
        e = next(x for x in site.entries if x.kind == "report" and x.fmt == "html" and x.template != "pre2019"
                 and (x.portal, x.agency, x.year + 1) in by_key)
        (nxt,) = by_key[(e.portal, e.agency, e.year + 1)]
        printed, before = _app_row(nxt.report, "carried_over"), e.generate().cells
        assert printed == e.carried_forward
        site.revise(e.url)
        assert e.generate().cells != before  # other figures now
        assert _app_row(nxt.generate(), "carried_over") == printed  # as printed, chained or not
    finally:
        mp.close()


def test_portals_are_provincial_and_invent_agencies_there():
    from reportgen.agencies import PROVINCES

    mp = MockPortals(seed=2)
    try:
        provinces = {s.portal: s.province for s in mp.sources}
        assert provinces == {"trs": "江西", "trs_gbk": "江西", "hanweb": "浙江", "gkmlpt": "广东", "govcn": "",
                             "edge": "湖南", "closed": "湖南", "fujian": "福建"}
        for site in mp.sites.values():
            if site.province:  # a provincial site invents its agencies in its own province
                assert site.province in PROVINCES
                assert site.agencies(5, fixed=True) == site.agencies(5, province=site.province, fixed=True)
    finally:
        mp.close()
