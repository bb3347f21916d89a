"""End to end: `xxgk crawl` over real HTTP against each mock portal archetype; the archive must
hold exactly the reports the portal's manifest says a polite crawler gets, with the right cells."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawl_support import (REPO, connect, crawl, expected, mock_sources, portal_sources, report_of, snapshot,
                           urls, xxgk)

pytestmark = pytest.mark.crawl

from mockportals import MockPortals  # noqa: E402  (crawl_support puts the repo on sys.path)

KEY = ("applications", "new_received", "total")


@pytest.fixture(scope="module")
def mp():
    with MockPortals(seed=3, page_size=10, failures=2) as portals:
        yield portals


@pytest.fixture(scope="module")
def crawled(mp, tmp_path_factory):
    """Each portal crawled once into its own archive (module-wide: crawls are the slow part)."""
    done = {}

    def get(portal: str):
        if portal not in done:
            d = tmp_path_factory.mktemp(portal)
            crawl(portal_sources(mp, portal), d)
            done[portal] = d
        return done[portal]
    return get


def check_reports(mp, db, portal: str) -> None:
    """The exact set of report captures, and each HTML report's agency, year and key cells."""
    assert urls(db, "report") == expected(mp, portal)
    for e in mp.manifest:
        if e.portal != portal or e.expect != "archived" or e.fmt != "html":
            continue
        r = report_of(db, e.url)
        assert r is not None, e.url
        assert (r["agency"], r["year"]) == (e.agency, e.year), e.url
        truth = {(c.table, c.row, c.column): c.value for c in e.report.cells}
        if KEY in truth:
            got = {(t, rw, c): v for t, rw, c, v in db.execute(
                "SELECT table_key, row_key, column_key, value FROM cells WHERE report_id = ?", [r["id"]])}
            assert got.get(KEY) == truth[KEY], e.url
            assert r["new_requests"] == truth[KEY], e.url
        else:  # pre-2019 layout: the figures are in the narrative
            facts = dict(db.execute("SELECT key, value FROM facts WHERE report_id = ?", [r["id"]]).fetchall())
            want = {f.key: f.value for f in e.report.facts}
            assert facts.get("requests_received") == want["requests_received"], e.url


@pytest.mark.parametrize("portal", ["trs", "trs_gbk", "hanweb", "gkmlpt", "govcn", "fujian"])
def test_platform_reports_archived_exactly(mp, crawled, portal):
    db = connect(crawled(portal))
    check_reports(mp, db, portal)
    companions = {e.url for e in mp.manifest if e.portal == portal and e.kind == "companion"}
    assert not companions & urls(db, "report")
    runs = db.execute("SELECT * FROM crawl_runs").fetchall()
    assert len(runs) == len(portal_sources(mp, portal))
    assert sum(r["reports_new"] for r in runs) == len(expected(mp, portal))
    assert all(r["status"] == "finished" and r["requests"] > 0 and r["bytes"] > 0 for r in runs)


def test_attachments_fetched_and_linked_to_their_page(mp, crawled):
    for portal in ("trs", "hanweb", "gkmlpt", "fujian"):
        db = connect(crawled(portal))
        want = {a for e in mp.manifest if e.portal == portal and e.expect == "archived" for a in e.attachments}
        assert want and urls(db, "attachment") == want
        orphans = db.execute("SELECT url FROM captures WHERE kind = 'attachment' AND parent_capture_id IS NULL").fetchall()
        assert not orphans
        runs = db.execute("SELECT sum(attachments) FROM crawl_runs").fetchone()[0]
        assert runs == len(want)


def test_fujian_pages_through_both_search_endpoints(mp, crawled):
    db = connect(crawled("fujian"))
    site = mp.sites["fujian"]
    api = [r for r in mp.requests_log if r.portal == "fujian" and "/search" in r.path]
    posts = [r for r in api if r.path == "/fjdzapp/search"]
    assert posts and all(r.method == "POST" and r.status == 200 for r in posts)
    assert all(r.headers["x-requested-with"] == "XMLHttpRequest" for r in posts)
    assert all(r.headers["referer"] == site.url("/zwgk/zfxxgk/zfxxgknb/") for r in posts)
    older = [r for r in api if r.path.startswith("/was5/web/search")]  # the department column's page names it
    assert older and all(r.method == "GET" and r.status == 200 and "channelid=300310" in r.path for r in older)
    # the letter and the 解读 are listed beside the reports, never archived as reports
    skipped = {e.url for e in mp.manifest if e.portal == "fujian" and e.expect == "skipped"}
    assert len(skipped) == 2 and not skipped & urls(db, "report")
    # the 全真版 PDFs named only in a script array were found and archived with their page
    assert site.script_only and site.script_only <= urls(db, "attachment")
    assert not db.execute("SELECT 1 FROM findings WHERE code = 'list_incomplete'").fetchone()
    assert urls(db, "error") == set()  # nothing asked for that is not there (the script's display names)


@pytest.mark.parametrize("portal", ["gkmlpt", "trs"])
def test_url_crawl_reads_the_platform_from_the_entry_page(mp, portal, tmp_path):
    """`xxgk crawl --url` without --platform; the TRS column given without its trailing slash."""
    from crawl_support import FAST

    url = portal_sources(mp, portal)[0].entry_url
    args = ["crawl", "--url", url.rstrip("/"), "--id", "detected", "--data-dir", str(tmp_path), "--quiet"]
    res = xxgk(*args, *[x for s in FAST for x in ("-s", s)])
    assert res.returncode == 0, res.stderr[-3000:]
    db = connect(tmp_path)
    assert db.execute("SELECT platform FROM sources WHERE id = 'detected'").fetchone()[0] == portal
    assert urls(db, "report") == expected(mp, portal)
    assert f"detected: platform {portal}" in res.stdout


def test_gbk_declared_only_in_meta_decodes(mp, crawled):
    db = connect(crawled("trs_gbk"))
    ctypes = {r[0] for r in db.execute("SELECT media_type FROM captures WHERE kind = 'report'")}
    assert ctypes == {"text/html"}  # the header says nothing about the charset
    titles = {e.url: e for e in mp.manifest if e.portal == "trs_gbk" and e.expect == "archived" and e.fmt == "html"}
    for url, e in titles.items():
        r = report_of(db, url)
        assert r["agency"] == e.agency and "政府信息公开" in (r["title"] or ""), (url, r["title"])


def test_hanweb_pages_through_dataproxy_with_matching_ids(mp, crawled):
    crawled("hanweb")
    posts = [r for r in mp.requests_log if r.portal == "hanweb" and "dataproxy.jsp" in r.path]
    assert any(r.method == "POST" for r in posts)  # record / norecord columns: POST groups
    assert any(r.method == "GET" and "callback=" in r.path for r in posts)  # the JSONP column
    assert all(r.status == 200 for r in posts)


def test_gkmlpt_quirks(mp, crawled):
    db = connect(crawled("gkmlpt"))
    unlisted = expected(mp, "gkmlpt", "unlisted")
    assert unlisted and not unlisted & urls(db, "report")
    api = [r.path for r in mp.requests_log if r.portal == "gkmlpt" and "/api/" in r.path]
    assert not any("page=0" in p for p in api)  # page 0 repeats page 1
    failed = [r for r in db.execute("SELECT url, http_status FROM captures WHERE kind = 'error'")]
    assert failed and all(r["http_status"] == 404 and "/api/all/" in r["url"] for r in failed)


@pytest.mark.slow
@pytest.mark.needs("soffice")  # its DOC and WPS reports are converted from DOCX when fetched
def test_edge_site(mp, crawled):
    db = connect(crawled("edge"))
    assert urls(db, "report") == expected(mp, "edge")
    kinds = Counter(e.fmt for e in mp.manifest if e.portal == "edge" and e.expect == "archived")
    assert {"pdf", "doc", "docx", "wps", "ofd"} <= set(kinds)  # direct file links became reports
    # companions are never archived as reports
    assert not {e.url for e in mp.manifest if e.portal == "edge" and e.kind == "companion"} & urls(db, "report")
    # robots.txt: the disallowed column is never requested
    log = [r for r in mp.requests_log if r.portal == "edge"]
    assert not [r.path for r in log if r.path.startswith("/xxgk/nbbak/")]
    # the JS challenge is recorded as blocked, never parsed
    blocked = db.execute("SELECT url, http_status FROM captures WHERE kind = 'blocked'").fetchall()
    assert [tuple(b) for b in blocked] == [(mp.sites["edge"].url("/zwgk/ndbg/"), 412)]
    assert not expected(mp, "edge", "blocked") & urls(db, "report")
    by_source = {r["source_id"]: r for r in db.execute("SELECT * FROM crawl_runs")}
    assert by_source["mock-edge-2"]["blocked"] == 1 and by_source["mock-edge-2"]["reports_new"] == 0
    # failed fetches are recorded: the truncated body and the moved column's 404
    errors = {r["url"]: r["http_status"] for r in db.execute("SELECT url, http_status FROM captures WHERE kind = 'error'")}
    assert set(errors) == expected(mp, "edge", "error") | {mp.sites["edge"].url("/xxgk/gknb/")}
    assert by_source["mock-edge-1"]["errors"] == 1
    # 429/503 answers were retried until the page came
    flaky = {e.url for e in mp.manifest if e.portal == "edge" and any(f.startswith("flaky") for f in e.flags)}
    assert flaky and flaky <= urls(db, "report")
    assert {r.status for r in log if mp.sites["edge"].url(r.path) in flaky} >= {429, 503, 200}
    # the cookie dance: 521, 521, then 200 with the cookies
    dance = [r.status for r in log if r.path == "/wz/ndbg/"]
    assert dance == [521, 521, 200]
    assert by_source["mock-edge-3"]["reports_new"] == len({e.url for e in mp.manifest if "/wz/" in e.url})


def test_closed_portal_is_never_requested(mp, crawled):
    db = connect(crawled("closed"))
    assert [r.path for r in mp.requests_log if r.portal == "closed"] == ["/robots.txt"]
    assert urls(db, "report") == set()
    assert db.execute("SELECT status FROM crawl_runs").fetchone()[0] == "disallowed"


def test_user_agent_identifies_the_crawler(mp, crawled):
    crawled("govcn")
    agents = {r.headers.get("user-agent", "") for r in mp.requests_log if r.portal == "govcn"}
    assert agents and all(a.startswith("xxgk-archive/") and "+http" in a for a in agents)


def test_warc_holds_every_capture_byte_for_byte(crawled):
    from archive.blobs import read_capture

    d = crawled("trs")
    db = connect(d)
    rows = [dict(r) for r in db.execute("SELECT * FROM captures WHERE warc_file IS NOT NULL")]
    assert rows
    for row in rows:
        data = read_capture(row, d)
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["url"]
    warcs = list((d / "warc").glob("*.warc.gz"))
    assert warcs and (d / "warc" / "digests.tsv").exists()


def test_second_run_changes_nothing_then_new_reports_arrive(mp, tmp_path):
    sources = portal_sources(mp, "hanweb")[:1]
    crawl(sources, tmp_path)
    db = connect(tmp_path)
    before = snapshot(db)
    first_warcs = set((tmp_path / "warc").glob("*.warc.gz"))
    crawl(sources, tmp_path, "--full")  # fetch everything again (incremental runs: tests/test_incremental_crawl.py)
    assert snapshot(db) == before
    second = db.execute("SELECT * FROM crawl_runs ORDER BY id DESC").fetchone()
    assert (second["reports_new"], second["reports_changed"]) == (0, 0)
    assert second["reports_unchanged"] == len([e for e in mp.manifest if e.column == sources[0].entry_url.removesuffix("index.html")
                                                and e.expect == "archived"])
    # identical payloads are stored once: the second run wrote revisit records, no payload again
    (second_warc,) = set((tmp_path / "warc").glob("*.warc.gz")) - first_warcs
    with second_warc.open("rb") as f:
        types = Counter(rec.rec_type for rec in ArchiveIterator(f))
    assert types["revisit"] == second["requests"] + 1 and types["response"] == 0  # + robots.txt
    new = mp.publish("hanweb", 2)
    crawl(sources, tmp_path)
    third = db.execute("SELECT * FROM crawl_runs ORDER BY id DESC").fetchone()
    assert third["reports_new"] == len([e for e in new if e.column == new[0].column]) == 2
    assert {e.url for e in new} <= urls(db, "report")


def test_reparse_from_warc_reproduces_the_database(mp, crawled):
    d = crawled("govcn")
    db = connect(d)
    before = snapshot(db)
    db.close()
    res = xxgk("reparse", "--db", str(d / "xxgk.db"), "--data-dir", str(d), "--force", "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "0 unreadable" in res.stdout
    assert snapshot(connect(d)) == before


def test_a_source_that_stops_yielding_is_a_warning(mp, tmp_path):
    src = portal_sources(mp, "govcn")[0]
    crawl([src], tmp_path)
    moved = type(src)(**{**src.__dict__, "entry_url": src.entry_url.replace("zfxxgknb", "gone"),
                         "entry_urls": [src.entry_url.replace("zfxxgknb", "gone")]})
    crawl([moved], tmp_path)
    db = connect(tmp_path)
    found = db.execute("SELECT * FROM findings WHERE code = 'source_yield_dropped'").fetchall()
    assert len(found) == 1 and found[0]["severity"] == "warning" and found[0]["report_id"] is None
    assert json.loads(found[0]["details"])["source_id"] == src.id


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.needs("chromium")
def test_browser_passes_the_js_challenge_plain_http_does_not(mp, tmp_path):
    challenged = [s for s in portal_sources(mp, "edge", browser=True) if s.render == "browser"]
    assert len(challenged) == 1
    crawl(challenged, tmp_path)
    db = connect(tmp_path)
    assert urls(db, "report") == expected(mp, "edge", "blocked")  # blocked for plain HTTP only
    assert urls(db, "blocked") == set()
    run = db.execute("SELECT * FROM crawl_runs").fetchone()
    assert run["blocked"] == 0 and run["reports_new"] == 3


def test_scrapy_project_lists_its_spider():
    import subprocess
    import sys
    from pathlib import Path

    res = subprocess.run([str(Path(sys.executable).with_name("scrapy")), "list"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.split() == ["reports"]


@pytest.mark.slow
@pytest.mark.needs("soffice")
def test_demo_crawls_every_portal_offline(tmp_path):
    res = xxgk("demo", "--no-serve", "--no-browser", "--scale", "0.2", "--data-dir", str(tmp_path / "demo"),
               timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    db = connect(tmp_path / "demo")
    runs = db.execute("SELECT source_id, status FROM crawl_runs").fetchall()
    with MockPortals(seed=1, scale=0.2) as fresh:  # the same portals again: their ids and manifest
        assert {r["source_id"] for r in runs} == {s.id for s in mock_sources(fresh)}
        n_archived = len([e for e in fresh.manifest if e.expect == "archived"])
    assert db.execute("SELECT count(*) FROM captures WHERE kind = 'report'").fetchone()[0] == n_archived
    assert "Datasette" not in res.stderr  # --no-serve


def test_scrapy_crawl_command_runs_the_same_spider(mp, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    src = portal_sources(mp, "govcn")[0]
    args = [str(Path(sys.executable).with_name("scrapy")), "crawl", "reports", "-a", f"url={src.entry_url}",
            "-a", "platform=govcn", "-a", "id=scrapy-cli", "-s", f"XXGK_DATA_DIR={tmp_path}"]
    for s in ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING"):
        args += ["-s", s]
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr[-3000:]
    db = connect(tmp_path)
    assert urls(db, "report") == expected(mp, "govcn")
    assert db.execute("SELECT source_id FROM crawl_runs").fetchone()[0] == "scrapy-cli"
