"""Declared size against what the crawl reached, on every platform whose lists declare one: a mock
portal made to under-deliver (a page or an API answering 404) must give a `list_incomplete`
finding with the numbers its manifest implies, the run's `lists_incomplete` and the state
`incomplete`; served whole, no finding."""
from __future__ import annotations

import json
import math

import pytest

from crawl_support import connect, crawl, portal_sources

from mockportals import MockPortals  # noqa: E402

PAGE = 10
pytestmark = pytest.mark.crawl


def listed(mp, portal: str, column: str) -> list:
    return [e for e in mp.manifest if e.portal == portal and e.column == mp.sites[portal].url(column)]


def shortfalls(data_dir) -> list[dict]:
    db = connect(data_dir)
    return [json.loads(r[0]) for r in db.execute("SELECT details FROM findings WHERE code = 'list_incomplete'")]


def crawl_broken(portal: str, source: int, gone: set[str], tmp_path, column: str):
    """Crawl one source of `portal` with `gone` answering 404; returns the column's manifest
    entries and the one finding."""
    with MockPortals(seed=3, page_size=PAGE, portals=(portal,)) as mp:
        mp.sites[portal].gone |= gone
        src = portal_sources(mp, portal)[source]
        crawl([src], tmp_path)
        entries = listed(mp, portal, column)
        url = src.entry_url
    found = shortfalls(tmp_path)
    db = connect(tmp_path)
    run = db.execute("SELECT * FROM crawl_runs").fetchone()
    state = db.execute("SELECT state FROM source_health").fetchone()[0]
    assert run["lists_incomplete"] == len(found) == 1 and state == "incomplete"
    (short,) = found
    assert short["list_url"] == url and short["run_id"] == run["id"]
    return entries, short


def test_fujian_search_api_answering_404(tmp_path):
    entries, short = crawl_broken("fujian", 0, {"/fjdzapp/search", "/was5/web/search"}, tmp_path,
                                  "/zwgk/zfxxgk/zfxxgknb/")
    assert (short["declared"], short["reached"], short["unit"]) == (len(entries), PAGE, "records")


def test_hanweb_dataproxy_answering_404(tmp_path):
    entries, short = crawl_broken("hanweb", 0, {"/module/web/jpage/dataproxy.jsp"}, tmp_path, "/col/col1229/")
    assert len(entries) > 3 * PAGE  # the page's datastore holds three pages: the rest is missing
    assert (short["declared"], short["reached"], short["unit"]) == (len(entries), 3 * PAGE, "records")


def test_trs_page_answering_404(tmp_path):
    """The first page counts pages (4-argument createPageHTML); the others also the records (6)."""
    entries, short = crawl_broken("trs", 0, {"/zfxxgk/zfxxgknb/index_1.html"}, tmp_path, "/zfxxgk/zfxxgknb/")
    assert math.ceil(len(entries) / PAGE) >= 3  # a page in the middle is missing, not a probe past the end
    assert (short["declared"], short["reached"], short["unit"]) == (len(entries), len(entries) - PAGE, "records")


def test_trs_pages_counted_only(tmp_path):
    """Only pages counted (4-argument createPageHTML on every page): the shortfall is in pages."""
    with MockPortals(seed=3, page_size=PAGE, portals=("trs",)) as mp:
        site = mp.sites["trs"]
        site.pager = lambda count, current: f'<script>createPageHTML({count}, {current}, "index", "html");</script>'
        site.gone.add("/zfxxgk/zfxxgknb/index_2.html")
        crawl(portal_sources(mp, "trs"), tmp_path)
        pages = math.ceil(len(listed(mp, "trs", "/zfxxgk/zfxxgknb/")) / PAGE)
    (short,) = shortfalls(tmp_path)
    assert (short["declared"], short["reached"], short["unit"]) == (pages, pages - 1, "pages")


def test_govcn_next_page_answering_404(tmp_path):
    entries, short = crawl_broken("govcn", 0, {"/zhengce/zfxxgknb/index_1.htm"}, tmp_path, "/zhengce/zfxxgknb/")
    assert (short["declared"], short["reached"], short["unit"]) == (math.ceil(len(entries) / PAGE), 1, "pages")


def test_generic_next_page_answering_404(tmp_path):
    entries, short = crawl_broken("edge", 0, {"/xxgk/zfxxgknb/index_1.html"}, tmp_path, "/xxgk/zfxxgknb/")
    assert (short["declared"], short["reached"], short["unit"]) == (math.ceil(len(entries) / PAGE), 1, "pages")


def test_gkmlpt_category_answering_404_from_page_2(tmp_path):
    """The archetype's second category does this as real gkmlpt sites do: no breaking needed."""
    with MockPortals(seed=3, page_size=PAGE, portals=("gkmlpt",)) as mp:
        crawl(portal_sources(mp, "gkmlpt"), tmp_path)
        capped = listed(mp, "gkmlpt", "/gkmlpt/api/all/2871")
        sid = mp.sites["gkmlpt"].sid
        url = mp.sites["gkmlpt"].url(f"/gkmlpt/api/all/2871?page=1&sid={sid}")
    (short,) = shortfalls(tmp_path)
    assert (short["declared"], short["reached"], short["unit"], short["list_url"]) == (len(capped), PAGE, "records", url)


@pytest.mark.parametrize("portal", ["trs", "trs_gbk", "hanweb", "govcn", "edge", "fujian"])
def test_lists_served_whole_are_complete(portal, tmp_path):
    """No finding where nothing is missing — trs_gbk's countPage one too many included."""
    with MockPortals(seed=3, page_size=PAGE, portals=(portal,)) as mp:
        crawl(portal_sources(mp, portal), tmp_path)
    assert shortfalls(tmp_path) == []
    assert {r[0] for r in connect(tmp_path).execute("SELECT lists_incomplete FROM crawl_runs")} == {0}
