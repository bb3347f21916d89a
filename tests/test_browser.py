"""A researcher's path through the served archive in headless Chromium (the system's, driven by
Playwright; no browser download): search 复议 in Datasette's search box, apply the year facet,
open a report, download the CSV. Screenshots go to test-artifacts/."""
from __future__ import annotations

import csv
import io
import re

import pytest

from datasette_support import Server, build_archive, texts
from needs import tool

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium")]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    archive = build_archive(tmp / "xxgk.db")
    with Server(archive, tmp / "serve.log") as server:
        yield server, archive


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=tool("chromium"), args=ARGS, headless=True)
        yield b
        b.close()


def _count(page) -> int:
    """The search page's count (the plugin's: exact up to 10,000, "10,000+" beyond, which int()
    refuses: these archives are smaller)."""
    return int(page.locator(".xxgk-count strong").first.inner_text().replace(",", ""))


def test_search_facet_open_report_download_csv(served, browser, artifacts_dir):
    server, archive = served
    reports, _ = texts(archive)
    from archive.db import open_db
    db = open_db(archive)
    years = dict(db.execute("SELECT id, year FROM reports").fetchall())
    agencies = dict(db.execute("SELECT id, agency FROM reports").fetchall())
    db.conn.close()
    matching = {rid for rid, t in reports.items() if "复议" in t}

    page = browser.new_page(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page.goto(f"{server.url}/xxgk/reports")
    page.fill("#_search", "复议")
    page.press("#_search", "Enter")
    page.wait_for_url(re.compile(r"_search="))
    assert page.input_value("#_search") == "复议"
    assert _count(page) == len(matching)
    assert page.locator(".xxgk-matches mark").first.inner_text() == "复议"
    snippets = page.locator(".xxgk-matches tbody tr")
    assert snippets.count() == min(len(matching), 50) == page.locator(".xxgk-matches tbody tr:has(mark)").count()
    page.locator(".xxgk-matches").screenshot(path=str(artifacts_dir / "datasette_snippets.png"))

    # the year facet: first value listed
    link = page.locator("#facet-year ul li a").first
    year = int(link.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"year="))
    want = {rid for rid in matching if years[rid] == year}
    assert _count(page) == len(want) > 0
    shown = {int(t) for t in page.locator(".table-wrapper td.col-id a").all_inner_texts()}
    assert shown == want
    page.screenshot(path=str(artifacts_dir / "datasette_search_facet.png"))
    results_url = page.url

    # open a report
    first = min(rid for rid in want if agencies[rid])
    page.locator(".table-wrapper td.col-id a", has_text=re.compile(rf"^{first}$")).click()
    page.wait_for_url(re.compile(rf"/xxgk/reports/{first}$"))
    assert agencies[first] in page.locator("body").inner_text()
    parts = page.locator(".xxgk-text").all_inner_texts()  # the row page shows the report's text
    assert parts and any("复议" in p for p in parts)
    page.screenshot(path=str(artifacts_dir / "datasette_report.png"))

    # download the search results as CSV through the export form
    page.goto(results_url)
    page.check("input[name=_dl]")
    with page.expect_download() as download:
        page.click("input[value='Export CSV']")
    saved = artifacts_dir / "datasette_search.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {int(r["id"]) for r in rows} == want
    assert {int(r["year"]) for r in rows} == {year}
    assert all(r["agency"] == (agencies[int(r["id"])] or "") for r in rows)
    page.close()


def test_dashboard_draws_its_charts(served, browser, artifacts_dir):
    server, _ = served
    charts = server.get("/-/metadata.json").json()["plugins"]["datasette-dashboards"]["xxgk"]["charts"]
    n_vega = sum(c["library"] == "vega-lite" for c in charts.values())
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/-/dashboards/xxgk")
    page.wait_for_function(f"document.querySelectorAll('canvas.marks, svg.marks').length >= {n_vega}",
                           timeout=30_000)
    assert page.locator("text=年度报告概览").count() == 1
    metric = page.locator(".dashboard-card", has_text="报告 Reports").first.inner_text()
    assert "36" in metric
    assert not errors
    page.screenshot(path=str(artifacts_dir / "datasette_dashboard.png"), full_page=True)
    page.close()
