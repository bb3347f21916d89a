"""`xxgk serve` as a real Datasette process on 127.0.0.1: Chinese search through Datasette's own
`?_search=` (HTML and JSON), facets, canned queries, metadata, dashboards, CSV and JSON
downloads of everything, and that nothing can write."""
from __future__ import annotations

import csv
import hashlib
import io
import re

import httpx
import pytest
from click.testing import CliRunner

from archive.db import open_db
from datasette_support import TERMS, Server, build_archive, texts
from xxgk.cli import cli

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = build_archive(tmp_path_factory.mktemp("served") / "xxgk.db")
    open_db(path).conn.close()
    return path


@pytest.fixture(scope="module")
def digest_before(archive):
    return hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(archive, digest_before, tmp_path_factory):
    with Server(archive, tmp_path_factory.mktemp("log") / "serve.log") as s:
        yield s


@pytest.fixture(scope="module")
def db(archive):
    d = open_db(archive)
    yield d
    d.conn.close()


def _ids(server, path, **params) -> set[int]:
    r = server.get(path, _shape="array", _size="max", **params)
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()}


@pytest.mark.parametrize("term", TERMS)
def test_search_reports_json_exact(server, archive, term):
    reports, _ = texts(archive)
    want = {rid for rid, text in reports.items() if term in text}
    assert want and len(want) < len(reports)
    assert _ids(server, "/xxgk/reports.json", _search=term) == want


@pytest.mark.parametrize("term", TERMS)
def test_search_sections_json_exact(server, archive, term):
    _, sections = texts(archive)
    want = {sid for sid, (_, text) in sections.items() if term in text}
    assert want and len(want) < len(sections)
    assert _ids(server, "/xxgk/sections.json", _search=term) == want


def test_search_several_words_means_all_of_them(server, archive):
    reports, _ = texts(archive)
    want = {rid for rid, t in reports.items() if "复议" in t and "政务新媒体" in t}
    assert want
    assert _ids(server, "/xxgk/reports.json", _search="复议 政务新媒体") == want


@pytest.mark.parametrize("word", ["2021", "ＡＢＣ１２３"])
def test_search_latin_and_digits_as_words(server, archive, word):
    """Non-Chinese text keeps unicode61's word semantics (case-insensitive, whole words)."""
    reports, _ = texts(archive)
    alnum = "0-9a-z\uff10-\uff19\uff41-\uff5a"  # ASCII and full-width letters and digits
    pattern = re.compile(rf"(?<![{alnum}]){word.casefold()}(?![{alnum}])")
    want = {rid for rid, t in reports.items() if pattern.search(t.casefold())}
    assert want and len(want) < len(reports)
    assert _ids(server, "/xxgk/reports.json", _search=word.lower()) == want


def test_search_page_keeps_the_query_and_highlights(server):
    r = server.get("/xxgk/reports", _search="依申请公开")
    assert r.status_code == 200
    assert 'value="依申请公开"' in r.text  # the search box shows what was typed
    assert "<mark>依申请公开</mark>" in r.text
    r = server.get("/xxgk/sections", _search="复议")
    assert 'value="复议"' in r.text and "<mark>复议</mark>" in r.text


def test_facets_on_a_search(server, db, archive):
    reports, _ = texts(archive)
    ids = {rid for rid, t in reports.items() if "复议" in t}
    data = server.get("/xxgk/reports.json", _search="复议").json()
    facets = data["facet_results"]
    assert set(facets) == {"year", "province", "level", "template", "status"}
    assert data["filtered_table_rows_count"] == len(ids)
    for name in facets:
        got = {str(f["value"]): f["count"] for f in facets[name]["results"]}
        want: dict[str, int] = {}
        for rid, value in db.execute(f"SELECT id, {name} FROM reports").fetchall():
            if rid in ids:
                want[str(value)] = want.get(str(value), 0) + 1
        assert got == want, name
    # applying the year facet narrows the search
    year = facets["year"]["results"][0]["value"]
    narrowed = _ids(server, "/xxgk/reports.json", _search="复议", year=year)
    assert narrowed == {rid for rid, y in db.execute("SELECT id, year FROM reports").fetchall()
                        if rid in ids and y == year}


def _rows(server, name, **params):
    r = server.get(f"/xxgk/{name}.json", _shape="array", **params)
    assert r.status_code == 200, r.text
    return r.json()


def test_canned_reports_mentioning_a_term(server, archive):
    _, sections = texts(archive)
    rows = _rows(server, "reports_mentioning", term="复议")
    assert {r["section_id"] for r in rows} == {sid for sid, (_, t) in sections.items() if "复议" in t}
    assert all("【复议】" in r["snippet"] for r in rows)
    html = server.get("/xxgk/reports_mentioning", term="依申请公开").text
    assert "<mark>依申请公开</mark>" in html


def test_canned_top_agencies(server, db):
    rows = _rows(server, "top_agencies_by_requests", year="2021")
    want = db.execute("SELECT agency, new_requests FROM reports WHERE year = 2021 AND new_requests IS NOT NULL "
                      "ORDER BY new_requests DESC, agency").fetchall()
    assert [(r["agency"], r["new_requests"]) for r in rows] == [tuple(w) for w in want]
    assert rows


def test_canned_refusal_reasons(server, db):
    rows = _rows(server, "refusal_reasons", year="")
    withheld = [r for r in rows if r["reason"].startswith("withheld_")]
    total = db.execute("SELECT sum(value) FROM cells WHERE table_key = 'applications' AND column_key = 'total' "
                       "AND row_key LIKE 'withheld%'").fetchone()[0]
    assert sum(r["requests"] for r in withheld) == total
    assert abs(sum(r["pct_of_group"] for r in withheld) - 100) < 0.1
    assert all(r["reason_zh"] and r["description_en"] for r in rows)
    one_year = _rows(server, "refusal_reasons", year="2020")
    assert sum(r["requests"] for r in one_year if r["reason"].startswith("withheld_")) == db.execute(
        "SELECT sum(c.value) FROM cells c JOIN reports r ON r.id = c.report_id WHERE r.year = 2020 AND "
        "c.table_key = 'applications' AND c.column_key = 'total' AND c.row_key LIKE 'withheld%'").fetchone()[0]


def test_canned_identity_breaks(server, db):
    rows = _rows(server, "identity_breaks")
    want = db.execute("SELECT count(*) FROM findings WHERE code = 'identity_break' AND report_id IS NOT NULL"
                      ).fetchone()[0]
    assert sum(r["breaks"] for r in rows) == want


def test_canned_province_year_totals(server, db):
    rows = _rows(server, "province_year_totals")
    assert sum(r["reports"] for r in rows) == db.execute("SELECT count(*) FROM reports WHERE year IS NOT NULL"
                                                         ).fetchone()[0]
    by = {(r["province"], r["year"]): r for r in rows}
    for (prov, year), r in by.items():
        prev = by.get((prov, year - 1))
        if prev and r["new_requests"] is not None and prev["new_requests"] is not None:
            assert r["new_requests_change"] == r["new_requests"] - prev["new_requests"]
        elif prev is None:
            assert r["new_requests_change"] is None


def test_canned_agencies_missing_years(server, db):
    rows = _rows(server, "agencies_missing_years")
    latest = db.execute("SELECT max(year) FROM reports").fetchone()[0]
    have: dict[tuple, set[int]] = {}
    for agency, prov, level, year in db.execute("SELECT agency, province, level, year FROM reports "
                                                "WHERE agency != '' AND year IS NOT NULL").fetchall():
        have.setdefault((agency, prov, level), set()).add(year)
    want = {k: sorted(set(range(min(ys), latest + 1)) - ys) for k, ys in have.items()}
    want = {k: v for k, v in want.items() if v}
    assert want, "fixture agencies report single years, so most miss some"
    got = {(r["agency"], r["province"], r["level"]): sorted(int(y) for y in r["missing_years"].split(","))
           for r in rows}
    assert got == want


def test_metadata_describes_everything_in_both_languages(server, db):
    meta = server.get("/-/metadata.json").json()
    tables = meta["databases"]["xxgk"]["tables"]
    names = [n for n in db.table_names() + db.view_names()
             if not n.startswith("reports_fts") and not (tables.get(n) or {}).get("hidden")]
    assert {"reports", "sections", "cells", "keys", "applications_wide", "agency_years"} <= set(names)
    for name in names:
        t = tables[name]
        assert HAN.search(t["description"]) and LATIN.search(t["description"]), name
        cols = [c.name for c in (db[name].columns)]
        assert set(t["columns"]) == set(cols), name
        for c, d in t["columns"].items():
            assert HAN.search(d) and LATIN.search(d), (name, c, d)
    # the reports table's default facets are the plugin's (exact from the summaries, capped, or estimated)
    assert tables["reports"]["facets"] == [{"xxgk": c} for c in ("year", "province", "level", "template", "status")]
    assert meta["title"] and meta["license"] and meta["source"]


def _tables_and_views(server):
    data = server.get("/xxgk.json").json()
    return [t["name"] for t in data["tables"] if not t["hidden"]] + [v["name"] for v in data["views"]]


def test_every_table_and_view_downloads_as_csv_and_json(server, db):
    names = _tables_and_views(server)
    assert "reports" in names and "applications_wide" in names
    for name in names:
        n = db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
        cols = [c.name for c in db[name].columns]
        r = server.get(f"/xxgk/{name}.csv", _stream="on", _size="max")
        assert r.status_code == 200, name
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == cols, name
        assert len(rows) - 1 == n, name
        j = server.get(f"/xxgk/{name}.json", _shape="objects")
        assert j.status_code == 200, name
        body = j.json()
        assert body["filtered_table_rows_count"] == n, name
        assert len(body["rows"]) == min(n, 50), name


CANNED = {"top_agencies_by_requests": {"year": "2021"}, "refusal_reasons": {"year": ""},
          "identity_breaks": {}, "province_year_totals": {}, "agencies_missing_years": {},
          "reports_mentioning": {"term": "复议"}, "crawl_health": {"state": ""}}


def test_every_canned_query_downloads_as_csv_and_json(server):
    queries = server.get("/xxgk.json").json()["queries"]
    assert {q["name"] for q in queries} == set(CANNED)
    for name, params in CANNED.items():
        j = server.get(f"/xxgk/{name}.json", _shape="array", **params)
        assert j.status_code == 200, (name, j.text)
        rows = j.json()
        assert rows, name
        c = server.get(f"/xxgk/{name}.csv", **params)
        assert c.status_code == 200, name
        table = list(csv.DictReader(io.StringIO(c.text)))
        assert len(table) == len(rows), name
        assert list(table[0]) == list(rows[0]), name
        assert [str(v) if v is not None else "" for v in rows[0].values()] == list(table[0].values())


def test_dashboard_page_and_its_charts(server, db):
    r = server.get("/-/dashboards/xxgk")
    assert r.status_code == 200 and "年度报告概览" in r.text
    charts = server.get("/-/metadata.json").json()["plugins"]["datasette-dashboards"]["xxgk"]["charts"]
    for slug, chart in charts.items():
        sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])  # filters not set
        j = server.get("/xxgk.json", sql=sql, _shape="array")
        assert j.status_code == 200 and j.json(), (slug, j.text)
        assert server.get(f"/-/dashboards/xxgk/{slug}").status_code == 200
    province, level, n = db.execute("SELECT province, level, count(*) FROM reports WHERE year IS NOT NULL "
                                    "GROUP BY 1, 2 ORDER BY 3 DESC").fetchone()
    j = server.get("/xxgk.json", sql=re.sub(r"\[\[ (.*?) \]\]", r"\1", charts["reports-by-year"]["query"]),
                   province=province, level=level, _shape="array")
    assert j.status_code == 200 and sum(r["reports"] for r in j.json()) == n


def test_crawl_health_shows_incomplete_lists(server):
    rows = server.get("/xxgk/crawl_health.json", state="incomplete", _shape="array").json()
    assert [(r["source_id"], r["list_declared"], r["list_reached"], r["list_url"]) for r in rows] == [
        ("portal-c", 20, 10, "http://portal-c.invalid/nb/")]
    charts = server.get("/-/metadata.json").json()["plugins"]["datasette-dashboards"]["xxgk"]["charts"]
    panel = server.get("/xxgk.json", sql=charts["crawl-health"]["query"], _shape="array").json()
    assert {r["source_id"]: r["list_reached"] for r in panel}["portal-c"] == "10/20 records"
    problems = server.get("/xxgk.json", sql=charts["crawl-problems"]["query"], _shape="array").json()
    assert problems[0]["n"] == 2  # portal-b failing, portal-c incomplete


@pytest.mark.parametrize("sql", [
    "DELETE FROM reports",
    "UPDATE reports SET year = 1900",
    "INSERT INTO sources (id) VALUES ('x')",
    "DROP TABLE reports",
    "PRAGMA journal_mode = delete",
    "WITH x AS (SELECT 1) DELETE FROM reports",
])
def test_nothing_writes(server, sql):
    r = server.get("/xxgk.json", sql=sql)
    assert r.status_code >= 400 or not r.json().get("ok", True)


def test_served_read_only_and_unchanged(server, archive, digest_before):
    """Mutable mode (a crawl may write meanwhile: tests/test_serve_live.py), every connection
    read-only: the server writes nothing, not even a checkpoint."""
    dbs = server.get("/-/databases.json").json()
    xxgk = next(d for d in dbs if d["name"] == "xxgk")
    assert xxgk["is_mutable"] is True
    r = httpx.post(server.url + "/xxgk/reports_mentioning", data={"term": "复议"}, timeout=30)
    assert r.status_code >= 400  # a read-only canned query takes no POST
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == digest_before


@pytest.mark.slow  # a server of its own
def test_serve_takes_its_port_from_the_environment_and_prints_its_url(archive, tmp_path):
    with Server(archive, tmp_path / "serve.log", port_env=True) as s:
        assert s.get("/xxgk/reports.json").status_code == 200
        assert f"serving {archive} at {s.url}/xxgk" in (tmp_path / "serve.log").read_text()


def test_serve_refuses_a_missing_database(tmp_path):
    res = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert res.exit_code != 0 and "no archive at" in res.output


def test_html_pages_render(server):
    for name in _tables_and_views(server):
        assert server.get(f"/xxgk/{name}").status_code == 200, name
    for name, params in CANNED.items():
        assert server.get(f"/xxgk/{name}", **params).status_code == 200, name
    r = server.get("/xxgk/reports/1")
    assert r.status_code == 200 and 'class="xxgk-text"' in r.text  # the report's text on its page
    assert server.get("/xxgk/sections", _search="公开", _sort="report_id").status_code == 200


def test_sql_functions_and_no_download_of_a_file_being_written(server, archive):
    rows = server.get("/xxgk.json", sql="select xxgk_match(:q) as m, xxgk_snippet('行政复议三件', :q) as s",
                      q="复议", _shape="array").json()
    assert rows == [{"m": '"复议"', "s": "行政【复议】三件"}]
    assert server.get("/xxgk.db").status_code == 403  # a consistent copy is `xxgk export`'s


@pytest.mark.slow  # a server of its own
def test_an_empty_archive_serves(tmp_path):
    path = tmp_path / "xxgk.db"
    open_db(path).conn.close()
    with Server(path, tmp_path / "serve.log") as s:
        for name in ("reports", "sections", "cells", "applications_wide"):
            assert s.get(f"/xxgk/{name}.json").status_code == 200, name
        queries = [q["name"] for q in s.get("/xxgk.json").json()["queries"]]
        assert "reports_mentioning" not in queries  # no search index before the first report
        for name in queries:
            assert s.get(f"/xxgk/{name}.json", **CANNED[name]).status_code == 200, name
        assert s.get("/-/dashboards/xxgk").status_code == 200


# --- OR / NOT search, reading order, links, report page, about, originals ----------------------

@pytest.mark.parametrize("query, means", [
    ("复议 OR 诉讼", lambda t: "复议" in t or "诉讼" in t),
    ("复议 NOT 诉讼", lambda t: "复议" in t and "诉讼" not in t),
    ("政务新媒体 -依申请公开", lambda t: "政务新媒体" in t and "依申请公开" not in t),
    ('"依申请 公开" OR 政务新媒体', lambda t: bool(re.search(r"依申请[\W_]+公开", t)) or "政务新媒体" in t),
])
def test_search_or_not_and_phrases_against_the_texts(server, archive, query, means):
    reports, sections = texts(archive)
    want = {rid for rid, t in reports.items() if means(t)}
    want_sections = {sid for sid, (_, t) in sections.items() if means(t)}
    assert want and want_sections and len(want_sections) < len(sections)  # the fixture tells them apart
    assert _ids(server, "/xxgk/reports.json", _search=query) == want
    assert _ids(server, "/xxgk/sections.json", _search=query) == want_sections


def test_search_syntax_is_on_the_search_pages(server):
    for table in ("reports", "sections"):
        html = server.get(f"/xxgk/{table}").text
        assert "<code>复议 OR 诉讼</code>" in html and "<code>复议 NOT 诉讼</code>" in html


def test_reports_page_shows_the_title_before_the_hash(server):
    html = server.get("/xxgk/reports").text
    heads = re.findall(r'<th [^>]*data-column="([^"]+)"', html)
    assert heads[:4] == ["id", "title", "agency", "year"] and heads[-1] == "sha256"


def test_snippets_name_the_agency_and_link_the_report(server, db):
    # named by the agency (else the title, else the id, for a report that gives neither)
    agencies = {rid: agency or title or str(rid) for rid, agency, title in
                db.execute("SELECT id, agency, title FROM reports").fetchall()}
    for table in ("reports", "sections"):
        html = server.get(f"/xxgk/{table}", _search="政务新媒体").text
        cells = re.findall(r'<td class="col-report"><a href="/xxgk/reports/(\d+)">([^<]+)</a>', html)
        assert cells and all(agencies[int(rid)] == name for rid, name in cells), table
        assert "{'value'" not in html
        assert server.get(f"/xxgk/reports/{cells[0][0]}").status_code == 200


def test_report_page_names_the_report_and_lays_out_its_tables(server, db):
    rid, title, template = db.execute("SELECT id, title, template FROM reports WHERE template = '2021' "
                                      "ORDER BY id LIMIT 1").fetchone()
    html = server.get(f"/xxgk/reports/{rid}").text
    assert f"<title>{title} · 报告 {rid} · xxgk</title>" in html
    value = db.execute("SELECT value FROM cells WHERE report_id = ? AND table_key = 'applications' AND "
                       "row_key = 'new_received' AND column_key = 'total'", [rid]).fetchone()[0]
    link = f'/xxgk/cells/{rid},applications,new_received,total'
    assert re.search(rf'<a href="{link}" title="Requests newly received this year: total[^"]*">{value}</a>', html)
    assert server.get(link).status_code == 200
    for label in ("一、本年新收政府信息公开申请数量", "法人或其他组织", "（三）不予公开", "行政复议", "复议后起诉",
                  "第二十条第（一）项"):
        assert label in html, label


def test_canned_query_with_a_year_opens_with_the_latest_year_and_links_reports(server, db):
    latest = db.execute("SELECT max(year) FROM reports WHERE new_requests IS NOT NULL").fetchone()[0]
    rows = _rows(server, "top_agencies_by_requests")
    assert rows and {r["year"] for r in rows} == {latest}
    html = server.get("/xxgk/top_agencies_by_requests").text
    assert f'<a href="/xxgk/reports/{rows[0]["report_id"]}">{rows[0]["report_id"]}</a>' in html


def test_licence_and_about_page(server, db):
    from archive import info
    meta = server.get("/-/metadata.json").json()
    assert (meta["license"], meta["license_url"]) == ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert "MIT" not in meta["license"] and meta["about_url"] == "/-/about"
    page = server.get("/-/about")
    assert page.status_code == 200
    n = db.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert f'<strong class="xxgk-n-reports">{n}</strong>' in page.text
    assert info.software_version() in page.text and "How to cite" in page.text and "CC BY 4.0" in page.text
    assert 'href="/-/about"' in server.get("/xxgk/reports").text  # the footer links it
    assert "演示数据" not in page.text  # not a demo archive


def test_a_capture_without_readable_bytes_says_so(server, db):
    cid = db.execute("SELECT id FROM captures LIMIT 1").fetchone()[0]  # loaded from bytes: no WARC, no file
    r = server.get(f"/-/captures/{cid}/raw")
    assert r.status_code == 404 and "cannot be read" in r.text
    assert server.get("/-/captures/999999/raw").status_code == 404
