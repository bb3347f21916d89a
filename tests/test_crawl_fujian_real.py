"""The REAL list page of Fujian's platform (../shared/corpus/portals/, read at run time) served on
127.0.0.1 at its own path, with a search API and detail pages this test makes: `xxgk crawl --url`
without `--platform` must read the platform from the page, page through the API as the page's
script would, reach every report of the column — and say so when the API fails."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

import pytest

from crawl_support import FAST, REPO, connect, xxgk

from mockportals.server import PortalServer, Request, Response, not_found  # noqa: E402
from reportgen import generate, render_html  # noqa: E402

PAGE = REPO.parent / "shared" / "corpus" / "portals" / "fujian-trs-pingtan-list.html"
COLUMN = "/zwgk/zfxxgk/zfxxgknb/"
pytestmark = pytest.mark.crawl


@dataclass
class Record:
    path: str         # under the column, as the list links it
    title: str
    date: str


def real_page() -> str:
    if not PAGE.exists():
        pytest.skip(f"the real Fujian list page is not there ({PAGE}): ../shared is absent")
    return PAGE.read_text(encoding="utf-8")


def static_records(text: str) -> list[Record]:
    """The 10 records the real page links (its own order: newest first)."""
    found = re.findall(r'<a href="\./(\d{6}/t(\d{8})_\d+\.htm)" target="_blank" title="([^"]+)"', text)
    return [Record(p, t, f"{d[:4]}-{d[4:6]}-{d[6:]}") for p, d, t in found]


def older_records() -> list[Record]:
    """The column's other 10 records (the test decides them): 9 older reports and a letter."""
    out = [Record(f"{y + 1}01/t{y + 1}0115_{70000 + y}.htm", f"平潭综合实验区{y}年政府信息公开工作年度报告",
                  f"{y + 1}-01-15") for y in range(2015, 2006, -1)]
    out.insert(3, Record("201904/t20190402_80540.htm", "平潭综合实验区管委会关于2018年度政府信息公开工作年度报告"
                                                         "整改落实情况的函", "2019-04-02"))
    return out


class FujianPortal:
    """The real page, a /fjdzapp/search that pages the 20 records (or answers 404), detail pages."""

    def __init__(self, log: list, api_status: int = 200):
        self.text = real_page()
        self.records = static_records(self.text) + older_records()
        self.api_status = api_status
        self.server = PortalServer("fujian-real", log)
        self.base = self.server.base
        self.api_calls: list[Request] = []

    def __enter__(self) -> "FujianPortal":
        self.server.start(self.route)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    def route(self, req: Request) -> Response:
        if req.path == "/robots.txt":
            return Response(200, b"User-agent: *\nDisallow:\n", "text/plain")
        if req.path == COLUMN:
            return Response(200, self.text.encode("utf-8"))
        if req.path == "/fjdzapp/search":
            self.api_calls.append(req)
            return self.api(req)
        for n, r in enumerate(self.records):
            if req.path == COLUMN + r.path:
                return self.detail(r, n)
        return not_found()

    def api(self, req: Request) -> Response:
        form = req.form
        if self.api_status != 200 or req.method != "POST":
            return not_found()
        if form.get("channelid") != "200210" or form.get("classsql") != "chnlid=1813":
            return Response(200, json.dumps({"data": [], "pageCount": 0}).encode(), "application/json")
        page, per = int(form.get("page", "1")), int(form.get("prepage", "15"))
        chunk = self.records[(page - 1) * per: page * per]
        data = [{"doctitle": r.title, "docpuburl": f"{self.base}{COLUMN}{r.path}", "chnldocurl": f"./{r.path}",
                 "docreltime": f"{r.date} 09:00:00", "chnlid": 1813} for r in chunk]
        return Response(200, json.dumps({"data": data, "pageCount": -(-len(self.records) // per)},
                                        ensure_ascii=False).encode(), "application/json;charset=UTF-8")

    def detail(self, r: Record, n: int) -> Response:
        year = re.search(r"(20\d\d)年", r.title)
        body = ("<p>请各单位抓好落实。</p>" if "函" in r.title else
                render_html(generate(seed=n + 1, template="2021" if int(year.group(1)) >= 2021 else "2019",
                                     year=int(year.group(1)), agency="平潭综合实验区管委会"),
                            style="trs", fragment=True).decode("utf-8"))
        page = (f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{escape(r.title)}">'
                f'<meta name="PubDate" content="{r.date} 09:00"><title>{escape(r.title)}</title></head><body>'
                f'<h1>{escape(r.title)}</h1><div class="TRS_Editor">{body}</div></body></html>')
        return Response(200, page.encode("utf-8"))


def crawl_url(url: str, data_dir) -> None:
    args = ["crawl", "--url", url, "--id", "pingtan-nb", "--data-dir", str(data_dir), "--quiet"]
    for s in FAST:
        args += ["-s", s]
    res = xxgk(*args)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def test_crawl_reaches_every_report_of_the_column(tmp_path):
    log: list = []
    with FujianPortal(log) as portal:
        res = crawl_url(portal.base + COLUMN, tmp_path)
        reports = {f"{portal.base}{COLUMN}{r.path}" for r in portal.records if r.title.endswith("报告")}
        calls = list(portal.api_calls)
    assert len(reports) == 19
    db = connect(tmp_path)
    got = {r[0] for r in db.execute("SELECT url FROM captures WHERE kind = 'report'")}
    assert got == reports  # the letter is not a report
    # detected, stored with the source, said after the crawl
    assert db.execute("SELECT platform FROM sources WHERE id = 'pingtan-nb'").fetchone()[0] == "fujian"
    assert "platform fujian" in res.stdout
    # page 2 of 2, as the page's script asks for it: form-encoded XHR from the column page
    assert len(calls) == 1
    call = calls[0]
    assert call.form == {"channelid": "200210", "classsql": "chnlid=1813", "sortfield": "-docorderpri,-docreltime",
                         "page": "2", "prepage": "10"}
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.headers["x-requested-with"] == "XMLHttpRequest"
    assert call.headers["referer"] == portal.base + COLUMN
    run = db.execute("SELECT * FROM crawl_runs").fetchone()
    assert (run["status"], run["lists_incomplete"], run["reports_new"]) == ("finished", 0, 19)
    assert not db.execute("SELECT 1 FROM findings WHERE code = 'list_incomplete'").fetchone()
    health = json.loads(xxgk("status", "--json", "--data-dir", str(tmp_path)).stdout)
    assert health["state"] == "ok" and health["lists_incomplete"] == 0


def test_an_api_answering_404_makes_the_list_incomplete(tmp_path):
    log: list = []
    with FujianPortal(log, api_status=404) as portal:
        res = crawl_url(portal.base + COLUMN, tmp_path)
    db = connect(tmp_path)
    assert len({r[0] for r in db.execute("SELECT url FROM captures WHERE kind = 'report'")}) == 10
    (finding,) = db.execute("SELECT * FROM findings WHERE code = 'list_incomplete'").fetchall()
    details = json.loads(finding["details"])
    assert (details["declared"], details["reached"], details["unit"]) == (20, 10, "records")
    assert details["list_url"] == portal.base + COLUMN
    assert "declares 20 records; the crawl reached 10" in res.stdout  # the crawl summary says it
    status = xxgk("status", "--json", "--data-dir", str(tmp_path))
    row = json.loads(status.stdout)
    assert row["state"] == "incomplete"
    assert (row["list_declared"], row["list_reached"], row["list_url"]) == (20, 10, portal.base + COLUMN)
    shown = xxgk("status", "--data-dir", str(tmp_path))
    text = shown.stdout + shown.stderr  # the rows on stdout, the notes about them on stderr
    assert f"pingtan-nb: list incomplete — {portal.base}{COLUMN} declares 20 records, the crawl reached 10" in text
