"""`xxgk demo` end to end, as a user runs it: the mock portals crawled into a fresh archive and
served on the port given; what it serves checked against the mock portals' manifest (never
against the archive under test) over HTTP and in headless Chromium.

- each publication (an HTML page and its PDF/DOCX attachment, a report posted twice) counts once
  in `province_year_totals` and `top_agencies_by_requests`;
- the demo says it is synthetic demo data on every page;
- a report's page shows the applications table with the template's labels and the generated
  numbers, its archived copy is the captured bytes (SHA-256), sandboxed;
- a canned query with a year parameter opens with results."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from crawl_support import REPO
from datasette_support import free_port
from mockportals import MockPortals
from needs import tool

pytestmark = [pytest.mark.crawl, pytest.mark.slow, pytest.mark.needs("soffice")]
SCALE = 0.3
KEY = ("applications", "new_received", "total")
UNREAD = ("ofd", "image")  # formats whose figures the parsers do not read (yet): no numbers to compare
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Demo:
    url: str  # the URL `xxgk demo` printed
    data_dir: Path

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.url.removesuffix("/xxgk") + path, params=params or None, timeout=60)

    def rows(self, path: str, **params) -> list[dict]:
        r = self.get(path, _shape="array", _size="max", **params)
        assert r.status_code == 200, r.text[:500]
        return r.json()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    port = free_port()
    log = tmp / "demo.log"
    args = [str(Path(sys.executable).with_name("xxgk")), "demo", "--no-browser", "--scale", str(SCALE),
            "--data-dir", str(tmp / "data"), "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)})
    try:
        url = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"serving \S+ at (http://\S+)", log.read_text(errors="replace"))
            if found:
                url = found.group(1)
                try:
                    if httpx.get(url + ".json", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(1)
        else:
            raise RuntimeError(f"xxgk demo did not serve: {log.read_text(errors='replace')[-3000:]}")
        assert url == f"http://127.0.0.1:{port}/xxgk"  # the URL it printed is the one it serves
        yield Demo(url, tmp / "data")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(20)


@pytest.fixture(scope="module")
def manifest():
    """The reports the demo's portals publish (the same seed and scale: the same truth)."""
    with MockPortals(seed=1, scale=SCALE) as mp:
        province = {s.portal: s.province for s in mp.sources}
        yield [(e, province[e.portal]) for e in mp.manifest if e.kind == "report" and e.expect == "archived"]


def _province(portal_province: str, agency: str) -> str | None:
    """As documented: the portal's province, else (a national portal) the one the agency's name starts with."""
    return portal_province or (agency.split("省")[0] if "省" in agency[:4] else None)


def _new_requests(e) -> int:
    """The generated number: section 三's total, or the narrative's for pre-2019 reports."""
    cells = {(c.table, c.row, c.column): c.value for c in e.report.cells}
    return cells[KEY] if KEY in cells else next(f.value for f in e.report.facts if f.key == "requests_received")


def _publications(manifest) -> dict[tuple, list]:
    """(agency, year) -> its manifest entries: one publication, whatever its renditions."""
    out: dict[tuple, list] = defaultdict(list)
    for e, prov in manifest:
        out[(e.agency, e.year)].append((e, prov))
    return out


def test_province_year_totals_count_each_publication_once(demo, manifest):
    pubs = _publications(manifest)
    want: dict[tuple, list] = defaultdict(list)
    for (agency, year), entries in pubs.items():
        e, prov = entries[0]
        want[(_province(prov, agency), year)].append(entries)
    # the test means something: publications archived as several documents
    assert sum(len(e.attachments) for e, _ in manifest) >= 5
    got = {(r["province"] or None, r["year"]): r for r in demo.rows("/xxgk/province_year_totals.json")}
    assert set(got) == set(want)
    for key, publications in want.items():
        row = got[key]
        assert row["reports"] == len(publications), key
        documents = sum(1 + len(e.attachments) for entries in publications for e, _ in entries)
        assert row["documents"] <= documents, key  # pages that only point at their attachment fail: still documents
        if not any(e.fmt in UNREAD for entries in publications for e, _ in entries):
            assert row["new_requests"] == sum(_new_requests(entries[0][0]) for entries in publications), key


@pytest.mark.parametrize("year", [None, 2022])
def test_top_agencies_by_requests_lists_each_agency_once(demo, manifest, year):
    latest = max(e.year for e, _ in manifest if e.template != "pre2019")
    year = year or latest  # an empty year: the latest in the archive
    pubs = {k: v for k, v in _publications(manifest).items() if k[1] == year}
    unread = {agency for (agency, _), entries in pubs.items() if any(e.fmt in UNREAD for e, _ in entries)}
    want = sorted(((agency, _new_requests(entries[0][0])) for (agency, _), entries in pubs.items()
                   if agency not in unread), key=lambda x: (-x[1], x[0]))
    assert any(e.attachments for entries in pubs.values() for e, _ in entries)  # renditions to count once
    rows = demo.rows("/xxgk/top_agencies_by_requests.json", **({"year": year} if year != latest else {}))
    assert {r["year"] for r in rows} == {year}
    got = [(r["agency"], r["new_requests"]) for r in rows if r["agency"] not in unread]
    assert got == want
    assert len({r["agency"] for r in rows}) == len(rows)


def test_reports_table_counts_publications_and_lists_every_document_on_request(demo, manifest):
    n_publications = len(_publications(manifest))
    n_documents = sum(1 + len(e.attachments) for e, _ in manifest)
    one = demo.get("/xxgk/reports.json", _size="0").json()
    every = demo.get("/xxgk/reports.json", _size="0", _renditions="all").json()
    assert one["filtered_table_rows_count"] == n_publications
    # documents: one more per attachment; a page that only announces its attachment is kept too
    assert n_publications < every["filtered_table_rows_count"] <= n_documents
    assert sum(f["count"] for f in one["facet_results"]["year"]["results"]) == n_publications


def test_the_documented_search_examples_find_reports(demo):
    for query in ('"行政复议 行政诉讼"', "复议 OR 诉讼", "政务新媒体", "复议 -诉讼 OR 依申请公开"):
        found = demo.rows("/xxgk/reports.json", _search=query, _col="title")
        assert found, query


def test_export_of_the_demo_says_so_and_carries_the_originals(demo, tmp_path):
    from click.testing import CliRunner

    from xxgk.cli import cli
    res = CliRunner().invoke(cli, ["export", str(tmp_path), "--data-dir", str(demo.data_dir), "--version", "d",
                                   "--with-originals"])
    assert res.exit_code == 0, res.output
    bundle = tmp_path / "xxgk-archive-d"
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert "演示数据 · synthetic demo data" in readme and "Do not cite it as data" in readme
    sums = dict(reversed(line.split("  ", 1)) for line in (bundle / "SHA256SUMS").read_text().splitlines())
    originals = [rel for rel in sums if rel.startswith("originals/")]
    shas = {r["sha256"] for r in demo.rows("/xxgk/reports.json", _renditions="all", _col="sha256")}
    assert {Path(rel).stem for rel in originals} == shas  # every report document, from the WARC files
    for rel in originals:
        assert hashlib.sha256((bundle / rel).read_bytes()).hexdigest() == sums[rel] == Path(rel).stem


# --- in Chromium -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=tool("chromium"), args=ARGS, headless=True)
        yield b
        b.close()


def _paired(demo, manifest):
    """A 2021 HTML report with a PDF attachment, and its report id (found by its URL's path: the
    demo's portals ran on other ports)."""
    for e, _ in manifest:
        if e.fmt == "html" and e.template == "2021" and any(a.endswith(".pdf") for a in e.attachments):
            rows = demo.rows("/xxgk.json", sql="SELECT r.id FROM captures c JOIN reports r ON r.sha256 = c.sha256 "
                                                "WHERE c.url LIKE :url AND r.status = 'ok'",
                             url="http://127.0.0.1:%" + urlsplit(e.url).path)
            if rows:
                return e, rows[0]["id"]
    raise AssertionError("the demo has no HTML report with an attachment")




@pytest.mark.browser
@pytest.mark.needs("chromium")
def test_report_page_shows_the_applications_table(demo, manifest, browser, artifacts_dir):
    from parsers import spec
    e, rid = _paired(demo, manifest)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1300, "height": 1000})
    page.goto(f"{demo.url}/reports/{rid}")
    assert e.agency in page.title() and str(e.year) in page.title()
    table = page.locator(".xxgk-table-applications table.xxgk-figures")
    head = table.locator("thead").inner_text()
    for c in spec.template("2021").columns["applications"]:
        assert c.label in head and (c.group is None or c.group in head)
    truth = {(c.table, c.row, c.column): c.value for c in e.report.cells}
    for r in spec.template("2021").rows["applications"]:
        row = table.locator("tbody tr", has=page.locator("th", has_text=r.label)).first
        numbers = row.locator("td").all_inner_texts()
        assert numbers == [str(truth[("applications", r.key, c)]) for c in r.columns], r.label
    # hover: the English label; click: the cell's row, with the number as printed
    first = table.locator("td a").first
    assert first.get_attribute("title").startswith("Requests newly received this year: natural persons")
    first.click()
    page.wait_for_url(re.compile(rf"/xxgk/cells/{rid},applications,new_received,natural_person$"))
    assert str(truth[("applications", "new_received", "natural_person")]) in page.locator("body").inner_text()
    page.go_back()
    # its other rendition is one click away
    renditions = page.locator("table.xxgk-renditions tbody tr")
    assert renditions.count() == 1 + len(e.attachments)
    page.screenshot(path=str(artifacts_dir / "demo_report_page.png"), full_page=True)
    page.close()


@pytest.mark.browser
@pytest.mark.needs("chromium")
def test_archived_copy_is_the_captured_document(demo, manifest, browser):
    e, rid = _paired(demo, manifest)
    page = browser.new_page()
    page.goto(f"{demo.url}/reports/{rid}")
    link = page.locator("a.xxgk-original").first
    assert link.inner_text() == "存档原件 · archived copy"
    sha = demo.get(f"/xxgk/reports/{rid}.json", _shape="array").json()[0]["sha256"]
    answer = page.request.get(link.evaluate("a => a.href"))
    assert answer.status == 200 and hashlib.sha256(answer.body()).hexdigest() == sha
    assert answer.headers["content-type"].startswith("text/html")
    assert "sandbox" in answer.headers["content-security-policy"] and "default-src 'none'" in \
        answer.headers["content-security-policy"]
    # shown in the browser: nothing leaves the archive's server
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    link.click()
    page.wait_for_load_state("load")
    assert seen and all(u.startswith(demo.url.removesuffix("/xxgk")) for u in seen), seen
    # the PDF rendition's copy too
    page.goto(f"{demo.url}/reports/{rid}")
    pdf_row = page.locator("table.xxgk-renditions tbody tr", has_text="application/pdf").first
    pdf_id = int(pdf_row.locator("td").first.inner_text())
    pdf_sha = demo.get(f"/xxgk/reports/{pdf_id}.json", _shape="array").json()[0]["sha256"]
    answer = page.request.get(pdf_row.locator("a", has_text="存档原件").evaluate("a => a.href"))
    assert hashlib.sha256(answer.body()).hexdigest() == pdf_sha and answer.headers["content-type"] == "application/pdf"
    page.close()


@pytest.mark.browser
@pytest.mark.needs("chromium")
def test_the_demo_banner_is_on_every_page(demo, manifest, browser):
    _, rid = _paired(demo, manifest)
    base = demo.url.removesuffix("/xxgk")
    page = browser.new_page()
    for path in ("/", "/xxgk", "/xxgk/reports", f"/xxgk/reports/{rid}", "/xxgk/top_agencies_by_requests",
                 "/xxgk/province_year_totals", "/-/about", "/-/dashboards/xxgk", "/xxgk/captures/1"):
        page.goto(base + path)
        banner = page.locator(".xxgk-demo")
        assert banner.count() == 1 and banner.is_visible(), path
        assert "演示数据 · synthetic demo data" in banner.inner_text(), path
    # the capture page links its archived original too
    link = page.locator("a", has_text="存档原件 · archived copy")
    assert link.count() == 1 and page.request.get(link.evaluate("a => a.href")).status == 200
    page.close()


@pytest.mark.browser
@pytest.mark.needs("chromium")
def test_a_year_parameter_query_opens_with_results(demo, manifest, browser):
    latest = max(e.year for e, _ in manifest if e.template != "pre2019")
    page = browser.new_page()
    page.goto(f"{demo.url}/top_agencies_by_requests")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 0
    assert set(page.locator("td.col-year").all_inner_texts()) == {str(latest)}
    link = page.locator("td.col-report_id a").first
    rid = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(rf"/xxgk/reports/{rid}$"))
    assert page.locator(".xxgk-table-applications").count() == 1
    page.close()
