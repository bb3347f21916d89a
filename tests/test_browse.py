"""Pages of an archive with more matches than the count cap (archive/browse.py and the plugin
xxgk_browse.py), served by a real `xxgk serve`: capped counts say so (10,000+ on the page, null
and `xxgk_count` in the JSON), counts and facets shown as exact are exact (against SQL and a
brute-force substring oracle), estimated facets say ≈ and are near the truth, and a search's rows
are the same whichever way they are found (pages of ids, Datasette's own clause, CSV streaming)."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest

from archive import browse, search
from archive.bulk import load_reports
from archive.db import open_db
from bench.archive_bench import synthetic_reports
from datasette_support import Server, build_archive, texts

# (loading 12,500 reports takes a minute or two on a busy machine: more than the default timeout)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
N = browse.CAP + 2500  # more reports than the cap: the common words are in every one
FACETS = ("year", "province", "level", "template", "status")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "xxgk.db"
    db = open_db(path)
    assert load_reports(db, synthetic_reports(N, syllables=3), batch=5000) == N
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def server(archive, tmp_path_factory):
    with Server(archive, tmp_path_factory.mktemp("log") / "serve.log") as s:
        yield s


@pytest.fixture(scope="module")
def db(archive):
    d = open_db(archive)
    yield d
    d.conn.close()


@pytest.fixture(scope="module")
def oracle(archive):
    return texts(archive)[0]


@pytest.fixture(scope="module")
def mid_term(db, oracle):
    """A word in some thousands of reports, fewer than the cap (an agency-name ending)."""
    for term in ("县人民政府", "人民政府", "镇人民政府", "教育局", "街道办事处", "市场监督管理局"):
        n = sum(term in t for t in oracle.values())
        if 1000 <= n <= browse.CAP:
            return term
    pytest.fail("no word of the synthetic archive is in a few thousand reports")


def _ids(server, **params) -> list[int]:
    """Every id of a search, page by page through `_next` (as a client of the JSON API does)."""
    out, nxt = [], None
    while True:
        page = server.get("/xxgk/reports.json", _size=1000, _nofacet=1, **params,
                          **({"_next": nxt} if nxt else {})).json()
        out += [r[0] for r in page["rows"]]
        nxt = page["next"]
        if not nxt:
            return out


def _truth(db, ids) -> dict[str, Counter]:
    rows = db.execute(f"SELECT {', '.join(FACETS)} FROM reports WHERE id IN ({','.join(map(str, ids))})").fetchall()
    return {c: Counter(r[i] for r in rows if r[i] is not None) for i, c in enumerate(FACETS)}


def _facets(page: dict) -> dict[str, dict]:
    return {name: {v["value"]: v["count"] for v in f["results"]} | {"_estimated": f.get("estimated")}
            for name, f in page["facet_results"].items()}


def test_a_common_word_counts_10000_plus_on_the_page_and_in_the_json(server):
    page = server.get("/xxgk/reports.json", _search="复议", _nofacet=1).json()
    assert page["filtered_table_rows_count"] is None  # not counted: not a number that could be wrong
    assert page["xxgk_count"] == {"count": browse.CAP, "more": True, "display": "10,000+"}
    html = server.get("/xxgk/reports", _search="复议").text
    assert re.search(r'class="xxgk-count"><strong>10,000\+</strong> publications match \(counted up to 10,000', html)
    assert "≈" in html and "xxgk-facets-estimated" in html  # its facets are estimates, and say so


def test_counts_under_the_cap_are_exact_and_so_are_their_facets(server, db, oracle, mid_term):
    want = sorted(rid for rid, t in oracle.items() if mid_term in t)
    page = server.get("/xxgk/reports.json", _search=mid_term).json()
    assert page["filtered_table_rows_count"] == len(want)
    assert page["xxgk_count"] == {"count": len(want), "more": False, "display": f"{len(want):,}"}
    got, truth = _facets(page), _truth(db, want)
    for c in FACETS:
        assert got[c].pop("_estimated") is False
        assert got[c] == dict(truth[c].most_common(len(got[c]))), c
    html = server.get("/xxgk/reports", _search=mid_term).text
    assert f"<strong>{len(want):,}</strong> publications match" in html and "≈" not in html


def test_a_search_pages_through_exactly_the_matching_reports(server, oracle, mid_term):
    for term in (mid_term, f"{mid_term} -教育局", "复议"):
        want = sorted(rid for rid, t in oracle.items() if search.contains(t, term))
        assert _ids(server, _search=term) == want, term
    # the same rows through Datasette's own clause (a sort, a facet of Datasette's) and as a CSV stream
    want = sorted(rid for rid, t in oracle.items() if mid_term in t)
    assert sorted(_ids(server, _search=mid_term, _sort="year")) == want
    assert sorted(_ids(server, _search=mid_term, _facet="agency")) == want
    text = server.get("/xxgk/reports.csv", _search=mid_term, _stream="on", _size="max").text
    assert sorted(int(r["id"]) for r in csv.DictReader(io.StringIO(text))) == want


def test_filtered_search_pages(server, db, oracle, mid_term):
    year, level = 2022, "county"
    want = [rid for rid, t in oracle.items() if mid_term in t]
    want = sorted(r[0] for r in db.execute(f"SELECT id FROM reports WHERE year = ? AND level = ? AND id IN "
                                           f"({','.join(map(str, want))})", [year, level]))
    assert want
    assert _ids(server, _search=mid_term, year=year, level=level) == want
    page = server.get("/xxgk/reports.json", _search=mid_term, year=year, level=level).json()
    assert page["filtered_table_rows_count"] == len(want)


def test_facet_pages_count_exactly_from_the_summary(server, db):
    for filters in ({}, {"year": 2021}, {"year": 2021, "level": "county"}, {"province__in": "江西省,广东省"}):
        page = server.get("/xxgk/reports.json", **filters).json()
        sql = "SELECT id FROM reports WHERE is_primary = 1" + "".join(
            f" AND {k} = ?" for k in filters if "__" not in k) + (
            " AND province IN ('江西省', '广东省')" if "province__in" in filters else "")
        ids = [r[0] for r in db.execute(sql, [v for k, v in filters.items() if "__" not in k])]
        assert page["filtered_table_rows_count"] == len(ids)
        got, truth = _facets(page), _truth(db, ids)
        for c in FACETS:
            assert got[c].pop("_estimated") is False
            assert got[c] == dict(truth[c].most_common(len(got[c]))), (filters, c)


def test_estimated_facets_are_near_the_truth(server, db, oracle):
    page = server.get("/xxgk/reports.json", _search="复议").json()
    truth = _truth(db, [rid for rid, t in oracle.items() if "复议" in t])
    for c in FACETS:
        got = _facets(page)[c]
        assert got.pop("_estimated") is True
        for value, n in truth[c].items():
            if n >= 1000:  # the large groups: within a fifth
                assert abs(got.get(value, 0) - n) <= 0.2 * n, (c, value, got.get(value), n)


def test_sections_search_reads_the_same_parts_either_way(tmp_path):
    """A search of common words reads parts in id order (their text decides); of rare words, the
    parts of the reports the index matches: the same parts (checked against a brute-force oracle)."""
    path = build_archive(tmp_path / "xxgk.db")
    _, sections = texts(path)
    db = open_db(path)
    doc = "coalesce(heading, '') || char(10) || coalesce(text, '')"
    for query in ("复议", "依申请公开", "政务新媒体 复议", "公开"):
        s = search.section_search(query, doc)
        assert s.exact
        want = {sid for sid, (_, t) in sections.items() if all(w in t for w in query.split())}
        assert want
        for common in (0, 10**9):  # every word common / every word rare
            clause, params = browse.sections_clause(db.conn, s, common=common)
            got = {r[0] for r in db.execute(f"SELECT id FROM sections WHERE {clause}", params)}
            assert got == want, (query, common)
    db.conn.close()


def test_a_cell_has_its_row_page_and_json(server, db):
    rid = db.execute("SELECT report_id FROM cells WHERE table_key = 'applications' AND row_key = 'new_received' "
                     "AND column_key = 'total' LIMIT 1").fetchone()[0]
    value = db.execute("SELECT value FROM cells WHERE report_id = ? AND table_key = 'applications' "
                       "AND row_key = 'new_received' AND column_key = 'total'", [rid]).fetchone()[0]
    url = f"/xxgk/cells/{rid},applications,new_received,total"
    row = server.get(url + ".json").json()
    assert row["primary_keys"] == ["report_id", "table_key", "row_key", "column_key"]
    assert dict(zip(row["columns"], row["rows"][0]))["value"] == value
    assert server.get(url).status_code == 200 and "new_received" in server.get(url).text
    assert server.get(f"/xxgk/cells/{rid},applications,no_such_row,total").status_code == 404
